"""One pupil's measures: each small form saves through its service, shows clear errors, keeps what was typed
and saves nothing on error; only the SENCo and the pupil's own teachers may open them.

Bands are worked by hand from the SDQ bands in docs/figures.md (SDQ teacher version, four bands).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    Assessment,
    Baseline,
    BehaviourRecord,
    QualitativeRating,
    ReadingTest,
    SelfAssessment,
    SemhChecklist,
)
from tests import factories as f
from tests.queries import session_queries

FORMS = [
    "assessment_add", "baseline_add", "reading_add", "sdq_add", "boxall_add", "behaviour_add", "ratings_add",
    "self_assessment_add", "pupil_measures", "pupil_targets",
]  # fmt: skip
MODELS = [Assessment, Baseline, ReadingTest, SemhChecklist, BehaviourRecord, QualitativeRating, SelfAssessment]


@pytest.fixture
def school(personas):
    personas.english = personas.group.subject
    return personas


def url(name: str, pupil) -> str:
    return reverse(f"assessments:{name}", args=[pupil.public_id])


def nothing_saved() -> bool:
    return not any(model.objects.exists() for model in MODELS)


def page(response) -> str:
    return response.content.decode()


# --- Who may open them -------------------------------------------------------------------------


@pytest.mark.parametrize("name", FORMS)
def test_the_senco_and_the_pupils_teacher_open_every_page(client, school, name):
    for user in (school.senco, school.teacher):
        client.force_login(user)
        assert client.get(url(name, school.pupil)).status_code == 200


@pytest.mark.parametrize("name", FORMS)
def test_a_teacher_cannot_open_a_pupil_outside_their_groups(client, school, name):
    client.force_login(school.teacher)
    assert client.get(url(name, school.other_pupil)).status_code == 404
    assert client.post(url(name, school.other_pupil), {}).status_code == 404


@pytest.mark.parametrize("who", ["ta", "governor", "data_manager"])
@pytest.mark.parametrize("name", FORMS)
def test_tas_governors_and_data_managers_are_refused(client, school, who, name):
    client.force_login(getattr(school, who))
    assert client.get(url(name, school.pupil)).status_code == 403
    assert client.post(url(name, school.pupil), {}).status_code == 403


@pytest.mark.parametrize("name", FORMS)
def test_another_schools_senco_cannot_find_our_pupils(client, school, name):
    client.force_login(school.outsider)
    assert client.get(url(name, school.pupil)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, school):
    response = client.get(url("pupil_measures", school.pupil))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- The measures page -------------------------------------------------------------------------


def test_the_measures_page_lists_what_was_recorded_with_bands(client, school):
    amy = school.pupil
    f.AssessmentFactory(pupil=amy, subject=school.english, academic_year=2024, term="spring", result="4c")
    f.BaselineFactory(pupil=amy, subject=school.english, key_stage="KS2", result="3b", academic_year=2022)
    ReadingTest.objects.create(pupil=amy, measure="reading", test_name="Salford", tested_on=dt.date(2024, 10, 1), age_equivalent_months=90)
    SemhChecklist.objects.create(
        pupil=amy, instrument="sdq", completed_on=dt.date(2024, 10, 2), academic_year=2024, term="autumn", total=Decimal(16),
        scores={"emotional": 5, "conduct": 3, "hyperactivity": 6, "peer": 2, "prosocial": 7},
    )  # fmt: skip
    client.force_login(school.teacher)
    text = page(client.get(url("pupil_measures", amy)))
    assert "Spring 2024/25" in text and ">4c<" in text
    assert "Baseline: End of KS2" in text and ">3b<" in text
    assert "Salford" in text and ">7:06<" in text  # 90 months = 7 years 6 months
    # Total difficulties 16 is "high" (16-18); emotional 5 is "high" (5); conduct 3 "slightly raised" (3).
    assert "Total difficulties 16: high" in text
    assert "Emotional symptoms 5 (high)" in text and "Conduct problems 3 (slightly raised)" in text


def test_the_measures_page_runs_a_fixed_number_of_queries(client, school, django_assert_num_queries):
    for year in range(2018, 2025):
        f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=year, term="summer", result="4c")
        BehaviourRecord.objects.create(pupil=school.pupil, academic_year=year, term="autumn", points=-3)
    client.force_login(school.teacher)
    # session (embedded mode; Redis in production mode), user, membership, pupil, then one query
    # per kind of record (8).
    with django_assert_num_queries(11 + session_queries()):
        client.get(url("pupil_measures", school.pupil))


# --- An assessment -----------------------------------------------------------------------------


def test_an_assessment_is_saved_as_its_canonical_code(client, school):
    client.force_login(school.teacher)
    response = client.post(
        url("assessment_add", school.pupil),
        {"subject": "english", "academic_year": "2024", "term": "spring", "kind": "teacher", "framework": "nc", "result": "4 B"},
    )
    assert response.status_code == 302 and response.url == url("pupil_measures", school.pupil)
    saved = Assessment.objects.get()
    assert (saved.result, saved.academic_year, saved.term, saved.recorded_by) == ("4b", 2024, "spring", school.teacher)
    followed = page(client.get(response.url))
    assert "Saved Amy Smith&#x27;s English result for Spring 2024/25: 4b." in followed


def test_a_pre_key_stage_result_is_read_on_its_own_framework(client, school):
    client.force_login(school.senco)
    client.post(
        url("assessment_add", school.pupil),
        {"subject": "english", "academic_year": "2024", "term": "summer", "kind": "test", "framework": "pks", "result": "pks 3"},
    )
    saved = Assessment.objects.get()
    assert (saved.framework, saved.result, saved.kind) == ("pks", "PK3", "test")


def test_a_bad_assessment_result_is_explained_keeps_what_was_typed_and_saves_nothing(client, school):
    client.force_login(school.teacher)
    response = client.post(
        url("assessment_add", school.pupil),
        {"subject": "english", "academic_year": "2024", "term": "spring", "kind": "teacher", "framework": "nc", "result": "4d"},
    )
    text = page(response)
    assert response.status_code == 200
    assert "Nothing has been saved" in text
    assert "&#x27;4d&#x27; is not a level. Valid codes:" in text
    assert 'value="4d"' in text and 'aria-invalid="true"' in text
    assert nothing_saved()


def test_a_missing_subject_and_a_future_date_are_refused(client, school):
    client.force_login(school.teacher)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        url("assessment_add", school.pupil),
        {"subject": "", "academic_year": "2024", "term": "spring", "kind": "teacher", "framework": "nc", "result": "4b",
         "assessed_on": tomorrow.isoformat()},
    )  # fmt: skip
    form = response.context["form"]
    assert set(form.errors) == {"subject", "assessed_on"}
    assert form.errors["assessed_on"] == ["The date cannot be in the future."]
    assert nothing_saved()


# --- A baseline --------------------------------------------------------------------------------


def test_a_baseline_is_saved_and_a_bad_one_is_refused(client, school):
    client.force_login(school.senco)
    bad = client.post(
        url("baseline_add", school.pupil),
        {"subject": "english", "key_stage": "KS1", "result": "PK2", "academic_year": "2019", "term": "summer"},
    )
    assert bad.status_code == 200 and "result" in bad.context["form"].errors and nothing_saved()
    response = client.post(
        url("baseline_add", school.pupil),
        {"subject": "english", "key_stage": "KS1", "result": "P1(ii)", "academic_year": "2019", "term": "summer"},
    )
    assert response.status_code == 302
    saved = Baseline.objects.get()
    assert (saved.key_stage, saved.result, saved.academic_year, saved.term) == ("KS1", "P1ii", 2019, "summer")


# --- Reading and spelling ages -----------------------------------------------------------------


def test_a_reading_age_typed_as_years_and_months_is_stored_in_months(client, school):
    client.force_login(school.teacher)
    response = client.post(
        url("reading_add", school.pupil),
        {"measure": "reading", "test_name": "Salford", "tested_on": "2024-10-01", "age_equivalent": "7y6m", "standardised_score": "86"},
    )
    assert response.status_code == 302
    saved = ReadingTest.objects.get()
    assert (saved.age_equivalent_months, saved.standardised_score) == (90, 86)  # 7 x 12 + 6 = 90


@pytest.mark.parametrize(("typed", "months"), [("7:06", 90), ("90m", 90), ("8.11", 107), ("9", 108)])
def test_reading_ages_are_read_in_every_written_form(client, school, typed, months):
    # 8.11 is 8 years 11 months (years.months, not a decimal): 8 x 12 + 11 = 107; "9" is 9 whole years.
    client.force_login(school.teacher)
    client.post(
        url("reading_add", school.pupil),
        {"measure": "spelling", "test_name": "SWST", "tested_on": "2024-10-01", "age_equivalent": typed},
    )
    assert ReadingTest.objects.get().age_equivalent_months == months


def test_bad_reading_test_fields_are_each_explained_and_nothing_is_saved(client, school):
    client.force_login(school.teacher)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        url("reading_add", school.pupil),
        {"measure": "reading", "test_name": "Salford", "tested_on": tomorrow.isoformat(), "age_equivalent": "7:13",
         "standardised_score": "200"},
    )  # fmt: skip
    errors = response.context["form"].errors
    assert set(errors) == {"tested_on", "age_equivalent", "standardised_score"}
    assert "has 13 months after the years; months must be 0-11" in errors["age_equivalent"][0]
    assert 'value="7:13"' in page(response)
    assert nothing_saved()


# --- SEMH checklists ---------------------------------------------------------------------------

SDQ = {"completed_on": "2024-10-02", "emotional": "5", "conduct": "3", "hyperactivity": "6", "peer": "2", "prosocial": "7"}


def test_an_sdq_stores_its_subscales_and_the_total_difficulties(client, school):
    client.force_login(school.teacher)
    response = client.post(url("sdq_add", school.pupil), SDQ, follow=True)
    saved = SemhChecklist.objects.get()
    # Total difficulties = emotional + conduct + hyperactivity + peer = 5 + 3 + 6 + 2 = 16 (prosocial
    # is not part of it), which is "high" (16-18).
    assert saved.total == 16
    assert saved.scores == {"emotional": 5, "conduct": 3, "hyperactivity": 6, "peer": 2, "prosocial": 7}
    assert (saved.instrument, saved.academic_year, saved.term, saved.completed_by) == ("sdq", 2024, "autumn", school.teacher)
    assert "total difficulties 16 (high)" in page(response)


def test_the_sdq_form_shows_the_total_and_bands_as_scores_are_typed(client, school):
    client.force_login(school.teacher)
    response = client.post(reverse("assessments:sdq_preview"), SDQ, HTTP_HX_REQUEST="true")
    text = page(response)
    assert "<html" not in text
    # hyperactivity 6 is "slightly raised" (6-7); peer 2 "close to average" (0-2); prosocial 7 "close
    # to average" (6-10, reversed scale); total 16 "high".
    assert "Hyperactivity / inattention</th><td class=\"text-end\">6</td><td>slightly raised" in text
    assert "Peer relationship problems</th><td class=\"text-end\">2</td><td>close to average" in text
    assert "Prosocial behaviour</th><td class=\"text-end\">7</td><td>close to average" in text
    assert ">16</td><td>high" in text
    partial = page(client.post(reverse("assessments:sdq_preview"), {**SDQ, "peer": ""}))
    assert "once the four difficulty scores are in" in partial
    assert nothing_saved()


def test_an_sdq_score_out_of_range_is_refused_and_the_scores_are_kept(client, school):
    client.force_login(school.teacher)
    response = client.post(url("sdq_add", school.pupil), {**SDQ, "conduct": "11"})
    text = page(response)
    assert response.context["form"].errors["conduct"] == ["Ensure this value is less than or equal to 10."]
    assert 'name="emotional" value="5"' in text and 'name="conduct" value="11"' in text
    assert nothing_saved()


def test_the_sdq_preview_refuses_tas(client, school):
    client.force_login(school.ta)
    assert client.post(reverse("assessments:sdq_preview"), SDQ).status_code == 403


def test_a_boxall_profile_stores_its_section_totals_under_the_keys_reports_read(client, school):
    client.force_login(school.senco)
    response = client.post(url("boxall_add", school.pupil), {"completed_on": "2024-11-20", "section_1": "80", "section_2": "40"})
    assert response.status_code == 302
    saved = SemhChecklist.objects.get()
    assert saved.instrument == "boxall"
    assert saved.scores == {"I": 80, "II": 40}


def test_a_boxall_total_above_136_is_refused(client, school):
    # 34 items scored 0-4: a section total is at most 34 x 4 = 136.
    client.force_login(school.senco)
    response = client.post(url("boxall_add", school.pupil), {"completed_on": "2024-11-20", "section_1": "137", "section_2": "40"})
    assert response.context["form"].errors["section_1"] == ["Ensure this value is less than or equal to 136."]
    assert nothing_saved()


# --- Behaviour, ratings, self-assessment -------------------------------------------------------


def test_behaviour_is_one_record_per_term_and_saving_again_replaces_it(client, school):
    client.force_login(school.teacher)
    data = {"academic_year": "2024", "term": "autumn", "points": "-12", "times_on_report": "2"}
    client.post(url("behaviour_add", school.pupil), data)
    response = client.post(url("behaviour_add", school.pupil), {**data, "points": "-4"}, follow=True)
    saved = BehaviourRecord.objects.get()
    assert (saved.points, saved.times_on_report) == (-4, 2)
    assert "Updated Amy Smith&#x27;s behaviour for Autumn 2024/25: -4 points." in page(response)


def test_behaviour_needs_whole_numbers(client, school):
    client.force_login(school.teacher)
    response = client.post(
        url("behaviour_add", school.pupil), {"academic_year": "2024", "term": "autumn", "points": "lots", "times_on_report": "-1"}
    )
    assert set(response.context["form"].errors) == {"points", "times_on_report"}
    assert 'value="lots"' in page(response)
    assert nothing_saved()


def test_ratings_save_one_record_per_aspect_given(client, school):
    client.force_login(school.teacher)
    response = client.post(
        url("ratings_add", school.pupil),
        {"subject": "english", "academic_year": "2024", "term": "autumn", "engagement": "4", "understanding": "",
         "mastery": "2", "note": "Reads aloud now"},
    )  # fmt: skip
    assert response.status_code == 302
    assert dict(QualitativeRating.objects.values_list("aspect", "rating")) == {"engagement": 4, "mastery": 2}
    assert set(QualitativeRating.objects.values_list("rated_by", flat=True)) == {school.teacher.pk}


def test_ratings_need_at_least_one_aspect(client, school):
    client.force_login(school.teacher)
    response = client.post(
        url("ratings_add", school.pupil),
        {"subject": "english", "academic_year": "2024", "term": "autumn", "note": "Kept"},
    )
    assert "Give at least one rating: engagement, understanding or mastery." in page(response)
    assert 'value="Kept"' in page(response)
    assert nothing_saved()


def test_a_self_assessment_is_kept_with_the_term_of_its_date(client, school):
    client.force_login(school.teacher)
    response = client.post(
        url("self_assessment_add", school.pupil),
        {"statement": "I can read a page on my own", "rating": "3", "comment": "Most days", "recorded_on": "2025-02-03"},
    )
    assert response.status_code == 302
    saved = SelfAssessment.objects.get()
    # 3 February 2025 falls in spring 2024/25 (spring is 1 January to 31 March under the default dates).
    assert (saved.rating, saved.academic_year, saved.term, saved.comment) == (3, 2024, "spring", "Most days")


def test_a_self_assessment_without_a_statement_or_rating_is_refused(client, school):
    client.force_login(school.teacher)
    response = client.post(
        url("self_assessment_add", school.pupil), {"statement": " ", "rating": "", "comment": "Said it twice", "recorded_on": "2025-02-03"}
    )
    assert set(response.context["form"].errors) == {"statement", "rating"}
    assert "Said it twice" in page(response)
    assert nothing_saved()


def test_school_term_dates_decide_the_term_of_a_dated_measure(school):
    from assessments.models import AcademicYear, Term
    from assessments.services_measures import term_of_day

    year = AcademicYear.objects.create(school=school.school, start_year=2024)
    Term.objects.create(academic_year=year, name="spring", start_date=dt.date(2024, 12, 20), end_date=dt.date(2025, 4, 4))
    assert term_of_day(school.school, dt.date(2024, 12, 22)) == (2024, "spring")  # the school's own dates
    assert term_of_day(school.school, dt.date(2024, 12, 1)) == (2024, "autumn")  # no row: the defaults
