"""Reads for plans, reviews, annual reviews and the family pages: a fixed number of queries each.

Progress for parents is computed here from the assessment app's own definitions (the baseline of
DOMAIN 9.1 and the status of 9.4, through ``assessments.expected``) and handed to ``plans.plain``
as plain values, which turns it into sentences.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from operator import attrgetter

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects

from assessments.expected import BaselineResult, choose_baseline, progress
from assessments.ladder import LadderError, parse_pks, steps_between
from assessments.models import Assessment, AssessmentKind, Baseline, ReadingTest, Target
from assessments.selectors import TargetRow, evaluate_target, quartile_table, scheme_for
from interventions.models import Attendance, Comment, Enrolment, InterventionSession
from plans import cycle, plain
from plans.models import (
    AnnualReview,
    ContributorRole,
    CurricularTarget,
    Outcome,
    ParentLink,
    PlanContribution,
    PlanReview,
    PlanStatus,
    SupportPlan,
    TargetCheck,
)
from pupils.models import Membership, Provision, Pupil, PupilProfile, RegisterEntry, Role, School
from pupils.access import visible_pupils
from sencotrack.parsing import TERM_ORDER, term_for_date, term_index

User = get_user_model()

#: Evidence offered at a review: records from this long before the plan started, and since.
EVIDENCE_LOOKBACK = dt.timedelta(days=92)


def _open_on(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def _provision_on(day: dt.date, pupil_ref: str = "pk") -> Subquery:
    entries = (
        RegisterEntry.objects.filter(_open_on(day), pupil=OuterRef(pupil_ref))
        .exclude(provision=Provision.NONE)
        .order_by("-start_date")
    )
    return Subquery(entries.values("provision")[:1])


def current_term(today: dt.date) -> tuple[int, str]:
    return term_for_date(today)


# --- The plans overview ---------------------------------------------------------------------------


@dataclass
class OverviewRow:
    pupil: Pupil
    provision: str
    plan: SupportPlan | None
    has_draft: bool
    last_review: dt.date | None
    review_state: str = ""


def plans_overview(membership: Membership, *, today: dt.date) -> list[OverviewRow]:
    """Pupils on the register (or with a plan) whom this person may see, with their plan in place: two queries."""
    active = SupportPlan.objects.filter(pupil=OuterRef("pk"), status=PlanStatus.ACTIVE)
    drafts = SupportPlan.objects.filter(pupil=OuterRef("pk"), status=PlanStatus.DRAFT)
    on_register = RegisterEntry.objects.filter(_open_on(today), pupil=OuterRef("pk")).exclude(provision=Provision.NONE)
    pupils = list(
        visible_pupils(membership)
        .current()
        .filter(Q(Exists(on_register)) | Q(Exists(SupportPlan.objects.filter(pupil=OuterRef("pk")))))
        .annotate(
            provision=_provision_on(today),
            has_draft=Exists(drafts),
            active_id=Subquery(active.values("pk")[:1]),
            last_review=Max("support_plans__review__held_on"),
        )
        .order_by("surname", "forename")
    )
    plans = SupportPlan.objects.in_bulk([p.active_id for p in pupils if p.active_id])
    rows = []
    for pupil in pupils:
        plan = plans.get(pupil.active_id)
        row = OverviewRow(pupil, pupil.provision or "", plan, pupil.has_draft, pupil.last_review)
        if plan is not None:
            row.review_state = "overdue" if plan.review_date < today else (
                "due soon" if plan.review_date <= today + dt.timedelta(days=30) else ""
            )
        rows.append(row)
    return rows


# --- One pupil's plans ----------------------------------------------------------------------------


def _plan_prefetches() -> list:
    return [
        Prefetch("outcomes", queryset=Outcome.objects.order_by("position", "pk").prefetch_related(
            Prefetch("enrolments", queryset=Enrolment.objects.select_related("intervention__programme")),
            Prefetch("evidence_assessments", queryset=Assessment.objects.select_related("subject")),
            "evidence_reading_tests",
            Prefetch("evidence_comments", queryset=Comment.objects.select_related("subject", "author")),
            Prefetch("evidence_enrolments", queryset=Enrolment.objects.select_related("intervention__programme")),
        )),
        Prefetch("curricular_targets", queryset=CurricularTarget.objects.select_related("subject").prefetch_related(
            Prefetch("checks", queryset=TargetCheck.objects.select_related("recorded_by").order_by("academic_year", "term"))
        )),
        Prefetch("contributions", queryset=PlanContribution.objects.select_related("author").order_by("created_at")),
    ]  # fmt: skip


def _review_of(plan: SupportPlan) -> PlanReview | None:
    try:
        return plan.review
    except PlanReview.DoesNotExist:
        return None


@dataclass
class PupilPlans:
    pupil: Pupil
    active: SupportPlan | None
    draft: SupportPlan | None
    closed: list[SupportPlan]
    ehcp: AnnualReviewStatus | None = None

    @property
    def latest_review(self) -> PlanReview | None:
        """The most recent review of any plan: the plan in place's, else its predecessor's."""
        for plan in [p for p in (self.active,) if p] + self.closed:
            review = _review_of(plan)
            if review is not None:
                return review
        return None


def pupil_plans(pupil: Pupil, *, today: dt.date, with_details: bool = True) -> PupilPlans:
    """Every plan of the pupil (newest first) with its outcomes, targets, review and contributions."""
    plans = list(
        SupportPlan.objects.filter(pupil=pupil).select_related("review", "review__recorded_by", "created_by")
        .order_by("-starts_on", "-created_at")
    )
    if with_details and plans:
        prefetch_related_objects(plans, *_plan_prefetches())
    for plan in plans:
        plan.pupil = pupil
        plan.review_obj = _review_of(plan)
    return PupilPlans(
        pupil=pupil,
        active=next((p for p in plans if p.status == PlanStatus.ACTIVE), None),
        draft=next((p for p in plans if p.status == PlanStatus.DRAFT), None),
        closed=[p for p in plans if p.status == PlanStatus.CLOSED],
        ehcp=annual_review_status(pupil, today=today),
    )


def plan_detail(plan: SupportPlan) -> SupportPlan:
    """The plan with everything its page shows, in one query per relation."""
    prefetch_related_objects([plan], *_plan_prefetches())
    plan.review_obj = PlanReview.objects.filter(plan=plan).select_related("recorded_by").first()
    return plan


def strategies_list(plan: SupportPlan) -> list[str]:
    return [line.strip(" -*•\t") for line in plan.strategies.splitlines() if line.strip(" -*•\t")]


# --- Curricular targets by term ------------------------------------------------------------------


@dataclass
class TargetTerms:
    target: CurricularTarget
    by_term: dict[str, TargetCheck | None]
    latest: TargetCheck | None


def curricular_targets_by_term(plan: SupportPlan, academic_year: int) -> list[TargetTerms]:
    """Each curricular target with its check in each term of the year (from the prefetched checks)."""
    rows = []
    for target in plan.curricular_targets.all():
        checks = list(target.checks.all())
        by_term = {t: next((c for c in checks if c.academic_year == academic_year and c.term == t), None) for t in TERM_ORDER}
        latest = max(checks, key=lambda c: term_index(c.academic_year, c.term), default=None)
        rows.append(TargetTerms(target, by_term, latest))
    return rows


# --- Targets that challenge, on track term by term --------------------------------------------------


@dataclass
class ChallengeRow:
    subject: object
    target: str  # the stored target, else the suggested (challenging) one
    suggested: str
    stored: Target | None
    by_term: dict[str, str]  # term -> "on track" / "not on track" / ""


def challenge_targets(pupil: Pupil, *, academic_year: int) -> list[ChallengeRow]:
    """Per subject with a target or a baseline: the year's target and, for each term with a teacher
    assessment, whether it was on track (the target line at that term, assessments.selectors)."""
    school = pupil.school
    scheme = scheme_for(school)
    quartiles = quartile_table(school)
    baselines: dict[int, list[Baseline]] = defaultdict(list)
    subjects = {}
    for b in Baseline.objects.filter(pupil=pupil).select_related("subject"):
        baselines[b.subject_id].append(b)
        subjects[b.subject_id] = b.subject
    stored = {t.subject_id: t for t in Target.objects.filter(pupil=pupil, academic_year=academic_year).select_related("subject")}
    subjects.update({sid: t.subject for sid, t in stored.items()})
    by_subject: dict[int, dict[str, Assessment]] = defaultdict(dict)
    for a in Assessment.objects.filter(
        pupil=pupil, academic_year=academic_year, kind=AssessmentKind.TEACHER, framework="nc"
    ):  # fmt: skip
        by_subject[a.subject_id][a.term] = a
    rows = []
    for sid, subject in sorted(subjects.items(), key=lambda kv: (kv[1].position, kv[1].name)):
        summary = TargetRow(pupil=pupil, subject=subject, academic_year=academic_year, stored=stored.get(sid))
        evaluate_target(summary, baselines.get(sid, []), scheme, school.ks2_span, quartiles)
        if not summary.shown:
            continue
        by_term = {}
        for term in TERM_ORDER:
            assessment = by_subject[sid].get(term)
            if assessment is None:
                by_term[term] = ""
                continue
            row = TargetRow(pupil=pupil, subject=subject, academic_year=academic_year, stored=stored.get(sid), latest=assessment)
            evaluate_target(row, baselines.get(sid, []), scheme, school.ks2_span, quartiles)
            by_term[term] = row.status
        rows.append(ChallengeRow(subject, summary.shown, summary.suggested_code, stored.get(sid), by_term))
    return rows


# --- Evidence for a review ---------------------------------------------------------------------------


@dataclass
class EvidenceChoices:
    assessments: QuerySet
    reading_tests: QuerySet
    comments: QuerySet
    enrolments: QuerySet


def evidence_choices(plan: SupportPlan) -> EvidenceChoices:
    """The pupil's records a review may cite: from a term before the plan started until now."""
    since = plan.starts_on - EVIDENCE_LOOKBACK
    year, term = term_for_date(since)
    first_term = term_index(year, term)
    pupil = plan.pupil
    linked = Outcome.objects.filter(plan=plan)
    assessments = Assessment.objects.filter(pupil=pupil).select_related("subject")
    recent = [a.pk for a in assessments if a.term_index >= first_term]
    return EvidenceChoices(
        assessments=assessments.filter(
            Q(pk__in=recent) | Q(pk__in=linked.values("evidence_assessments"))
        ).order_by("-academic_year", "subject__position", "-term"),
        reading_tests=ReadingTest.objects.filter(pupil=pupil).filter(
            Q(tested_on__gte=since) | Q(pk__in=linked.values("evidence_reading_tests"))
        ).order_by("-tested_on"),
        comments=Comment.objects.filter(pupil=pupil).filter(
            Q(observed_on__gte=since) | Q(pk__in=linked.values("evidence_comments"))
        ).select_related("subject").order_by("-observed_on"),
        enrolments=Enrolment.objects.filter(pupil=pupil).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=since) | Q(pk__in=linked.values("evidence_enrolments"))
        ).select_related("intervention__programme").order_by("-start_date"),
    )  # fmt: skip


def pupil_enrolments(pupil: Pupil, *, since: dt.date) -> QuerySet[Enrolment]:
    """The pupil's interventions running on or after ``since``: what an outcome can be linked to."""
    return (
        Enrolment.objects.filter(pupil=pupil)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=since))
        .select_related("intervention__programme")
        .order_by("-start_date")
    )


# --- EHC plan annual reviews ---------------------------------------------------------------------------


@dataclass
class AnnualReviewStatus:
    pupil: Pupil
    ehcp_since: dt.date
    last_review: dt.date | None
    due: dt.date
    state: str
    today: dt.date
    reviews: list[AnnualReview] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.state == cycle.OVERDUE

    @property
    def days_until_due(self) -> int:
        return (self.due - self.today).days

    @property
    def reminder_from(self) -> dt.date:
        return cycle.reminder_from(self.due)


def _ehcp_since(pupil_ref: str = "pk", *, today: dt.date) -> Subquery:
    """When the pupil's EHC plan began: the start of the run of E entries that ends in the one open today."""
    entries = RegisterEntry.objects.filter(_open_on(today), pupil=OuterRef(pupil_ref), provision=Provision.EHC_PLAN)
    return Subquery(entries.order_by("-start_date").values("start_date")[:1])


def annual_review_status(pupil: Pupil, *, today: dt.date) -> AnnualReviewStatus | None:
    """When the pupil's next annual review is due; None unless they have an EHC plan today."""
    entry = (
        RegisterEntry.objects.filter(_open_on(today), pupil=pupil, provision=Provision.EHC_PLAN)
        .order_by("-start_date")
        .first()
    )
    if entry is None:
        return None
    reviews = list(AnnualReview.objects.filter(pupil=pupil).select_related("recorded_by").order_by("-held_on"))
    last = reviews[0].held_on if reviews else None
    due = cycle.annual_review_due(ehcp_since=entry.start_date, last_review=last)
    return AnnualReviewStatus(pupil, entry.start_date, last, due, cycle.review_state(due, today), today, reviews)


def annual_reviews_due(school: School, *, today: dt.date) -> list[AnnualReviewStatus]:
    """EHC plan pupils whose annual review is due within 10 weeks, or overdue, soonest first: one query."""
    pupils = (
        Pupil.objects.current()
        .filter(school=school)
        .annotate(ehcp_since=_ehcp_since(today=today), last_review=Max("annual_reviews__held_on"))
        .filter(ehcp_since__isnull=False)
    )
    rows = []
    for pupil in pupils:
        due = cycle.annual_review_due(ehcp_since=pupil.ehcp_since, last_review=pupil.last_review)
        state = cycle.review_state(due, today)
        if state == cycle.LATER:
            continue
        rows.append(AnnualReviewStatus(pupil, pupil.ehcp_since, pupil.last_review, due, state, today))
    rows.sort(key=lambda r: (r.due, r.pupil.surname, r.pupil.forename))
    return rows


# --- Parents and carers: who may see whom --------------------------------------------------------------


@dataclass
class ParentRow:
    user: object
    links: list[ParentLink]

    @property
    def active_links(self) -> list[ParentLink]:
        return [link for link in self.links if link.active]

    @property
    def has_signed_in(self) -> bool:
        return self.user.has_usable_password()


def school_parents(school: School) -> list[ParentRow]:
    """Every parent or carer invited at the school, with each child and whether access is revoked: one query."""
    links = (
        ParentLink.objects.filter(pupil__school=school)
        .select_related("user", "pupil", "invited_by", "revoked_by")
        .order_by("user__last_name", "user__first_name", "user__email", "pupil__surname")
    )
    rows: dict[int, ParentRow] = {}
    for link in links:
        rows.setdefault(link.user_id, ParentRow(link.user, [])).links.append(link)
    return list(rows.values())


def pupil_parent_links(pupil: Pupil) -> list[ParentLink]:
    return list(ParentLink.objects.filter(pupil=pupil).select_related("user").order_by("revoked_at", "invited_at"))


def children_of(user) -> list[Pupil]:
    """The children a parent or carer may see today, at any school where they are one: one query."""
    schools = Membership.objects.filter(user=user, role=Role.PARENT).values("school")
    return list(
        Pupil.objects.current()
        .filter(school__in=schools, parent_links__user=user, parent_links__revoked_at__isnull=True)
        .select_related("school")
        .order_by("forename", "surname")
    )


# --- What a parent reads: progress in plain words ----------------------------------------------------


@dataclass
class SubjectProgress:
    subject: str
    sentence: str
    when: str  # the term of the latest assessment, in words


@dataclass
class AgeProgress:
    measure: str
    sentence: str
    tested_on: dt.date


@dataclass
class AttendanceRow:
    name: str
    programme: str
    sentence: str
    running: bool


@dataclass
class ChildProgress:
    subjects: list[SubjectProgress]
    ages: list[AgeProgress]


def _steps(first: Assessment, second: Assessment) -> int | None:
    try:
        if first.framework == "pks":
            return parse_pks(second.result).step - parse_pks(first.result).step
        if first.framework == "nc":
            return steps_between(first.result, second.result)
    except LadderError:
        return None
    return None


def child_progress(pupil: Pupil, *, today: dt.date) -> ChildProgress:
    """Progress in plain words: one sentence per subject, one per reading and spelling age: five queries.

    The status is the one the reports compute: the quartile rule (DOMAIN 9.9) where the school's
    setting and table cover the baseline, else the levels rule (9.4)."""
    scheme = scheme_for(pupil.school)
    quartiles = quartile_table(pupil.school)
    assessments = sorted(
        Assessment.objects.filter(pupil=pupil, kind=AssessmentKind.TEACHER).select_related("subject"),
        key=lambda a: a.term_index,
    )
    baselines: dict[int, list[Baseline]] = defaultdict(list)
    for b in Baseline.objects.filter(pupil=pupil):
        baselines[b.subject_id].append(b)
    latest: dict[int, Assessment] = {}
    for a in assessments:
        latest[a.subject_id] = a  # sorted by term: the last one wins
    subjects = []
    for sid, current in sorted(latest.items(), key=lambda kv: (kv[1].subject.position, kv[1].subject.name)):
        status, gained = None, None
        if current.framework == "nc":
            stored = {BaselineResult(b.key_stage, b.result, b.term_index): b for b in baselines.get(sid, [])}
            chosen = choose_baseline(stored, current.term_index, scheme)
            if chosen is not None:
                found = progress(
                    baseline=chosen, current_result=current.result, current_term_index=current.term_index,
                    scheme=scheme, ks2_span=pupil.school.ks2_span,
                    quartiles=quartiles.points_for(chosen, current.subject.name, pupil.school.ks2_span, scheme),
                )  # fmt: skip
                if found is not None:
                    status = found.status
                try:
                    gained = steps_between(chosen.result, current.result)
                except LadderError:
                    gained = None
        same_year = [
            a for a in assessments
            if a.subject_id == sid and a.academic_year == current.academic_year and a.framework == current.framework
            and a.term_index < current.term_index
        ]  # fmt: skip
        steps_this_year, since = None, ""
        now_year = current_term(today)[0]
        if same_year:
            first = same_year[0]
            steps_this_year = _steps(first, current)
            since = plain.term_phrase(first.academic_year, first.term, now_year=now_year)
        facts = plain.SubjectFacts(
            subject=current.subject.name, current=current.result, framework=current.framework, status=status,
            steps_gained=gained, steps_this_year=steps_this_year, since=since if steps_this_year is not None else "",
        )  # fmt: skip
        sentence = plain.subject_sentence(facts)
        if sentence:
            subjects.append(SubjectProgress(current.subject.name, sentence, plain.term_phrase(
                current.academic_year, current.term, now_year=now_year)))
    ages = []
    tests: dict[str, list[ReadingTest]] = defaultdict(list)
    for t in ReadingTest.objects.filter(pupil=pupil).order_by("tested_on"):
        tests[t.measure].append(t)
    for measure, label in (("reading", "Reading age"), ("spelling", "Spelling age")):
        found = tests.get(measure)
        if not found:
            continue
        last = found[-1]
        year = plain.academic_year_of(last.tested_on)
        earlier = [t for t in found[:-1] if plain.academic_year_of(t.tested_on) == year] or found[-2:-1]
        before = earlier[0] if earlier else None
        sentence = plain.age_sentence(
            label, last.age_equivalent_months, last.tested_on,
            before.age_equivalent_months if before else None, before.tested_on if before else None, today=today,
        )  # fmt: skip
        ages.append(AgeProgress(label, sentence, last.tested_on))
    return ChildProgress(subjects, ages)


def child_attendance(pupil: Pupil, *, today: dt.date) -> list[AttendanceRow]:
    """The pupil's interventions this school year and those still running, with attendance: two queries. No costs."""
    year_start = dt.date(current_term(today)[0], 9, 1)
    attended = Attendance.objects.filter(enrolment=OuterRef("pk"), attended=True, session__delivered=True)
    enrolments = list(
        Enrolment.objects.filter(pupil=pupil)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=year_start))
        .select_related("intervention__programme")
        .annotate(attended_count=Subquery(
            attended.order_by().values("enrolment").annotate(n=Count("pk")).values("n")[:1]
        ))
        .order_by("-start_date")
    )  # fmt: skip
    if not enrolments:
        return []
    ids = {e.intervention_id for e in enrolments}
    sessions: dict[int, list[dt.date]] = defaultdict(list)
    logged: set[int] = set()
    for iv, day, delivered in InterventionSession.objects.filter(intervention_id__in=ids).order_by().values_list(
        "intervention_id", "date", "delivered"
    ):
        logged.add(iv)
        if delivered:
            sessions[iv].append(day)
    rows = []
    for e in enrolments:
        end = min(e.end_date or today, today)
        held = sum(1 for day in sessions[e.intervention_id] if e.start_date <= day <= end)
        if e.intervention_id in logged:
            count, total = e.attended_count or 0, held
        else:
            count, total = e.sessions_attended, None  # only an imported count
        sentence = plain.attendance_sentence(attended=count, held=total, start=e.start_date, end=e.end_date, today=today)
        running = e.end_date is None or e.end_date >= today
        rows.append(AttendanceRow(e.intervention.name, e.intervention.programme.name, sentence, running))
    return rows


def shared_comments(pupil: Pupil, *, limit: int = 20) -> list[Comment]:
    return list(
        Comment.objects.filter(pupil=pupil, shared_with_parents=True)
        .select_related("subject")
        .order_by("-observed_on", "-created_at")[:limit]
    )


def pupil_comments(pupil: Pupil, *, limit: int = 30) -> list[Comment]:
    """The pupil's latest comments, for the SENCo to choose which parents see."""
    return list(
        Comment.objects.filter(pupil=pupil).select_related("subject", "author").order_by("-observed_on", "-created_at")[:limit]
    )


def profile_of(pupil: Pupil) -> PupilProfile | None:
    return PupilProfile.objects.filter(pupil=pupil).first()


@dataclass
class ChildPage:
    """Everything a parent's page of their child shows."""

    pupil: Pupil
    profile: PupilProfile | None
    plans: PupilPlans
    progress: ChildProgress
    attendance: list[AttendanceRow]
    comments: list[Comment]
    targets: list[TargetTerms]
    own_views: PlanContribution | None
    academic_year: int
    term: str

    @property
    def plan(self) -> SupportPlan | None:
        return self.plans.active

    @property
    def last_review(self) -> PlanReview | None:
        return self.plans.latest_review

    @property
    def can_add_views(self) -> bool:
        return self.plan is not None and self.plan.review_obj is None


def child_page(pupil: Pupil, *, user, today: dt.date) -> ChildPage:
    plans = pupil_plans(pupil, today=today)
    year, term = current_term(today)
    own = None
    if plans.active is not None:
        own = next((c for c in plans.active.contributions.all() if c.author_id == user.pk), None)
    return ChildPage(
        pupil=pupil,
        profile=profile_of(pupil),
        plans=plans,
        progress=child_progress(pupil, today=today),
        attendance=child_attendance(pupil, today=today),
        comments=shared_comments(pupil),
        targets=curricular_targets_by_term(plans.active, year) if plans.active else [],
        own_views=own,
        academic_year=year,
        term=term,
    )


def parent_contributions(plan: SupportPlan) -> list[PlanContribution]:
    return [c for c in plan.contributions.all() if c.role == ContributorRole.PARENT]


def staff_contributions(plan: SupportPlan) -> list[PlanContribution]:
    return [c for c in plan.contributions.all() if c.role == ContributorRole.STAFF]


def sort_closed(plans: list[SupportPlan]) -> list[SupportPlan]:
    return sorted(plans, key=attrgetter("starts_on"), reverse=True)
