"""The assessment entry grid: who may open it, what each row shows, what one submit saves, and its query count.

Figures are worked by hand from docs/figures.md (sections 3, 4 and 9) under the default points
scheme NS2007-extended: a sub-level is 2 points and "b" of level L is 6L + 3 (3b = 21, 4c = 25).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.grid import grid_save, read_cell
from assessments.models import Assessment, AssessmentKind
from pupils.models import Role
from sencotrack.parsing import term_for_date
from tests import factories as f
from tests.queries import session_queries

GRID = reverse("assessments:grid")
YEAR, TERM = 2024, "autumn"  # the grid's term in most tests: autumn 2024/25


def grid_url(group, *, subject="english", year=YEAR, term=TERM) -> str:
    return f"{GRID}?{urlencode({'group': group.pk, 'subject': subject, 'academic_year': year, 'term': term})}"


def post_data(group, cells: dict, *, originals: dict | None = None, subject="english", year=YEAR, term=TERM) -> dict:
    data = {"group": group.pk, "subject": subject, "academic_year": year, "term": term}
    for pupil, text in cells.items():
        data[f"result-{pupil.pk}"] = text
    for pupil, text in (originals or {}).items():
        data[f"original-{pupil.pk}"] = text
    return data


@pytest.fixture
def school(personas):
    """9E1 (English, taught by bob) with Amy Smith, plus Cara Brown and Dev Patel; Ben Jones is in no group."""
    personas.english = personas.group.subject
    assert personas.english.code == "english"
    personas.cara = f.PupilFactory(school=personas.school, surname="Brown", forename="Cara")
    personas.dev = f.PupilFactory(school=personas.school, surname="Patel", forename="Dev")
    personas.group.pupils.add(personas.cara, personas.dev)
    return personas


# --- Who may open it ---------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client, school):
    response = client.get(grid_url(school.group))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["ta", "governor", "data_manager"])
def test_tas_governors_and_data_managers_are_refused(client, school, who):
    client.force_login(getattr(school, who))
    assert client.get(GRID).status_code == 403
    assert client.get(grid_url(school.group)).status_code == 403
    assert client.post(GRID, post_data(school.group, {school.pupil: "4b"})).status_code == 403
    assert not Assessment.objects.exists()


def test_teacher_cannot_open_another_teachers_group(client, school):
    other = f.TeachingGroupFactory(school=school.school, name="9E2", subject=school.english)
    other.staff.add(f.UserFactory(username="olga"))
    other.pupils.add(school.other_pupil)
    client.force_login(school.teacher)
    assert client.get(grid_url(other)).status_code == 404
    assert client.post(GRID, post_data(other, {school.other_pupil: "4b"})).status_code == 404
    assert not Assessment.objects.exists()


def test_another_schools_senco_cannot_open_our_group(client, school):
    client.force_login(school.outsider)
    assert client.get(grid_url(school.group)).status_code == 404
    assert client.post(GRID, post_data(school.group, {school.pupil: "4b"})).status_code == 404


def test_a_made_up_group_id_is_not_found(client, school):
    client.force_login(school.senco)
    assert client.get(f"{GRID}?group=not-a-number").status_code == 404
    assert client.get(f"{GRID}?group=999999").status_code == 404


def test_senco_opens_any_group_of_the_school(client, school):
    other = f.TeachingGroupFactory(school=school.school, name="9E2", subject=school.english)
    other.pupils.add(school.other_pupil)
    client.force_login(school.senco)
    response = client.get(grid_url(other))
    assert response.status_code == 200
    assert "Jones, Ben" in response.content.decode()


def test_senco_with_several_groups_is_asked_to_choose_one(client, school):
    f.TeachingGroupFactory(school=school.school, name="9E2", subject=school.english)
    client.force_login(school.senco)
    response = client.get(GRID)
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["grid"] is None
    assert "9E1" in page and "9E2" in page


# --- What the grid shows -----------------------------------------------------------------------


def test_teacher_with_one_group_lands_on_its_grid_for_the_current_term_and_its_subject(client, school):
    client.force_login(school.teacher)
    response = client.get(GRID)
    year, term = term_for_date(timezone.localdate())
    data = response.context["grid"]
    assert (data.group, data.subject, data.academic_year, data.term) == (school.group, school.english, year, term)


def test_rows_are_in_surname_order_with_last_terms_result_and_the_expected_result(client, school):
    # Amy Smith: KS2 baseline 3b in summer 2022/23 (term index 2022*3+2 = 6068). Autumn 2024/25 is
    # 2024*3+0 = 6072, so t = 4 terms. KS2 -> KS4 expects 3 levels in 15 terms (DOMAIN 9.1):
    # expected points = 21 + 3 x 6 x 4 / 15 = 21 + 4.8 = 25.8, shown as the step at or below: 4c (25).
    f.BaselineFactory(pupil=school.pupil, subject=school.english, key_stage="KS2", result="3b", academic_year=2022)
    # Cara Brown: KS1 baseline 2c (13) in summer 2018/19 (index 6056): t = 16 terms; KS1 -> KS2 is
    # 2 levels in 12 terms: 13 + 2 x 6 x 16 / 12 = 13 + 16 = 29 points, exactly 4a (29).
    f.BaselineFactory(pupil=school.cara, subject=school.english, key_stage="KS1", result="2c", academic_year=2018)
    f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=2023, term="summer", result="3a")
    f.AssessmentFactory(pupil=school.dev, subject=school.english, academic_year=2024, term="autumn", result="P7")
    # Not shown: another subject's result, a test (not a teacher assessment), a result two terms back.
    maths = f.SubjectFactory(code="maths", name="Maths")
    f.AssessmentFactory(pupil=school.cara, subject=maths, academic_year=2023, term="summer", result="5a")
    f.AssessmentFactory(pupil=school.cara, subject=school.english, academic_year=2023, term="summer", result="2a", kind="test")
    f.AssessmentFactory(pupil=school.dev, subject=school.english, academic_year=2023, term="spring", result="P6")
    client.force_login(school.teacher)

    rows = client.get(grid_url(school.group)).context["grid"].rows

    assert [r.pupil.surname for r in rows] == ["Brown", "Patel", "Smith"]
    cara, dev, amy = rows
    assert amy.previous.result == "3a" and amy.current is None
    assert amy.expected.code == "4c" and amy.expected.points == pytest.approx(25.8)
    assert amy.expected.baseline_label == "KS2 3b"
    assert cara.previous is None and cara.expected.code == "4a" and cara.expected.points == pytest.approx(29)
    assert dev.previous is None and dev.current.result == "P7" and dev.expected is None


def test_an_existing_result_is_prefilled_and_the_previous_term_shown(client, school):
    f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=2024, term="autumn", result="4c")
    f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=2024, term="summer", result="3a")
    client.force_login(school.teacher)
    page = client.get(grid_url(school.group)).content.decode()
    assert f'name="result-{school.pupil.pk}" id="result-{school.pupil.pk}" value="4c"' in page
    assert f'name="original-{school.pupil.pk}" value="4c"' in page
    assert "Summer 2023/24" in page  # the column heading of last term, autumn 2024/25's previous term


def test_archived_pupils_are_not_rows(client, school):
    school.dev.archived_at = timezone.now()
    school.dev.save()
    client.force_login(school.teacher)
    rows = client.get(grid_url(school.group)).context["grid"].rows
    assert [r.pupil.surname for r in rows] == ["Brown", "Smith"]


def test_a_group_without_a_subject_asks_for_one(client, school):
    school.group.subject = None
    school.group.save()
    client.force_login(school.teacher)
    response = client.get(f"{GRID}?group={school.group.pk}")
    assert response.context["grid"] is None
    assert "has no subject of its own" in response.content.decode()


def test_cells_have_labels_and_no_inline_script(client, school):
    client.force_login(school.teacher)
    page = client.get(grid_url(school.group)).content.decode()
    assert f'<label class="visually-hidden" for="result-{school.pupil.pk}">Autumn 2024/25 result for Amy Smith</label>' in page
    assert f'aria-describedby="check-{school.pupil.pk}"' in page
    assert "<script>" not in page and "onclick" not in page
    assert "js/grid.js" in page


# --- Reading cells -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "framework", "code"),
    [("4 B", "nc", "4b"), ("4b", "nc", "4b"), ("P1(ii)", "nc", "P1ii"), ("p6", "nc", "P6"), (" w ", "nc", "W"),
     ("4", "nc", "4"), ("pk3", "pks", "PK3"), ("Emerging", "engagement", "emerging")],
)  # fmt: skip
def test_cells_are_read_forgivingly(typed, framework, code):
    assert read_cell(typed) == (framework, code)


@pytest.mark.parametrize("typed", ["4d", "P1", "level four", "9a"])
def test_cells_that_are_not_levels_say_which_codes_are_valid(typed):
    with pytest.raises(ValueError, match=r"is not a level\. Valid codes: P1i-P3ii \(e\.g\. P1ii\), P4-P8, 1c-8a"):
        read_cell(typed)


# --- One submit saves the grid -----------------------------------------------------------------


def test_valid_cells_save_as_canonical_codes_and_an_invalid_cell_is_marked_and_kept(client, school):
    client.force_login(school.teacher)
    response = client.post(GRID, post_data(school.group, {school.pupil: "4 B", school.cara: "P1(ii)", school.dev: "4d"}))

    assert response.status_code == 200  # shown again, because a cell needs checking
    stored = dict(Assessment.objects.values_list("pupil__surname", "result"))
    assert stored == {"Smith": "4b", "Brown": "P1ii"}
    page = response.content.decode()
    assert "Saved 2 results; 1 needs checking." in page
    dev = school.dev.pk
    assert f'id="result-{dev}" value="4d"' in page  # what was typed is kept
    assert 'aria-invalid="true"' in page and page.count('aria-invalid="true"') == 1
    assert "Check this:</strong> &#x27;4d&#x27; is not a level." in page  # the reason in words, not only red
    assert f'href="#result-{dev}">Dev Patel: “4d”</a>' in page  # the summary links to the cell
    assert f'id="result-{school.pupil.pk}" value="4b"' in page  # a saved cell shows the stored code
    assert "Saved as <strong>4b</strong>" in page


def test_when_every_cell_is_valid_the_grid_saves_and_redirects_with_the_summary(client, school):
    client.force_login(school.teacher)
    response = client.post(
        GRID, post_data(school.group, {school.pupil: "4b", school.cara: "3a", school.dev: ""}), follow=True
    )
    assert response.redirect_chain[-1][0] == grid_url(school.group)
    assert "Saved 2 results. 9E1, English, Autumn 2024/25." in response.content.decode()
    saved = Assessment.objects.get(pupil=school.pupil)
    assert (saved.subject, saved.academic_year, saved.term, saved.kind, saved.framework) == (
        school.english, 2024, "autumn", AssessmentKind.TEACHER, "nc",
    )  # fmt: skip
    assert saved.recorded_by == school.teacher


def test_saving_again_updates_changed_cells_and_counts_unchanged_ones(client, school):
    f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=2024, term="autumn", result="4c")
    f.AssessmentFactory(pupil=school.cara, subject=school.english, academic_year=2024, term="autumn", result="3a")
    client.force_login(school.senco)
    response = client.post(
        GRID,
        post_data(school.group, {school.pupil: "4b", school.cara: "3A"}, originals={school.pupil: "4c", school.cara: "3a"}),
        follow=True,
    )
    assert "Saved 1 result; 1 unchanged." in response.content.decode()
    assert Assessment.objects.get(pupil=school.pupil).result == "4b"
    assert Assessment.objects.get(pupil=school.pupil).recorded_by == school.senco
    assert Assessment.objects.count() == 2


def test_blank_cells_keep_results_and_a_cleared_cell_removes_its_result(client, school):
    f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=2024, term="autumn", result="4c")
    f.AssessmentFactory(pupil=school.cara, subject=school.english, academic_year=2024, term="autumn", result="3a")
    client.force_login(school.teacher)
    # Amy's cell showed 4c and was cleared: removed. Cara's was drawn blank (someone saved 3a since):
    # a blank cell means "no result typed", so her 3a stays, and the summary says it was kept.
    response = client.post(
        GRID, post_data(school.group, {school.pupil: "", school.cara: "", school.dev: "5c"}, originals={school.pupil: "4c"}),
        follow=True,
    )
    assert (
        "Saved 1 result; removed 1 cleared result; 1 result you did not touch was changed by an import or task "
        "(no signed-in person) at "
    ) in response.content.decode()
    assert "meanwhile and is kept." in response.content.decode()
    assert dict(Assessment.objects.values_list("pupil__surname", "result")) == {"Brown": "3a", "Patel": "5c"}


def test_an_invalid_cell_does_not_remove_the_result_it_replaces(client, school):
    f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=2024, term="autumn", result="4c")
    client.force_login(school.teacher)
    response = client.post(GRID, post_data(school.group, {school.pupil: "4d"}, originals={school.pupil: "4c"}))
    assert "Nothing new saved; 1 needs checking." in response.content.decode()
    assert Assessment.objects.get().result == "4c"


def test_cells_for_pupils_outside_the_group_are_ignored(client, school):
    client.force_login(school.teacher)
    data = post_data(school.group, {school.pupil: "4b"})
    data[f"result-{school.other_pupil.pk}"] = "5a"  # Ben Jones is in no group of bob's
    client.post(GRID, data)
    assert list(Assessment.objects.values_list("pupil__surname", flat=True)) == ["Smith"]


def test_other_subjects_and_terms_are_left_alone(client, school):
    maths = f.SubjectFactory(code="maths", name="Maths")
    f.AssessmentFactory(pupil=school.pupil, subject=maths, academic_year=2024, term="autumn", result="6c")
    f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=2024, term="spring", result="4a")
    client.force_login(school.teacher)
    client.post(GRID, post_data(school.group, {school.pupil: ""}, originals={school.pupil: "4b"}))
    assert Assessment.objects.count() == 2


def test_a_subject_other_than_the_groups_own_can_be_chosen(client, school):
    f.SubjectFactory(code="maths", name="Maths")
    client.force_login(school.teacher)
    client.post(GRID, post_data(school.group, {school.pupil: "5c"}, subject="maths", year=2023, term="summer"))
    saved = Assessment.objects.get()
    assert (saved.subject.code, saved.academic_year, saved.term, saved.result) == ("maths", 2023, "summer", "5c")


def test_a_bad_term_is_shown_on_the_picker_and_nothing_is_saved(client, school):
    client.force_login(school.teacher)
    response = client.post(GRID, post_data(school.group, {school.pupil: "4b"}, term="winter"))
    assert response.status_code == 200
    assert response.context["grid"] is None
    assert response.context["pick"].errors["term"]
    assert not Assessment.objects.exists()


def test_the_grid_service_reports_each_cell(school):
    result = grid_save(
        pupils=[school.cara, school.dev, school.pupil], subject=school.english, academic_year=2024, term="spring",
        typed={school.cara.pk: " 2 b ", school.dev.pk: "4d", school.pupil.pk: ""}, originals={}, recorded_by=None,
    )  # fmt: skip
    assert [result.cells[p.pk].outcome for p in (school.cara, school.dev, school.pupil)] == ["created", "invalid", "blank"]
    assert result.cells[school.cara.pk].code == "2b"
    assert result.summary == "Saved 1 result; 1 needs checking"


# --- The per-cell check (htmx) -----------------------------------------------------------------


def test_the_cell_check_gives_the_canonical_code_or_the_reason(client, school):
    client.force_login(school.teacher)
    check = reverse("assessments:grid_check")
    ok = client.post(check, {f"result-{school.pupil.pk}": "4 B"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200
    assert 'data-state="ok">Reads as <strong>4b</strong>' in ok.content.decode()
    bad = client.post(check, {f"result-{school.pupil.pk}": "4d"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-state="invalid"' in bad and "is not a level" in bad
    assert "<html" not in bad  # only the note under the cell
    blank = client.post(check, {f"result-{school.pupil.pk}": " "}).content.decode()
    assert 'data-state="blank"' in blank
    assert client.post(check, {"something": "else"}).status_code == 400
    assert not Assessment.objects.exists()  # checking saves nothing


def test_the_cell_check_refuses_tas(client, school):
    client.force_login(school.ta)
    assert client.post(reverse("assessments:grid_check"), {f"result-{school.pupil.pk}": "4b"}).status_code == 403


# --- Queries do not grow with the group --------------------------------------------------------

# Pinned for the view as a whole (session, user, membership, picker choices, the grid's reads and
# the bulk write). The same number for 3 and 30 pupils is the point: no query per pupil.
# Each includes the session's query (sessions live in the database).
GRID_GET_QUERIES = 10 + session_queries()  # 2 of them the quartile table in force (DOMAIN 9.9)
# The save: the group's pupils, a lock on them, this term's stored results (each cell is compared
# with them: sencotrack.conflicts), a savepoint around them and the write (an insert that lost a
# race with an import is tried again, reading the results again), the bulk write with one
# audit-history insert each for the created and the updated rows, the school's data version moved
# on with each (sencotrack.versions; the update reads its rows' schools first), then the grid's
# reads to draw it again from what is stored now.
GRID_SAVE_QUERIES = 27 + session_queries()  # 2 of them the quartile table in force, read with the grid


def _big_group(personas, size: int):
    english = personas.group.subject
    group = f.TeachingGroupFactory(school=personas.school, name=f"7X{size}", subject=english)
    group.staff.add(personas.teacher)
    pupils = [f.PupilFactory(school=personas.school) for _ in range(size)]
    group.pupils.add(*pupils)
    for i, pupil in enumerate(pupils):
        f.BaselineFactory(pupil=pupil, subject=english, key_stage="KS2", result="3b", academic_year=2022)
        f.AssessmentFactory(pupil=pupil, subject=english, academic_year=2024, term="summer", result="3a")
        if i % 3 == 0:  # a third already have this term's result: the save updates them
            f.AssessmentFactory(pupil=pupil, subject=english, academic_year=2024, term="autumn", result="3a")
    return group, pupils


@pytest.mark.parametrize("size", [3, 30])
def test_the_grid_page_runs_a_fixed_number_of_queries(client, personas, django_assert_num_queries, size):
    group, _ = _big_group(personas, size)
    client.force_login(personas.teacher)
    url = grid_url(group)
    with django_assert_num_queries(GRID_GET_QUERIES):
        response = client.get(url)
    assert len(response.context["grid"].rows) == size


@pytest.mark.parametrize("size", [3, 30])
def test_saving_the_grid_runs_a_fixed_number_of_queries(client, personas, django_assert_num_queries, size):
    group, pupils = _big_group(personas, size)
    client.force_login(personas.teacher)
    # Every pupil gets 4b: a third update their 3a, the rest are created; one cell of each is a slip.
    cells = {p: "4b" for p in pupils}
    cells[pupils[1]] = "4d"
    data = post_data(group, cells, originals={p: "3a" for i, p in enumerate(pupils) if i % 3 == 0})
    with django_assert_num_queries(GRID_SAVE_QUERIES):
        response = client.post(GRID, data)
    assert response.context["saved"].saved == size - 1
    assert Assessment.objects.filter(academic_year=2024, term="autumn", result="4b").count() == size - 1


def test_query_counts_match_for_small_and_large_groups_including_deletes(client, personas):
    counts = []
    for size in (3, 30):
        group, pupils = _big_group(personas, size)
        client.force_login(personas.teacher)
        cells = {p: ("" if i % 3 == 0 else "4 b") for i, p in enumerate(pupils)}
        data = post_data(group, cells, originals={p: "3a" for i, p in enumerate(pupils) if i % 3 == 0})
        with CaptureQueriesContext(connection) as ctx:
            assert client.post(GRID, data).status_code == 302
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_a_teacher_acting_in_another_role_is_refused(client, school):
    # bob is also a TA at another school: acting there, he has no access to this grid at all.
    elm = f.SchoolFactory(code="elm")
    f.MembershipFactory(user=school.teacher, school=elm, role=Role.TA)
    client.force_login(school.teacher)
    session = client.session
    session["membership_id"] = school.teacher.memberships.get(school=elm).pk
    session.save()
    assert client.get(grid_url(school.group)).status_code == 403

