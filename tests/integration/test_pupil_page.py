"""The pupil page: who may open it, what it shows, the one-page profile, and a fixed query count.

Term indexes are academic_year * 3 + position (autumn 0, spring 1, summer 2):
summer 2021/22 = 2021*3+2 = 6065, summer 2022/23 = 6068, autumn 2023/24 = 6069, summer 2023/24 = 6071.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, ReadingTest, SemhChecklist, Target
from interventions.models import Comment
from pupils.models import Concern, PupilProfile
from sencotrack import versions
from tests import factories as f


def _as(client, user):
    client.force_login(user)
    return client


def _url(pupil) -> str:
    return reverse("pupils:detail", args=[pupil.public_id])


@pytest.fixture
def amy(personas):
    """Amy's record: baselines, assessments, a target, an intervention, a comment, an SDQ and a reading test."""
    pupil = personas.pupil
    english = f.SubjectFactory(code="english", name="English", position=1)
    maths = f.SubjectFactory(code="maths", name="Maths", position=2)
    f.RegisterEntryFactory(pupil=pupil, provision="K", primary_need="SPLD", start_date=dt.date(2023, 9, 4))
    f.BaselineFactory(pupil=pupil, subject=english, key_stage="KS2", result="3b", academic_year=2022, term="summer")
    f.BaselineFactory(pupil=pupil, subject=maths, key_stage="KS2", result="4c", academic_year=2022, term="summer")
    f.AssessmentFactory(pupil=pupil, subject=english, academic_year=2023, term="autumn", result="3a")
    f.AssessmentFactory(pupil=pupil, subject=english, academic_year=2023, term="summer", result="4c")
    f.AssessmentFactory(pupil=pupil, subject=maths, academic_year=2023, term="summer", result="4c")
    Target.objects.create(pupil=pupil, subject=english, academic_year=2023, result="4b")
    intervention = f.InterventionFactory(
        programme=f.ProgrammeFactory(school=personas.school, name="Toe by Toe"), name="Toe by Toe Y9"
    )
    f.EnrolmentFactory(
        intervention=intervention, pupil=pupil, start_date=dt.date(2024, 1, 8), end_date=dt.date(2024, 3, 22)
    )
    Comment.objects.create(
        pupil=pupil,
        author=personas.teacher,
        observed_on=dt.date(2024, 5, 10),
        objective="Read a page aloud",
        activity="Paired reading",
        outcome="Read fluently with two prompts",
        level="4c",
        subject=english,
    )
    SemhChecklist.objects.create(
        pupil=pupil,
        instrument="sdq",
        completed_on=dt.date(2024, 3, 1),
        total=Decimal("17"),
        academic_year=2023,
        term="spring",
    )
    ReadingTest.objects.create(
        pupil=pupil, measure="reading", test_name="NGRT", tested_on=dt.date(2024, 2, 1), age_equivalent_months=90
    )
    return {"pupil": pupil, "english": english, "maths": maths, "intervention": intervention}


# --- Who may open it -----------------------------------------------------------------------------


def test_the_senco_opens_a_pupils_page(client, personas, amy):
    response = _as(client, personas.senco).get(_url(personas.pupil))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Amy Smith" in html
    assert "K: SEN support" in html
    assert response.context["can_edit"] is True


def test_a_teacher_opens_their_pupils_page_but_cannot_edit(client, personas, amy):
    response = _as(client, personas.teacher).get(_url(personas.pupil))
    assert response.status_code == 200
    assert response.context["can_edit"] is False
    assert reverse("pupils:profile_edit", args=[personas.pupil.public_id]) not in response.content.decode()


def test_a_teacher_cannot_see_ben_who_is_in_no_group_of_theirs(client, personas):
    assert _as(client, personas.teacher).get(_url(personas.other_pupil)).status_code == 404


def test_another_schools_senco_gets_404_for_a_pupil_of_this_school(client, personas, amy):
    assert _as(client, personas.outsider).get(_url(personas.pupil)).status_code == 404


@pytest.mark.parametrize("who", ["governor", "data_manager"])
def test_governors_and_data_managers_are_refused_named_pupils(client, personas, who):
    assert _as(client, getattr(personas, who)).get(_url(personas.pupil)).status_code == 403


def test_an_unknown_id_or_the_database_id_finds_nothing(client, personas):
    c = _as(client, personas.senco)
    assert c.get(reverse("pupils:detail", args=[uuid.uuid4()])).status_code == 404
    assert c.get(f"/pupils/{personas.pupil.pk}/").status_code == 404


def test_someone_signed_out_is_sent_to_sign_in(client, personas):
    response = client.get(_url(personas.pupil))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- What it shows -------------------------------------------------------------------------------


def test_current_levels_show_the_baseline_and_the_expected_level_beside_them(client, personas, amy):
    levels = {
        row.subject.name: row for row in _as(client, personas.senco).get(_url(personas.pupil)).context["page"].levels
    }
    english, maths = levels["English"], levels["Maths"]
    # English: KS2 3b (21) in summer 2022/23 (6068); 4c (25) in summer 2023/24 (6071): t = 3.
    # KS2-KS4 is 3 levels in 15 terms: expected 21 + 3 x 6 x 3 / 15 = 24.6 -> 3a (23 <= 24.6 < 25).
    # Gain 4 >= 3.6 but < 4 x 6 x 3 / 15 = 4.8: "expected"; 4 / 6 = 0.67 levels.
    assert (english.current.result, english.baseline.result) == ("4c", "3b")
    assert english.progress.expected_points == pytest.approx(24.6)
    assert english.progress.expected_level == "3a"
    assert english.progress.status == "expected"
    assert english.target.result == "4b"
    assert english.target_year == "2023/24"
    # Maths: KS2 4c (25) to 4c: gain 0 < 3.6, "below"; expected 28.6 -> 4b (27 <= 28.6 < 29).
    assert maths.progress.expected_level == "4b"
    assert maths.progress.status == "below"


def test_the_page_shows_levels_status_and_measures_in_words(client, personas, amy):
    html = _as(client, personas.senco).get(_url(personas.pupil)).content.decode()
    assert "Below expected" in html  # maths
    assert "24.6 points" in html
    assert "Reading age 7:06" in html  # 90 months = 7 years 6 months
    assert "total 17, high" in html  # SDQ total difficulties 16-18 is "high"
    assert "Toe by Toe Y9" in html
    assert "Read a page aloud" in html


def test_the_timeline_merges_everything_newest_first(client, personas, amy):
    timeline = _as(client, personas.senco).get(_url(personas.pupil)).context["timeline"]
    dates = [item.date for item in timeline]
    assert dates == sorted(dates, reverse=True)
    kinds = {item.kind for item in timeline}
    assert {"assessment", "target", "intervention", "comment", "semh", "reading", "register"} <= kinds
    # Summer 2023/24 assessments have no date of their own: they sit at the end of the term (31 Aug 2024).
    assert timeline[0].kind == "target" or timeline[0].date >= dt.date(2024, 8, 31)


def test_the_timeline_filters_by_type_and_htmx_gets_only_the_timeline(client, personas, amy):
    c = _as(client, personas.senco)
    response = c.get(_url(personas.pupil), {"type": "comment"})
    assert [item.title for item in response.context["timeline"]] == ["Read a page aloud"]
    partial = c.get(_url(personas.pupil), {"type": "reading"}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert "<html" not in html and 'id="timeline"' in html
    assert "Reading age 7:06" in html and "Read a page aloud" not in html
    assert "HX-Request" in partial["Vary"]
    # An unknown type shows everything.
    assert len(c.get(_url(personas.pupil), {"type": "nonsense"}).context["timeline"]) > 1


def test_a_ta_sees_interventions_and_comments_but_no_assessments(client, personas, amy):
    amy["intervention"].staff.add(personas.ta)
    response = _as(client, personas.ta).get(_url(personas.pupil))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.sees_assessments is False
    assert {item.kind for item in page.timeline} == {"register", "intervention", "comment"}
    html = response.content.decode()
    assert "Current levels" not in html and "Reading age" not in html


def test_an_open_concern_shows_on_the_page(client, personas):
    Concern.objects.create(
        pupil=personas.other_pupil, raised_by=personas.ta, raised_on=dt.date(2025, 1, 6), reason="Very quiet"
    )
    html = _as(client, personas.senco).get(_url(personas.other_pupil)).content.decode()
    assert "Pupil of concern since 6 Jan 2025" in html
    assert "Very quiet" in html


def test_a_pupil_with_nothing_recorded_gets_a_kind_empty_page(client, personas):
    html = _as(client, personas.senco).get(_url(personas.other_pupil)).content.decode()
    assert "Not on the SEN register." in html
    assert "No baselines or assessments have been recorded yet." in html
    assert "No profile has been written yet." in html


def test_an_unknown_points_scheme_is_said_rather_than_guessed(client, personas, amy):
    personas.school.points_scheme = "Our-own-2019"
    personas.school.save()
    response = _as(client, personas.senco).get(_url(personas.pupil))
    assert all(row.progress is None for row in response.context["page"].levels)
    assert "Our-own-2019" in response.content.decode()


# --- The one-page profile ------------------------------------------------------------------------


def _profile_url(pupil):
    return reverse("pupils:profile_edit", args=[pupil.public_id])


PROFILE = {
    "needs_summary": "Reading takes me longer.",
    "strengths": "Drawing and football.",
    "what_helps": "Coloured overlays; instructions written down.",
    "aspirations": "To be a vet.",
    "pupil_voice": "I like it when I can show what I know by drawing.",
}


def test_the_senco_writes_the_profile(client, personas):
    c = _as(client, personas.senco)
    assert c.get(_profile_url(personas.pupil)).status_code == 200
    response = c.post(_profile_url(personas.pupil), PROFILE)
    assert response.status_code == 302
    profile = PupilProfile.objects.get(pupil=personas.pupil)
    assert profile.what_helps == "Coloured overlays; instructions written down."
    assert profile.updated_by == personas.senco
    page = c.get(_url(personas.pupil)).content.decode()
    assert "To be a vet." in page


def test_the_profile_form_starts_with_what_is_stored(client, personas):
    PupilProfile.objects.create(pupil=personas.pupil, strengths="Kind to others")
    form = _as(client, personas.senco).get(_profile_url(personas.pupil)).context["form"]
    assert form.initial["strengths"] == "Kind to others"


def test_a_teacher_cannot_edit_the_profile(client, personas):
    c = _as(client, personas.teacher)
    assert c.get(_profile_url(personas.pupil)).status_code == 403
    assert c.post(_profile_url(personas.pupil), PROFILE).status_code == 403
    assert not PupilProfile.objects.exists()


def test_another_schools_senco_cannot_edit_the_profile(client, personas):
    assert _as(client, personas.outsider).post(_profile_url(personas.pupil), PROFILE).status_code == 404
    assert not PupilProfile.objects.exists()


# --- Query count ---------------------------------------------------------------------------------


def _more_history(personas, amy, n: int) -> None:
    """n more of every kind of record for Amy, and n more pupils in the school."""
    pupil = amy["pupil"]
    for i in range(n):
        year = 2010 + i
        Assessment.objects.create(pupil=pupil, subject=amy["english"], academic_year=year, term="spring", result="3c")
        Target.objects.create(pupil=pupil, subject=amy["maths"], academic_year=year, result="4a")
        Comment.objects.create(
            pupil=pupil,
            author=personas.ta,
            observed_on=dt.date(year, 6, 1),
            objective=f"Objective {i}",
            activity="Activity",
            outcome="Outcome",
            intervention=amy["intervention"],
        )
        SemhChecklist.objects.create(
            pupil=pupil,
            instrument="sdq",
            completed_on=dt.date(year, 3, 1),
            total=Decimal(10 + i % 20),
            academic_year=year - 1,
            term="spring",
        )
        ReadingTest.objects.create(
            pupil=pupil,
            measure="spelling",
            test_name="SWST",
            tested_on=dt.date(year, 2, 1),
            age_equivalent_months=80 + i,
        )
        f.EnrolmentFactory(
            intervention=amy["intervention"], pupil=pupil, start_date=dt.date(year, 1, 10), end_date=dt.date(year, 3, 1)
        )
        Concern.objects.create(
            pupil=pupil,
            raised_by=personas.teacher,
            raised_on=dt.date(year, 1, 1),
            closed_on=dt.date(year, 2, 1),
            reason="r",
        )
        f.RegisterEntryFactory(pupil=pupil, provision="K", start_date=dt.date(year, 1, 1), end_date=dt.date(year, 1, 2))
        other = f.PupilFactory(school=personas.school)
        personas.group.pupils.add(other)


@pytest.mark.parametrize("who", ["senco", "teacher"])
def test_the_pupil_page_takes_the_same_number_of_queries_however_much_is_recorded(
    client, personas, amy, django_assert_num_queries, who
):
    c = _as(client, getattr(personas, who))
    PupilProfile.objects.create(pupil=personas.pupil, strengths="Kind", updated_by=personas.senco)
    c.get(_url(personas.pupil))
    versions.bump(versions.ALL)  # measured with nothing cached, as right after a write
    with CaptureQueriesContext(connection) as cold:
        small = c.get(_url(personas.pupil))
    with CaptureQueriesContext(connection) as warm:
        c.get(_url(personas.pupil))
    assert len(warm.captured_queries) < len(cold.captured_queries)
    _more_history(personas, amy, 12)
    versions.bump(versions.ALL)
    with django_assert_num_queries(len(cold.captured_queries)):
        large = c.get(_url(personas.pupil))
    with django_assert_num_queries(len(warm.captured_queries)):
        c.get(_url(personas.pupil))
    # 12 more of each of 8 kinds (the enrolment, concern and register entry each add 2 items: start and end).
    assert large.context["timeline_total"] == small.context["timeline_total"] + 12 * (5 + 3 * 2)


def test_a_cached_pupil_page_shows_a_change_at_once_and_never_crosses_roles(client, personas, amy):
    c = _as(client, personas.senco)
    first = c.get(_url(personas.pupil)).content.decode()
    assert "Second comment today" not in first
    Comment.objects.create(pupil=personas.pupil, author=personas.teacher, observed_on=dt.date(2024, 6, 1),
                           objective="Second comment today", activity="Spelling game", outcome="Spelt 8 of 10")
    assert "Second comment today" in c.get(_url(personas.pupil)).content.decode()
    # The SENCo's cached body (with the change buttons) is never served to the teacher.
    senco_page = c.get(_url(personas.pupil)).content.decode()
    teacher_page = _as(client, personas.teacher).get(_url(personas.pupil)).content.decode()
    assert "Add a register entry" in senco_page
    assert "Add a register entry" not in teacher_page


def test_a_long_timeline_shows_the_latest_thirty_until_asked_for_all(client, personas, amy):
    _more_history(personas, amy, 5)
    c = _as(client, personas.senco)
    response = c.get(_url(personas.pupil))
    total = response.context["timeline_total"]
    # The fixture's 10 items (register start, 3 assessments, target, enrolment start and end, comment, SDQ,
    # reading) plus 5 x 11 more (assessment, target, comment, SDQ, reading, and a start and an end for each of
    # an enrolment, a concern and a register entry): 10 + 55 = 65.
    assert total == 65
    assert len(response.context["timeline"]) == 30
    assert "Show all 65 entries" in response.content.decode()
    assert len(c.get(_url(personas.pupil), {"show": "all"}).context["timeline"]) == 65
    comments = c.get(_url(personas.pupil), {"type": "comment", "show": "all"}).context["timeline"]
    assert len(comments) == 6  # Amy's comment and 5 more


def test_the_history_page_takes_the_same_number_of_queries_however_long_the_history(
    client, personas, amy, django_assert_num_queries
):
    c = _as(client, personas.senco)
    url = reverse("pupils:history", args=[personas.pupil.public_id])
    c.get(url)
    versions.bump(versions.ALL)  # both measured with nothing cached, as right after a write
    with CaptureQueriesContext(connection) as before:
        c.get(url)
    _more_history(personas, amy, 10)
    versions.bump(versions.ALL)
    with django_assert_num_queries(len(before.captured_queries)):
        assert len(c.get(url).context["history"]) == 11
