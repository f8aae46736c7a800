"""Writes of the review cycle: plans, outcomes, curricular targets, reviews, contributions, annual reviews.

Keyword-only and typed; each checks what the model cannot, then ``full_clean()`` and ``save()``,
atomic around anything that writes more than one row (docs/contributing.md). A ValidationError names the
field it is about and means nothing was saved. Parents' invitations are in ``plans.services_parents``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from assessments.models import Assessment, ReadingTest, TermName
from interventions.models import Comment, Enrolment
from plans import cycle
from plans.models import (
    AnnualReview,
    CheckStatus,
    ContributorRole,
    CurricularTarget,
    Outcome,
    PlanContribution,
    PlanReview,
    PlanStatus,
    Rating,
    Recommendation,
    SupportPlan,
    TargetCheck,
)
from pupils.models import Provision, Pupil, RegisterEntry, Subject


def _error(field_name: str | None, message: str) -> ValidationError:
    return ValidationError({field_name: [message]}) if field_name else ValidationError(message)


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _clean_text(text: str) -> str:
    return (text or "").strip()


# --- Plans ---------------------------------------------------------------------------------------


def _check_dates(starts_on: dt.date, review_date: dt.date) -> None:
    if review_date <= starts_on:
        raise _error("review_date", f"The review must come after the plan starts ({_date(starts_on)}).")


def _sync_register_review(plan: SupportPlan) -> RegisterEntry | None:
    """The pupil's open register entry takes the plan's review date, so the SENCo's home page lists it."""
    entry = (
        RegisterEntry.objects.filter(pupil_id=plan.pupil_id, end_date__isnull=True)
        .exclude(provision=Provision.NONE)
        .first()
    )
    if entry is None or entry.review_date == plan.review_date:
        return entry
    entry.review_date = plan.review_date
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def plan_create(
    *, pupil: Pupil, starts_on: dt.date, review_date: dt.date, strategies: str = "", created_by: AbstractBaseUser | None
) -> SupportPlan:
    """A new draft plan. A pupil has at most one draft at a time, so two people never write two."""
    if pupil.archived_at is not None:
        raise _error(None, f"{pupil.full_name} has left the school: no new plan can be written.")
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()  # one draft at a time, even at once
    draft = SupportPlan.objects.filter(pupil=pupil, status=PlanStatus.DRAFT).first()
    if draft is not None:
        raise _error(None, f"{pupil.full_name} already has a draft plan (from {_date(draft.starts_on)}): carry on with that one.")
    _check_dates(starts_on, review_date)
    plan = SupportPlan(
        pupil=pupil, starts_on=starts_on, review_date=review_date, strategies=_clean_text(strategies),
        created_by=created_by, status=PlanStatus.DRAFT,
    )  # fmt: skip
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, plan: SupportPlan, starts_on: dt.date, review_date: dt.date, strategies: str = "") -> SupportPlan:
    """Change a draft or the plan in place (a closed plan is a record and stays as it was)."""
    if plan.status == PlanStatus.CLOSED:
        raise _error(None, "This plan is closed: it is kept as it was.")
    _check_dates(starts_on, review_date)
    plan.starts_on, plan.review_date, plan.strategies = starts_on, review_date, _clean_text(strategies)
    plan.full_clean()
    plan.save()
    if plan.status == PlanStatus.ACTIVE:
        _sync_register_review(plan)
    return plan


@transaction.atomic
def plan_start(*, plan: SupportPlan) -> tuple[SupportPlan, SupportPlan | None]:
    """Put a draft in place: the plan it follows (the one in place) is closed the day before.

    Needs at least one outcome. The pupil's open register entry takes the plan's review date.
    Returns the plan and the one it closed, if any.
    """
    plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise _error(None, "Only a draft plan can be put in place.")
    if not plan.outcomes.exists():
        raise _error(None, "Add at least one outcome before putting the plan in place.")
    closed = SupportPlan.objects.select_for_update().filter(pupil_id=plan.pupil_id, status=PlanStatus.ACTIVE).first()
    if closed is not None:
        if plan.starts_on <= closed.starts_on:
            raise _error(
                "starts_on", f"The plan in place started on {_date(closed.starts_on)}: this one must start after it."
            )
        closed.status = PlanStatus.CLOSED
        closed.ended_on = plan.starts_on - dt.timedelta(days=1)
        closed.full_clean()
        closed.save()
    plan.status = PlanStatus.ACTIVE
    plan.full_clean()
    plan.save()
    _sync_register_review(plan)
    return plan, closed


@transaction.atomic
def plan_discard(*, plan: SupportPlan) -> None:
    """Delete a draft that will not be used (its audit history keeps that it existed)."""
    if plan.status != PlanStatus.DRAFT:
        raise _error(None, "Only a draft can be discarded; a plan that was in place is kept.")
    plan.delete()


def _open(plan: SupportPlan) -> None:
    """Outcomes and targets change on a draft or the plan in place, until it is reviewed."""
    if plan.status == PlanStatus.CLOSED:
        raise _error(None, "This plan is closed: it is kept as it was.")
    if PlanReview.objects.filter(plan=plan).exists():
        raise _error(None, "This plan has been reviewed: draft the next plan from its review instead.")


def _own_enrolments(plan: SupportPlan, enrolments: Iterable[Enrolment], field_name: str) -> list[Enrolment]:
    chosen = list(enrolments)
    if any(e.pupil_id != plan.pupil_id for e in chosen):
        raise _error(field_name, "Choose only this pupil's own interventions.")
    return chosen


# --- Outcomes ------------------------------------------------------------------------------------


@transaction.atomic
def outcome_add(
    *, plan: SupportPlan, description: str, measure: str, by_when: dt.date, provision: str = "",
    enrolments: Iterable[Enrolment] = (),
) -> Outcome:  # fmt: skip
    _open(plan)
    chosen = _own_enrolments(plan, enrolments, "enrolments")
    position = (plan.outcomes.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    outcome = Outcome(
        plan=plan, position=position, description=_clean_text(description), measure=_clean_text(measure),
        by_when=by_when, provision=_clean_text(provision),
    )  # fmt: skip
    _check_by_when(plan, by_when)
    outcome.full_clean()
    outcome.save()
    outcome.enrolments.set(chosen)
    return outcome


def _check_by_when(plan: SupportPlan, by_when: dt.date) -> None:
    if by_when < plan.starts_on:
        raise _error("by_when", f"The plan starts on {_date(plan.starts_on)}: an outcome cannot be due before that.")


@transaction.atomic
def outcome_update(
    *, outcome: Outcome, description: str, measure: str, by_when: dt.date, provision: str = "",
    enrolments: Iterable[Enrolment] = (),
) -> Outcome:  # fmt: skip
    plan = outcome.plan
    _open(plan)
    chosen = _own_enrolments(plan, enrolments, "enrolments")
    _check_by_when(plan, by_when)
    outcome.description, outcome.measure = _clean_text(description), _clean_text(measure)
    outcome.by_when, outcome.provision = by_when, _clean_text(provision)
    outcome.full_clean()
    outcome.save()
    outcome.enrolments.set(chosen)
    return outcome


@transaction.atomic
def outcome_remove(*, outcome: Outcome) -> None:
    _open(outcome.plan)
    outcome.delete()


# --- Curricular targets ------------------------------------------------------------------------------


@transaction.atomic
def curricular_target_add(*, plan: SupportPlan, subject: Subject, statement: str) -> CurricularTarget:
    """A small-step target in the pupil's words ("I can ...")."""
    _open(plan)
    position = (plan.curricular_targets.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    target = CurricularTarget(plan=plan, subject=subject, statement=_statement(statement), position=position)
    target.full_clean()
    target.save()
    return target


def _statement(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise _error("statement", 'Write the target as the pupil would say it, e.g. "I can read a page aloud".')
    return text


@transaction.atomic
def curricular_target_update(*, target: CurricularTarget, subject: Subject, statement: str) -> CurricularTarget:
    _open(target.plan)
    target.subject, target.statement = subject, _statement(statement)
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def curricular_target_remove(*, target: CurricularTarget) -> None:
    _open(target.plan)
    target.delete()


@transaction.atomic
def target_check_record(
    *, target: CurricularTarget, academic_year: int, term: str, status: str, note: str = "",
    recorded_by: AbstractBaseUser | None,
) -> TargetCheck:  # fmt: skip
    """This term's check of a curricular target (on track, not on track, achieved); a second check replaces the first."""
    plan = target.plan
    if plan.status != PlanStatus.ACTIVE:
        raise _error(None, "Targets are checked while their plan is in place.")
    if status not in CheckStatus.values:
        raise _error("status", "Choose on track, not on track or achieved.")
    if term not in TermName.values:
        raise _error("term", "Choose the autumn, spring or summer term.")
    check = TargetCheck.objects.filter(target=target, academic_year=academic_year, term=term).first()
    if check is None:
        check = TargetCheck(plan=plan, target=target, academic_year=academic_year, term=term)
    check.status, check.note, check.recorded_by = status, _clean_text(note), recorded_by
    check.full_clean()
    check.save()
    return check


# --- Contributions: views before the review ------------------------------------------------------------


@transaction.atomic
def contribution_save(
    *, plan: SupportPlan, author: AbstractBaseUser, role: str, going_well: str = "", concerns: str = "", hopes: str = ""
) -> PlanContribution:
    """A parent's or teacher's views on the plan in place, before its review; saving again replaces them."""
    if plan.status != PlanStatus.ACTIVE or PlanReview.objects.filter(plan=plan).exists():
        raise _error(None, "Views can be added to the plan in place until it is reviewed.")
    texts = {"going_well": _clean_text(going_well), "concerns": _clean_text(concerns), "hopes": _clean_text(hopes)}
    if not any(texts.values()):
        raise _error("going_well", "Write something in at least one of the boxes.")
    contribution = PlanContribution.objects.filter(plan=plan, author=author).first()
    if contribution is None:
        contribution = PlanContribution(plan=plan, author=author, role=role)
    if contribution.role != role or role not in ContributorRole.values:
        raise _error(None, "These views were added in another role.")
    for name, value in texts.items():
        setattr(contribution, name, value)
    contribution.full_clean()
    contribution.save()
    return contribution


# --- The review -------------------------------------------------------------------------------------------


@dataclass
class Judgement:
    """One outcome's rating at the review and the evidence for it."""

    outcome: Outcome
    rating: str
    evidence: str = ""
    assessments: Sequence[Assessment] = field(default_factory=list)
    reading_tests: Sequence[ReadingTest] = field(default_factory=list)
    comments: Sequence[Comment] = field(default_factory=list)
    enrolments: Sequence[Enrolment] = field(default_factory=list)


@transaction.atomic
def review_record(
    *, plan: SupportPlan, held_on: dt.date, pupil_views: str = "", parent_views: str = "", next_steps: str = "",
    judgements: Sequence[Judgement], recorded_by: AbstractBaseUser | None, today: dt.date,
) -> PlanReview:  # fmt: skip
    """Record (or correct) the review of the plan in place: every outcome rated, with its evidence.

    Evidence must be the pupil's own records. All or nothing.
    """
    plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.ACTIVE:
        raise _error(None, "Only the plan in place can be reviewed.")
    if held_on > today:
        raise _error("held_on", "The review cannot be dated in the future.")
    if held_on < plan.starts_on:
        raise _error("held_on", f"The plan started on {_date(plan.starts_on)}: the review cannot be before that.")
    outcomes = {o.pk: o for o in plan.outcomes.all()}
    judged = {j.outcome.pk: j for j in judgements}
    if set(judged) - set(outcomes):
        raise _error(None, "An outcome judged is not one of this plan's.")
    missing = [o for pk, o in outcomes.items() if pk not in judged or judged[pk].rating not in Rating.values]
    if missing:
        raise _error(None, f"Rate every outcome as achieved, partly or not yet ({len(missing)} not rated).")
    for j in judgements:
        records = [*j.assessments, *j.reading_tests, *j.comments, *j.enrolments]
        if any(r.pupil_id != plan.pupil_id for r in records):
            raise _error(None, "Evidence must be this pupil's own records.")
    review = PlanReview.objects.filter(plan=plan).first() or PlanReview(plan=plan)
    review.held_on = held_on
    review.pupil_views, review.parent_views = _clean_text(pupil_views), _clean_text(parent_views)
    review.next_steps = _clean_text(next_steps)
    review.recorded_by = recorded_by
    review.full_clean()
    review.save()
    for pk, outcome in outcomes.items():
        j = judged[pk]
        outcome.rating, outcome.evidence = j.rating, _clean_text(j.evidence)
        outcome.full_clean()
        outcome.save()
        outcome.evidence_assessments.set(j.assessments)
        outcome.evidence_reading_tests.set(j.reading_tests)
        outcome.evidence_comments.set(j.comments)
        outcome.evidence_enrolments.set(j.enrolments)
    return review


@transaction.atomic
def plan_draft_next(*, plan: SupportPlan, created_by: AbstractBaseUser | None, today: dt.date) -> SupportPlan:
    """The next plan, drafted from this plan's review: the outcomes and curricular targets not yet
    achieved are carried over (with the interventions still running), and the strategies.

    It starts today (or on the review day, if later) and is reviewed as long after its start as this one was.
    """
    review = PlanReview.objects.filter(plan=plan).first()
    if review is None:
        raise _error(None, "Record the review first: the next plan is drafted from it.")
    starts_on = max(today, review.held_on, plan.starts_on + dt.timedelta(days=1))
    review_date = cycle.default_review_date(starts_on, previous_start=plan.starts_on, previous_review=plan.review_date)
    draft = plan_create(
        pupil=plan.pupil, starts_on=starts_on, review_date=review_date, strategies=plan.strategies, created_by=created_by
    )
    draft.previous = plan
    draft.save(update_fields=["previous"])
    for outcome in plan.outcomes.prefetch_related("enrolments"):
        if outcome.rating == Rating.ACHIEVED:
            continue
        carried = outcome_add(
            plan=draft, description=outcome.description, measure=outcome.measure,
            by_when=outcome.by_when if outcome.by_when > starts_on else review_date, provision=outcome.provision,
            enrolments=[e for e in outcome.enrolments.all() if e.end_date is None or e.end_date >= starts_on],
        )  # fmt: skip
        carried.carried_from = outcome
        carried.save(update_fields=["carried_from"])
    achieved = set(
        TargetCheck.objects.filter(plan=plan, status=CheckStatus.ACHIEVED).values_list("target_id", flat=True)
    )
    for target in plan.curricular_targets.select_related("subject"):
        if target.pk in achieved:
            continue
        copied = curricular_target_add(plan=draft, subject=target.subject, statement=target.statement)
        copied.carried_from = target
        copied.save(update_fields=["carried_from"])
    return draft


# --- EHC plan annual reviews ------------------------------------------------------------------------------


def ehcp_entry(pupil: Pupil, day: dt.date) -> RegisterEntry | None:
    """The pupil's EHC plan register entry in force on ``day``."""
    return (
        RegisterEntry.objects.filter(pupil=pupil, provision=Provision.EHC_PLAN, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .first()
    )


@transaction.atomic
def annual_review_record(
    *, pupil: Pupil, held_on: dt.date, recommendation: str, attendees: str = "", summary: str = "",
    pupil_views: str = "", parent_views: str = "", recorded_by: AbstractBaseUser | None, today: dt.date,
) -> AnnualReview:  # fmt: skip
    """An EHC plan's annual review meeting, held on ``held_on``; the next is due 12 months later."""
    if held_on > today:
        raise _error("held_on", "The review cannot be dated in the future.")
    if ehcp_entry(pupil, held_on) is None:
        raise _error("held_on", f"{pupil.full_name} had no EHC plan on the register on {_date(held_on)}.")
    if recommendation not in Recommendation.values:
        raise _error("recommendation", "Choose what the review recommends.")
    if AnnualReview.objects.filter(pupil=pupil, held_on=held_on).exists():
        raise _error("held_on", f"An annual review on {_date(held_on)} is already recorded.")
    review = AnnualReview(
        pupil=pupil, held_on=held_on, recommendation=recommendation, attendees=_clean_text(attendees),
        summary=_clean_text(summary), pupil_views=_clean_text(pupil_views), parent_views=_clean_text(parent_views),
        recorded_by=recorded_by,
    )  # fmt: skip
    review.full_clean()
    review.save()
    return review
