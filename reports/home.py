"""Selectors for the home page of each role: a handful of queries, whatever the number of pupils.

Each function reads for one membership (one person's role at one school) and returns plain rows
for the template. "On the register" means an open register entry with provision other than N
(SEN support, EHC plan, or a historic code still open).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Subquery, Value, When

from assessments.models import Assessment, TermName, academic_year_label
from interventions.models import Enrolment, Intervention, InterventionSession
from interventions.schedule import meets_on
from pupils.models import Membership, Provision, Pupil, RegisterEntry, TeachingGroup

REVIEW_WINDOW_DAYS = 30
INTERVENTION_ENDING_DAYS = 14
#: A home page card lists at most this many rows, then says how many more there are.
CARD_ROWS = 12


@dataclass
class Shortlist:
    """The first rows of a list for a home page card, and how many there are in all."""

    rows: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def shortlist(rows: list, limit: int = CARD_ROWS) -> Shortlist:
    return Shortlist(rows=rows[:limit], total=len(rows))

_TERM_POSITION = Case(
    When(term=TermName.AUTUMN, then=Value(0)),
    When(term=TermName.SPRING, then=Value(1)),
    When(term=TermName.SUMMER, then=Value(2)),
    output_field=IntegerField(),
)


def _open_on(day: dt.date, prefix: str = "") -> Q:
    """Rows (register entries, enrolments, interventions) in force on ``day``."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def _on_register(day: dt.date) -> Q:
    return _open_on(day) & ~Q(provision=Provision.NONE)


def _current_provision(day: dt.date, pupil_ref: str = "pk") -> Subquery:
    """The provision code (K, E, ...) of the pupil's register entry open on ``day``; None when off the register."""
    entries = RegisterEntry.objects.filter(_on_register(day), pupil=OuterRef(pupil_ref)).order_by("-start_date")
    return Subquery(entries.values("provision")[:1])


# --- SENCo ---------------------------------------------------------------------------------


def reviews_due(membership: Membership, *, today: dt.date) -> list[RegisterEntry]:
    """Open register entries whose review date is within the window or has passed, soonest first."""
    entries = (
        RegisterEntry.objects.filter(_on_register(today))
        .filter(
            pupil__school=membership.school,
            pupil__archived_at__isnull=True,
            review_date__isnull=False,
            review_date__lte=today + dt.timedelta(days=REVIEW_WINDOW_DAYS),
        )
        .select_related("pupil")
        .order_by("review_date", "pupil__surname", "pupil__forename")
    )
    rows = list(entries)
    for entry in rows:
        entry.overdue = entry.review_date < today
        entry.days_until_review = (entry.review_date - today).days
    return rows


@dataclass
class MissingAssessments:
    """Register pupils with no assessment in the latest term that had any (``term_label`` None: no assessments yet)."""

    term_label: str | None
    pupils: list[Pupil] = field(default_factory=list)


def latest_assessed_term(membership: Membership) -> tuple[int, str] | None:
    """The most recent (academic year, term) in which any pupil of the school was assessed."""
    latest = (
        Assessment.objects.filter(pupil__school=membership.school)
        .annotate(term_position=_TERM_POSITION)
        .order_by("-academic_year", "-term_position")
        .values_list("academic_year", "term")
        .first()
    )
    return latest


def register_pupils_missing_assessment(membership: Membership, *, today: dt.date) -> MissingAssessments:
    latest = latest_assessed_term(membership)
    if latest is None:
        return MissingAssessments(term_label=None)
    year, term = latest
    assessed = Assessment.objects.filter(pupil=OuterRef("pk"), academic_year=year, term=term)
    on_register = RegisterEntry.objects.filter(_on_register(today), pupil=OuterRef("pk"))
    pupils = (
        Pupil.objects.current()
        .filter(school=membership.school)
        .filter(Exists(on_register))
        .exclude(Exists(assessed))
        .annotate(provision=_current_provision(today))
        .order_by("surname", "forename")
    )
    return MissingAssessments(term_label=f"{TermName(term).label} {academic_year_label(year)}", pupils=list(pupils))


def interventions_needing_attention(membership: Membership, *, today: dt.date) -> list[Intervention]:
    """Interventions ending within the window, and those past their end date with pupils still enrolled."""
    soon = today + dt.timedelta(days=INTERVENTION_ENDING_DAYS)
    interventions = (
        Intervention.objects.filter(programme__school=membership.school)
        .annotate(
            open_enrolments=Count("enrolments", filter=Q(enrolments__end_date__isnull=True), distinct=True)
        )
        .filter(Q(end_date__gte=today, end_date__lte=soon) | Q(end_date__lt=today, open_enrolments__gt=0))
        .select_related("programme")
        .order_by("end_date", "name")
    )
    rows = list(interventions)
    for intervention in rows:
        intervention.overdue = intervention.end_date < today
        intervention.days_until_end = (intervention.end_date - today).days
    return rows


# --- Teacher -------------------------------------------------------------------------------


def teaching_groups_with_counts(membership: Membership, *, today: dt.date) -> list[TeachingGroup]:
    """The teacher's groups at this school, each with its pupil count and how many are on the register."""
    on_roll = Q(pupils__archived_at__isnull=True)
    on_register = Q(
        pupils__register_entries__start_date__lte=today,
    ) & (
        Q(pupils__register_entries__end_date__isnull=True) | Q(pupils__register_entries__end_date__gte=today)
    ) & ~Q(pupils__register_entries__provision=Provision.NONE)
    groups = (
        TeachingGroup.objects.filter(school=membership.school, staff=membership.user_id)
        .select_related("subject")
        .annotate(
            pupil_count=Count("pupils", filter=on_roll, distinct=True),
            register_count=Count("pupils", filter=on_roll & on_register, distinct=True),
        )
        .order_by("year_group", "name")
    )
    return list(groups)


# --- Teaching assistant --------------------------------------------------------------------


@dataclass
class TaPupil:
    pupil: Pupil
    interventions: list[Intervention] = field(default_factory=list)


def ta_pupils(membership: Membership, *, today: dt.date) -> list[TaPupil]:
    """Pupils currently enrolled in running intervention groups this person staffs, with those groups."""
    enrolments = (
        Enrolment.objects.filter(
            _open_on(today),
            _open_on(today, "intervention__"),
            intervention__staff=membership.user_id,
            intervention__programme__school=membership.school,
            pupil__archived_at__isnull=True,
        )
        .select_related("pupil", "intervention")
        .annotate(provision=_current_provision(today, "pupil_id"))
        .order_by("pupil__surname", "pupil__forename", "intervention__name")
    )
    by_pupil: dict[int, TaPupil] = {}
    for enrolment in enrolments:
        row = by_pupil.get(enrolment.pupil_id)
        if row is None:
            enrolment.pupil.provision = enrolment.provision or ""
            row = by_pupil[enrolment.pupil_id] = TaPupil(pupil=enrolment.pupil)
        if enrolment.intervention not in row.interventions:
            row.interventions.append(enrolment.intervention)
    return list(by_pupil.values())


def sessions_today(membership: Membership, *, today: dt.date) -> list[Intervention]:
    """Interventions this person staffs that are running today, and whether today's session is logged."""
    logged = InterventionSession.objects.filter(intervention=OuterRef("pk"), date=today)
    interventions = (
        Intervention.objects.filter(
            _open_on(today), staff=membership.user_id, programme__school=membership.school
        )
        .select_related("programme")
        .annotate(
            logged_today=Exists(logged),
            pupil_count=Count(
                "enrolments",
                filter=Q(enrolments__start_date__lte=today, enrolments__pupil__archived_at__isnull=True)
                & (Q(enrolments__end_date__isnull=True) | Q(enrolments__end_date__gte=today)),
                distinct=True,
            ),
        )
        .order_by("name")
    )
    # Only the groups meeting on today's weekday (or already logged today: a catch-up session).
    return [group for group in interventions
            if group.logged_today or meets_on(group.schedule, today.weekday())]
