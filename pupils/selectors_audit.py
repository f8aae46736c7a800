"""Reads for the SENCo's audit page of a pupil: every change to their records, and who viewed them.

Tracked models are found in the app registry, not imported (``pupils`` is the base app), so a
model given a history later appears here without a change. One query per tracked model and per
kind of related record, none per history row (``diff_against`` on rows already in memory).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from pupils.models import AccessEvent, Pupil
from pupils.writes import has_history

#: Newest changes shown on the page; older ones are counted, not drawn.
CHANGES_SHOWN = 500
ACCESS_SHOWN = 300

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}

#: Fields that name a record in a sentence, in the order they are read ("English, KS2, Summer 2022/23").
_NAMING_FIELDS = (
    "programme", "intervention", "subject", "key_stage", "kind", "measure", "instrument", "aspect",
    "statement", "test_name", "provision", "session", "start_date", "tested_on", "completed_on",
    "observed_on", "raised_on", "recorded_on", "date",
)  # fmt: skip
#: Never shown as a change: keys and bookkeeping of the history itself.
_HIDDEN_FIELDS = {"id", "pupil", "public_id"}


@dataclass
class FieldChange:
    field: str
    before: str
    after: str


@dataclass
class AuditEntry:
    at: dt.datetime
    who: str
    record_type: str
    record: str
    action: str  # created, changed or deleted
    changes: list[FieldChange] = field(default_factory=list)
    reason: str = ""


@dataclass
class PupilAudit:
    entries: list[AuditEntry]
    total: int
    access: list[AccessEvent]
    access_total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.entries)


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _pupil_fk(model: type[models.Model]) -> models.ForeignKey | None:
    for f in model._meta.concrete_fields:
        if isinstance(f, models.ForeignKey) and f.related_model is Pupil:
            return f
    return None


def tracked_models() -> list[tuple[type[models.Model], str, type[models.Model] | None]]:
    """(model, lookup to the pupil's key, parent model or None) for every tracked model of a pupil.

    The lookup is ``id`` for the pupil itself, the pupil foreign key's column (``pupil_id``) for a
    record of the pupil, or the parent foreign key's column (``enrolment_id``) for a record of one.
    Parents come before their children.
    """
    direct: list[tuple[type[models.Model], str, None]] = []
    for model in apps.get_models():
        if not has_history(model):
            continue
        if model is Pupil:
            direct.insert(0, (model, "id", None))
        elif (fk := _pupil_fk(model)) is not None:
            direct.append((model, fk.attname, None))
    parents = {model for model, _, _ in direct if model is not Pupil}
    children = []
    for model in apps.get_models():
        if not has_history(model) or any(model is m for m, _, _ in direct):
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model in parents:
                children.append((model, f.attname, f.related_model))
                break
    return direct + children


def _plain(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if timezone.is_aware(value) else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, (dict, list)):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else ", ".join(map(str, value))
    return str(value)


class _Labels:
    """Names of the records that foreign keys point at, fetched once per related model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set] = defaultdict(set)
        self.names: dict[tuple[type[models.Model], Any], str] = {}

    def want(self, related: type[models.Model], pk: Any) -> None:
        if pk is not None and related is not Pupil:
            self.wanted[related].add(pk)

    def fetch(self) -> None:
        user_model = get_user_model()
        for related, pks in self.wanted.items():
            rows = related._default_manager.filter(pk__in=pks)
            joins = [f.name for f in related._meta.concrete_fields if isinstance(f, models.ForeignKey)]
            if joins and related is not user_model:
                rows = rows.select_related(*joins)
            for obj in rows:
                self.names[(related, obj.pk)] = _person(obj) if related is user_model else str(obj)

    def name(self, related: type[models.Model], pk: Any) -> str:
        if pk is None:
            return "–"
        return self.names.get((related, pk), f"#{pk} (since deleted)")


def _fields(model: type[models.Model]) -> dict[str, models.Field]:
    """The model's editable fields by name (what ``diff_against`` compares), less keys."""
    return {
        f.name: f
        for f in model._meta.concrete_fields
        if f.editable and f.name not in _HIDDEN_FIELDS and not f.primary_key
    }


def _value(f: models.Field, record, labels: _Labels) -> str:
    raw = getattr(record, f.attname)
    if isinstance(f, models.ForeignKey):
        return labels.name(f.related_model, raw)
    if f.choices and raw not in (None, ""):
        return str(dict(f.flatchoices).get(raw, raw))
    return _plain(raw)


def _describe(model: type[models.Model], record, labels: _Labels, pupil: Pupil) -> str:
    if model is Pupil:
        return f"{record.forename} {record.surname} ({record.upn})"
    fields = _fields(model)
    parts = [_value(fields[name], record, labels) for name in _NAMING_FIELDS if name in fields]
    if "academic_year" in fields and "term" in fields:
        year = getattr(record, "academic_year")
        parts.append(f"{_value(fields['term'], record, labels)} {year}/{(year + 1) % 100:02d}")
    elif "academic_year" in fields:
        year = getattr(record, "academic_year")
        parts.append(f"{year}/{(year + 1) % 100:02d}")
    return ", ".join(p for p in parts if p and p != "–")


def pupil_audit(pupil: Pupil, *, limit: int = CHANGES_SHOWN, access_limit: int = ACCESS_SHOWN) -> PupilAudit:
    """Every change to ``pupil`` and their records, newest first, with before and after of each field."""
    histories: list[tuple[type[models.Model], list]] = []
    ids_of: dict[type[models.Model], set] = defaultdict(set)
    labels = _Labels()
    for model, lookup, parent in tracked_models():
        history = model.history.model._default_manager.select_related("history_user")
        if parent is None:
            rows = history.filter(**{lookup: pupil.pk})
        else:
            if not ids_of[parent]:
                continue
            rows = history.filter(**{f"{lookup}__in": sorted(ids_of[parent])})
        rows = list(rows.order_by("id", "history_date", "history_id"))
        histories.append((model, rows))
        for record in rows:
            ids_of[model].add(record.id)
            for f in _fields(model).values():
                if isinstance(f, models.ForeignKey):
                    labels.want(f.related_model, getattr(record, f.attname))
    labels.fetch()

    entries: list[AuditEntry] = []
    for model, rows in histories:
        fields = _fields(model)
        previous: dict[Any, Any] = {}
        for record in rows:
            before = previous.get(record.id)
            previous[record.id] = record
            action = ACTIONS.get(record.history_type, record.history_type)
            if record.history_type == "~" and before is not None:
                delta = record.diff_against(before, included_fields=list(fields))
                changes = [
                    FieldChange(
                        str(fields[c.field].verbose_name),
                        _value(fields[c.field], before, labels),
                        _value(fields[c.field], record, labels),
                    )
                    for c in delta.changes
                ]
                if not changes:
                    continue  # saved with nothing changed: nothing to show
            elif record.history_type == "-":
                changes = [
                    FieldChange(str(f.verbose_name), _value(f, record, labels), "–")
                    for f in fields.values()
                    if _value(f, record, labels) != "–"
                ]
            else:  # created (or a change whose earlier rows were lost): every value it was given
                changes = [
                    FieldChange(str(f.verbose_name), "–", _value(f, record, labels))
                    for f in fields.values()
                    if _value(f, record, labels) != "–"
                ]
            entries.append(
                AuditEntry(
                    at=record.history_date,
                    who=_person(record.history_user) or "the system (an import or task with no signed-in person)",
                    record_type=str(model._meta.verbose_name).capitalize(),
                    record=_describe(model, record, labels, pupil),
                    action=action,
                    changes=changes,
                    reason=record.history_change_reason or "",
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)

    access = AccessEvent.objects.filter(pupil=pupil).select_related("user").order_by("-at", "-pk")
    access_rows = list(access[: access_limit + 1])
    return PupilAudit(
        entries=entries[:limit],
        total=len(entries),
        access=access_rows[:access_limit],
        access_total=len(access_rows) if len(access_rows) <= access_limit else access.count(),
    )

