"""Every write of an enrolment: the group's page (a chosen group) and the import (a programme).

Both save through ``_save``. An imported row names a programme, so it is placed in a group of it
(docs/imports.md, "Enrolments"); unmatched staff stay text in ``Intervention.staff_names``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from interventions.models import Enrolment, Intervention, Programme
from interventions.services_ui import canonical_measure
from pupils.models import Pupil, School
from pupils.services import StaffLookup, staff_display_name
from pupils.writes import (
    Outcome,
    RowsInvalid,
    as_date,
    bulk_write,
    clean_full,
    clean_light,
    field_error,
    fmt_date,
    merge_errors,
    single,
    snapshot,
)
from sencotrack.conflicts import Loaded, check, lock, retry_lost_insert, version_of
from sencotrack.parsing import format_academic_year, term_for_date

ENROLMENT_FIELDS = ("end_date", "sessions_attended")
GROUP_NAME_MAX = Intervention._meta.get_field("name").max_length


def _key(text: str) -> str:
    return " ".join((text or "").split()).casefold()


class ProgrammeLookup:
    """A school's programmes by name, case-insensitively, from one query."""

    def __init__(self, school: School):
        self.school = school
        self.programmes = list(Programme.objects.filter(school=school))
        self._by_name = {_key(p.name): p for p in self.programmes}

    def resolve(self, text: str | Programme) -> Programme:
        if isinstance(text, Programme):
            if text.school_id != self.school.pk:
                raise field_error("programme", f"{text.name} is a programme of another school")
            return text
        programme = self._by_name.get(_key(text))
        if programme is not None:
            return programme
        known = ", ".join(p.name for p in self.programmes) or "none yet"
        raise field_error(
            "programme",
            f"{text!r} is not a programme at {self.school.name}; the SENCo sets up programmes "
            f"(name, area of need, cost) before enrolments are imported. Known programmes: {known}",
        )


def enrolment_record(
    *,
    pupil: Pupil,
    programme: Programme | str,
    start_date: dt.date | str,
    end_date: dt.date | str | None = None,
    staff: Any = None,
    sessions_attended: int | None = None,
) -> tuple[Enrolment, Outcome]:
    """Enrol a pupil on a programme from a date; matched on (pupil, programme, start date).

    ``programme`` is a Programme or its name; ``staff`` a user or their username, "First Last" or
    email, and it only chooses the group of a new enrolment (it never moves an existing one).
    For an existing enrolment, an end date or sessions attended given as None leaves the stored
    value as it is.
    """
    row = dict(
        pupil=pupil, programme=programme, start_date=start_date, end_date=end_date, staff=staff,
        sessions_attended=sessions_attended,
    )  # fmt: skip
    return single(enrolments_record_many, rows=[row])


class _Groups:
    """The intervention groups of a school's programmes as the import sees them, new ones included."""

    def __init__(self, school: School):
        self.by_programme: dict[int, list[Intervention]] = defaultdict(list)
        self.staff: dict[int, set[int]] = {}
        self.by_name: dict[tuple[int, str], Intervention] = {}
        self.created: list[Intervention] = []
        self.staff_to_add: dict[int, set] = defaultdict(set)
        for group in Intervention.objects.filter(programme__school=school).prefetch_related("staff"):
            self._add(group, {user.pk for user in group.staff.all()})

    def _add(self, group: Intervention, staff_ids: set[int]) -> None:
        self.by_programme[group.programme_id].append(group)
        self.staff[id(group)] = staff_ids
        self.by_name[(group.programme_id, group.name)] = group

    def choose(
        self, programme: Programme, start: dt.date, staff: Any, notes: list[str] | None, staff_text: str = ""
    ) -> Intervention:
        covering = [
            g
            for g in self.by_programme[programme.pk]
            if g.start_date <= start
            and (g.end_date is None or start <= g.end_date)
            and (staff is None or staff.pk in self.staff[id(g)])
            and (not staff_text or _key(g.staff_names) == _key(staff_text))
        ]
        if covering:
            return max(covering, key=lambda g: (g.start_date, g.pk is None, g.pk or 0))
        year, _ = term_for_date(start)
        label = format_academic_year(year)
        who = staff_display_name(staff) if staff else staff_text
        suffix = f", {who} (imported {label})" if who else f" (imported {label})"
        name = programme.name[: GROUP_NAME_MAX - len(suffix)] + suffix
        group = self.by_name.get((programme.pk, name))
        if group is None:
            group = Intervention(
                programme=programme, name=name, cost_per_session=programme.cost_per_session,
                measure=programme.default_measure, start_date=dt.date(year, 9, 1), end_date=dt.date(year + 1, 8, 31),
                staff_names=staff_text[:200] if not staff else "",
            )  # fmt: skip
            clean_light(group, exclude=["programme"])
            self._add(group, set())
            self.created.append(group)
            if notes is not None:
                notes.append(f"New intervention group {name!r} for {programme.name}")
        if staff is not None and staff.pk not in self.staff[id(group)]:
            self.staff[id(group)].add(staff.pk)
            self.staff_to_add[id(group)].add(staff)
        return group

    def save(self) -> None:
        for group in self.created:
            group.save()
        for group_list in self.by_programme.values():
            for group in group_list:
                if self.staff_to_add.get(id(group)):
                    group.staff.add(*self.staff_to_add[id(group)])


def _sessions(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767:
        raise field_error("sessions_attended", f"{value!r} is not a number of sessions (a whole number, 0 or more)")
    return value


@transaction.atomic
def enrolments_record_many(
    *, rows: Sequence[Mapping[str, Any]], notes: list[str] | None = None
) -> list[tuple[Enrolment, Outcome]]:
    """Apply many enrolment rows (keyword arguments of :func:`enrolment_record`), in input order.

    Groups made for the rows are named in ``notes`` when a list is given.
    """
    schools = {row["pupil"].school_id: row["pupil"].school for row in rows}
    programmes = {pk: ProgrammeLookup(school) for pk, school in schools.items()}
    staff_lookups: dict[int, StaffLookup] = {}
    groups = {pk: _Groups(school) for pk, school in schools.items()}
    existing: dict[tuple, Enrolment] = {}
    pupil_ids = sorted({row["pupil"].pk for row in rows})
    for enrolment in Enrolment.objects.filter(pupil_id__in=pupil_ids).select_related("intervention").order_by("pk"):
        existing.setdefault((enrolment.pupil_id, enrolment.intervention.programme_id, enrolment.start_date), enrolment)

    errors: dict[int, ValidationError] = {}
    results: dict[int, tuple[Enrolment, Outcome]] = {}
    first_row: dict[tuple, int] = {}
    new: list[Enrolment] = []
    changed: list[Enrolment] = []
    for i, row in enumerate(rows):
        pupil = row["pupil"]
        problems: list[ValidationError] = []
        values: dict[str, Any] = {}

        def attempt(name: str, fn) -> None:
            try:
                values[name] = fn()
            except ValidationError as exc:
                problems.append(exc)

        attempt("programme", lambda: programmes[pupil.school_id].resolve(row.get("programme") or ""))
        if row.get("staff") not in (None, ""):
            if pupil.school_id not in staff_lookups:
                staff_lookups[pupil.school_id] = StaffLookup(schools[pupil.school_id])
            attempt("staff", lambda: staff_lookups[pupil.school_id].resolve(row["staff"]))
        attempt("start_date", lambda: as_date(row.get("start_date"), "start_date"))
        attempt("end_date", lambda: as_date(row.get("end_date"), "end_date"))
        attempt("sessions_attended", lambda: _sessions(row.get("sessions_attended")))
        if not problems and values["start_date"] is None:
            problems.append(field_error("start_date", "an enrolment needs a start date"))
        if problems:
            errors[i] = merge_errors(problems)
            continue
        programme, start = values["programme"], values["start_date"]
        key = (pupil.pk, programme.pk, start)
        if key in first_row:
            errors[i] = ValidationError(f"row {i + 1} repeats row {first_row[key] + 1} (same pupil, programme and start)")
            continue
        first_row[key] = i
        enrolment = existing.get(key)
        end = values["end_date"] if values["end_date"] is not None or enrolment is None else enrolment.end_date
        if end is not None and end < start:
            errors[i] = field_error("end_date", f"{fmt_date(end)} is before the start date {fmt_date(start)}")
            continue
        try:
            if enrolment is None:
                group = groups[pupil.school_id].choose(
                    programme, start, values.get("staff"), notes, staff_text=" ".join((row.get("staff_text") or "").split())
                )
                enrolment = Enrolment(
                    intervention=group, pupil=pupil, start_date=start, end_date=end,
                    sessions_attended=values["sessions_attended"],
                )  # fmt: skip
                clean_light(enrolment, exclude=["intervention", "pupil"])
                new.append(enrolment)
                results[i] = (enrolment, Outcome.CREATED)
                continue
            before = snapshot(enrolment, ENROLMENT_FIELDS)
            enrolment.end_date = end
            if values["sessions_attended"] is not None:
                enrolment.sessions_attended = values["sessions_attended"]
            clean_light(enrolment, exclude=["intervention", "pupil"])
        except ValidationError as exc:
            errors[i] = exc
            continue
        if snapshot(enrolment, ENROLMENT_FIELDS) != before:
            changed.append(enrolment)
            results[i] = (enrolment, Outcome.UPDATED)
        else:
            results[i] = (enrolment, Outcome.UNCHANGED)
    if errors:
        raise RowsInvalid(errors)
    for school_groups in groups.values():
        school_groups.save()
    _save(new=new, changed=changed, thorough=len(rows) == 1)
    return [results[i] for i in range(len(rows))]


def _save(*, new: Sequence[Enrolment] = (), changed: Sequence[Enrolment] = (), thorough: bool) -> None:
    """Where every enrolment is written, with its audit history. ``thorough`` runs full_clean() on
    each first (a page's few rows); an import's many are checked field by field before this."""
    new, changed = list(new), list(changed)
    if thorough:
        for enrolment in new + changed:
            clean_full(enrolment)
    if len(new) + len(changed) == 1:
        (new + changed)[0].save()
    else:
        bulk_write(Enrolment, new=new, changed=changed, fields=ENROLMENT_FIELDS)  # only an import changes many at once


# --- Enrolling in a chosen group (the intervention's page) -----------------------------------------


@transaction.atomic
def enrolments_create(*, intervention: Intervention, pupils: Sequence[Pupil], start_date: dt.date) -> list[Enrolment]:
    """Enrol several pupils from ``start_date``: all of them or, if any cannot be, none.

    The group's row is locked, so two people enrolling the same pupil at once are told the second
    time that the pupil is already in the group (an import, which takes no lock, is caught too).
    """
    lock(Intervention, [intervention.pk])
    return retry_lost_insert(lambda: _enrol(intervention=intervention, pupils=pupils, start_date=start_date))


def _enrol(*, intervention: Intervention, pupils: Sequence[Pupil], start_date: dt.date) -> list[Enrolment]:
    if not pupils:
        raise ValidationError({"pupils": "Choose at least one pupil."})
    if start_date < intervention.start_date:
        raise ValidationError(
            {"start_date": f"The group starts on {intervention.start_date:%d/%m/%Y}: pupils cannot join before that."}
        )
    if intervention.end_date is not None and start_date > intervention.end_date:
        raise ValidationError(
            {"start_date": f"The group ended on {intervention.end_date:%d/%m/%Y}: pupils cannot join after that."}
        )
    school_id = intervention.programme.school_id
    if any(pupil.school_id != school_id for pupil in pupils):
        raise ValidationError({"pupils": "Pupils must be at the group's school."})
    already = set(
        Enrolment.objects.filter(intervention=intervention, pupil__in=pupils, end_date__isnull=True).values_list(
            "pupil_id", flat=True
        )
    )
    if already:
        names = ", ".join(sorted(p.full_name for p in pupils if p.pk in already))
        raise ValidationError({"pupils": f"Already in this group: {names}."})
    same_day = set(
        Enrolment.objects.filter(intervention=intervention, pupil__in=pupils, start_date=start_date).values_list(
            "pupil_id", flat=True
        )
    )
    if same_day:
        names = ", ".join(sorted(p.full_name for p in pupils if p.pk in same_day))
        raise ValidationError(
            {"start_date": f"{names} already had a place starting on {start_date:%d/%m/%Y}: choose another start date."}
        )
    enrolments = [Enrolment(intervention=intervention, pupil=pupil, start_date=start_date) for pupil in pupils]
    _save(new=enrolments, thorough=True)
    return enrolments


@transaction.atomic
def enrolment_end(*, enrolment: Enrolment, end_date: dt.date, reason: str = "", loaded: Loaded | None = None) -> Enrolment:
    """A pupil leaves the group on ``end_date`` (no earlier than they joined)."""
    enrolment = _current_enrolment(enrolment, loaded)
    if end_date < enrolment.start_date:
        raise ValidationError(
            {"end_date": f"{enrolment.pupil.full_name} joined on {enrolment.start_date:%d/%m/%Y}: "
             "the end date cannot be before that."}
        )
    enrolment.end_date = end_date
    enrolment.end_reason = reason.strip()
    _save(changed=[enrolment], thorough=True)
    return enrolment


@transaction.atomic
def enrolment_measures_record(
    *, enrolment: Enrolment, entry_measure: str, exit_measure: str, loaded: Loaded | None = None
) -> Enrolment:
    """Record the entry and exit measures, in the group's measure, stored in a standard form."""
    enrolment = _current_enrolment(enrolment, loaded)
    kind = enrolment.intervention.measure
    errors = {}
    values = {}
    for field, text in (("entry_measure", entry_measure), ("exit_measure", exit_measure)):
        try:
            values[field] = canonical_measure(kind, text)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    enrolment.entry_measure = values["entry_measure"]
    enrolment.exit_measure = values["exit_measure"]
    _save(changed=[enrolment], thorough=True)
    return enrolment


def _current_enrolment(enrolment: Enrolment, loaded: Loaded | None) -> Enrolment:
    """The enrolment as stored now, under its group's lock, checked against what the page showed."""
    if loaded is None:
        return enrolment
    lock(Intervention, [enrolment.intervention_id])
    current = Enrolment.objects.filter(pk=enrolment.pk).first()
    check(loaded, version=version_of(current), history=Enrolment.history.filter(id=enrolment.pk), current=current)
    if current is None:
        raise ValidationError("This enrolment has been deleted.")
    current.intervention, current.pupil = enrolment.intervention, enrolment.pupil  # loaded already
    return current
