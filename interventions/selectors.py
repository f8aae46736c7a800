"""Reads for the intervention and comment pages. Every select_related, prefetch and annotate lives here.

Figures (docs/figures.md has no cost definition, so the project's is stated here and on the page):
- sessions delivered: logged sessions of the group marked as delivered;
- cost to date = sessions delivered x the group's cost per session;
- enrolled: enrolments open today (no end date, or one today or later).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from interventions.access import INTERVENTION_ROLES, is_manager, loggable_interventions, visible_interventions
from interventions.models import Attendance, Comment, Enrolment, Intervention, InterventionSession, Programme
from interventions.schedule import meets_on
from pupils.models import Membership, Pupil, School, TeachingGroup
from pupils.access import visible_pupils

User = get_user_model()

COST_FIELD = DecimalField(max_digits=12, decimal_places=2)


def _count(queryset: QuerySet, group_by: str) -> Coalesce:
    """A correlated COUNT(*) of ``queryset`` per outer row (0 when there are none), as a subquery.

    Subqueries rather than joins: counting enrolments and sessions through two joins at once would
    multiply the rows and the counts.
    """
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _open_on(day: dt.date, prefix: str = "") -> Q:
    """Rows (enrolments or interventions) that have started by ``day`` and not ended before it."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def _enrolled_on(day: dt.date) -> Q:
    """Enrolments running on ``day`` of pupils still on roll: an archived leaver attends nothing."""
    return _open_on(day) & Q(pupil__archived_at__isnull=True)


def _staff_prefetch() -> Prefetch:
    return Prefetch("staff", queryset=User.objects.order_by("first_name", "last_name", "username"))


# --- Programmes ------------------------------------------------------------------------------


def programmes_for_school(school: School, *, active_only: bool = False) -> QuerySet[Programme]:
    """The school's programme library with the number of groups running each (one query)."""
    programmes = Programme.objects.filter(school=school)
    if active_only:
        programmes = programmes.filter(active=True)
    groups = Intervention.objects.filter(programme=OuterRef("pk"))
    return programmes.annotate(groups=_count(groups, "programme")).order_by("-active", "name")


# --- Intervention groups -----------------------------------------------------------------------


def with_totals(interventions: QuerySet[Intervention], *, today: dt.date) -> QuerySet[Intervention]:
    """Annotate each group with ``enrolled``, ``sessions_logged``, ``sessions_delivered`` and ``cost_to_date``.

    One query for any number of groups (plus one for the staff when prefetched).
    """
    enrolments = Enrolment.objects.filter(Q(intervention=OuterRef("pk")) & _enrolled_on(today))
    sessions = InterventionSession.objects.filter(intervention=OuterRef("pk"))
    return interventions.annotate(
        enrolled=_count(enrolments, "intervention"),
        sessions_logged=_count(sessions, "intervention"),
        sessions_delivered=_count(sessions.filter(delivered=True), "intervention"),
    ).annotate(
        cost_to_date=ExpressionWrapper(F("cost_per_session") * F("sessions_delivered"), output_field=COST_FIELD)
    )


def interventions_for_list(
    membership: Membership, *, today: dt.date, show: str = "current", programme: Programme | None = None
) -> QuerySet[Intervention]:
    """The groups this person may see, with their programme, staff and totals: two queries in all.

    ``show`` is "current" (not ended before today) or "all".
    """
    interventions = visible_interventions(membership).select_related("programme").prefetch_related(_staff_prefetch())
    if show == "current":
        interventions = interventions.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    if programme is not None:
        interventions = interventions.filter(programme=programme)
    return with_totals(interventions, today=today).order_by("programme__name", "name")


def intervention_with_totals(intervention: Intervention, *, today: dt.date) -> Intervention:
    """The one group, re-read with its totals and staff."""
    return (
        with_totals(Intervention.objects.filter(pk=intervention.pk), today=today)
        .select_related("programme")
        .prefetch_related(_staff_prefetch())
        .get()
    )


def enrolments_for_detail(intervention: Intervention, membership: Membership) -> QuerySet[Enrolment]:
    """The group's enrolments this person may see, each with the sessions its pupil attended.

    ``attended`` counts attendances at delivered sessions; ``sessions_attended`` (from an import)
    is shown only where no session has been logged.
    """
    # Archived leavers are kept for reporting but hidden from this daily page.
    enrolments = intervention.enrolments.filter(pupil__archived_at__isnull=True).select_related("pupil")
    if not is_manager(membership):
        enrolments = enrolments.filter(pupil__in=visible_pupils(membership).values("pk"))
    attended = Attendance.objects.filter(enrolment=OuterRef("pk"), attended=True, session__delivered=True)
    return enrolments.annotate(attended=_count(attended, "enrolment")).order_by(
        F("end_date").desc(nulls_first=True), "pupil__surname", "pupil__forename"
    )


def recent_sessions(intervention: Intervention, *, limit: int = 10) -> QuerySet[InterventionSession]:
    """The latest logged sessions with how many attended (one query)."""
    present = Attendance.objects.filter(session=OuterRef("pk"), attended=True)
    return (
        intervention.sessions.select_related("logged_by")
        .annotate(present=_count(present, "session"))
        .order_by("-date")[:limit]
    )


def enrollable_pupils(intervention: Intervention) -> QuerySet[Pupil]:
    """Pupils on roll at the group's school who are not in it now (no open enrolment)."""
    open_here = Enrolment.objects.filter(intervention=intervention, end_date__isnull=True).values("pupil")
    return (
        Pupil.objects.current()
        .filter(school_id=intervention.programme.school_id)
        .exclude(pk__in=open_here)
        .order_by("surname", "forename")
    )


def school_staff(school: School) -> QuerySet:
    """People with a staff role at the school who can run a group (SENCo, teachers, TAs)."""
    return (
        User.objects.filter(memberships__school=school, memberships__role__in=INTERVENTION_ROLES)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# --- Session log ----------------------------------------------------------------------------------


def sessions_for_day(membership: Membership, day: dt.date) -> list[Intervention]:
    """Groups running on ``day`` whose sessions this person may log, with the day's session if logged.

    A group whose schedule names its days is listed only on those days (interventions.schedule).

    Annotates ``logged`` (a session exists for the day), ``delivered`` (its flag, or None) and
    ``enrolled`` (enrolments open on the day). One query plus one for the staff.
    """
    session = InterventionSession.objects.filter(intervention=OuterRef("pk"), date=day)
    enrolments = Enrolment.objects.filter(Q(intervention=OuterRef("pk")) & _enrolled_on(day))
    groups = (
        loggable_interventions(membership)
        .filter(_open_on(day))
        .select_related("programme")
        .prefetch_related(_staff_prefetch())
        .annotate(
            logged=Exists(session),
            delivered=Subquery(session.values("delivered")[:1]),
            enrolled=_count(enrolments, "intervention"),
        )
        .order_by("programme__name", "name")
    )
    # A session logged on another day than the schedule's (a catch-up) stays listed.
    return [group for group in groups if group.logged or meets_on(group.schedule, day.weekday())]


@dataclass
class SessionSheet:
    """What the session-log form needs for one group on one day."""

    session: InterventionSession | None
    enrolments: list[Enrolment]
    attended: dict[int, bool]  # enrolment pk -> attended, for a session already logged


def session_sheet(intervention: Intervention, day: dt.date) -> SessionSheet:
    """The day's session (if logged), the enrolments open that day and their attendance: three queries."""
    session = InterventionSession.objects.filter(intervention=intervention, date=day).first()
    enrolments = list(
        Enrolment.objects.filter(Q(intervention=intervention) & _enrolled_on(day))
        .select_related("pupil")
        .order_by("pupil__surname", "pupil__forename", "start_date")
    )
    attended: dict[int, bool] = {}
    if session is not None:
        attended = dict(Attendance.objects.filter(session=session).values_list("enrolment_id", "attended"))
    return SessionSheet(session=session, enrolments=enrolments, attended=attended)


# --- Anecdotal comments ---------------------------------------------------------------------------


def _comment_related(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    return comments.select_related("pupil", "author", "subject", "intervention")


def comments_for_pupil(pupil: Pupil) -> QuerySet[Comment]:
    """A pupil's anecdotal comments, newest observation first, for the pupil page timeline (one query).

    The caller has already decided the person may see this pupil (``pupil_for_user``).
    """
    return _comment_related(Comment.objects.filter(pupil=pupil)).order_by("-observed_on", "-created_at")


def visible_comments(membership: Membership) -> QuerySet[Comment]:
    """Comments about the pupils this person may see: all of the school's for the SENCo."""
    # Archived leavers' comments stay on their record, not in the daily list.
    comments = Comment.objects.filter(pupil__school=membership.school, pupil__archived_at__isnull=True)
    if not is_manager(membership):
        comments = comments.filter(pupil__in=visible_pupils(membership).values("pk"))
    return comments


def comments_filtered(
    membership: Membership,
    *,
    pupil: Pupil | None = None,
    subject=None,
    author=None,
    intervention: Intervention | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Comment]:
    """The comments list: visible comments narrowed by any of the filters, newest first (one query)."""
    comments = visible_comments(membership)
    if pupil is not None:
        comments = comments.filter(pupil=pupil)
    if subject is not None:
        comments = comments.filter(subject=subject)
    if author is not None:
        comments = comments.filter(author=author)
    if intervention is not None:
        comments = comments.filter(intervention=intervention)
    if date_from is not None:
        comments = comments.filter(observed_on__gte=date_from)
    if date_to is not None:
        comments = comments.filter(observed_on__lte=date_to)
    return _comment_related(comments).order_by("-observed_on", "-created_at")


def comment_authors(membership: Membership) -> QuerySet:
    """People who have written a visible comment, for the author filter."""
    authors = visible_comments(membership).values("author")
    return User.objects.filter(pk__in=authors).order_by("first_name", "last_name", "username")


def pupils_for_comment(membership: Membership, search: str = "") -> QuerySet[Pupil]:
    """Pupils on roll this person may write about, optionally narrowed by a name or UPN search."""
    pupils = visible_pupils(membership).filter(archived_at__isnull=True)
    for word in search.split()[:3]:
        pupils = pupils.filter(Q(surname__icontains=word) | Q(forename__icontains=word) | Q(upn__iexact=word))
    return pupils.order_by("surname", "forename")


#: The comment form's pupil picker lists at most this many pupils; a search finds any other.
PICKER_ROWS = 30
#: With more pupils than this to choose from, the picker shows its search box.
PICKER_SEARCH_FROM = 12


@dataclass
class PupilPicker:
    """What the comment form offers: a few pupils, the person's own first, and how many match."""

    pupils: list[Pupil]
    total: int  # pupils matching the search (every pupil the person may write about, without one)
    search: str

    @property
    def more(self) -> int:
        return max(self.total - len(self.pupils), 0)

    @property
    def searchable(self) -> bool:
        return bool(self.search) or self.total > PICKER_SEARCH_FROM


def pupil_picker(membership: Membership, search: str = "", *, selected: str = "",
                 limit: int = PICKER_ROWS) -> PupilPicker:  # fmt: skip
    """The pupils on roll this person may write about that match ``search``, at most ``limit``.

    Their own pupils (in a teaching group or an intervention group they are staff of) come first,
    then the rest by name, so a SENCo with a group of her own sees it at the top. The pupil whose
    public id is ``selected`` (chosen before, or sent back with a form error) is always among them.
    Two or three queries, whatever the size of the school.
    """
    user = membership.user_id
    own = Case(
        When(Exists(TeachingGroup.objects.filter(pupils=OuterRef("pk"), staff=user))
             | Exists(Enrolment.objects.filter(pupil=OuterRef("pk"), intervention__staff=user)), then=Value(0)),
        default=Value(1), output_field=IntegerField(),
    )  # fmt: skip
    matching = pupils_for_comment(membership, search)
    pupils = list(matching.annotate(own=own).order_by("own", "surname", "forename", "pk")[:limit])
    total = len(pupils) if len(pupils) < limit else matching.count()
    if selected and all(str(p.public_id) != selected for p in pupils):
        try:
            chosen = pupils_for_comment(membership).filter(public_id=selected).first()
        except (ValueError, ValidationError):
            chosen = None
        if chosen is not None:
            pupils.insert(0, chosen)
    return PupilPicker(pupils=pupils, total=total, search=search)


def interventions_for_comment(membership: Membership, *, today: dt.date) -> QuerySet[Intervention]:
    """Groups a comment may be linked to: those the person may see, current ones first."""
    return (
        visible_interventions(membership)
        .select_related("programme")
        .annotate(ended=Case(When(end_date__lt=today, then=Value(1)), default=Value(0)))
        .order_by("ended", "name")
    )
