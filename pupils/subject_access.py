"""Subject-access export: everything sencotrack holds on one pupil, as a ZIP (UK GDPR right of access).

What is held is found in the app registry (other apps' models named by label, never imported), so
a table added later cannot be left out; copies that do not point at the pupil come from
``pupils.hooks``. CSV text cells are neutralised (``sencotrack.csvsafe``); the JSON keeps values as
stored. See docs/data-protection.md and docs/contributing.md, "Design notes".
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from pupils.hooks import subject_access_sections
from pupils.models import Pupil
from pupils.selectors_audit import tracked_models
from sencotrack.csvsafe import neutralise

FORMAT_VERSION = 2


@dataclass(frozen=True)
class Table:
    name: str  # the key in the JSON and the CSV file's name
    model: str  # the model's label ("interventions.Attendance")
    lookup: str  # from the model to the pupil ("enrolment__pupil")
    related: tuple[str, ...] = ()  # foreign keys to join, so their names cost no query
    skip: tuple[str, ...] = ()  # fields not worth showing (internal links)
    about: str = ""  # what the file holds, for the README
    row: Callable[[models.Model], dict[str, Any]] | None = None  # a row of its own shape, else every field

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)


def _attendance_row(obj) -> dict[str, Any]:
    """A session the pupil was down for, as a reader asks about it: when, which group, came or not."""
    session = obj.session
    return {
        "date": _plain(session.date),
        "attended": "attended" if obj.attended else "missed",
        "intervention": session.intervention.name,
        "programme": session.intervention.programme.name,
        "session_note": session.note,
        "logged_by": _person(session.logged_by) if session.logged_by else "",
        "enrolment_id": obj.enrolment_id,
    }


#: The tables, in the order a reader meets them.
TABLES: tuple[Table, ...] = (
    Table("register_entries", "pupils.RegisterEntry", "pupil",
          about="the SEN register history: each span of SEN provision with its needs, dates and notes"),
    Table("profile", "pupils.PupilProfile", "pupil", ("updated_by",),
          about="the one-page profile (strengths, what helps, aspirations, the pupil's voice) and who last changed it"),
    Table("concerns", "pupils.Concern", "pupil", ("raised_by",),
          about="concerns raised about the pupil, by whom and when, and when they were closed"),
    Table("teaching_groups", "pupils.TeachingGroup", "pupils", ("subject",), skip=("school",),
          about="the teaching groups the pupil is in"),
    Table("baselines", "assessments.Baseline", "pupil", ("subject",),
          about="baseline results (KS1, KS2, KS3 or on entry) by subject"),
    Table("assessments", "assessments.Assessment", "pupil", ("subject", "recorded_by"),
          about="teacher assessments by subject and term, with who recorded them"),
    Table("targets", "assessments.Target", "pupil", ("subject", "set_by"),
          about="targets by subject and year, with who set them"),
    Table("reading_tests", "assessments.ReadingTest", "pupil",
          about="reading and spelling tests: age equivalents and standardised scores, with their dates"),
    Table("semh_checklists", "assessments.SemhChecklist", "pupil", ("completed_by",),
          about="social, emotional and mental health checklists, their scores and who completed them"),
    Table("behaviour_records", "assessments.BehaviourRecord", "pupil", about="behaviour points by term"),
    Table("qualitative_ratings", "assessments.QualitativeRating", "pupil", ("subject", "rated_by"),
          about="ratings of engagement, understanding and mastery, with who gave them"),
    Table("self_assessments", "assessments.SelfAssessment", "pupil",
          about="the pupil's own ratings of statements about their learning"),
    Table("enrolments", "interventions.Enrolment", "pupil", ("intervention__programme",),
          about="the interventions the pupil joined: dates, entry and exit measures, sessions attended"),
    Table("attendance", "interventions.Attendance", "enrolment__pupil",
          ("session__intervention__programme", "session__logged_by"),
          about=("attendance history: every intervention session logged for the pupil, with its date, the group "
                 "and programme, whether they attended or missed it, the session's note and who logged it"),
          row=_attendance_row),
    Table("comments", "interventions.Comment", "pupil", ("author", "subject", "intervention"),
          about="staff comments on the pupil's learning, with the names of the staff who wrote them"),
    # Who opened the record or exported it, and when (pupils.services_audit.access_record).
    Table("access_log", "pupils.AccessEvent", "pupil", ("user",), skip=("school",),
          about="who viewed the pupil's record, downloaded it or exported it, and when"),
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
    rows = table.model_class()._default_manager.filter(**{table.lookup: pupil})
    if table.related:
        rows = rows.select_related(*table.related)
    return rows.order_by("pk")


def is_history_model(model: type[models.Model]) -> bool:
    """A django-simple-history table (``HistoricalAssessment``): exported as audit history."""
    return getattr(model, "instance_type", None) is not None


def pupil_lookups() -> dict[type[models.Model], str]:
    """Every model whose rows belong to a pupil, with the lookup from it to the pupil.

    A row belongs to a pupil through a chain of foreign keys (``enrolment__pupil``), or through a
    many-to-many field to the pupil itself (a teaching group's ``pupils``), not through a chain
    beyond that: a group's other records are the group's, not the pupil's. Audit-history tables
    are left to :func:`_history`.
    """
    candidates = [m for m in apps.get_models() if m is not Pupil and not is_history_model(m)]
    chains: dict[type[models.Model], str] = {Pupil: ""}
    found: dict[type[models.Model], str] = {}
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in found:
                continue
            for f in model._meta.get_fields():
                if not (f.concrete and f.is_relation) or f.related_model not in chains or f.related_model is model:
                    continue
                if f.many_to_many and f.related_model is not Pupil:
                    continue
                rest = chains[f.related_model]
                found[model] = f"{f.name}__{rest}" if rest else f.name
                if not f.many_to_many:
                    chains[model] = found[model]
                grew = True
                break
    return found


def export_tables() -> list[Table]:
    """The tables of the export: the known ones, then any other model whose rows belong to the pupil."""
    known = {table.model for table in TABLES}
    extra = [
        Table(model._meta.label_lower.replace(".", "_"), model._meta.label, lookup,
              about=f"{model._meta.verbose_name_plural} recorded about the pupil (foreign keys as ids)")
        for model, lookup in pupil_lookups().items()
        if model._meta.label not in known
    ]
    return list(TABLES) + sorted(extra, key=lambda t: t.name)


def pupil_data(pupil: Pupil, *, generated_by=None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything held on ``pupil``, as plain JSON-ready values. One query per table."""
    now = now or timezone.now()
    school = pupil.school  # the access helper's query joined it, or one query here
    tables = export_tables()
    sources = {"pupil": Pupil._meta.label}
    about = {"pupil": PUPIL_ABOUT}
    data: dict[str, Any] = {
        "export": {
            "format": FORMAT_VERSION,
            "what": "Everything sencotrack holds on this pupil (a subject-access export under UK GDPR).",
            "generated_at": _plain(now),
            "generated_by": _person(generated_by) if generated_by is not None else "",
            "school": {"name": school.name, "code": school.code, "urn": school.urn},
            "sources": sources,
            "about": about,
        },
        "pupil": _row(pupil, skip=PUPIL_SKIP, joined=set()) | {"school": school.name},
    }
    data["pupil"].pop("school_id", None)
    for table in tables:
        joined = {path.split("__")[0] for path in table.related}
        objs = _queryset(pupil, table)
        rows = [table.row(obj) if table.row else _row(obj, skip=table.skip, joined=joined) for obj in objs]
        if table.name == "attendance":
            rows.sort(key=lambda r: (r["date"], r["intervention"]))
        data[table.name] = (rows[0] if rows else None) if table.name == "profile" else rows
        sources[table.name], about[table.name] = table.model, table.about
    for reader in subject_access_sections():
        section = reader(pupil)
        data[section.name] = section.rows
        sources[section.name], about[section.name] = section.source, section.about
    history = {}
    names = {table.model: table.name for table in tables} | {Pupil._meta.label: "pupil"}
    for model, history_model, rows in _history(pupil):
        name = names.get(model._meta.label, model._meta.label_lower.replace(".", "_"))
        if history_model is model.history.model:
            history[name] = [_row(obj, skip=(), joined={"history_user"}) for obj in rows]
            about_it = f"every earlier version of the rows in {name}.csv, with who changed them, when and why"
        else:  # the many-to-many links of each earlier version (plan outcome -> its evidence)
            field = history_model._meta.model_name.split("_", 1)[1]
            name = f"{name}_{field}"
            history[name] = [_row(obj, skip=(), joined=set()) for obj in rows]
            about_it = f"the {field.replace('_', ' ')} linked to each earlier version in audit_history/{name}.csv"
        sources[f"audit_history/{name}"] = history_model._meta.label
        about[f"audit_history/{name}"] = about_it
    if history:
        data["audit_history"] = history
    return data


def _history(pupil: Pupil) -> list[tuple[type[models.Model], type[models.Model], list]]:
    """The audit history of the pupil's records (django-simple-history): every earlier version of
    each row, with who changed it and when; the same tables as the pupil's audit page
    (``pupils.selectors_audit.tracked_models``). One query per table; a record of a record (an
    attendance of an enrolment) is found through the ids its parent ever had."""
    found = []
    ids_of: dict[type[models.Model], set] = {}
    for model, lookup, parent in tracked_models():
        history = model.history.model
        if parent is None:
            rows = history._default_manager.filter(**{lookup: pupil.pk})
        else:
            rows = history._default_manager.filter(**{f"{lookup}__in": sorted(ids_of.get(parent, ()))})
        rows = list(rows.select_related("history_user").order_by("history_date", "history_id"))
        ids_of[model] = {row.id for row in rows}
        found.append((model, history, rows))
        for field in getattr(history, "_history_m2m_fields", ()):  # links as they were (plan outcome evidence)
            m2m_history = getattr(history, field.name).model  # simple-history hangs it on the field name
            links = m2m_history._default_manager.filter(history_id__in=[row.history_id for row in rows])
            found.append((model, m2m_history, list(links.order_by("history_id", "m2m_history_id"))))
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


PUPIL_ABOUT = ("the pupil's details: name, UPN, date of birth, gender, year group, pupil premium, EAL, looked after, "
               "admission and leaving dates, and when they were archived")

README = """Subject-access export from sencotrack
=====================================

Everything sencotrack holds on {pupil} at {school}, exported {generated_at} by {generated_by}.

subject-access.json holds all of it in one file, exactly as stored. The csv/ folder holds the same
tables as CSV files, to open in a spreadsheet; a file with only a header row means nothing of that
kind is held. A text cell that starts with = + - or @ is written with a leading apostrophe, so a
spreadsheet shows it as text instead of running it.

What each file holds:
{files}

This file holds special-category personal data: keep it safe and delete it when it has been sent.
"""


def _readme(data: dict[str, Any]) -> str:
    export = data["export"]
    files = []
    for name, about in export["about"].items():
        files.append(f"- csv/{name}.csv: {about}.")
    return README.format(
        pupil=f"{data['pupil']['forename']} {data['pupil']['surname']}",
        school=export["school"]["name"],
        generated_at=export["generated_at"],
        generated_by=export["generated_by"] or "sencotrack",
        files="\n".join(files),
    )


def subject_access_filename(pupil: Pupil, today: dt.date) -> str:
    """No name or UPN in the file name: download folders and logs keep file names."""
    return f"subject-access-{pupil.public_id}-{today:%Y-%m-%d}.zip"


def subject_access_zip(pupil: Pupil, *, generated_by=None, now: dt.datetime | None = None) -> bytes:
    """The ZIP: subject-access.json, README.txt and a CSV per table."""
    data = pupil_data(pupil, generated_by=generated_by, now=now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("subject-access.json", json.dumps(data, indent=2, ensure_ascii=False))
        archive.writestr("README.txt", _readme(data))
        archive.writestr("csv/pupil.csv", table_csv([data["pupil"]]))
        for name, value in data.items():
            if name in ("export", "pupil", "audit_history"):
                continue
            rows = [value] if isinstance(value, dict) else (value or [])
            archive.writestr(f"csv/{name}.csv", table_csv(rows))
        for name, rows in data.get("audit_history", {}).items():
            archive.writestr(f"csv/audit_history/{name}.csv", table_csv(rows))
    return buffer.getvalue()
