"""Targets that challenge: suggested from expected progress plus one level at the end of the academic year
(DOMAIN 9.4's exceeding line), editable, and on track or not.

Worked by hand from docs/figures.md 9.1-9.4 under NS2007-extended (3b = 21, 2c = 13, 4c = 25, 4b = 27,
4a = 29, 5c = 31). Term index = start year x 3 + (autumn 0, spring 1, summer 2). Targets are for the
summer term of 2024/25: index 2024 x 3 + 2 = 6074.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Target
from assessments.selectors import NOT_ON_TRACK, ON_TRACK, target_rows
from assessments.services_measures import target_set
from pupils.models import School
from tests import factories as f
from tests.queries import session_queries


@pytest.fixture
def school(personas):
    """9E1 English: Amy Smith (KS2 3b), Cara Brown (KS1 2c) and Dev Patel (no baseline)."""
    p = personas
    p.english = p.group.subject
    p.cara = f.PupilFactory(school=p.school, surname="Brown", forename="Cara")
    p.dev = f.PupilFactory(school=p.school, surname="Patel", forename="Dev")
    p.group.pupils.add(p.cara, p.dev)
    # Amy: KS2 3b in summer 2022/23 (index 6068), so T = 6074 - 6068 = 6 terms to the target.
    f.BaselineFactory(pupil=p.pupil, subject=p.english, key_stage="KS2", result="3b", academic_year=2022)
    # Cara: KS1 2c in summer 2018/19 (index 6056), so T = 6074 - 6056 = 18 terms.
    f.BaselineFactory(pupil=p.cara, subject=p.english, key_stage="KS1", result="2c", academic_year=2018)
    # Latest results this year: Amy 4c in spring (index 6073), Cara 4a in autumn (6072); an older
    # autumn result of Amy's is not the latest, and last year's results do not count.
    f.AssessmentFactory(pupil=p.pupil, subject=p.english, academic_year=2024, term="autumn", result="3a")
    f.AssessmentFactory(pupil=p.pupil, subject=p.english, academic_year=2024, term="spring", result="4c")
    f.AssessmentFactory(pupil=p.cara, subject=p.english, academic_year=2024, term="autumn", result="4a")
    f.AssessmentFactory(pupil=p.dev, subject=p.english, academic_year=2023, term="summer", result="5a")
    return p


def targets_url(school, year=2024) -> str:
    return f"{reverse('assessments:targets', args=[school.group.pk])}?year={year}"


def rows_by_name(rows):
    return {row.pupil.forename: row for row in rows}


# --- The figures -------------------------------------------------------------------------------


def test_suggested_targets_are_expected_progress_plus_one_level_at_the_end_of_the_year(school):
    rows = rows_by_name(target_rows([(p, school.english) for p in (school.pupil, school.cara, school.dev)], 2024, school=school.school))
    amy, cara, dev = rows["Amy"], rows["Cara"], rows["Dev"]
    # Amy: KS2 -> KS4 is 3 levels in 15 terms. Expected: 21 + 3 x 6 x 6 / 15 = 21 + 7.2 = 28.2 points,
    # 4b (27); the challenge, one level more: 21 + 4 x 6 x 6 / 15 = 21 + 9.6 = 30.6 points, 4a (29).
    assert amy.expected.points == pytest.approx(28.2) and amy.expected.code == "4b"
    assert amy.suggestion.points == pytest.approx(30.6) and amy.suggested_code == "4a"
    # Cara: KS1 -> KS2 is 2 levels in 12 terms. Expected: 13 + 2 x 6 x 18 / 12 = 31 = 5c; the
    # challenge: 13 + 3 x 6 x 18 / 12 = 13 + 27 = 40 points, 6b (39).
    assert cara.expected.code == "5c"
    assert cara.suggestion.points == pytest.approx(40) and cara.suggested_code == "6b"
    assert dev.suggestion is None and dev.shown == ""
    assert dev.reason.startswith("No target yet")


def test_on_track_compares_the_latest_result_with_the_target_line_in_its_term(school):
    # Cara's target is set by staff to 5c (31); Amy's is the suggestion, 4a (29).
    target_set(pupil=school.cara, subject=school.english, academic_year=2024, result="5c", set_by=school.senco)
    rows = rows_by_name(target_rows([(p, school.english) for p in (school.pupil, school.cara)], 2024, school=school.school))
    amy, cara = rows["Amy"], rows["Cara"]
    # Amy, target 4a (29): her latest result is spring (5 of the 6 terms from the baseline), where
    # the line is 21 + (29 - 21) x 5 / 6 = 27.67 points. 4c is 25 < 27.67: not on track.
    assert amy.latest.result == "4c"
    assert (amy.terms_done, amy.terms_total) == (5, 6)
    assert amy.pro_rata_points == pytest.approx(21 + 8 * 5 / 6)
    assert amy.status == NOT_ON_TRACK
    # Cara, target 5c (31): autumn is 16 of 18 terms: 13 + (31 - 13) x 16 / 18 = 13 + 16 = 29.
    # 4a is exactly 29: on the line counts as on track.
    assert cara.pro_rata_points == pytest.approx(29)
    assert cara.status == ON_TRACK


def test_against_the_challenging_suggestion_a_pupil_on_expected_progress_is_not_yet_on_track(school):
    (cara,) = target_rows([(school.cara, school.english)], 2024, school=school.school)
    # Cara's suggested 6b (39): the autumn line is 13 + (39 - 13) x 16 / 18 = 36.11; her 4a (29) is
    # on the expected line but not on the challenging one.
    assert cara.pro_rata_points == pytest.approx(13 + 26 * 16 / 18)
    assert cara.status == NOT_ON_TRACK


def test_below_level_1_the_suggestion_is_the_median_and_the_challenge_the_upper_quartile(school):
    # The shipped 2012 table, KS1-KS2 English from W: lower quartile 1, median 2, upper quartile 3;
    # a whole level scores as its b sub-level, so 1b 9, 2b 15, 3b 21, and W is 3 points. The school's
    # setting (default) puts baselines below level 1 under the quartile rule (DOMAIN 9.9).
    eve = f.PupilFactory(school=school.school, surname="Evans", forename="Eve")
    f.BaselineFactory(pupil=eve, subject=school.english, key_stage="KS1", result="W", academic_year=2022)
    (row,) = target_rows([(eve, school.english)], 2024, school=school.school)
    # From summer 2022/23 (6068) to summer 2024/25 (6074) is t = 6 of the 12 terms of KS1-KS2:
    # median_t = 3 + (15 - 3) x 6 / 12 = 9 (1b); UQ_t = 3 + (21 - 3) x 6 / 12 = 12, between 1a (11) and 2c
    # (13): the challenge is 2c, the lowest code that reaches 12 (1a would be met below the quartile).
    assert row.expectation == "quartile"
    assert row.expected.points == pytest.approx(9) and row.expected_words == "9 points, 1b"
    assert row.suggestion.points == pytest.approx(9) and row.suggested_code == "1b"
    assert row.challenge.points == pytest.approx(12) and row.challenge_code == "2c"
    # Cara's 2c is above level 1, so the levels rule still applies to her.
    (cara,) = target_rows([(school.cara, school.english)], 2024, school=school.school)
    assert cara.expectation == "levels" and cara.suggested_code == "6b"


def test_past_the_span_the_upper_quartile_is_the_end_of_key_stage_outcome(school):
    eve = f.PupilFactory(school=school.school, surname="Evans", forename="Eve")
    f.BaselineFactory(pupil=eve, subject=school.english, key_stage="KS1", result="W", academic_year=2018)
    (row,) = target_rows([(eve, school.english)], 2024, school=school.school)
    # t = 18 terms, past the 12 of the span: min(t, span) = 12, so UQ_t = UQ = 3b (21), median 2b (15).
    assert (row.challenge_code, row.challenge.points) == ("3b", pytest.approx(21))
    assert (row.suggested_code, row.suggestion.points) == ("2b", pytest.approx(15))


def test_with_every_baseline_under_the_quartile_rule_a_row_is_found_by_its_whole_level(school):
    School.objects.filter(pk=school.school.pk).update(ks2_span="KS2-KS3", quartile_expectations="all")
    school.school.refresh_from_db()
    (amy,) = target_rows([(school.pupil, school.english)], 2024, school=school.school)
    # Amy's KS2 3b has no row of its own in KS2-KS3 English; its whole level 3 has: 4 / 4 / 5.
    # t = 6 of the 9 terms: median_t = 21 + (27 - 21) x 6 / 9 = 25 (4c); UQ_t = 21 + (33 - 21) x 6 / 9 = 29 (4a).
    assert amy.expectation == "quartile"
    assert amy.expected.points == pytest.approx(25) and amy.expected.code == "4c"
    assert amy.suggestion.points == pytest.approx(25) and amy.suggested_code == "4c"
    assert amy.challenge.points == pytest.approx(29) and amy.challenge_code == "4a"


def test_with_the_quartile_rule_off_the_levels_rule_suggests(school):
    School.objects.filter(pk=school.school.pk).update(quartile_expectations="off")
    school.school.refresh_from_db()
    eve = f.PupilFactory(school=school.school, surname="Evans", forename="Eve")
    f.BaselineFactory(pupil=eve, subject=school.english, key_stage="KS1", result="W", academic_year=2022)
    (row,) = target_rows([(eve, school.english)], 2024, school=school.school)
    # Levels rule plus one level: 3 + 3 x 6 x 6 / 12 = 12 points, 1a (11).
    assert row.expectation == "levels" and row.suggestion.points == pytest.approx(12)


def test_the_school_may_measure_ks2_to_ks3(school):
    School.objects.filter(pk=school.school.pk).update(ks2_span="KS2-KS3")
    school.school.refresh_from_db()
    (amy,) = target_rows([(school.pupil, school.english)], 2024, school=school.school)
    # KS2 -> KS3 is 2 levels in 9 terms: expected 21 + 2 x 6 x 6 / 9 = 21 + 8 = 29 points = 4a; the
    # challenge 21 + 3 x 6 x 6 / 9 = 21 + 12 = 33 points = 5b.
    assert amy.expected.code == "4a" and amy.suggested_code == "5b"


def test_a_stored_target_replaces_the_suggestion_in_the_on_track_rule(school):
    target_set(pupil=school.pupil, subject=school.english, academic_year=2024, result="3a", set_by=school.senco)
    (amy,) = target_rows([(school.pupil, school.english)], 2024, school=school.school)
    # Target 3a (23): line in spring 21 + (23 - 21) x 5 / 6 = 22.67; 4c (25) is above it.
    assert amy.shown == "3a" and amy.suggested_code == "4a"
    assert amy.pro_rata_points == pytest.approx(22 + 2 / 3)
    assert amy.status == ON_TRACK


# --- The page ----------------------------------------------------------------------------------


def test_the_group_page_explains_the_rule_and_prefills_the_suggestions(client, school):
    client.force_login(school.teacher)
    response = client.get(targets_url(school))
    text = response.content.decode()
    assert response.status_code == 200
    assert "How this is calculated" in text
    assert "21 + 6 × 5 ÷ 6 = 26 points" in text
    amy, cara = f"target-{school.pupil.pk}-{school.english.pk}", f"target-{school.cara.pk}-{school.english.pk}"
    assert f'name="{amy}" id="id_{amy}" value="4a"' in text
    assert f'name="{cara}" id="id_{cara}" value="6b"' in text
    assert "21 + 4 × 6 × 6 ÷ 15 = 30.6 points (4a)" in text
    assert "Not on track" in text
    assert not Target.objects.exists()  # suggestions are shown, not saved, until the page is saved


def test_saving_keeps_accepted_suggestions_as_suggested_and_marks_edits_as_set_by_staff(client, school):
    client.force_login(school.teacher)
    amy, cara, dev = (f"target-{p.pk}-{school.english.pk}" for p in (school.pupil, school.cara, school.dev))
    response = client.post(targets_url(school), {amy: "4 A", cara: "5c", dev: ""}, follow=True)
    assert "Targets saved: 2 set, 0 changed." in response.content.decode()
    stored = {t.pupil.forename: (t.result, t.suggested, t.set_by) for t in Target.objects.select_related("pupil")}
    # "4 A" is the suggestion for Amy (4a); 5c is not Cara's (6b), so it is set by staff.
    assert stored == {"Amy": ("4a", True, school.teacher), "Cara": ("5c", False, school.teacher)}
    assert "Set by staff" in response.content.decode()


def test_a_bad_target_saves_nothing_and_keeps_every_box_as_typed(client, school):
    client.force_login(school.teacher)
    amy, cara = (f"target-{p.pk}-{school.english.pk}" for p in (school.pupil, school.cara))
    response = client.post(targets_url(school), {amy: "4d", cara: "6c"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Nothing has been saved" in text
    assert f'value="4d"' in text and f'value="6c"' in text
    assert "&#x27;4d&#x27; is not a level" in text and 'aria-invalid="true"' in text
    assert not Target.objects.exists()


def test_test_codes_are_not_targets(client, school):
    client.force_login(school.teacher)
    amy = f"target-{school.pupil.pk}-{school.english.pk}"
    response = client.post(targets_url(school), {amy: "N"})
    assert "N is a key-stage test outcome, not a level to aim for." in response.content.decode()
    assert not Target.objects.exists()


def test_clearing_a_box_removes_the_target(client, school):
    target_set(pupil=school.pupil, subject=school.english, academic_year=2024, result="4a", set_by=school.senco)
    client.force_login(school.senco)
    amy, cara = (f"target-{p.pk}-{school.english.pk}" for p in (school.pupil, school.cara))
    client.post(targets_url(school), {amy: "", cara: ""})
    assert not Target.objects.exists()


def test_the_pupil_page_lists_a_row_per_subject(client, school):
    maths = f.SubjectFactory(code="maths", name="Maths")
    f.BaselineFactory(pupil=school.pupil, subject=maths, key_stage="KS2", result="4c", academic_year=2022)
    client.force_login(school.teacher)
    response = client.get(f"{reverse('assessments:pupil_targets', args=[school.pupil.public_id])}?year=2024")
    rows = {line[0].subject.code: line[0] for line in response.context["lines"]}
    # Maths: KS2 4c (25) + 4 x 6 x 6 / 15 = 25 + 9.6 = 34.6 points -> 5b (33).
    assert set(rows) == {"english", "maths"}
    assert rows["maths"].suggested_code == "5b" and rows["english"].suggested_code == "4a"


# --- Who may see them --------------------------------------------------------------------------


def test_a_teacher_cannot_open_another_teachers_group_targets(client, school):
    other = f.TeachingGroupFactory(school=school.school, name="9E2", subject=school.english)
    client.force_login(school.teacher)
    assert client.get(reverse("assessments:targets", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("who", ["ta", "governor", "data_manager"])
def test_other_roles_are_refused(client, school, who):
    client.force_login(getattr(school, who))
    assert client.get(targets_url(school)).status_code == 403
    assert client.post(targets_url(school), {}).status_code == 403


def test_another_schools_senco_cannot_find_the_group(client, school):
    client.force_login(school.outsider)
    assert client.get(targets_url(school)).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_group_targets_page_runs_a_fixed_number_of_queries(client, personas, django_assert_num_queries, size):
    english = personas.group.subject
    group = f.TeachingGroupFactory(school=personas.school, name=f"8T{size}", subject=english)
    group.staff.add(personas.teacher)
    for _ in range(size):
        pupil = f.PupilFactory(school=personas.school)
        group.pupils.add(pupil)
        f.BaselineFactory(pupil=pupil, subject=english, academic_year=2022)
        f.AssessmentFactory(pupil=pupil, subject=english, academic_year=2024, term="spring", result="4c")
    client.force_login(personas.teacher)
    # session (embedded mode; Redis in production mode), user, membership, group, subjects (picker),
    # pupils, the quartile table in force (its set, its rows), targets, baselines, assessments.
    with django_assert_num_queries(10 + session_queries()):
        response = client.get(f"{reverse('assessments:targets', args=[group.pk])}?year=2024")
    assert len(response.context["lines"]) == size
