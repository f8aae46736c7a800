"""Reference sets (quartile and national tables): the shipped set, the set in force, and imports.

A reference set is named and kept with its provenance (source note, who imported it, when). For
each kind a school uses the set it chose (``School.quartile_table`` / ``School.national_table``,
by name) or else the newest set it imported, or else the newest shipped with sencotrack (no school).
Rows are checked by the pure parsers of ``assessments.progression``; the import engine
(``imports.engine``) writes them through :func:`reference_rows_record_many`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessments.models import NationalRow, QuartileRow, ReferenceKind, ReferenceSet
from assessments.progression import DEFAULT_PATH, parse_table_code, parse_transition
from pupils.models import School
from pupils.writes import Outcome, RowsInvalid

SHIPPED_QUARTILES_NAME = "Progression 2012 quartiles"
SHIPPED_QUARTILES_NOTE = (
    "National quartiles of end-of-key-stage attainment by starting point, 2012 national data, as quoted in a "
    "secondary summary of the Progression 2010-11 style tables (not the DfE release itself). KS1-KS2 English and "
    "(probably, the source does not label it) maths; KS2-KS3 English. Outcomes are whole levels; the KS2-KS3 lower "
    "quartile from W is printed as 0 (below level 1). No P-level starting points: load the official P-level "
    "tables as a set of your own. Shipped with sencotrack."
)

#: What each kind's rows hold beyond the key, and its model.
ROW_MODELS = {ReferenceKind.QUARTILES: QuartileRow, ReferenceKind.NATIONAL: NationalRow}
VALUE_FIELDS = {
    ReferenceKind.QUARTILES: ("lower_quartile", "median", "upper_quartile", "source_note"),
    ReferenceKind.NATIONAL: ("pct_expected", "pct_more_than_expected", "source_note"),
}


def shipped_quartile_rows(path=DEFAULT_PATH) -> list[dict[str, str]]:
    """The shipped 2012 table's rows with canonical codes (a bare 0 becomes W)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [
            {
                "transition": parse_transition(row["transition"]),
                "subject": row["subject"].strip(),
                "starting_point": parse_table_code(row["starting_point"]),
                "lower_quartile": parse_table_code(row["lower_quartile"]),
                "median": parse_table_code(row["median"]),
                "upper_quartile": parse_table_code(row["upper_quartile"]),
                "source_note": row["source_note"].strip(),
            }
            for row in csv.DictReader(handle)
        ]


def load_shipped_quartiles(reference_set_model=ReferenceSet, quartile_row_model=QuartileRow) -> None:
    """Load the shipped 2012 table as a set (no school) unless it is there: the data migration's work.

    Takes the models so that the migration can pass its historical ones.
    """
    found = reference_set_model.objects.filter(school__isnull=True, kind="quartiles", name=SHIPPED_QUARTILES_NAME)
    if found.exists():
        return
    shipped = reference_set_model.objects.create(
        school=None, kind="quartiles", name=SHIPPED_QUARTILES_NAME, source_note=SHIPPED_QUARTILES_NOTE,
        imported_at=timezone.now(),
    )  # fmt: skip
    quartile_row_model.objects.bulk_create(
        [quartile_row_model(reference_set=shipped, **row) for row in shipped_quartile_rows()]
    )


# --- Which set is in force ---------------------------------------------------------------------------


def sets_in_force(schools: Iterable[School]) -> dict[int, dict[str, ReferenceSet | None]]:
    """School id -> kind -> the set in force (or None), for several schools in one query.

    The school's chosen set when it names one it can see; otherwise the newest of its own sets
    (the last imported); a school that has imported none uses the newest shipped set.
    """
    schools = list(schools)
    visible = list(
        ReferenceSet.objects.filter(Q(school__in=schools) | Q(school__isnull=True)).order_by("-imported_at", "-id")
    )
    out: dict[int, dict[str, ReferenceSet | None]] = {}
    for school in schools:
        chosen = {ReferenceKind.QUARTILES: school.quartile_table, ReferenceKind.NATIONAL: school.national_table}
        mine = [s for s in visible if s.school_id in (None, school.pk)]
        out[school.pk] = {}
        for kind, name in chosen.items():
            # Own sets before shipped ones (a shipped set is loaded when sencotrack is installed or
            # upgraded, so it may be "newer" than a table the school imported); newest first within each.
            candidates = sorted((s for s in mine if s.kind == kind), key=lambda s: s.school_id is None)
            named = [s for s in candidates if name and s.name == name]
            out[school.pk][str(kind)] = (named or candidates or [None])[0]
    return out


def set_in_force(school: School, kind: str) -> ReferenceSet | None:
    return sets_in_force([school])[school.pk][kind]


def reference_sets_for(school: School) -> list[ReferenceSet]:
    """Every set the school can use (its own and the shipped ones), newest first."""
    return list(
        ReferenceSet.objects.filter(Q(school=school) | Q(school__isnull=True))
        .select_related("imported_by")
        .order_by("kind", "-imported_at", "-id")
    )


# --- Importing a set -----------------------------------------------------------------------------------


def default_set_name(kind: str) -> str:
    label = "Quartile table" if kind == ReferenceKind.QUARTILES else "National comparison"
    return f"{label} imported {timezone.localdate():%Y-%m-%d}"  # the same all day: a re-import updates it


def _key(values: Mapping[str, Any]) -> tuple:
    return (values["transition"], values["subject"].casefold(), values["starting_point"])


@transaction.atomic
def reference_rows_record_many(
    *, school: School, kind: str, name: str, rows: Sequence[Mapping[str, Any]], user: Any = None
) -> list[tuple[Any, Outcome]]:
    """Create or update the rows of the school's set ``name`` of ``kind``; the set is made if new.

    ``rows``: transition, subject, starting_point and the kind's values, already parsed and checked
    (``imports.engine``). Rows are matched on transition, subject (any case) and starting
    point; rows of the set that the file does not mention are kept. The set's source note is the
    rows' notes (each different one once). Returns ``(row, Outcome)`` per row.
    """
    kind = ReferenceKind(kind)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "A reference set needs a name."})
    if len(name) > ReferenceSet._meta.get_field("name").max_length:
        raise ValidationError({"name": "A reference set's name is at most 120 characters."})
    model = ROW_MODELS[kind]
    fields = VALUE_FIELDS[kind]
    reference_set = ReferenceSet.objects.filter(school=school, kind=kind, name=name).first()
    created_set = reference_set is None
    if created_set:
        reference_set = ReferenceSet(school=school, kind=kind, name=name, imported_by=user)
    existing = {} if created_set else {_key(r.__dict__): r for r in model.objects.filter(reference_set=reference_set)}
    notes = [n for n in dict.fromkeys(str(r.get("source_note") or "").strip() for r in rows) if n]
    note = "; ".join(notes)[:5000]
    if created_set or (note and note != reference_set.source_note):
        reference_set.source_note = note
        reference_set.full_clean(exclude=["imported_by"], validate_constraints=False)
        reference_set.save()

    results: list[tuple[Any, Outcome]] = []
    errors: dict[int, ValidationError] = {}
    new, changed = [], []
    for i, row in enumerate(rows):
        values = {f: row.get(f) if row.get(f) is not None else "" for f in fields}
        key = _key(row)
        found = existing.get(key)
        if found is None:
            instance = model(
                reference_set=reference_set, transition=row["transition"], subject=row["subject"],
                starting_point=row["starting_point"], **values,
            )  # fmt: skip
            outcome = Outcome.CREATED
        else:
            instance = found
            differs = [f for f in fields if getattr(found, f) != values[f]] + (
                ["subject"] if found.subject != row["subject"] else []
            )
            for f in differs:
                setattr(instance, f, row[f] if f == "subject" else values[f])
            outcome = Outcome.UPDATED if differs else Outcome.UNCHANGED
        try:
            instance.full_clean(exclude=["reference_set"], validate_constraints=False)
        except ValidationError as exc:
            errors[i] = exc
            continue
        if outcome == Outcome.CREATED:
            new.append(instance)
        elif outcome == Outcome.UPDATED:
            changed.append(instance)
        results.append((instance, outcome))
    if errors:
        raise RowsInvalid(errors)
    model.objects.bulk_create(new)
    if changed:
        model.objects.bulk_update(changed, ["subject", *fields])
    return results
