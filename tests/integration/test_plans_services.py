"""The review cycle's services: plans, outcomes, targets, contributions, the review, the next plan, annual reviews."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from plans import services
from plans.models import CheckStatus, ContributorRole, PlanReview, PlanStatus, Rating, SupportPlan
from pupils.models import RegisterEntry
from tests import factories as f
from tests.integration.plans_fixtures import plans_school  # noqa: F401

pytestmark = pytest.mark.django_db


def judge_all(plan, rating=Rating.NOT_YET, **extra):
    return [services.Judgement(outcome=o, rating=rating, **extra) for o in plan.outcomes.all()]


# --- Plans ---------------------------------------------------------------------------------------------


def test_a_plan_starts_as_a_draft_and_is_put_in_place_with_the_register_review_date(plans_school):
    s = plans_school
    plan = services.plan_create(pupil=s.cara, starts_on=s.today, review_date=s.today + dt.timedelta(days=84), created_by=s.p.senco)
    assert plan.status == PlanStatus.DRAFT
    with pytest.raises(ValidationError, match="at least one outcome"):
        services.plan_start(plan=plan)
    services.outcome_add(plan=plan, description="Cara will", measure="x", by_when=plan.review_date)
    entry = f.RegisterEntryFactory(pupil=s.cara, start_date=s.today - dt.timedelta(days=10))
    services.plan_start(plan=plan)
    plan.refresh_from_db()
    entry.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert entry.review_date == plan.review_date  # the SENCo's "Reviews due" card follows the plan
    assert plan.history.count() == 2  # created, then put in place


def test_a_second_draft_and_a_review_before_the_start_are_refused(plans_school):
    s = plans_school
    services.plan_create(pupil=s.cara, starts_on=s.today, review_date=s.today + dt.timedelta(days=1), created_by=None)
    with pytest.raises(ValidationError, match="already has a draft"):
        services.plan_create(pupil=s.cara, starts_on=s.today, review_date=s.today + dt.timedelta(days=9), created_by=None)
    with pytest.raises(ValidationError) as caught:
        services.plan_create(pupil=s.amy, starts_on=s.today, review_date=s.today, created_by=None)
    assert "review_date" in caught.value.error_dict
    assert SupportPlan.objects.filter(pupil=s.cara).count() == 1


def test_starting_the_next_plan_closes_the_one_in_place_the_day_before(plans_school):
    s = plans_school
    services.review_record(plan=s.plan, held_on=s.today, judgements=judge_all(s.plan), recorded_by=s.p.senco, today=s.today)
    draft = services.plan_draft_next(plan=s.plan, created_by=s.p.senco, today=s.today)
    services.plan_start(plan=draft)
    s.plan.refresh_from_db()
    assert s.plan.status == PlanStatus.CLOSED and s.plan.ended_on == draft.starts_on - dt.timedelta(days=1)
    assert SupportPlan.objects.filter(pupil=s.amy, status=PlanStatus.ACTIVE).get() == draft


def test_a_closed_plan_and_a_reviewed_plan_keep_their_outcomes(plans_school):
    s = plans_school
    services.review_record(plan=s.plan, held_on=s.today, judgements=judge_all(s.plan), recorded_by=None, today=s.today)
    with pytest.raises(ValidationError, match="reviewed"):
        services.outcome_add(plan=s.plan, description="x", measure="x", by_when=s.today)
    with pytest.raises(ValidationError, match="reviewed"):
        services.outcome_remove(outcome=s.outcome)
    with pytest.raises(ValidationError, match="draft"):
        services.plan_discard(plan=s.plan)
    assert s.plan.outcomes.count() == 2


def test_an_outcome_links_only_the_pupils_own_interventions(plans_school):
    s = plans_school
    ben_enrolment = f.EnrolmentFactory(
        intervention=f.InterventionFactory(programme=f.ProgrammeFactory(school=s.p.school)), pupil=s.ben
    )
    with pytest.raises(ValidationError, match="own interventions"):
        services.outcome_update(outcome=s.outcome, description="x", measure="y", by_when=s.today, enrolments=[ben_enrolment])
    s.outcome.refresh_from_db()
    assert s.outcome.description.startswith("Amy will read")


# --- Curricular targets ----------------------------------------------------------------------------------


def test_a_target_is_checked_once_a_term_and_a_second_check_replaces_the_first(plans_school):
    s = plans_school
    services.target_check_record(target=s.target, academic_year=2025, term="spring", status=CheckStatus.NOT_ON_TRACK,
                                 recorded_by=s.p.teacher)  # fmt: skip
    check = services.target_check_record(target=s.target, academic_year=2025, term="spring", status=CheckStatus.ON_TRACK,
                                         note="Ten words in a test", recorded_by=s.p.teacher)  # fmt: skip
    assert s.target.checks.count() == 1 and check.status == CheckStatus.ON_TRACK
    with pytest.raises(ValidationError):
        services.target_check_record(target=s.target, academic_year=2025, term="spring", status="great", recorded_by=None)


def test_a_target_needs_words(plans_school):
    s = plans_school
    draft = services.plan_create(pupil=s.cara, starts_on=s.today, review_date=s.today + dt.timedelta(days=5), created_by=None)
    with pytest.raises(ValidationError, match="as the pupil would say it"):
        services.curricular_target_add(plan=draft, subject=s.p.group.subject, statement="   ")


# --- Views before the review ---------------------------------------------------------------------------------


def test_views_are_added_before_the_review_and_replaced_when_saved_again(plans_school):
    s = plans_school
    services.contribution_save(plan=s.plan, author=s.pat, role=ContributorRole.PARENT, going_well="She reads at bedtime")
    services.contribution_save(plan=s.plan, author=s.pat, role=ContributorRole.PARENT, concerns="Spelling homework")
    views = s.plan.contributions.get()
    assert (views.going_well, views.concerns) == ("", "Spelling homework")
    with pytest.raises(ValidationError, match="at least one"):
        services.contribution_save(plan=s.plan, author=s.p.teacher, role=ContributorRole.STAFF)
    services.review_record(plan=s.plan, held_on=s.today, judgements=judge_all(s.plan), recorded_by=None, today=s.today)
    with pytest.raises(ValidationError, match="until it is reviewed"):
        services.contribution_save(plan=s.plan, author=s.pat, role=ContributorRole.PARENT, hopes="More reading")


# --- The review and the next plan ------------------------------------------------------------------------------


def test_the_review_rates_every_outcome_with_the_pupils_own_evidence(plans_school):
    s = plans_school
    assessment = f.AssessmentFactory(pupil=s.amy, subject=s.p.group.subject, academic_year=2025, term="spring")
    other = f.AssessmentFactory(pupil=s.ben, subject=s.p.group.subject, academic_year=2025, term="spring")
    only_one = [services.Judgement(outcome=s.outcome, rating=Rating.ACHIEVED)]
    with pytest.raises(ValidationError, match="Rate every outcome"):
        services.review_record(plan=s.plan, held_on=s.today, judgements=only_one, recorded_by=None, today=s.today)
    with pytest.raises(ValidationError, match="own records"):
        services.review_record(plan=s.plan, held_on=s.today, judgements=judge_all(s.plan, assessments=[other]),
                               recorded_by=None, today=s.today)  # fmt: skip
    with pytest.raises(ValidationError, match="future"):
        services.review_record(plan=s.plan, held_on=s.today + dt.timedelta(days=1), judgements=judge_all(s.plan),
                               recorded_by=None, today=s.today)  # fmt: skip
    assert not PlanReview.objects.filter(plan=s.plan).exists() and s.plan.outcomes.filter(rating="").count() == 2
    judgements = [
        services.Judgement(outcome=s.outcome, rating=Rating.ACHIEVED, evidence="Reads a page", assessments=[assessment]),
        services.Judgement(outcome=s.outcome2, rating=Rating.PARTLY),
    ]
    review = services.review_record(plan=s.plan, held_on=s.today, judgements=judgements, pupil_views="I like reading",
                                    parent_views="Pat: going well", next_steps="Keep going", recorded_by=s.p.senco,
                                    today=s.today)  # fmt: skip
    s.outcome.refresh_from_db()
    assert s.outcome.rating == Rating.ACHIEVED and list(s.outcome.evidence_assessments.all()) == [assessment]
    assert review.plan == s.plan and review.history.count() == 1
    # The evidence links are part of the outcome's history (django-simple-history m2m tracking).
    latest = s.outcome.history.first()
    assert list(latest.evidence_assessments.values_list("assessment_id", flat=True)) == [assessment.pk]


def test_the_next_plan_carries_over_what_was_not_yet_achieved(plans_school):
    s = plans_school
    programme = f.ProgrammeFactory(school=s.p.school)
    running = f.EnrolmentFactory(intervention=f.InterventionFactory(programme=programme, name="Running"), pupil=s.amy,
                                 start_date=s.today - dt.timedelta(days=60))  # fmt: skip
    ended = f.EnrolmentFactory(intervention=f.InterventionFactory(programme=programme, name="Ended"), pupil=s.amy,
                               start_date=s.today - dt.timedelta(days=60), end_date=s.today - dt.timedelta(days=5))  # fmt: skip
    s.outcome2.enrolments.set([running, ended])
    second_target = services.curricular_target_add(plan=s.plan, subject=s.p.group.subject, statement="I can use a full stop")
    services.target_check_record(target=second_target, academic_year=2025, term="spring", status=CheckStatus.ACHIEVED,
                                 recorded_by=None)  # fmt: skip
    judgements = [services.Judgement(outcome=s.outcome, rating=Rating.ACHIEVED),
                  services.Judgement(outcome=s.outcome2, rating=Rating.PARTLY)]  # fmt: skip
    with pytest.raises(ValidationError, match="Record the review first"):
        services.plan_draft_next(plan=s.plan, created_by=None, today=s.today)
    services.review_record(plan=s.plan, held_on=s.today, judgements=judgements, recorded_by=None, today=s.today)
    draft = services.plan_draft_next(plan=s.plan, created_by=s.p.senco, today=s.today)
    carried = draft.outcomes.get()
    assert carried.description == s.outcome2.description and carried.carried_from == s.outcome2
    assert list(carried.enrolments.all()) == [running]  # the ended intervention is not carried over
    assert [t.statement for t in draft.curricular_targets.all()] == ["I can spell ten key words"]
    assert draft.previous == s.plan and draft.strategies == s.plan.strategies and draft.status == PlanStatus.DRAFT
    # The plan ran 70 days from its start to its review: the next one is reviewed 70 days after today.
    assert draft.starts_on == s.today and draft.review_date == s.today + dt.timedelta(days=70)


# --- EHC plan annual reviews ----------------------------------------------------------------------------------


def test_an_annual_review_needs_an_ehc_plan_on_that_day_and_is_recorded_once(plans_school):
    s = plans_school
    with pytest.raises(ValidationError, match="no EHC plan"):
        services.annual_review_record(pupil=s.amy, held_on=s.today, recommendation="maintain", recorded_by=None, today=s.today)
    review = services.annual_review_record(pupil=s.ben, held_on=s.today, recommendation="amend", summary="New outcomes",
                                           recorded_by=s.p.senco, today=s.today)  # fmt: skip
    assert review.pk and review.history.count() == 1
    with pytest.raises(ValidationError, match="already recorded"):
        services.annual_review_record(pupil=s.ben, held_on=s.today, recommendation="amend", recorded_by=None, today=s.today)
    with pytest.raises(ValidationError, match="recommends"):
        services.annual_review_record(pupil=s.ben, held_on=s.today - dt.timedelta(days=1), recommendation="shrug",
                                      recorded_by=None, today=s.today)  # fmt: skip


def test_the_register_review_date_is_not_touched_without_an_open_entry(plans_school):
    s = plans_school
    before = list(RegisterEntry.objects.values_list("pk", "review_date"))
    plan = services.plan_create(pupil=s.cara, starts_on=s.today, review_date=s.today + dt.timedelta(days=30), created_by=None)
    services.outcome_add(plan=plan, description="x", measure="y", by_when=plan.review_date)
    services.plan_start(plan=plan)
    assert list(RegisterEntry.objects.values_list("pk", "review_date")) == before


def test_the_senco_reads_every_change_to_a_plan_in_the_pupils_audit_history(plans_school, client):
    from django.urls import reverse

    s = plans_school
    services.review_record(plan=s.plan, held_on=s.today, judgements=judge_all(s.plan, rating=Rating.PARTLY),
                           recorded_by=s.p.senco, today=s.today)  # fmt: skip
    client.force_login(s.p.senco)
    page = client.get(reverse("pupils:audit", args=[s.amy.public_id])).content.decode()
    for record in ("Support plan", "Outcome", "Curricular target", "Plan review", "Parent link"):
        assert record.lower() in page.lower(), record
    assert "Partly achieved" in page  # the outcome's rating, before and after
