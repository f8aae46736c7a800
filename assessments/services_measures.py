"""Writes for the other measures of progress: SEMH checklists, behaviour, ratings, pupil voice, targets.

House rules as ``assessments.services``; definitions in docs/figures.md sections 8 and 9.4. Record
services take ``loaded`` (``sencotrack.conflicts``): with it, a record saved since the page was
drawn raises ``Conflict``; without it (imports, tasks) the last write wins. Boxall section totals
are stored as ``{"I": x, "II": y}`` because ``reports.datasets.semh_measures`` reads those keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.ladder import NO_POINTS_CODES, LadderError, parse_level
from assessments.models import (
    BehaviourRecord,
    QualitativeRating,
    RatingAspect,
    SelfAssessment,
    SemhChecklist,
    SemhInstrument,
    Target,
    Term,
)
from assessments.semh import BOXALL_MAX_SECTION_TOTAL
from assessments.services import _academic_year, _term  # one way to read a year and a term
from pupils.models import Pupil, School, Subject
from pupils.writes import Outcome, RowsInvalid, bulk_write, delete_with_history, field_error, merge_errors, snapshot
from sencotrack.conflicts import (
    Conflict,
    Conflicts,
    Loaded,
    check,
    last_changes,
    lock,
    retry_lost_insert,
    version_of,
    version_of_all,
)
from sencotrack.parsing import term_for_date

SDQ_SCALES = ("emotional", "conduct", "hyperactivity", "peer", "prosocial")
#: Total difficulties is the sum of the four difficulty scales; prosocial is not part of it.
SDQ_DIFFICULTIES = ("emotional", "conduct", "hyperactivity", "peer")
SDQ_SCALE_MAX = 10
RATING_MIN, RATING_MAX = 1, 5


# --- Shared checks -----------------------------------------------------------------------------------


def term_of_day(school: School, day: dt.date) -> tuple[int, str]:
    """(academic start year, term) a day falls in: the school's own term dates, else the defaults."""
    term = (
        Term.objects.filter(academic_year__school=school, start_date__lte=day, end_date__gte=day)
        .values_list("academic_year__start_year", "name")
        .first()
    )
    return term if term else term_for_date(day)


def _past_date(value: dt.date | None, field: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise field_error(field, "a date is required")
    if value > timezone.localdate():
        raise field_error(field, f"{value:%d/%m/%Y} is in the future")
    return value


def _whole(value: Any, field: str, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error(field, f"{what} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise field_error(field, f"{what} must be from {low} to {high}, not {value}")
    return value


def _gather(checks: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """Run every check of a record, collecting all their errors rather than stopping at the first."""
    values: dict[str, Any] = {}
    problems: list[ValidationError] = []
    for name, check in checks:
        try:
            values[name] = check()
        except ValidationError as exc:
            problems.append(exc)
    if problems:
        raise merge_errors(problems)
    return values


def _upsert(
    model: type, key: Mapping[str, Any], values: Mapping[str, Any], loaded: Loaded | None = None
) -> tuple[Any, Outcome]:
    """Create or update the row matching ``key``; full_clean() before save().

    With ``loaded`` the pupil's row is locked first and the stored row checked against it.
    """
    if loaded is not None:
        lock(Pupil, [key["pupil"].pk])
        return retry_lost_insert(lambda: _upsert_checked(model, key, values, loaded))
    return _write(model, model.objects.filter(**key).first(), key, values)


def _upsert_checked(model: type, key: Mapping[str, Any], values: Mapping[str, Any], loaded: Loaded):
    instance = model.objects.filter(**key).first()
    check(loaded, version=version_of(instance), history=model.history.filter(**key), current=instance)
    return _write(model, instance, key, values)


def _write(model: type, instance: Any, key: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[Any, Outcome]:
    """Create the row ``key`` with ``values`` (no ``instance`` yet) or update ``instance``."""
    fields = list(values)
    if instance is None:
        instance = model(**key, **values)
        outcome = Outcome.CREATED
    else:
        before = snapshot(instance, fields)
        for name, value in values.items():
            setattr(instance, name, value)
        outcome = Outcome.UPDATED if snapshot(instance, fields) != before else Outcome.UNCHANGED
    if outcome is not Outcome.UNCHANGED:
        instance.full_clean()
        instance.save()
    return instance, outcome


# --- SEMH checklists -----------------------------------------------------------------------------------


@transaction.atomic
def sdq_record(
    *,
    pupil: Pupil,
    completed_on: dt.date,
    emotional: int,
    conduct: int,
    hyperactivity: int,
    peer: int,
    prosocial: int,
    completed_by: Any = None,
    loaded: Loaded | None = None,
) -> tuple[SemhChecklist, Outcome]:
    """An SDQ (teacher version) on a day: the five subscale scores, each 0-10.

    Total difficulties = emotional + conduct + hyperactivity + peer (0-40); prosocial is kept but
    not added in (docs/figures.md 8). The term comes from the date. Matched on (pupil, SDQ, date).
    """
    given = dict(emotional=emotional, conduct=conduct, hyperactivity=hyperactivity, peer=peer, prosocial=prosocial)
    checks: list[tuple[str, Any]] = [("completed_on", lambda: _past_date(completed_on, "completed_on"))]
    for scale in SDQ_SCALES:
        checks.append(
            (scale, lambda s=scale: _whole(given[s], s, 0, SDQ_SCALE_MAX, f"The {s} score"))
        )
    values = _gather(checks)
    day = values.pop("completed_on")
    scores = {scale: values[scale] for scale in SDQ_SCALES}
    year, term = term_of_day(pupil.school, day)
    return _upsert(
        SemhChecklist,
        {"pupil": pupil, "instrument": SemhInstrument.SDQ, "completed_on": day},
        {
            "academic_year": year, "term": term, "scores": scores, "higher_is_better": False,
            "total": Decimal(sum(scores[s] for s in SDQ_DIFFICULTIES)), "completed_by": completed_by,
        },
        loaded,
    )  # fmt: skip


@transaction.atomic
def boxall_record(
    *,
    pupil: Pupil,
    completed_on: dt.date,
    section_1: int,
    section_2: int,
    completed_by: Any = None,
    loaded: Loaded | None = None,
) -> tuple[SemhChecklist, Outcome]:
    """A Boxall Profile on a day: the totals of section I (higher is better) and section II (lower is better).

    Each section has 34 items scored 0-4, so a total is 0-136. Stored in ``scores`` as
    ``{"I": x, "II": y}`` (the section keys of ``assessments.semh.BOXALL_SECTIONS``); the checklist's own total is left empty because the two
    sections point in opposite directions. Matched on (pupil, Boxall, date).
    """
    values = _gather(
        [
            ("completed_on", lambda: _past_date(completed_on, "completed_on")),
            ("section_1", lambda: _whole(section_1, "section_1", 0, BOXALL_MAX_SECTION_TOTAL, "The section I total")),
            ("section_2", lambda: _whole(section_2, "section_2", 0, BOXALL_MAX_SECTION_TOTAL, "The section II total")),
        ]
    )
    year, term = term_of_day(pupil.school, values["completed_on"])
    return _upsert(
        SemhChecklist,
        {"pupil": pupil, "instrument": SemhInstrument.BOXALL, "completed_on": values["completed_on"]},
        {
            "academic_year": year, "term": term, "total": None, "higher_is_better": True,
            "scores": {"I": values["section_1"], "II": values["section_2"]}, "completed_by": completed_by,
        },
        loaded,
    )  # fmt: skip


# --- Behaviour ----------------------------------------------------------------------------------------


@transaction.atomic
def behaviour_record(
    *, pupil: Pupil, academic_year: int | str, term: str, points: int, times_on_report: int = 0,
    loaded: Loaded | None = None,
) -> tuple[BehaviourRecord, Outcome]:
    """A pupil's behaviour points and times on report for a term (one record per term)."""
    values = _gather(
        [
            ("academic_year", lambda: _academic_year(academic_year)),
            ("term", lambda: _term(term)),
            ("points", lambda: _whole(points, "points", -100_000, 100_000, "Behaviour points")),
            ("times_on_report", lambda: _whole(times_on_report, "times_on_report", 0, 500, "Times on report")),
        ]
    )
    return _upsert(
        BehaviourRecord,
        {"pupil": pupil, "academic_year": values["academic_year"], "term": values["term"]},
        {"points": values["points"], "times_on_report": values["times_on_report"]},
        loaded,
    )


# --- Qualitative ratings and pupil voice ---------------------------------------------------------------


@transaction.atomic
def ratings_record(
    *,
    pupil: Pupil,
    subject: Subject,
    academic_year: int | str,
    term: str,
    ratings: Mapping[str, int | None],
    note: str = "",
    rated_by: Any = None,
    loaded: Loaded | None = None,
) -> list[tuple[QualitativeRating, Outcome]]:
    """Engagement, understanding and mastery ratings (1-5) for a subject and term; None skips an aspect.

    One record per (pupil, subject, aspect, term): rating again replaces the earlier rating. With
    ``loaded``, the pupil's ratings in that subject and term (all three aspects, as the page shows
    them) are checked against it first.
    """
    checks: list[tuple[str, Any]] = [
        ("academic_year", lambda: _academic_year(academic_year)),
        ("term", lambda: _term(term)),
    ]
    for aspect, value in ratings.items():
        if aspect not in RatingAspect.values:
            raise field_error("ratings", f"{aspect!r} is not an aspect; use {', '.join(RatingAspect.values)}")
        if value is not None:
            label = RatingAspect(aspect).label
            checks.append((aspect, lambda a=aspect, v=value, lbl=label: _whole(v, a, RATING_MIN, RATING_MAX, lbl)))
    values = _gather(checks)
    given = [a for a in RatingAspect.values if ratings.get(a) is not None]
    if not given:
        raise ValidationError("Give at least one rating.")
    note = (note or "").strip()
    term_key = {"pupil": pupil, "subject": subject, "academic_year": values["academic_year"], "term": values["term"]}

    def write() -> list[tuple[QualitativeRating, Outcome]]:
        if loaded is not None:
            stored = list(QualitativeRating.objects.filter(**term_key))
            history = QualitativeRating.history.filter(**term_key)
            check(loaded, version=version_of_all(stored), history=history, current=stored)
        return [
            _write(
                QualitativeRating, QualitativeRating.objects.filter(**term_key, aspect=aspect).first(),
                {**term_key, "aspect": aspect}, {"rating": values[aspect], "note": note, "rated_by": rated_by},
            )  # fmt: skip
            for aspect in given
        ]

    if loaded is None:
        return write()
    lock(Pupil, [pupil.pk])
    return retry_lost_insert(write)


@transaction.atomic
def self_assessment_record(
    *, pupil: Pupil, statement: str, rating: int, recorded_on: dt.date, comment: str = ""
) -> SelfAssessment:
    """Pupil voice: how the pupil rates themself (1-5) against a statement. Each one is kept."""
    values = _gather(
        [
            ("statement", lambda: _statement(statement)),
            ("rating", lambda: _whole(rating, "rating", RATING_MIN, RATING_MAX, "The rating")),
            ("recorded_on", lambda: _past_date(recorded_on, "recorded_on")),
        ]
    )
    year, term = term_of_day(pupil.school, values["recorded_on"])
    record = SelfAssessment(pupil=pupil, academic_year=year, term=term, comment=(comment or "").strip(), **values)
    record.full_clean()
    record.save()
    return record


def _statement(text: str) -> str:
    statement = " ".join((text or "").split())
    if not statement:
        raise field_error("statement", "write the statement the pupil rated themself against")
    return statement


# --- Targets (docs/figures.md 9.4) ----------------------------------------------------------------------------


def target_code(text: str) -> str:
    """A target as a canonical NC ladder code that carries points ("4 B" -> "4b")."""
    try:
        code = parse_level(text or "").code
    except LadderError as exc:
        raise field_error("result", str(exc)) from None
    if code in NO_POINTS_CODES:
        raise field_error("result", f"{code} is a key-stage test outcome, not a level to aim for")
    return code


def target_set(
    *,
    pupil: Pupil,
    subject: Subject,
    academic_year: int,
    result: str,
    suggested: bool = False,
    set_by: Any = None,
) -> tuple[Target, Outcome]:
    """A pupil's target in a subject for an academic year. ``suggested`` False marks it as set by staff."""
    row = dict(pupil=pupil, subject=subject, academic_year=academic_year, result=result, suggested=suggested)
    try:
        outcome = targets_set_many(rows=[row], set_by=set_by)[0]
    except RowsInvalid as exc:
        raise next(iter(exc.row_errors.values())) from None
    assert outcome[0] is not None
    return outcome  # type: ignore[return-value]


@transaction.atomic
def targets_set_many(
    *, rows: Sequence[Mapping[str, Any]], set_by: Any = None
) -> list[tuple[Target | None, Outcome | None]]:
    """Set, change or clear many targets at once, all or nothing, in a fixed number of queries.

    Each row: pupil, subject, academic_year, result (blank clears) and suggested; returns per row
    (target, outcome), or (None, None) when cleared; bad rows raise :class:`RowsInvalid`. A targets-page
    row also carries ``loaded`` and ``shown``: a target changed meanwhile is kept if its box was left
    as it was, and is a conflict if the person typed something else (:class:`Conflicts`, nothing saved).
    """
    errors: dict[int, ValidationError] = {}
    planned: list[tuple[int, tuple[int, int, int], str, bool]] = []
    for i, row in enumerate(rows):
        text = (row.get("result") or "").strip()
        try:
            year = _academic_year(row.get("academic_year"))
            code = target_code(text) if text else ""
        except ValidationError as exc:
            errors[i] = exc
            continue
        planned.append((i, (row["pupil"].pk, row["subject"].pk, year), code, bool(row.get("suggested"))))
    if errors:
        raise RowsInvalid(errors)
    if not planned:
        return []
    pupil_ids = sorted({key[0] for _, key, _, _ in planned})
    subject_ids = sorted({key[1] for _, key, _, _ in planned})
    years = sorted({key[2] for _, key, _, _ in planned})
    checked = any(row.get("loaded") is not None for row in rows)
    if checked:
        lock(Pupil, pupil_ids)
    existing = {
        (t.pupil_id, t.subject_id, t.academic_year): t
        for t in Target.objects.filter(pupil_id__in=pupil_ids, subject_id__in=subject_ids, academic_year__in=years)
    }
    results: list[tuple[Target | None, Outcome | None]] = [(None, None)] * len(rows)
    if checked:
        planned = _unchanged_since_drawn(rows, planned, existing, results)
    new, changed, cleared = [], [], []
    for i, key, code, suggested in planned:
        target = existing.get(key)
        if not code:
            if target is not None:
                cleared.append(target)
            continue
        if target is None:
            target = Target(
                pupil=rows[i]["pupil"], subject=rows[i]["subject"], academic_year=key[2], result=code,
                suggested=suggested, set_by=set_by,
            )  # fmt: skip
            new.append(target)
            outcome = Outcome.CREATED
        elif (target.result, target.suggested) != (code, suggested):
            target.result, target.suggested, target.set_by = code, suggested, set_by
            changed.append(target)
            outcome = Outcome.UPDATED
        else:
            outcome = Outcome.UNCHANGED
        target.full_clean(exclude=["pupil", "subject", "set_by"], validate_unique=False, validate_constraints=False)
        results[i] = (target, outcome)
    bulk_write(Target, new=new, changed=changed, fields=["result", "suggested", "set_by"], user=set_by)
    delete_with_history(Target, cleared, user=set_by)
    return results


def _unchanged_since_drawn(rows, planned, existing, results) -> list:
    """The planned rows whose target is as the page showed it; raise Conflicts for those changed and retyped."""
    keep, conflicts = [], {}
    for i, key, code, suggested in planned:
        loaded: Loaded | None = rows[i].get("loaded")
        target = existing.get(key)
        now, shown = (target.result if target else ""), (rows[i].get("shown") or "")
        if loaded is None or not loaded.known or version_of(target) == loaded.version or now == shown:
            keep.append((i, key, code, suggested))  # as drawn, or saved since with the figure the box showed
        elif code in (now, shown):
            results[i] = (target, Outcome.UNCHANGED)  # the same as theirs, or left as it was: theirs stays
        else:
            conflicts[i] = key
    if conflicts:
        history = Target.history.filter(
            pupil_id__in={k[0] for k in conflicts.values()}, subject_id__in={k[1] for k in conflicts.values()},
            academic_year__in={k[2] for k in conflicts.values()},
        )  # fmt: skip
        changes = last_changes(history, key=("pupil_id", "subject_id", "academic_year"))
        raise Conflicts(
            {i: Conflict(version=version_of(existing.get(key)), change=changes.get(key), current=existing.get(key))
             for i, key in conflicts.items()}
        )  # fmt: skip
    return keep
