"""Writes for schools, pupils and the SEN register: one path for the UI, the CSV import and tasks.

House rules (docs/contributing.md): keyword-only, typed, ``full_clean()`` before ``save()``, atomic.
Record services return ``(instance, Outcome)`` so an import can count its changes; the ``*_many``
variants apply many rows in a few queries and raise :class:`RowsInvalid` naming every bad row,
saving nothing. See docs/contributing.md, "Design notes".

Every teaching group is written through ``teaching_group_write``: the staff pages and the imports.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from pupils import progress
from pupils.models import (
    Membership,
    Need,
    Provision,
    Pupil,
    RegisterEntry,
    School,
    Subject,
    TeachingGroup,
)
from pupils.upn import UpnError, validate_upn
from pupils.writes import (
    Outcome,
    RowsInvalid,
    as_date,
    bulk_write,
    clean_light,
    field_error,
    fmt_date,
    merge_errors,
    save_named,
    save_planned,
    single,
    snapshot,
)
from sencotrack.conflicts import Loaded, check, lock, version_of

DEFAULT_SCHOOL_CODE = "DEFAULT"

# --- Schools ---------------------------------------------------------------------------------------


@transaction.atomic
def school_default() -> School:
    """The school to use when none is named.

    On a database with no school it creates one with code ``DEFAULT`` so a new install can import
    at once (docs/imports.md). With exactly one school it is that school. With several, the caller must
    say which: ValidationError listing their codes.
    """
    codes = list(School.objects.order_by("code").values_list("code", flat=True)[:50])
    if not codes:
        school = School(name="Default school", code=DEFAULT_SCHOOL_CODE)
        school.full_clean()
        school.save()
        return school
    if len(codes) == 1:
        return School.objects.get(code=codes[0])
    raise ValidationError(
        f"There are {len(codes)} schools, so say which one: {', '.join(codes)}", code="several_schools"
    )


def school_by_code(code: str) -> School:
    """The school with this code (case-insensitive), or ValidationError listing the codes."""
    school = School.objects.filter(code__iexact=code.strip()).first()
    if school is not None:
        return school
    codes = list(School.objects.order_by("code").values_list("code", flat=True)[:50])
    known = f"known codes: {', '.join(codes)}" if codes else "there are no schools yet"
    raise ValidationError(f"No school has code {code!r}; {known}", code="unknown_school")


# --- Subjects and staff (shared look-ups) ----------------------------------------------------------

#: Other names people use for the core subjects. Each family lists every spelling of one subject;
#: a subject stored under any of them is found by any other.
SUBJECT_ALIASES: tuple[frozenset[str], ...] = (
    frozenset({"english", "eng", "en"}),
    frozenset({"maths", "math", "mathematics", "ma"}),
)


def _subject_key(text: str) -> str:
    return " ".join(text.split()).casefold()


class SubjectLookup:
    """Subjects by code, name or alias, case-insensitively, from one query."""

    def __init__(self, subjects: Iterable[Subject] | None = None):
        self.subjects = list(Subject.objects.all() if subjects is None else subjects)
        self._by_key: dict[str, Subject] = {}
        for subject in self.subjects:
            self._by_key.setdefault(_subject_key(subject.code), subject)
            self._by_key.setdefault(_subject_key(subject.name), subject)
        for family in SUBJECT_ALIASES:
            found = next((self._by_key[name] for name in sorted(family) if name in self._by_key), None)
            if found is not None:
                for name in family:
                    self._by_key.setdefault(name, found)

    def resolve(self, text: str | Subject) -> Subject:
        if isinstance(text, Subject):
            return text
        subject = self._by_key.get(_subject_key(text or ""))
        if subject is not None:
            return subject
        if self.subjects:
            known = ", ".join(f"{s.name} ({s.code})" for s in self.subjects)
            raise field_error("subject", f"{text!r} is not a subject here; known subjects: {known}")
        raise field_error("subject", f"{text!r} is not a subject here: no subjects are set up yet")


class StaffLookup:
    """Members of staff at a school by username, "First Last" or email, case-insensitively."""

    def __init__(self, school: School):
        self.school = school
        self._by_key: dict[str, set] = defaultdict(set)
        users = {
            m.user.pk: m.user for m in Membership.objects.filter(school=school).select_related("user")
        }
        self._users = users
        for user in users.values():
            keys = {user.get_username(), user.email, f"{user.first_name} {user.last_name}"}
            for key in keys:
                if key and key.strip():
                    self._by_key[_subject_key(key)].add(user.pk)

    def resolve(self, text: str | models.Model) -> Any:
        if isinstance(text, get_user_model()):
            if text.pk not in self._users:
                raise field_error("staff", f"{text.get_username()} is not a member of staff at {self.school.name}")
            return text
        pks = self._by_key.get(_subject_key(text or ""), set())
        if len(pks) == 1:
            return self._users[next(iter(pks))]
        if len(pks) > 1:
            names = ", ".join(sorted(self._users[pk].get_username() for pk in pks))
            raise field_error("staff", f"{text!r} matches several members of staff ({names}): use the username")
        raise field_error(
            "staff",
            f"{text!r} is not a member of staff at {self.school.name}; staff are matched by username, "
            "'First Last' or email",
        )


def staff_display_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


# --- Teaching groups ------------------------------------------------------------------------------


def teaching_group_write(*, group: TeachingGroup) -> TeachingGroup:
    """Where every teaching group is written: the staff pages and the imports (groups and pupils
    files) set its fields, and this checks the whole record (``full_clean()``) and saves it. A name
    taken by a save at the same moment is a clash on ``name``. Its teachers and pupils are links,
    set by the callers."""
    group.full_clean()
    save_named(group, clash=f"There is already a group called {group.name}.")
    return group


# --- Pupils ----------------------------------------------------------------------------------------

PUPIL_FIELDS = (
    "surname", "forename", "date_of_birth", "gender", "year_group",
    "pupil_premium", "eal", "looked_after", "admission_date",
)  # fmt: skip
_OPTIONAL_PUPIL_FIELDS = ("pupil_premium", "eal", "looked_after", "admission_date")
YEAR_GROUP_MIN, YEAR_GROUP_MAX = -1, 14


def pupil_upsert(
    *,
    school: School,
    upn: str,
    surname: str,
    forename: str,
    date_of_birth: dt.date | str,
    gender: str,
    year_group: int | str,
    pupil_premium: bool | None = None,
    eal: bool | None = None,
    looked_after: bool | None = None,
    admission_date: dt.date | str | None = None,
) -> tuple[Pupil, Outcome]:
    """Create the pupil with this UPN at the school, or update them.

    The optional flags and admission date given as None leave the stored value as it is (a new
    pupil gets False / no date), so an export without those columns never wipes them.
    """
    row = dict(
        upn=upn, surname=surname, forename=forename, date_of_birth=date_of_birth, gender=gender,
        year_group=year_group, pupil_premium=pupil_premium, eal=eal, looked_after=looked_after,
        admission_date=admission_date,
    )  # fmt: skip
    return single(pupils_upsert_many, school=school, rows=[row])


def _squashed(value: object) -> str:
    """Lower case with everything but letters and digits dropped: "SEN Support" -> "sensupport"."""
    return re.sub(r"[^0-9a-z]+", "", str(value or "").casefold())


_GENDER_WORDS = {
    "m": "M", "male": "M", "boy": "M",
    "f": "F", "female": "F", "girl": "F",
    "x": "X", "other": "X", "u": "X", "unknown": "X", "notknown": "X", "notrecorded": "X", "notstated": "X",
}  # fmt: skip


def gender_code(value: str) -> str:
    """M, F or X from the code or a word (Male, Girl, Unknown, ...)."""
    code = _GENDER_WORDS.get(_squashed(value))
    if code is not None:
        return code
    raise field_error("gender", f"{value!r} is not a gender; use M, F or X (other / not recorded)")


_YEAR_WORDS = {"r": 0, "rec": 0, "reception": 0, "yr": 0, "n": -1, "nursery": -1, "n1": -1, "n2": -1}
_YEAR_NUMBER = re.compile(r"(?:y|yr|year|nc|ncyear)?(-?\d{1,2})")


def year_group_number(value: int | str) -> int:
    """A national curriculum year: 7, "7", "Y7", "Year 7", "R" / "Reception" (0), "N" / "Nursery" (-1)."""
    if isinstance(value, bool):
        year = None
    elif isinstance(value, int):
        year = value
    else:
        text = re.sub(r"\s+", "", str(value or "")).casefold()
        match = _YEAR_NUMBER.fullmatch(text)
        year = int(match[1]) if match else _YEAR_WORDS.get(text)
    if year is None:
        raise field_error(
            "year_group", f"{value!r} is not a year group; write a number such as 7, or R for Reception"
        )
    if not YEAR_GROUP_MIN <= year <= YEAR_GROUP_MAX:
        raise field_error(
            "year_group", f"year group {year} is out of range; use {YEAR_GROUP_MIN} (nursery) to {YEAR_GROUP_MAX}"
        )
    return year


def _apply_pupil(pupil: Pupil, row: Mapping[str, Any], *, new: bool) -> None:
    errors: list[ValidationError] = []

    def attempt(fn: Callable[[], None]) -> None:
        try:
            fn()
        except ValidationError as exc:
            errors.append(exc)

    def text(name: str) -> None:
        setattr(pupil, name, (row.get(name) or "").strip())

    attempt(lambda: text("surname"))
    attempt(lambda: text("forename"))
    attempt(lambda: setattr(pupil, "date_of_birth", as_date(row.get("date_of_birth"), "date_of_birth")))
    attempt(lambda: setattr(pupil, "gender", gender_code(row.get("gender", ""))))
    attempt(lambda: setattr(pupil, "year_group", year_group_number(row.get("year_group"))))
    for flag in ("pupil_premium", "eal", "looked_after"):
        value = row.get(flag)
        if value is not None:
            setattr(pupil, flag, bool(value))
        elif new:
            setattr(pupil, flag, False)
    attempt(lambda: _set_if_given(pupil, "admission_date", as_date(row.get("admission_date"), "admission_date")))
    if errors:
        raise merge_errors(errors)
    today = timezone.localdate()
    if pupil.date_of_birth and pupil.date_of_birth >= today:
        errors.append(field_error("date_of_birth", f"{fmt_date(pupil.date_of_birth)} is not in the past"))
    if pupil.admission_date and pupil.date_of_birth and pupil.admission_date < pupil.date_of_birth:
        errors.append(field_error("admission_date", f"{fmt_date(pupil.admission_date)} is before the date of birth"))
    if pupil.leaving_date and pupil.admission_date and pupil.leaving_date < pupil.admission_date:
        errors.append(
            field_error(
                "admission_date",
                f"{fmt_date(pupil.admission_date)} is after the pupil's leaving date {fmt_date(pupil.leaving_date)}",
            )
        )
    if errors:
        raise merge_errors(errors)


def _set_if_given(instance: models.Model, name: str, value: Any) -> None:
    if value is not None:
        setattr(instance, name, value)


@transaction.atomic
def pupils_upsert_many(*, school: School, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Pupil, Outcome]]:
    """Apply many pupil rows (the keyword arguments of :func:`pupil_upsert`) in a few queries."""
    errors: dict[int, ValidationError] = {}
    upns: dict[int, str] = {}
    for i, row in enumerate(rows):
        try:
            upns[i] = validate_upn(row.get("upn", ""))
        except UpnError as exc:
            errors[i] = field_error("upn", str(exc))
    existing: dict[str, Pupil] = {}
    wanted = sorted(set(upns.values()))
    for start in range(0, len(wanted), 2000):
        for pupil in Pupil.objects.filter(school=school, upn__in=wanted[start : start + 2000]):
            existing[pupil.upn] = pupil

    results: dict[int, tuple[Pupil, Outcome]] = {}
    first_row: dict[str, int] = {}
    new: list[Pupil] = []
    changed: list[Pupil] = []
    for i, upn in upns.items():
        if i % 500 == 0:
            progress.report(progress.MATCHING, i, len(rows))  # an import job's progress bar
        if upn in first_row:
            errors[i] = field_error("upn", f"UPN {upn} is given twice (rows {first_row[upn] + 1} and {i + 1})")
            continue
        first_row[upn] = i
        pupil = existing.get(upn)
        is_new = pupil is None
        if is_new:
            pupil = Pupil(school=school, upn=upn)
            before = None
        else:
            before = snapshot(pupil, PUPIL_FIELDS)
        try:
            _apply_pupil(pupil, rows[i], new=is_new)
            clean_light(pupil, exclude=["school"])
        except ValidationError as exc:
            errors[i] = exc
            if not is_new:
                for name, value in zip(PUPIL_FIELDS, before, strict=True):
                    setattr(pupil, name, value)
            continue
        if is_new:
            new.append(pupil)
            results[i] = (pupil, Outcome.CREATED)
        elif snapshot(pupil, PUPIL_FIELDS) != before:
            changed.append(pupil)
            results[i] = (pupil, Outcome.UPDATED)
        else:
            results[i] = (pupil, Outcome.UNCHANGED)
    if errors:
        raise RowsInvalid(errors)
    if len(rows) == 1:
        save_planned(new + changed, thorough=True)
    else:
        bulk_write(Pupil, new=new, changed=changed, fields=PUPIL_FIELDS)
    return [results[i] for i in range(len(rows))]


# --- The SEN register ------------------------------------------------------------------------------

_PROVISION_HELP = "N, K or E (or, before 2014, A, P or S)"
_NEED_HELP = ", ".join(Need.values)
_ONE_DAY = dt.timedelta(days=1)


_PROVISION_WORDS = {
    "nosen": "N", "none": "N", "sensupport": "K", "support": "K", "ehcplan": "E", "ehcp": "E", "ehc": "E",
    "schoolaction": "A", "schoolactionplus": "P", "statement": "S", "statementofsen": "S",
}  # fmt: skip


def provision_code(value: str) -> str:
    """N, K, E (or historic A, P, S) from the code or its name ("SEN support", "EHC plan", ...)."""
    code = str(value or "").strip().upper()
    if code in Provision.values:
        return code
    code = _PROVISION_WORDS.get(_squashed(value))
    if code is not None:
        return code
    raise field_error("provision", f"{value!r} is not a provision code; use {_PROVISION_HELP}")


_NEED_WORDS = {_squashed(label.split(":", 1)[1]): code for code, label in Need.choices}


def need_code(value: str | None, field: str = "primary_need") -> str:
    """A need code (SPLD, ASD, ...) from the code or its description; blank gives ''."""
    code = str(value or "").strip().upper()
    if code == "" or code in Need.values:
        return code
    code = _NEED_WORDS.get(_squashed(value))
    if code is not None:
        return code
    raise field_error(field, f"{value!r} is not a need code; use one of {_NEED_HELP}")


def _span(entry: RegisterEntry) -> str:
    end = f"to {fmt_date(entry.end_date)}" if entry.end_date else "(still open)"
    return f"{entry.provision} entry from {fmt_date(entry.start_date)} {end}"


def _overlaps(a_start: dt.date, a_end: dt.date | None, b: RegisterEntry) -> bool:
    return (b.end_date is None or a_start <= b.end_date) and (a_end is None or b.start_date <= a_end)


def register_entry_record(
    *,
    pupil: Pupil,
    provision: str,
    primary_need: str = "",
    secondary_need: str = "",
    start_date: dt.date | str,
    end_date: dt.date | str | None = None,
    review_date: dt.date | str | None = None,
) -> tuple[RegisterEntry, Outcome]:
    """Record a span of SEN provision for a pupil; the entry is matched on (pupil, start date).

    A pupil has at most one open entry. A new open entry that starts after the open one closes
    that one the day before it starts (provision changed); one that starts before it is an error.
    Entries may not overlap. For an existing entry, an end or review date given as None leaves the
    stored one as it is, so re-reading an old export never reopens an entry closed since.
    """
    row = dict(
        pupil=pupil, provision=provision, primary_need=primary_need, secondary_need=secondary_need,
        start_date=start_date, end_date=end_date, review_date=review_date,
    )  # fmt: skip
    return single(register_entries_record_many, rows=[row])


REGISTER_FIELDS = ("provision", "primary_need", "secondary_need", "end_date", "review_date")


@transaction.atomic
def register_entries_record_many(*, rows: Sequence[Mapping[str, Any]]) -> list[tuple[RegisterEntry, Outcome]]:
    """Apply many register rows (keyword arguments of :func:`register_entry_record`).

    Rows are applied per pupil in order of start date whatever their order in the input, so a
    history exported newest-first is read the same as one oldest-first.
    """
    errors: dict[int, ValidationError] = {}
    starts: dict[int, dt.date] = {}
    for i, row in enumerate(rows):
        try:
            start = as_date(row.get("start_date"), "start_date")
            if start is None:
                raise field_error("start_date", "a register entry needs a start date")
            starts[i] = start
        except ValidationError as exc:
            errors[i] = exc
    pupils = {row["pupil"].pk: row["pupil"] for row in rows}
    entries: dict[int, list[RegisterEntry]] = defaultdict(list)
    for entry in RegisterEntry.objects.filter(pupil_id__in=list(pupils)).select_for_update().order_by("start_date"):
        entry.pupil = pupils[entry.pupil_id]
        entries[entry.pupil_id].append(entry)
    originals = {id(e): snapshot(e, REGISTER_FIELDS) for pupil_entries in entries.values() for e in pupil_entries}

    touched: dict[int, RegisterEntry] = {}  # id() -> entry, in order of first touch
    results: dict[int, tuple[RegisterEntry, Outcome]] = {}
    order = sorted(starts, key=lambda i: (rows[i]["pupil"].pk, starts[i], i))
    for i in order:
        row, start = rows[i], starts[i]
        pupil_entries = entries[row["pupil"].pk]
        try:
            results[i] = _apply_register_row(row, start, pupil_entries, touched)
        except ValidationError as exc:
            errors[i] = exc
    if errors:
        raise RowsInvalid(errors)
    planned = [e for e in touched.values() if e.pk is None or snapshot(e, REGISTER_FIELDS) != originals[id(e)]]
    # Closing entries first keeps at most one open entry at every step of the write.
    planned.sort(key=lambda e: e.end_date is None)
    save_planned(planned, thorough=len(rows) == 1)
    return [results[i] for i in range(len(rows))]


def _apply_register_row(
    row: Mapping[str, Any],
    start: dt.date,
    pupil_entries: list[RegisterEntry],
    touched: dict[int, RegisterEntry],
) -> tuple[RegisterEntry, Outcome]:
    problems: list[ValidationError] = []
    values: dict[str, Any] = {}
    for name, parse in (
        ("provision", lambda: provision_code(row.get("provision", ""))),
        ("primary_need", lambda: need_code(row.get("primary_need"), "primary_need")),
        ("secondary_need", lambda: need_code(row.get("secondary_need"), "secondary_need")),
        ("end_date", lambda: as_date(row.get("end_date"), "end_date")),
        ("review_date", lambda: as_date(row.get("review_date"), "review_date")),
    ):
        try:
            values[name] = parse()
        except ValidationError as exc:
            problems.append(exc)
    if problems:
        raise merge_errors(problems)

    existing = next((e for e in pupil_entries if e.start_date == start), None)
    end = values["end_date"] if values["end_date"] is not None or existing is None else existing.end_date
    if end is not None and end < start:
        raise field_error("end_date", f"{fmt_date(end)} is before the start date {fmt_date(start)}")
    if values["primary_need"] == "NSA" and values["provision"] != "K":
        raise field_error("primary_need", "NSA (no specialist assessment) is only used with provision K (SEN support)")
    if values["secondary_need"] and values["secondary_need"] == values["primary_need"]:
        raise field_error("secondary_need", "the secondary need must differ from the primary need")

    others = [e for e in pupil_entries if e is not existing]
    to_close: RegisterEntry | None = None
    if existing is None and end is None:
        open_entry = next((e for e in others if e.end_date is None), None)
        if open_entry is not None:
            if start <= open_entry.start_date:
                raise field_error(
                    "start_date",
                    f"the pupil already has an open entry that starts later ({_span(open_entry)}): give this "
                    f"entry an end date (on or before {fmt_date(open_entry.start_date - _ONE_DAY)}), or close "
                    "that one first",
                )
            to_close = open_entry
    for other in others:
        other_end = start - _ONE_DAY if other is to_close else other.end_date
        if (other_end is None or start <= other_end) and (end is None or other.start_date <= end):
            this = f"this entry (from {fmt_date(start)}" + (f" to {fmt_date(end)})" if end else ", open)")
            raise field_error("start_date", f"{this} overlaps the pupil's {_span(other)}")

    if to_close is not None:
        to_close.end_date = start - _ONE_DAY
        touched.setdefault(id(to_close), to_close)
    if existing is None:
        entry = RegisterEntry(pupil=row["pupil"], start_date=start)
        pupil_entries.append(entry)
        pupil_entries.sort(key=lambda e: e.start_date)
        before = None
    else:
        entry = existing
        before = snapshot(entry, REGISTER_FIELDS)
    entry.provision = values["provision"]
    entry.primary_need = values["primary_need"]
    entry.secondary_need = values["secondary_need"]
    entry.end_date = end
    if values["review_date"] is not None:
        entry.review_date = values["review_date"]
    try:
        clean_light(entry, exclude=["pupil"])
    except ValidationError:
        if before is not None:
            for name, value in zip(REGISTER_FIELDS, before, strict=True):
                setattr(entry, name, value)
        else:
            pupil_entries.remove(entry)
        if to_close is not None:
            to_close.end_date = None
        raise
    touched.setdefault(id(entry), entry)
    if before is None:
        return entry, Outcome.CREATED
    if snapshot(entry, REGISTER_FIELDS) != before:
        return entry, Outcome.UPDATED
    return entry, Outcome.UNCHANGED


@transaction.atomic
def register_entry_close(*, entry: RegisterEntry, end_date: dt.date | str, loaded: Loaded | None = None) -> RegisterEntry:
    """End a register entry on a day (or move the end of a closed one); it must not then overlap.

    ``loaded``: what the page was drawn from (``sencotrack.conflicts``); an entry changed since is a
    ``Conflict`` and nothing is saved.
    """
    if loaded is not None:
        lock(Pupil, [entry.pupil_id])
        current = RegisterEntry.objects.filter(pk=entry.pk).first()
        check(loaded, version=version_of(current), history=RegisterEntry.history.filter(id=entry.pk), current=current)
        if current is None:
            raise ValidationError("This register entry has been deleted.")
        current.pupil, entry = entry.pupil, current
    end = as_date(end_date, "end_date")
    if end is None:
        raise field_error("end_date", "give the date the entry ends")
    if end < entry.start_date:
        raise field_error("end_date", f"{fmt_date(end)} is before the start date {fmt_date(entry.start_date)}")
    if entry.end_date == end:
        return entry
    others = RegisterEntry.objects.filter(pupil_id=entry.pupil_id).exclude(pk=entry.pk).select_for_update()
    for other in others:
        if _overlaps(entry.start_date, end, other):
            raise field_error("end_date", f"ending on {fmt_date(end)} would overlap the pupil's {_span(other)}")
    entry.end_date = end
    entry.full_clean()
    entry.save()
    return entry
