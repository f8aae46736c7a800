"""Writes behind the intervention and comment pages: keyword-only, full_clean() then save().

Every programme is written through ``programme_write``: the library page here and the imports.

Multi-row writes are atomic: an enrolment of several pupils, or a session with its attendances,
is saved whole or not at all.

Edits of a shared record take ``loaded``, what the page was drawn from (``sencotrack.conflicts``):
the record (or its group's row) is locked, and one changed since the page was drawn raises
``Conflict``, saving nothing. Two people adding the same name or the same place at once get a
clear message, never a 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.ages import AgeEquivalentError, format_age_equivalent, parse_age_equivalent
from assessments.ladder import VALID_CODES_TEXT, LadderError, parse_level, parse_result
from interventions.models import (
    MEASURE_CHOICES,
    Attendance,
    Comment,
    Enrolment,
    Intervention,
    InterventionSession,
    MeasureKind,
    Programme,
)
from pupils.models import Pupil, School, Subject
from pupils.writes import bulk_write, delete_with_history, save_named
from sencotrack.conflicts import ABSENT, Loaded, check, lock, version_of

LEVEL_CODES_TEXT = f"{VALID_CODES_TEXT}; or a pre-key-stage standard PK1-PK6"


# --- Pure checks shared with the forms ---------------------------------------------------------


def canonical_level(text: str) -> str:
    """A level as people type it ("2 b", "p1(ii)", "pk3") in its stored form ("2b", "P1ii", "PK3").

    Raises ValidationError listing the valid codes for anything else. Empty text stays empty.
    """
    text = (text or "").strip()
    if not text:
        return ""
    try:
        return parse_level(text).code
    except LadderError:
        pass
    try:
        return parse_result("pks", text).code
    except LadderError:
        shown = text if len(text) <= 20 else text[:17] + "..."
        raise ValidationError(
            f"“{shown}” is not a level. Valid codes: {LEVEL_CODES_TEXT}.", code="invalid_level"
        ) from None


def canonical_measure(kind: str, text: str) -> str:
    """An entry or exit measure in the group's measure, in a standard form; free text for Boxall or none.

    Reading and spelling ages are stored as years:months ("7:06"); standardised scores as a whole
    number from 40 to 160; SDQ total difficulties as a whole number from 0 to 40.
    """
    text = (text or "").strip()
    if not text:
        return ""
    if kind in (MeasureKind.READING, MeasureKind.SPELLING):
        try:
            return format_age_equivalent(parse_age_equivalent(text))
        except AgeEquivalentError as exc:
            raise ValidationError(str(exc), code="invalid_age") from None
    if kind in (MeasureKind.STANDARDISED, MeasureKind.SDQ):
        low, high = (40, 160) if kind == MeasureKind.STANDARDISED else (0, 40)
        label = "A standardised score" if kind == MeasureKind.STANDARDISED else "An SDQ total difficulties score"
        if not text.isdigit() or not low <= int(text) <= high:
            raise ValidationError(f"{label} is a whole number from {low} to {high}.", code="invalid_score")
        return str(int(text))
    return text


# --- Programmes ---------------------------------------------------------------------------------


def programme_create(
    *,
    school: School,
    name: str,
    area_of_need: str,
    cost_per_session: Decimal,
    default_measure: str = MeasureKind.NONE,
    description: str = "",
    active: bool = True,
) -> Programme:
    programme = Programme(
        school=school,
        name=name.strip(),
        area_of_need=area_of_need,
        cost_per_session=cost_per_session,
        default_measure=default_measure,
        description=description.strip(),
        active=active,
    )
    return programme_write(programme=programme)


def programme_write(*, programme: Programme) -> Programme:
    """Where every programme is written: the library page and the imports (programmes and
    enrolments files) set its fields, and this checks the whole record (``full_clean()``) and saves
    it with its history. A name taken by a save at the same moment is a clash on ``name``."""
    when = "added" if programme._state.adding else "named so"
    programme.full_clean()
    save_named(programme, clash=f"The library already has a programme with this name (it was {when} a moment ago).")
    return programme


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    name: str,
    area_of_need: str,
    cost_per_session: Decimal,
    default_measure: str,
    description: str,
    active: bool,
    loaded: Loaded | None = None,
) -> Programme:
    """Change a programme. Groups keep their own cost per session: changing the programme's does not re-cost them."""
    current = Programme.objects.select_for_update().filter(pk=programme.pk).first()
    check(loaded, version=version_of(current), history=Programme.history.filter(id=programme.pk), current=current)
    if current is None:
        raise ValidationError("This programme has been deleted.")
    programme = current
    programme.name = name.strip()
    programme.area_of_need = area_of_need
    programme.cost_per_session = cost_per_session
    programme.default_measure = default_measure
    programme.description = description.strip()
    programme.active = active
    return programme_write(programme=programme)


# --- Intervention groups ------------------------------------------------------------------------


def _measures(measures: Sequence[str]) -> list[str]:
    """Chosen measures in the order of the choices, each once (the model validates them)."""
    chosen = list(dict.fromkeys(measures))
    order = [value for value, _ in MEASURE_CHOICES]
    return sorted(chosen, key=lambda m: order.index(m) if m in order else len(order))


def _check_staff(programme: Programme, staff: Iterable) -> list:
    staff = list(staff)
    school_id = programme.school_id
    from pupils.models import Membership

    members = set(Membership.objects.filter(school_id=school_id, user__in=staff).values_list("user_id", flat=True))
    outsiders = [person for person in staff if person.pk not in members]
    if outsiders:
        raise ValidationError({"staff": "Staff must be members of the school."})
    return staff


@transaction.atomic
def intervention_create(
    *,
    programme: Programme,
    name: str,
    staff: Iterable,
    schedule: str,
    sessions_per_week: int,
    cost_per_session: Decimal | None,
    measure: str,
    start_date: dt.date,
    end_date: dt.date | None,
    measures: Sequence[str] = (),
) -> Intervention:
    """A new group running ``programme``; its cost per session defaults to the programme's.

    ``measures``: further measures its impact is judged by (``measure`` is judged by in any case).
    """
    staff = _check_staff(programme, staff)
    intervention = Intervention(
        programme=programme,
        name=name.strip(),
        schedule=schedule.strip(),
        sessions_per_week=sessions_per_week,
        cost_per_session=programme.cost_per_session if cost_per_session is None else cost_per_session,
        measure=measure,
        measures=_measures(measures),
        start_date=start_date,
        end_date=end_date,
    )
    intervention.full_clean()
    save_named(intervention, clash=f"{programme.name} already has a group with this name (it was added a moment ago).")
    intervention.staff.set(staff)
    return intervention


@transaction.atomic
def intervention_update(
    *,
    intervention: Intervention,
    programme: Programme,
    name: str,
    staff: Iterable,
    schedule: str,
    sessions_per_week: int,
    cost_per_session: Decimal | None,
    measure: str,
    start_date: dt.date,
    end_date: dt.date | None,
    measures: Sequence[str] | None = None,
    loaded: Loaded | None = None,
) -> Intervention:
    """Change a group (its staff included), unless (``loaded``) it changed since the page was drawn;
    ``measures`` None keeps its further measures as they are."""
    current = Intervention.objects.select_for_update().filter(pk=intervention.pk).select_related("programme").first()
    check(
        loaded, version=intervention_version(current), history=Intervention.history.filter(id=intervention.pk),
        current=current,
    )  # fmt: skip
    if current is None:
        raise ValidationError("This group has been deleted.")
    intervention = current
    if programme.school_id != intervention.programme.school_id:
        raise ValidationError({"programme": "The programme must belong to the same school."})
    staff = _check_staff(programme, staff)
    first_enrolment = intervention.enrolments.order_by("start_date").values_list("start_date", flat=True).first()
    if first_enrolment is not None and start_date > first_enrolment:
        raise ValidationError(
            {"start_date": f"A pupil joined on {first_enrolment:%d/%m/%Y}: the group cannot start after that."}
        )
    intervention.programme = programme
    intervention.name = name.strip()
    intervention.schedule = schedule.strip()
    intervention.sessions_per_week = sessions_per_week
    intervention.cost_per_session = programme.cost_per_session if cost_per_session is None else cost_per_session
    intervention.measure = measure
    if measures is not None:
        intervention.measures = _measures(measures)
    intervention.start_date = start_date
    intervention.end_date = end_date
    intervention.full_clean()
    save_named(
        intervention, clash=f"{programme.name} already has a group with this name (it was named so a moment ago)."
    )
    intervention.staff.set(staff)
    return intervention


def intervention_version(intervention: Intervention | None) -> str:
    """A group's version: its own fields and who runs it."""
    if intervention is None:
        return ABSENT
    return version_of(intervention, extra=sorted(intervention.staff.values_list("pk", flat=True)))


# --- The session log ------------------------------------------------------------------------------


@transaction.atomic
def session_log_save(
    *,
    intervention: Intervention,
    date: dt.date,
    delivered: bool,
    note: str,
    enrolments: Sequence[Enrolment],
    attended: Collection[int],
    logged_by,
    today: dt.date | None = None,
    loaded: Loaded | None = None,
) -> InterventionSession:
    """Save one day's session of a group and every attendance in it, whole or not at all.

    ``enrolments`` are the enrolments open that day (from ``selectors.session_sheet``), ``attended``
    the pks of those whose pupil came. Logging the same day again updates the session and its
    attendances rather than adding another. A session not delivered keeps no attendances.
    The number of queries does not depend on the number of pupils (one upsert for all rows).
    With ``loaded`` (the page's version of the day's session and attendance) the group's row is
    locked first, and a session logged or changed since the page was drawn raises ``Conflict``.
    """
    today = today or timezone.localdate()
    if date > today:
        raise ValidationError({"date": "A session cannot be logged before the day it happens."})
    if date < intervention.start_date or (intervention.end_date is not None and date > intervention.end_date):
        raise ValidationError({"date": "The group was not running on that day."})
    if any(enrolment.intervention_id != intervention.pk for enrolment in enrolments):
        raise ValidationError("Every attendance must be for a pupil of this group.")

    if loaded is not None:
        # The group's row, not the session's: two first logs of a day find no session row to lock.
        lock(Intervention, [intervention.pk])
    session = InterventionSession.objects.select_for_update().filter(intervention=intervention, date=date).first()
    existing_rows = list(Attendance.objects.filter(session=session)) if session is not None else []
    if loaded is not None:
        version = session_version(session, {a.enrolment_id: a.attended for a in existing_rows})
        history = InterventionSession.history.filter(intervention_id=intervention.pk, date=date)
        check(loaded, version=version, history=history, current=session)
    if session is None:
        session = InterventionSession(intervention=intervention, date=date)
    else:
        session.intervention = intervention  # loaded already: cached pages find its school through it
    session.delivered = delivered
    session.note = note.strip()
    session.logged_by = logged_by
    # The intervention and the person were read from the database moments ago: checking their
    # keys again would cost two queries for nothing.
    session.full_clean(exclude=["intervention", "logged_by"])
    session.save()

    kept = {enrolment.pk for enrolment in enrolments} if delivered else set()
    by_pk = {enrolment.pk: enrolment for enrolment in enrolments}
    existing = {}
    for row in existing_rows:
        if row.enrolment_id in by_pk:  # loaded already, with its pupil
            row.enrolment = by_pk[row.enrolment_id]
        existing[row.enrolment_id] = row
    # Rows for pupils no longer in the group that day (or all rows, when not delivered).
    stale = [a for enrolment_id, a in existing.items() if enrolment_id not in kept]
    if stale:
        delete_with_history(Attendance, stale, user=logged_by)
    # Each row is built from an enrolment just read for this session, so per-row full_clean()
    # (a query or two each) would check nothing new. bulk_write records the audit history.
    new, changed = [], []
    for enrolment in enrolments if delivered else []:
        came = enrolment.pk in attended
        row = existing.get(enrolment.pk)
        if row is None:
            new.append(Attendance(session=session, enrolment=enrolment, attended=came))
        elif row.attended != came:
            row.attended = came
            changed.append(row)
    bulk_write(Attendance, new=new, changed=changed, fields=["attended"], user=logged_by)
    return session


def session_version(session: InterventionSession | None, attended: Mapping[int, bool]) -> str:
    """The version of a day's log: the session and who attended (``ABSENT`` before it is logged)."""
    if session is None:
        return ABSENT
    return version_of(session, extra=sorted(attended.items()))


# --- Anecdotal comments -----------------------------------------------------------------------


def comment_create(
    *,
    pupil: Pupil,
    author,
    observed_on: dt.date,
    objective: str,
    activity: str,
    outcome: str,
    level: str = "",
    subject: Subject | None = None,
    intervention: Intervention | None = None,
    today: dt.date | None = None,
) -> Comment:
    """An anecdotal comment about a pupil. The level, if any, is stored in its canonical form."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    try:
        level = canonical_level(level)
    except ValidationError as exc:
        errors["level"] = exc.messages
    if observed_on > today:
        errors["observed_on"] = ["The date observed cannot be in the future."]
    if intervention is not None and intervention.programme.school_id != pupil.school_id:
        errors["intervention"] = ["That intervention is at another school."]
    if errors:
        raise ValidationError(errors)
    comment = Comment(
        pupil=pupil,
        author=author,
        observed_on=observed_on,
        objective=objective.strip(),
        activity=activity.strip(),
        outcome=outcome.strip(),
        level=level,
        subject=subject,
        intervention=intervention,
    )
    comment.full_clean()
    comment.save()
    return comment


def comment_set_shared(*, comment: Comment, shared: bool) -> Comment:
    """The SENCo's choice: the pupil's parents and carers see this comment (or no longer do)."""
    if comment.shared_with_parents != shared:
        comment.shared_with_parents = shared
        comment.full_clean(exclude=["author"])  # the author may have left (their account deleted)
        comment.save(update_fields=["shared_with_parents"])
    return comment
