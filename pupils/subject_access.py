"""Subject-access export: everything sencotrack holds on one pupil, as a ZIP.

UK GDPR gives a pupil (through their parents) the right to a copy of their personal data. The ZIP
holds ``subject-access.json`` (every table, nested under the pupil) and a CSV per table in
``csv/`` for people who open it in a spreadsheet. Text cells of the CSV files are neutralised
(``sencotrack.csvsafe``) so a value such as ``=HYPERLINK(...)`` typed into a comment opens as
text, not a formula. The JSON keeps every value exactly as stored.

Reads go through the pupil's reverse relations by name (as ``pupils.selectors`` does), so this
base app imports no other app's models. One query per table, whatever the pupil's history; any
table added later that points at the pupil is included too (with ids for its foreign keys).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from pupils.models import Pupil
from sencotrack.csvsafe import neutralise

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Table:
    name: str  # the key in the JSON and the CSV file's name
    relation: str  # the pupil's reverse relation, or a path from it ("enrolments__attendances")
    related: tuple[str, ...] = ()  # foreign keys to join, so their names cost no query
    skip: tuple[str, ...] = ()  # fields not worth showing (internal links)


#: The tables, in the order a reader meets them.
TABLES: tuple[Table, ...] = (
    Table("register_entries", "register_entries"),
    Table("profile", "profile", ("updated_by",)),
    Table("concerns", "concerns", ("raised_by",)),
    Table("teaching_groups", "teaching_groups", ("subject",), skip=("school",)),
    Table("baselines", "baselines", ("subject",)),
    Table("assessments", "assessments", ("subject", "recorded_by")),
    Table("targets", "targets", ("subject", "set_by")),
    Table("reading_tests", "reading_tests"),
    Table("semh_checklists", "semh_checklists", ("completed_by",)),
    Table("behaviour_records", "behaviour_records"),
    Table("qualitative_ratings", "qualitative_ratings", ("subject", "rated_by")),
    Table("self_assessments", "self_assessments"),
    Table("enrolments", "enrolments", ("intervention__programme",)),
    # A session names its intervention and day; the enrolment it hangs on is in "enrolments".
    Table("attendance", "enrolments__attendances", ("session__intervention",), skip=("enrolment",)),
    Table("comments", "comments", ("author", "subject", "intervention")),
    # Who opened the record or exported it, and when (pupils.services_audit.access_record).
    Table("access_log", "access_events", ("user",), skip=("school",)),
)

PUPIL_SKIP = ("id",)


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _describe(obj: models.Model) -> str:
    """A related row as a reader knows it: a person by name, anything else by its own wording."""
    if isinstance(obj, get_user_model()):
        return _person(obj)
    name = getattr(obj, "name", None)
    return name if isinstance(name, str) else str(obj)


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _row(obj: models.Model, *, skip: tuple[str, ...], joined: set[str]) -> dict[str, Any]:
    """Every stored field of a row; a foreign key as the related row's name when it was joined,
    else as its id; a field with choices also with its label."""
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in skip:
            continue
        if field.is_relation:
            if field.related_model is Pupil:
                continue  # it is this pupil
            if field.name in joined:
                related = getattr(obj, field.name)
                row[field.name] = _describe(related) if related is not None else None
            else:
                row[f"{field.name}_id"] = getattr(obj, field.attname)
            continue
        value = field.value_from_object(obj)
        row[field.name] = _plain(value)
        if field.choices and value not in (None, ""):
            row[f"{field.name}_label"] = str(getattr(obj, f"get_{field.name}_display")())
    return row


def _queryset(pupil: Pupil, table: Table) -> models.QuerySet:
    """The rows of ``table`` for ``pupil``: one query, joined to the foreign keys it names."""
    model, lookup = Pupil, []
    for step in table.relation.split("__"):
        field = model._meta.get_field(step)
        lookup.insert(0, field.field.name if field.auto_created and not field.concrete else field.name)
        model = field.related_model
    rows = model._default_manager.filter(**{"__".join(lookup): pupil})
    if table.related:
        rows = rows.select_related(*table.related)
    return rows.order_by("pk")


def _other_tables(known: set[str]) -> list[Table]:
    """Tables added later that point at the pupil: included whole, foreign keys as ids."""
    extra = []
    for relation in Pupil._meta.related_objects:
        name = relation.get_accessor_name()
        if name not in known and (relation.one_to_many or relation.one_to_one or relation.many_to_many):
            extra.append(Table(name, name))
    return extra


def pupil_data(pupil: Pupil, *, generated_by=None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything held on ``pupil``, as plain JSON-ready values. One query per table."""
    now = now or timezone.now()
    school = pupil.school  # the access helper's query joined it, or one query here
    data: dict[str, Any] = {
        "export": {
            "format": FORMAT_VERSION,
            "what": "Everything sencotrack holds on this pupil (a subject-access export under UK GDPR).",
            "generated_at": _plain(now),
            "generated_by": _person(generated_by) if generated_by is not None else "",
            "school": {"name": school.name, "code": school.code, "urn": school.urn},
        },
        "pupil": _row(pupil, skip=PUPIL_SKIP, joined=set()) | {"school": school.name},
    }
    data["pupil"].pop("school_id", None)
    for table in export_tables():
        joined = {path.split("__")[0] for path in table.related}
        rows = [_row(obj, skip=table.skip, joined=joined) for obj in _queryset(pupil, table)]
        if table.name == "profile":
            data[table.name] = rows[0] if rows else None
        else:
            data[table.name] = rows
    history = {}
    for name, rows in _history(pupil):
        history[name] = [_row(obj, skip=(), joined={"history_user"}) for obj in rows]
    if history:
        data["audit_history"] = history
    return data


def export_tables() -> list[Table]:
    """The tables of the export: the known ones, then any other table pointing at the pupil."""
    return list(TABLES) + _other_tables({t.relation.split("__")[0] for t in TABLES})


def _history(pupil: Pupil) -> list[tuple[str, models.QuerySet]]:
    """The audit history of the pupil's records (django-simple-history), where the models keep one:
    every earlier version of each row, with who changed it and when. One query per table."""
    found = []
    sources = [("pupil", Pupil, "id")] + [
        (table.name, _queryset(pupil, table).model, "pupil_id") for table in TABLES if "__" not in table.relation
    ]
    for name, model, key in sources:
        manager = getattr(model._meta, "simple_history_manager_attribute", None)
        if not manager:
            continue
        history = getattr(model, manager).model
        if key not in {f.attname for f in history._meta.concrete_fields}:
            continue
        rows = history._default_manager.filter(**{key: pupil.pk}).select_related("history_user")
        found.append((name, rows.order_by("history_date", "history_id")))
    return found


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return neutralise(value)


def table_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV: a column for every key any row has, in first-seen order; cells neutralised."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue()


README = """Subject-access export from sencotrack
=====================================

subject-access.json holds everything sencotrack holds on the pupil: their details, SEN register
history, one-page profile, concerns, teaching groups, baselines, assessments, targets, reading and
spelling tests, SEMH checklists, behaviour records, ratings, self-assessments, intervention
enrolments and attendance, staff comments (with the names of the staff who wrote them), the log of
who opened the record and when; and, under audit_history, every earlier version of those records
with who changed them and when.

csv/ holds the same tables as CSV files for a spreadsheet. A text cell that starts with = + - or @
is written with a leading apostrophe, so a spreadsheet shows it as text instead of running it.

Exported {generated_at} by {generated_by} at {school}.
This file holds special-category personal data: keep it safe and delete it when it has been sent.
"""


def subject_access_filename(pupil: Pupil, today: dt.date) -> str:
    """No name or UPN in the file name: download folders and logs keep file names."""
    return f"subject-access-{pupil.public_id}-{today:%Y-%m-%d}.zip"


def subject_access_zip(pupil: Pupil, *, generated_by=None, now: dt.datetime | None = None) -> bytes:
    """The ZIP: subject-access.json, README.txt and a CSV per table."""
    data = pupil_data(pupil, generated_by=generated_by, now=now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("subject-access.json", json.dumps(data, indent=2, ensure_ascii=False))
        export = data["export"]
        archive.writestr(
            "README.txt",
            README.format(generated_at=export["generated_at"], generated_by=export["generated_by"] or "sencotrack",
                          school=export["school"]["name"]),
        )
        archive.writestr("csv/pupil.csv", table_csv([data["pupil"]]))
        for name, value in data.items():
            if name in ("export", "pupil", "audit_history"):
                continue
            rows = [value] if isinstance(value, dict) else (value or [])
            archive.writestr(f"csv/{name}.csv", table_csv(rows))
        for name, rows in data.get("audit_history", {}).items():
            archive.writestr(f"csv/audit_history/{name}.csv", table_csv(rows))
    return buffer.getvalue()
