"""No lost updates: a save never writes over a change the person did not see.

An edit page carries the record's version (``version_of``), a page that adds a record the time it
was drawn (``loaded_at``). The service checks it after :func:`lock` and raises :class:`Conflict`,
writing nothing, when the record changed since. Imports and tasks pass no ``loaded``: the last
write wins there. See docs/editing-and-conflicts.md, "How the check works (for developers)".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.forms.utils import pretty_name
from django.utils import timezone
from django.utils.dateparse import parse_datetime

T = TypeVar("T")

#: The version of "no record here".
ABSENT = "none"
_HEX = set("0123456789abcdef")


# --- Versions ------------------------------------------------------------------------------------


def _stored_values(record: models.Model) -> list:
    """The record's key and stored values, less the timestamps Django stamps on every save."""
    values: list = [record.pk]
    for field in record._meta.concrete_fields:
        if field.primary_key or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        values.append([field.attname, getattr(record, field.attname)])
    return values


def version_of(record: models.Model | None, *, extra: Iterable[Any] = ()) -> str:
    """A short fingerprint of what ``record`` holds now; ``extra`` adds what lives beside it (staff, attendances).

    ``ABSENT`` for no record. Any change to a stored value gives another version; saving the same
    values again does not.
    """
    extra = list(extra)
    if record is None and not extra:
        return ABSENT
    parts = [_stored_values(record) if record is not None else None, extra]
    text = json.dumps(parts, default=str, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def version_of_all(records: Iterable[models.Model]) -> str:
    """The version of a set of records (a pupil's register entries): ``ABSENT`` when there are none."""
    records = sorted(records, key=lambda r: r.pk)
    if not records:
        return ABSENT
    return version_of(None, extra=[_stored_values(r) for r in records])


@dataclass(frozen=True)
class Loaded:
    """What a page was drawn from: a record's version, or the time it was drawn (see the module doc)."""

    version: str = ""
    at: dt.datetime | None = None

    @property
    def known(self) -> bool:
        return bool(self.version) or self.at is not None

    @classmethod
    def read(cls, version: str | None, loaded_at: str | None) -> Loaded:
        """From the hidden fields as posted; anything unreadable counts as not given."""
        version = (version or "").strip()
        if version != ABSENT and (len(version) != 16 or not set(version) <= _HEX):
            version = ""
        at = None
        try:
            at = parse_datetime((loaded_at or "").strip())
        except ValueError:
            pass
        if at is not None and timezone.is_naive(at):
            at = None
        return cls(version=version, at=at)


# --- Who changed it and when (read from the audit history) ---------------------------------------------


@dataclass(frozen=True)
class Change:
    """The latest change to a record: who made it, when, and whether it was created, changed or deleted."""

    who: str
    user_id: int | None
    at: dt.datetime
    action: str

    def when(self, today: dt.date | None = None) -> str:
        """ "10:42" today, else "10:42 on 12/05/2025" (local time)."""
        local = timezone.localtime(self.at)
        today = today or timezone.localdate()
        return f"{local:%H:%M}" if local.date() == today else f"{local:%H:%M} on {local:%d/%m/%Y}"


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
NOBODY = "an import or task (no signed-in person)"


def person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else NOBODY


def _change(row) -> Change:
    return Change(
        who=person(row.history_user), user_id=row.history_user_id, at=row.history_date,
        action=_ACTIONS.get(row.history_type, "changed"),
    )  # fmt: skip


def last_change(history: models.QuerySet) -> Change | None:
    """The newest row of a history queryset (``Model.history.filter(...)``) as a :class:`Change`; one query."""
    row = history.select_related("history_user").order_by("-history_date", "-history_id").first()
    return _change(row) if row is not None else None


def last_changes(history: models.QuerySet, *, key: str | Iterable[str]) -> dict[Any, Change]:
    """The newest change per record in a history queryset, in one query.

    Records are told apart by ``key``: a field (``pupil_id``) or several (a tuple of their values).
    """
    names = [key] if isinstance(key, str) else list(key)
    found: dict[Any, Change] = {}
    for row in history.select_related("history_user").order_by("-history_date", "-history_id"):
        values = tuple(getattr(row, name) for name in names)
        found.setdefault(values[0] if isinstance(key, str) else values, _change(row))
    return found


def people(changes: Iterable[Change | None]) -> str:
    """ "Jo Morgan at 10:42", or "Jo Morgan (10:42) and Sam Lee (10:45)": each person's latest change."""
    latest: dict[str, Change] = {}
    for change in changes:
        if change is not None and (change.who not in latest or change.at > latest[change.who].at):
            latest[change.who] = change
    named = sorted(latest.values(), key=lambda c: c.at)
    if not named:
        return "someone else"
    if len(named) == 1:
        return f"{named[0].who} at {named[0].when()}"
    parts = [f"{c.who} ({c.when()})" for c in named]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


# --- The check ---------------------------------------------------------------------------------------


class Conflict(ValidationError):
    """The record changed since the page was drawn, so nothing was saved.

    ``version`` is the record's version now (the page carries it next, for "Save mine anyway"),
    ``current`` the record as stored now (None if there is none) and ``change`` who last changed
    it and when (None when the history holds nothing, e.g. a record loaded by raw SQL).
    """

    def __init__(self, *, version: str, change: Change | None, current: Any = None):
        self.version, self.change, self.current = version, change, current
        if change is not None:
            text = f"{change.who} {change.action} this at {change.when()}, after you opened the page"
        else:
            text = "This was changed after you opened the page"
        super().__init__(f"{text}: nothing was saved.", code="conflict")


class Conflicts(ValidationError):
    """Rows of a save that changed since the page was drawn (``{row index: Conflict}``): nothing was saved."""

    def __init__(self, conflicts: Mapping[int, Conflict]):
        self.conflicts = dict(sorted(conflicts.items()))
        n = len(self.conflicts)
        super().__init__(f"{n} {'was' if n == 1 else 'were'} changed after you opened the page: nothing was saved.", code="conflict")


def check(
    loaded: Loaded | None, *, version: str, history: models.QuerySet, current: Any = None
) -> None:
    """Raise :class:`Conflict` when what is stored (``version`` now) is not what the page was drawn from.

    Call inside the writer's transaction, after :func:`lock`. ``history`` is the audit history of
    the record (or of the natural key it is matched on); it is read only when there is a conflict
    or when the page carries the time it was drawn rather than a version.
    """
    if loaded is None or not loaded.known or loaded.version == version:
        return
    if loaded.version:  # the page showed a record (or its absence): any other version is a change
        raise Conflict(version=version, change=last_change(history), current=current)
    # The page did not show the record: only a save after it was drawn is a conflict.
    if version == ABSENT:
        return
    change = last_change(history)
    if change is not None and change.at > loaded.at:
        raise Conflict(version=version, change=change, current=current)


def lock(model: type[models.Model], pks: Iterable[Any]) -> None:
    """Lock parent rows until the transaction ends, in key order (two writers never wait on each other).

    ``FOR NO KEY UPDATE`` rather than ``FOR UPDATE``: a writer that takes no lock (an import) checks
    its foreign keys against these rows when it commits (Django's constraints are deferred), with a
    share lock that ``FOR UPDATE`` would block while our insert waits for its row: a deadlock. This
    lock lets it commit, and our insert then fails on its row (see :func:`retry_lost_insert`).
    """
    pks = sorted(set(pks))
    if pks:
        rows = model._default_manager.select_for_update(no_key=True).filter(pk__in=pks).order_by("pk")
        list(rows.values_list("pk", flat=True))


def retry_lost_insert(write: Callable[[], T], *, attempts: int = 3) -> T:
    """Run ``write`` in a savepoint; again if an insert lost a unique-constraint race.

    Only a writer that takes no lock can win such a race (one holding :func:`lock` waits for us):
    its row is committed by the time the insert fails, so the next attempt reads it, and compares
    with it like any other change. Call inside the writer's transaction, after :func:`lock`.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return write()
        except IntegrityError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


# --- Forms -----------------------------------------------------------------------------------------------


def shown(field: forms.Field, value: Any) -> str:
    """A value as the person reads it on the form: choice labels, dd/mm/yyyy, yes/no, "—" for nothing."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        items = list(value or [])
        return ", ".join(field.label_from_instance(item) for item in items) or "—"
    if isinstance(field, forms.ModelChoiceField):
        return field.label_from_instance(value) if value is not None else "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(field, forms.ChoiceField):
        labels: dict[str, str] = {}
        for key, label in field.choices:
            if isinstance(label, (list, tuple)):
                labels.update({str(k): str(v) for k, v in label})
            else:
                labels[str(key)] = str(label)
        if isinstance(value, (list, tuple)):  # in the order the form lists them, whatever the order posted
            wanted = {str(v) for v in value}
            return ", ".join(label for key, label in labels.items() if key in wanted) or "—"
        return labels.get(str(value), str(value))
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


@dataclass(frozen=True)
class ConflictRow:
    label: str
    yours: str
    now: str


class VersionedForm(forms.Form):
    """A form on a shared record: carries what the page was drawn from, and shows a conflict.

    Give ``drawn_from`` (a version from :func:`version_of`) when the page shows a record; pages that
    add a record leave it out and carry only the time they were drawn. After a conflict call
    :meth:`show_conflict`: the form keeps what was typed and now carries the current version.
    ``templates/components/conflict.html`` draws the conflict; crispy renders the hidden fields
    (``render_hidden_fields``), hand-drawn forms render ``form.version`` and ``form.loaded_at``.
    """

    version = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    loaded_at = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, drawn_from: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = drawn_from
        self.fields["loaded_at"].initial = timezone.now().isoformat()
        self.conflict: Conflict | None = None
        self.conflict_rows: list[ConflictRow] = []
        self.conflict_now = ""  # what is there now, in words, when it is not one value per field

    @property
    def loaded(self) -> Loaded:
        return Loaded.read(self.data.get(self.add_prefix("version")), self.data.get(self.add_prefix("loaded_at")))

    def now_values(self, current: Any) -> dict[str, Any]:
        """The stored record in this form's terms (field name -> value); forms whose fields differ override it."""
        if current is None:
            return {}
        return {name: getattr(current, name) for name in self.fields if hasattr(current, name)}

    def show_conflict(self, conflict: Conflict, *, now: Mapping[str, Any] | None = None, described: str = "") -> None:
        """Keep what was typed; list the fields whose stored value (``now``, else :meth:`now_values`) differs.

        ``described`` replaces the field-by-field list where what is stored is not one value per
        field (a pupil's whole register, say).
        """
        self.conflict, self.conflict_now = conflict, described
        if not described:
            now = self.now_values(conflict.current) if now is None else now
            for name, field in self.fields.items():
                if isinstance(field.widget, forms.HiddenInput):
                    continue
                yours, theirs = shown(field, self.cleaned_data.get(name)), shown(field, now.get(name))
                if yours != theirs:
                    label = str(field.label or pretty_name(name))
                    self.conflict_rows.append(ConflictRow(label, yours, theirs))
        data = self.data.copy()
        data[self.add_prefix("version")] = conflict.version
        self.data = data
