"""Writes for baselines, assessments and reading tests: one path for the UI, the CSV import and tasks.

Conventions as ``pupils.services``: keyword-only, typed, validated before saving, atomic, each
record service returns ``(instance, Outcome)`` and has a ``*_many`` variant with the same
validation for imports. Results are parsed with the framework's ladder and stored as the
CANONICAL code ("4 b" is stored as "4b", "P1(ii)" as "P1ii").

The single-row services take ``loaded``, what the page was drawn from (``sencotrack.conflicts``):
with it, the pupil's row is locked and a record at the same natural key saved since the page was
drawn raises ``Conflict``, saving nothing. Imports call the ``*_many`` services without it: the
last write wins there, as it always has.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.ages import AgeEquivalentError, parse_age_equivalent
from assessments.ladder import LadderError, parse_level, parse_result
from assessments.models import (
    Assessment,
    AssessmentKind,
    Baseline,
    Framework,
    KeyStage,
    ReadingMeasure,
    ReadingTest,
    TermName,
)
from pupils.models import Pupil, Subject
from pupils.services import SubjectLookup
from pupils.writes import (
    Outcome,
    RowsInvalid,
    as_date,
    bulk_write,
    clean_light,
    field_error,
    fmt_date,
    merge_errors,
    save_planned,
    single,
    snapshot,
)
from sencotrack.conflicts import Loaded, check, lock, retry_lost_insert, version_of
from sencotrack.parsing import ParseError, parse_academic_year, parse_term

# --- Value normalisers (forgiving about spelling, strict about meaning) ---------------------------


def _academic_year(value: int | str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if 1990 <= value <= 2100:
            return value
        raise field_error("academic_year", f"{value} is not an academic year's start year (1990-2100)")
    try:
        return parse_academic_year(value)
    except ParseError as exc:
        raise field_error("academic_year", str(exc)) from None


def _term(value: str) -> str:
    try:
        return parse_term(value)
    except ParseError as exc:
        raise field_error("term", str(exc)) from None


_KEY_STAGES = {"ks1": "KS1", "ks2": "KS2", "ks3": "KS3", "entry": "Entry", "onentry": "Entry"}


def key_stage_code(value: str) -> str:
    key = "".join((value or "").split()).casefold().replace("keystage", "ks").replace("-", "")
    if key in _KEY_STAGES:
        return _KEY_STAGES[key]
    raise field_error("key_stage", f"{value!r} is not a key stage; use {', '.join(KeyStage.values)}")


_KINDS = {"teacher": "teacher", "teacherassessment": "teacher", "test": "test", "moderated": "moderated"}


def kind_code(value: str) -> str:
    key = "".join((value or "").split()).casefold()
    if key in _KINDS:
        return _KINDS[key]
    raise field_error("kind", f"{value!r} is not a kind of assessment; use {', '.join(AssessmentKind.values)}")


def framework_code(value: str) -> str:
    key = (value or "").strip().casefold()
    if key in Framework.values:
        return key
    raise field_error("framework", f"{value!r} is not a framework; use {', '.join(Framework.values)}")


def measure_code(value: str) -> str:
    key = (value or "").strip().casefold()
    if key in ReadingMeasure.values:
        return key
    raise field_error("measure", f"{value!r} is not a measure; use {' or '.join(ReadingMeasure.values)}")


def _attempt_all(steps: Sequence[tuple[str, Callable[[], Any]]]) -> dict[str, Any]:
    """Run each normaliser, gathering every error of the row rather than stopping at the first."""
    values: dict[str, Any] = {}
    problems: list[ValidationError] = []
    for name, step in steps:
        try:
            values[name] = step()
        except ValidationError as exc:
            problems.append(exc)
    if problems:
        raise merge_errors(problems)
    return values


def _subject_lookup(rows: Sequence[Mapping[str, Any]]) -> SubjectLookup | None:
    """One query for subjects, and only when some row names its subject as text."""
    if any(not isinstance(row.get("subject"), Subject) for row in rows):
        return SubjectLookup()
    return None


def _subject(lookup: SubjectLookup | None, value: Subject | str) -> Subject:
    if isinstance(value, Subject):
        return value
    assert lookup is not None
    return lookup.resolve(value)


def _apply_many(
    *,
    model: type,
    rows: Sequence[Mapping[str, Any]],
    fields: Sequence[str],
    prepare: Callable[[int, Mapping[str, Any]], tuple[tuple, dict[str, Any], dict[str, Any]]],
    existing_for: Callable[[list[tuple]], dict[tuple, Any]],
    fk_fields: Sequence[str],
    on_change: Callable[[Any, bool], None] | None = None,
    user: Any = None,
    key_fields: Sequence[str] = (),
) -> list[tuple[Any, Outcome]]:
    """The shared shape of a record-many service.

    ``prepare`` turns a row into (natural key, fields to set, fields to set only when given);
    ``existing_for`` fetches the stored rows for a list of keys in a few queries. ``user``, when
    known, is named in the audit history as the person who made the change. A row may carry
    ``loaded`` (a page's, see :func:`_checked`): the stored row at its key (the history's
    ``key_fields``) is checked against it before anything is written.
    """
    errors: dict[int, ValidationError] = {}
    prepared: dict[int, tuple[tuple, dict[str, Any], dict[str, Any]]] = {}
    for i, row in enumerate(rows):
        try:
            prepared[i] = prepare(i, row)
        except ValidationError as exc:
            errors[i] = exc
    existing = existing_for([key for key, _, _ in prepared.values()]) if prepared else {}
    for i, (key, _, _) in prepared.items():
        if rows[i].get("loaded") is not None:
            current = existing.get(key)
            history = model.history.filter(**dict(zip(key_fields, key, strict=True)))
            check(rows[i]["loaded"], version=version_of(current), history=history, current=current)

    first_row: dict[tuple, int] = {}
    results: dict[int, tuple[Any, Outcome]] = {}
    new: list = []
    changed: list = []
    touched: set[str] = set()  # the fields some changed row changed: only those are updated
    for i, (key, values, optional) in prepared.items():
        if key in first_row:
            errors[i] = ValidationError(f"row {i + 1} repeats row {first_row[key] + 1} (the same natural key)")
            continue
        first_row[key] = i
        instance = existing.get(key)
        is_new = instance is None
        if is_new:
            instance = model(**values, **{k: v for k, v in optional.items() if v is not None})
            before = None
        else:
            before = snapshot(instance, fields)
            for name, value in values.items():
                setattr(instance, name, value)
            for name, value in optional.items():
                if value is not None:
                    setattr(instance, name, value)
        try:
            clean_light(instance, exclude=fk_fields)
        except ValidationError as exc:
            errors[i] = exc
            if before is not None:
                for name, value in zip(fields, before, strict=True):
                    setattr(instance, name, value)
            continue
        if is_new:
            outcome = Outcome.CREATED
        elif snapshot(instance, fields) != before:
            outcome = Outcome.UPDATED
            touched.update(name for name, old in zip(fields, before, strict=True) if getattr(instance, name) != old)
        else:
            outcome = Outcome.UNCHANGED
        if outcome is not Outcome.UNCHANGED and on_change is not None:
            on_change(instance, is_new)
        (new if is_new else changed if outcome is Outcome.UPDATED else []).append(instance)
        results[i] = (instance, outcome)
    if errors:
        raise RowsInvalid(errors)
    if user is not None:
        for instance in new + changed:
            instance._history_user = user  # django-simple-history's per-instance "who"
    if len(rows) == 1:
        save_planned(new + changed, thorough=True)
    else:
        # bulk_update() writes a CASE per field over every row: a grid save moves results, not the rest.
        write_fields = [name for name in fields if name in touched]
        write_fields += ["recorded_by"] if "recorded_by" in {f.name for f in model._meta.fields} else []
        bulk_write(model, new=new, changed=changed, fields=write_fields, user=user)
    return [results[i] for i in range(len(rows))]


def _checked(many: Callable[..., list], row: dict[str, Any], loaded: Loaded | None, **kwargs: Any):
    """One row through a ``*_many`` service; with ``loaded``, under the pupil's lock and checked against it."""
    if loaded is None:
        return single(many, rows=[row], **kwargs)
    with transaction.atomic():
        lock(Pupil, [row["pupil"].pk])
        return retry_lost_insert(lambda: single(many, rows=[{**row, "loaded": loaded}], **kwargs))


def _chunks(values: list, size: int = 2000):
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- Baselines -------------------------------------------------------------------------------------

BASELINE_FIELDS = ("result", "academic_year", "term")


def baseline_record(
    *,
    pupil: Pupil,
    subject: Subject | str,
    key_stage: str,
    result: str,
    academic_year: int | str,
    term: str = TermName.SUMMER,
    loaded: Loaded | None = None,
) -> tuple[Baseline, Outcome]:
    """A pupil's baseline in a subject at a key stage (KS1, KS2, KS3 or Entry), matched on those three.

    The result is read on the NC ladder (P-scales, sub-levels, whole levels, W, B, N) and stored as
    its canonical code. The term defaults to summer, when key-stage results are published.
    """
    row = dict(pupil=pupil, subject=subject, key_stage=key_stage, result=result, academic_year=academic_year, term=term)
    return _checked(baselines_record_many, row, loaded)


@transaction.atomic
def baselines_record_many(*, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Baseline, Outcome]]:
    """Apply many baseline rows (keyword arguments of :func:`baseline_record`) in a few queries."""
    lookup = _subject_lookup(rows)

    def prepare(i: int, row: Mapping[str, Any]):
        values = _attempt_all(
            [
                ("subject", lambda: _subject(lookup, row.get("subject"))),
                ("key_stage", lambda: key_stage_code(row.get("key_stage", ""))),
                ("result", lambda: _nc_result(row.get("result", ""))),
                ("academic_year", lambda: _academic_year(row.get("academic_year"))),
                ("term", lambda: _term(row.get("term") or TermName.SUMMER)),
            ]
        )
        pupil = row["pupil"]
        key = (pupil.pk, values["subject"].pk, values["key_stage"])
        return key, {"pupil": pupil, **values}, {}

    def existing_for(keys: list[tuple]) -> dict[tuple, Baseline]:
        found: dict[tuple, Baseline] = {}
        pupil_ids = sorted({k[0] for k in keys})
        for chunk in _chunks(pupil_ids):
            for b in Baseline.objects.filter(pupil_id__in=chunk):
                found[(b.pupil_id, b.subject_id, b.key_stage)] = b
        return found

    return _apply_many(
        model=Baseline, rows=rows, fields=BASELINE_FIELDS, prepare=prepare, existing_for=existing_for,
        fk_fields=["pupil", "subject"], key_fields=("pupil_id", "subject_id", "key_stage"),
    )  # fmt: skip


def _nc_result(text: str) -> str:
    try:
        return parse_level(text).code
    except LadderError as exc:
        raise field_error("result", str(exc)) from None


# --- Assessments -----------------------------------------------------------------------------------

ASSESSMENT_FIELDS = ("result", "framework", "assessed_on")


def assessment_record(
    *,
    pupil: Pupil,
    subject: Subject | str,
    academic_year: int | str,
    term: str,
    result: str,
    kind: str = AssessmentKind.TEACHER,
    framework: str = Framework.NC,
    assessed_on: dt.date | str | None = None,
    recorded_by: Any = None,
    loaded: Loaded | None = None,
) -> tuple[Assessment, Outcome]:
    """A pupil's result in a subject for a term, one per kind (teacher, test, moderated).

    The result is parsed with the framework's ladder (``parse_result``) and stored as the canonical
    code. For an existing assessment, ``assessed_on`` given as None leaves the stored date; the
    recorder is stamped when a result is created or changed.
    """
    row = dict(
        pupil=pupil, subject=subject, academic_year=academic_year, term=term, result=result, kind=kind,
        framework=framework, assessed_on=assessed_on,
    )  # fmt: skip
    return _checked(assessments_record_many, row, loaded, recorded_by=recorded_by)


@transaction.atomic
def assessments_record_many(
    *, rows: Sequence[Mapping[str, Any]], recorded_by: Any = None
) -> list[tuple[Assessment, Outcome]]:
    """Apply many assessment rows (keyword arguments of :func:`assessment_record`) in a few queries."""
    lookup = _subject_lookup(rows)

    def result_for(row: Mapping[str, Any]) -> tuple[str, str]:
        framework = framework_code(row.get("framework") or Framework.NC)
        try:
            return framework, parse_result(framework, row.get("result") or "").code
        except LadderError as exc:
            raise field_error("result", str(exc)) from None

    def prepare(i: int, row: Mapping[str, Any]):
        values = _attempt_all(
            [
                ("subject", lambda: _subject(lookup, row.get("subject"))),
                ("academic_year", lambda: _academic_year(row.get("academic_year"))),
                ("term", lambda: _term(row.get("term") or "")),
                ("kind", lambda: kind_code(row.get("kind") or AssessmentKind.TEACHER)),
                ("framework_result", lambda: result_for(row)),
                ("assessed_on", lambda: as_date(row.get("assessed_on"), "assessed_on")),
            ]
        )
        framework, result = values.pop("framework_result")
        assessed_on = values.pop("assessed_on")
        pupil = row["pupil"]
        key = (pupil.pk, values["subject"].pk, values["academic_year"], values["term"], values["kind"])
        return key, {"pupil": pupil, **values, "framework": framework, "result": result}, {"assessed_on": assessed_on}

    def existing_for(keys: list[tuple]) -> dict[tuple, Assessment]:
        found: dict[tuple, Assessment] = {}
        pupil_ids = sorted({k[0] for k in keys})
        years = sorted({k[2] for k in keys})
        subjects = sorted({k[1] for k in keys})
        for chunk in _chunks(pupil_ids):
            for a in Assessment.objects.filter(pupil_id__in=chunk, academic_year__in=years, subject_id__in=subjects):
                found[(a.pupil_id, a.subject_id, a.academic_year, a.term, a.kind)] = a
        return found

    def stamp(instance: Assessment, is_new: bool) -> None:
        if recorded_by is not None:
            instance.recorded_by = recorded_by

    return _apply_many(
        model=Assessment, rows=rows, fields=ASSESSMENT_FIELDS, prepare=prepare, existing_for=existing_for,
        fk_fields=["pupil", "subject", "recorded_by"], on_change=stamp, user=recorded_by,
        key_fields=("pupil_id", "subject_id", "academic_year", "term", "kind"),
    )  # fmt: skip


# --- Reading and spelling tests --------------------------------------------------------------------

READING_FIELDS = ("test_name", "age_equivalent_months", "standardised_score")
SCORE_MIN, SCORE_MAX = 40, 160


def reading_test_record(
    *,
    pupil: Pupil,
    measure: str,
    test_name: str,
    tested_on: dt.date | str,
    age_equivalent: int | str,
    standardised_score: int | None = None,
    loaded: Loaded | None = None,
) -> tuple[ReadingTest, Outcome]:
    """A reading or spelling test on a day, matched on (pupil, measure, date).

    ``age_equivalent`` is whole months, or text such as "7:06", "7y 6m", "7.06" or "90m"
    (``assessments.ages``). A standardised score given as None leaves a stored one as it is.
    """
    row = dict(
        pupil=pupil, measure=measure, test_name=test_name, tested_on=tested_on, age_equivalent=age_equivalent,
        standardised_score=standardised_score,
    )  # fmt: skip
    return _checked(reading_tests_record_many, row, loaded)


def _age_months(value: int | str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= 300:
            return value
        raise field_error("age_equivalent_months", f"{value} months is out of range (0-300)")
    try:
        return parse_age_equivalent(value)
    except AgeEquivalentError as exc:
        raise field_error("age_equivalent_months", str(exc)) from None


def _score(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error("standardised_score", f"{value!r} is not a whole number")
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise field_error(
            "standardised_score", f"{value} is not a standardised score; scores run from {SCORE_MIN} to {SCORE_MAX}"
        )
    return value


def _test_name(value: str) -> str:
    name = (value or "").strip()
    if not name:
        raise field_error("test_name", "name the test (e.g. Salford, NGRT, Single Word Spelling Test)")
    return name


@transaction.atomic
def reading_tests_record_many(*, rows: Sequence[Mapping[str, Any]]) -> list[tuple[ReadingTest, Outcome]]:
    """Apply many reading-test rows (keyword arguments of :func:`reading_test_record`)."""

    def prepare(i: int, row: Mapping[str, Any]):
        values = _attempt_all(
            [
                ("measure", lambda: measure_code(row.get("measure", ""))),
                ("test_name", lambda: _test_name(row.get("test_name", ""))),
                ("tested_on", lambda: _required_date(row.get("tested_on"), "tested_on")),
                ("age_equivalent_months", lambda: _age_months(row.get("age_equivalent"))),
                ("standardised_score", lambda: _score(row.get("standardised_score"))),
            ]
        )
        score = values.pop("standardised_score")
        pupil = row["pupil"]
        key = (pupil.pk, values["measure"], values["tested_on"])
        return key, {"pupil": pupil, **values}, {"standardised_score": score}

    def existing_for(keys: list[tuple]) -> dict[tuple, ReadingTest]:
        found: dict[tuple, ReadingTest] = {}
        for chunk in _chunks(sorted({k[0] for k in keys})):
            for t in ReadingTest.objects.filter(pupil_id__in=chunk):
                found[(t.pupil_id, t.measure, t.tested_on)] = t
        return found

    return _apply_many(
        model=ReadingTest, rows=rows, fields=READING_FIELDS, prepare=prepare, existing_for=existing_for,
        fk_fields=["pupil"], key_fields=("pupil_id", "measure", "tested_on"),
    )  # fmt: skip


def _required_date(value: dt.date | str | None, field: str) -> dt.date:
    day = as_date(value, field)
    if day is None:
        raise field_error(field, "a date is required")
    if day > timezone.localdate() + dt.timedelta(days=1):
        raise field_error(field, f"{fmt_date(day)} is in the future")
    return day
