"""Anecdotal comments: who may add and read them, levels stored canonically, errors that keep what was typed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import selectors
from interventions.models import Comment
from tests import factories as f


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def _comment(pupil, author, *, observed_on, objective="Blend CVC words", level="", subject=None, intervention=None):
    return Comment.objects.create(
        pupil=pupil, author=author, observed_on=observed_on, objective=objective, activity="Phonics game",
        outcome="Read 'cat' unaided", level=level, subject=subject, intervention=intervention,
    )  # fmt: skip


def _post(pupil, **overrides) -> dict:
    data = {
        "pupil": str(pupil.public_id),
        "observed_on": timezone.localdate().isoformat(),
        "objective": "Count on from 10",
        "activity": "Number line hopscotch in the corridor",
        "outcome": "Counted on to 20 without the line",
        "level": "",
        "subject": "",
        "intervention": "",
    }
    return data | overrides


# --- Who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, expected", [("senco", 200), ("teacher", 200), ("ta", 200), ("governor", 403), ("data_manager", 403), ("outsider", 200)]
)
def test_who_may_open_the_comment_pages(client, personas, role, expected):
    client.force_login(getattr(personas, role))
    assert client.get(reverse("interventions:comment_add")).status_code == expected
    assert client.get(reverse("interventions:comments")).status_code == expected
    assert client.get(reverse("interventions:comment_pupil_options")).status_code == expected


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    for name in ("comment_add", "comments", "comment_pupil_options"):
        response = client.get(reverse(f"interventions:{name}"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_teacher_can_choose_only_their_own_pupils(client, personas):
    client.force_login(personas.teacher)
    page = client.get(reverse("interventions:comment_add")).content.decode()
    assert str(personas.pupil.public_id) in page
    assert str(personas.other_pupil.public_id) not in page


def test_a_teacher_cannot_post_a_comment_about_a_pupil_they_do_not_teach(client, personas):
    client.force_login(personas.teacher)
    response = client.post(reverse("interventions:comment_add"), _post(personas.other_pupil))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Comment.objects.exists()


def test_another_schools_senco_cannot_comment_on_or_read_about_oaks_pupils(client, personas, today):
    _comment(personas.pupil, personas.senco, observed_on=today)
    client.force_login(personas.outsider)
    response = client.post(reverse("interventions:comment_add"), _post(personas.pupil))
    assert "Select a valid choice" in response.content.decode()
    assert Comment.objects.count() == 1
    listing = client.get(reverse("interventions:comments")).content.decode()
    assert "Amy Smith" not in listing and "Blend CVC words" not in listing
    # Filtering by Oak's pupil's id shows an error on the filter, not her comments.
    filtered = client.get(reverse("interventions:comments"), {"pupil": str(personas.pupil.public_id)}).content.decode()
    assert "Blend CVC words" not in filtered


def test_a_ta_may_comment_on_a_pupil_in_a_group_they_run(client, personas, today):
    group = f.InterventionFactory(programme=f.ProgrammeFactory(school=personas.school), start_date=today)
    group.staff.add(personas.ta)
    f.EnrolmentFactory(intervention=group, pupil=personas.other_pupil, start_date=today)
    client.force_login(personas.ta)
    response = client.post(
        reverse("interventions:comment_add"), _post(personas.other_pupil, intervention=str(group.public_id))
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.pupil, comment.author, comment.intervention) == (personas.other_pupil, personas.ta, group)


# --- Adding ------------------------------------------------------------------------------------------


def test_a_teacher_adds_a_comment_with_a_level_typed_loosely(client, personas, today):
    english = f.SubjectFactory(code="english")
    client.force_login(personas.teacher)
    response = client.post(
        reverse("interventions:comment_add"), _post(personas.pupil, level=" 2 b ", subject=str(english.pk))
    )
    assert response.status_code == 302
    assert response.url == f"{reverse('interventions:comments')}?pupil={personas.pupil.public_id}"
    comment = Comment.objects.get()
    assert comment.level == "2b"
    assert (comment.author, comment.observed_on, comment.subject) == (personas.teacher, today, english)
    listing = client.get(response.url).content.decode()
    assert "Saved your comment about Amy Smith at 2b." in listing
    assert "Counted on to 20 without the line" in listing


@pytest.mark.parametrize("typed, stored", [("p1(ii)", "P1ii"), ("P6", "P6"), ("pk3", "PK3"), ("4", "4"), ("W", "W")])
def test_levels_of_every_framework_are_stored_canonically(client, personas, typed, stored):
    client.force_login(personas.teacher)
    client.post(reverse("interventions:comment_add"), _post(personas.pupil, level=typed))
    assert Comment.objects.get().level == stored


def test_a_bad_level_lists_the_valid_codes_keeps_every_field_and_saves_nothing(client, personas):
    client.force_login(personas.teacher)
    data = _post(personas.pupil, level="2d", objective="Use full stops", outcome="Wrote three sentences")
    response = client.post(reverse("interventions:comment_add"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not a level. Valid codes: P1i, P1ii" in page
    assert "PK1-PK6" in page
    assert 'value="2d"' in page
    assert 'value="Use full stops"' in page
    assert "Wrote three sentences" in page
    assert f'value="{personas.pupil.public_id}" selected' in page
    assert "Nothing has been saved yet" in page
    assert not Comment.objects.exists()


def test_missing_fields_and_a_future_date_are_explained(client, personas, today):
    client.force_login(personas.teacher)
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("interventions:comment_add"), _post(personas.pupil, observed_on=tomorrow, activity="", outcome="")
    )
    page = response.content.decode()
    assert "The date observed cannot be in the future." in page
    assert page.count("This field is required.") == 2
    assert f'value="{tomorrow}"' in page
    assert not Comment.objects.exists()


def test_an_intervention_the_pupil_is_not_in_is_refused(client, personas, today):
    group = f.InterventionFactory(programme=f.ProgrammeFactory(school=personas.school), name="Lego club", start_date=today)
    f.EnrolmentFactory(intervention=group, pupil=personas.other_pupil, start_date=today)
    client.force_login(personas.senco)
    response = client.post(reverse("interventions:comment_add"), _post(personas.pupil, intervention=str(group.public_id)))
    assert "Amy Smith is not in Lego club" in response.content.decode()
    assert not Comment.objects.exists()


def test_the_pupil_is_preselected_from_the_link_and_only_if_visible(client, personas):
    client.force_login(personas.teacher)
    url = reverse("interventions:comment_add")
    page = client.get(url, {"pupil": str(personas.pupil.public_id)}).content.decode()
    assert f'value="{personas.pupil.public_id}" selected' in page
    other = client.get(url, {"pupil": str(personas.other_pupil.public_id)}).content.decode()
    assert str(personas.other_pupil.public_id) not in other
    assert client.get(url, {"pupil": "nonsense"}).status_code == 200


def test_after_saving_the_person_returns_to_a_safe_next_page_only(client, personas):
    client.force_login(personas.teacher)
    url = reverse("interventions:comment_add")
    back = client.post(url + "?next=/pupils/", _post(personas.pupil))
    assert back.url == "/pupils/"
    away = client.post(url + "?next=https://evil.example/", _post(personas.pupil))
    assert away.url.startswith(reverse("interventions:comments"))


def test_the_pupil_search_narrows_the_options(client, personas):
    f.PupilFactory(school=personas.school, surname="Smithson", forename="Zed")
    client.force_login(personas.senco)
    url = reverse("interventions:comment_pupil_options")
    options = client.get(url, {"q": "smith"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in options
    assert "Smith, Amy" in options and "Smithson, Zed" in options and "Jones" not in options
    one = client.get(url, {"q": "ben"}).content.decode()
    assert f'value="{personas.other_pupil.public_id}" selected' in one  # a single match is chosen
    none = client.get(url, {"q": "nobody"}).content.decode()
    assert "No pupil matches" in none


# --- Reading -------------------------------------------------------------------------------------------


def test_teachers_read_comments_about_their_own_pupils_only_and_the_senco_reads_all(client, personas, today):
    _comment(personas.pupil, personas.ta, observed_on=today, objective="Amy's objective")
    _comment(personas.other_pupil, personas.senco, observed_on=today, objective="Ben's objective")
    client.force_login(personas.teacher)
    page = client.get(reverse("interventions:comments")).content.decode()
    assert "Amy&#x27;s objective" in page and "Ben&#x27;s objective" not in page
    client.force_login(personas.senco)
    page = client.get(reverse("interventions:comments")).content.decode()
    assert "Amy&#x27;s objective" in page and "Ben&#x27;s objective" in page


def test_the_list_filters_by_pupil_subject_author_intervention_and_dates(client, personas, today):
    maths = f.SubjectFactory(code="maths")
    group = f.InterventionFactory(programme=f.ProgrammeFactory(school=personas.school), start_date=today)
    f.EnrolmentFactory(intervention=group, pupil=personas.pupil, start_date=today)
    week_ago = today - dt.timedelta(days=7)
    _comment(personas.pupil, personas.teacher, observed_on=today, objective="A: maths today", subject=maths)
    _comment(personas.pupil, personas.ta, observed_on=week_ago, objective="B: group last week", intervention=group)
    _comment(personas.other_pupil, personas.senco, observed_on=week_ago, objective="C: Ben last week")
    client.force_login(personas.senco)
    url = reverse("interventions:comments")

    def shown(**params) -> list[str]:
        page = client.get(url, params).content.decode()
        return [label for label in ("A: maths today", "B: group last week", "C: Ben last week") if label in page]

    assert shown() == ["A: maths today", "B: group last week", "C: Ben last week"]
    assert shown(pupil=str(personas.pupil.public_id)) == ["A: maths today", "B: group last week"]
    assert shown(subject="maths") == ["A: maths today"]
    assert shown(author="tia") == ["B: group last week"]
    assert shown(intervention=str(group.public_id)) == ["B: group last week"]
    assert shown(date_from=today.isoformat()) == ["A: maths today"]
    assert shown(date_to=week_ago.isoformat()) == ["B: group last week", "C: Ben last week"]
    bad = client.get(url, {"date_from": today.isoformat(), "date_to": week_ago.isoformat()}).content.decode()
    assert "cannot be before" in bad


def test_the_comment_list_takes_the_same_queries_for_3_comments_or_30(client, personas, today, django_assert_num_queries):
    client.force_login(personas.senco)
    url = reverse("interventions:comments")
    for i in range(3):
        _comment(personas.pupil, personas.teacher, observed_on=today)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(27):
        _comment(f.PupilFactory(school=personas.school), personas.ta, observed_on=today)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_comments_for_pupil_gives_the_timeline_newest_observation_first_in_one_query(personas, today, django_assert_num_queries):
    old = _comment(personas.pupil, personas.teacher, observed_on=today - dt.timedelta(days=30), level="2c")
    new = _comment(personas.pupil, personas.ta, observed_on=today, level="2b")
    _comment(personas.other_pupil, personas.ta, observed_on=today)
    with django_assert_num_queries(1):
        timeline = list(selectors.comments_for_pupil(personas.pupil))
        authors = [c.author.username for c in timeline]
    assert timeline == [new, old]
    assert authors == ["tia", "bob"]


# --- The pupil picker: a search, not one option per pupil of the school ----------------------------------


def _options(page: str) -> list[str]:
    select = page.split('id="id_pupil"')[1].split("</select>")[0]
    return [label for label in re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]+)</option>", select)]


@pytest.fixture
def big_school(personas):
    """45 more pupils at Oak (surnames Aaa00 to Aaa44, before everyone else), and a group of alice's own."""
    for i in range(45):
        f.PupilFactory(school=personas.school, surname=f"Aaa{i:02d}", forename="Pupil")
    own = f.TeachingGroupFactory(school=personas.school, name="Nurture")
    own.staff.add(personas.senco)
    own.pupils.add(personas.other_pupil)  # Ben Jones: alphabetically after all of them
    return personas


def test_the_picker_lists_a_few_pupils_own_first_and_says_how_to_find_the_rest(client, big_school):
    client.force_login(big_school.senco)
    page = client.get(reverse("interventions:comment_add")).content.decode()
    options = _options(page)
    assert len(options) == selectors.PICKER_ROWS  # not all 47
    assert options[0] == "Jones, Ben (Year 9)"  # her own group's pupil first
    assert options[1:3] == ["Aaa00, Pupil (Year 9)", "Aaa01, Pupil (Year 9)"]
    assert "Your own pupils first: 30 of the 47 you can choose." in page
    assert 'id="pupil-search-q"' in page and 'aria-describedby="pupil-picker-status"' in page


def test_a_search_finds_any_pupil_the_person_may_see_and_no_other(client, big_school):
    client.force_login(big_school.senco)
    url = reverse("interventions:comment_pupil_options")
    found = client.get(url, {"q": "aaa4"}, headers={"HX-Request": "true"}).content.decode()
    assert _options(f'<select id="id_pupil">{found}</select>') == [f"Aaa4{i}, Pupil (Year 9)" for i in range(5)]
    assert '<span id="pupil-picker-status" hx-swap-oob="innerHTML">5 pupils match “aaa4”.</span>' in found
    by_upn = client.get(url, {"q": big_school.pupil.upn}).content.decode()
    assert f'value="{big_school.pupil.public_id}" selected' in by_upn and "One pupil matches" in by_upn
    # The teacher sees only his group (Amy): searching for the others finds nobody.
    client.force_login(big_school.teacher)
    nobody = client.get(url, {"q": "aaa"}).content.decode()
    assert "No pupil matches “aaa”" in nobody and "Aaa" not in nobody.replace("“aaa”", "")
    page = client.get(reverse("interventions:comment_add")).content.decode()
    assert _options(page) == ["Smith, Amy (Year 9)"] and 'id="pupil-search-q"' not in page  # one pupil: no search


def test_a_chosen_pupil_stays_listed_whatever_the_search(client, big_school):
    client.force_login(big_school.senco)
    late = f.PupilFactory(school=big_school.school, surname="Zephyr", forename="Zoe")
    url = reverse("interventions:comment_pupil_options")
    kept = client.get(url, {"q": "aaa0", "pupil": str(late.public_id)}).content.decode()
    assert f'value="{late.public_id}" selected' in kept and "Aaa00" in kept
    # A comment sent back with an error keeps its pupil, though she is not among the first 30.
    response = client.post(reverse("interventions:comment_add"), _post(late, objective=""))
    assert response.status_code == 200 and f'value="{late.public_id}" selected' in response.content.decode()
    # Nonsense in the pupil parameter changes nothing.
    assert client.get(url, {"pupil": "not-a-uuid"}).status_code == 200


def test_without_javascript_the_search_reloads_the_form_with_the_matches(client, big_school):
    client.force_login(big_school.senco)
    page = client.get(reverse("interventions:comment_add"), {"q": "jones", "next": "/pupils/"}).content.decode()
    assert _options(page) == ["Jones, Ben (Year 9)"]
    assert f'value="{big_school.other_pupil.public_id}" selected' in page
    assert '<form id="pupil-search" method="get"' in page and 'form="pupil-search"' in page
    assert 'name="next" value="/pupils/"' in page


def test_the_form_takes_the_same_queries_and_stays_small_however_many_pupils(client, big_school):
    client.force_login(big_school.senco)
    url = reverse("interventions:comment_add")
    client.get(url)  # the session and person cached
    with CaptureQueriesContext(connection) as few:
        small = client.get(url).content
    for i in range(300):
        f.PupilFactory(school=big_school.school, surname=f"Bbb{i:03d}", forename="Pupil")
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        large = client.get(url).content
    assert 0 < len(many.captured_queries) == len(few.captured_queries), [q["sql"] for q in many.captured_queries]
    assert abs(len(large) - len(small)) < 200  # the same 30 options, only a count differs
    assert len(large) < 40_000
