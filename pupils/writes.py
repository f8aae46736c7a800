"""Write helpers shared by the services of every app: outcomes, row errors, bulk writes, deletes with history."""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import Case, Value, When
from django.db.models.functions import Cast
from django.db.models.deletion import Collector
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

from pupils import progress
from pupils.history import HISTORY_WRITTEN
from sencotrack import versions
from sencotrack.parsing import ParseError, parse_date

BULK_BATCH_SIZE = 500
#: bulk_write reports progress after each slice of this many rows (a whole number of batches).
_PROGRESS_SLICE = 10 * BULK_BATCH_SIZE


class Outcome(enum.StrEnum):
    """What a record service did with a row."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class RowsInvalid(ValidationError):
    """Some rows given to a ``*_many`` service are invalid; nothing was saved.

    ``row_errors`` maps each bad row's index in the input to its ValidationError (field errors
    where the problem belongs to one field).
    """

    def __init__(self, row_errors: Mapping[int, ValidationError]):
        self.row_errors: dict[int, ValidationError] = dict(sorted(row_errors.items()))
        super().__init__(
            [f"row {i + 1}: {'; '.join(error.messages)}" for i, error in self.row_errors.items()]
        )


def field_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def as_date(value: dt.date | str | None, field: str) -> dt.date | None:
    """A date, or text written YYYY-MM-DD or DD/MM/YYYY (forms and tasks may hand over either)."""
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return parse_date(value)
        except ParseError as exc:
            raise field_error(field, str(exc)) from None
    raise field_error(field, f"{value!r} is not a date")


def fmt_date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def snapshot(instance: models.Model, fields: Iterable[str]) -> tuple:
    return tuple(getattr(instance, name) for name in fields)


def clean_light(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Field validation without the per-row queries (unique, constraint and foreign-key checks).

    Callers guarantee what is skipped: rows are matched on their natural keys, related objects
    were fetched, and CHECK constraints were tested in Python with clearer messages.
    """
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def clean_full(instance: models.Model) -> None:
    """The whole of ``full_clean()``, skipping only foreign keys to objects not yet saved."""
    for field in instance._meta.concrete_fields:
        # A related object saved after it was assigned: copy its new id as save() would.
        if field.is_relation and field.name in instance._state.fields_cache and getattr(instance, field.attname) is None:
            related = instance._state.fields_cache[field.name]
            if related is not None and related.pk is not None:
                setattr(instance, field.attname, related.pk)
    unsaved = [
        field.name
        for field in instance._meta.concrete_fields
        if field.is_relation
        and field.name in instance._state.fields_cache
        and getattr(instance, field.name) is not None
        and getattr(instance, field.name).pk is None
    ]
    instance.full_clean(exclude=unsaved or None)


def save_planned(instances: Sequence[models.Model], *, thorough: bool) -> None:
    """Save instances in order; ``thorough`` runs the whole ``full_clean()`` just before each save."""
    for instance in instances:
        if thorough:
            clean_full(instance)
        instance.save()


def bulk_write(
    model: type[models.Model], *, new: list, changed: list, fields: Sequence[str], user: Any = None,
    reason: str | None = None,
) -> None:
    """Insert and update in batches. ``updated_at`` is stamped by hand: bulk_update skips save().

    Bulk writes send no signals, so for a model with an audit history (django-simple-history)
    the history rows are written here too, in the same transaction (the model's manager moves
    the school's data version on: ``sencotrack.versions``). They name ``user`` as the
    person who made the change, else the signed-in person of the request being served (the
    history middleware); a write from a command or task with neither names nobody. ``reason`` is
    the history's change reason, shown on the pupil's audit page ("Archived as a leaver").
    """
    audited = has_history(model)
    total, done = len(new) + len(changed), 0
    # In slices of whole batches, so that an import job's progress bar moves while they are written.
    for start in range(0, len(new), _PROGRESS_SLICE):
        part = new[start : start + _PROGRESS_SLICE]
        if audited:
            bulk_create_with_history(
                part, model, batch_size=BULK_BATCH_SIZE, default_user=user, default_change_reason=reason
            )
        else:
            model.objects.bulk_create(part, batch_size=BULK_BATCH_SIZE)
        done += len(part)
        progress.report(progress.SAVING, done, total)
    if changed:
        fields = list(fields)
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            now = timezone.now()
            for instance in changed:
                instance.updated_at = now
            fields.append("updated_at")
    for start in range(0, len(changed), _PROGRESS_SLICE):
        part = changed[start : start + _PROGRESS_SLICE]
        with transaction.atomic(using=router.db_for_write(model), savepoint=False):
            for batch in range(0, len(part), BULK_BATCH_SIZE):
                _update_rows(model, part[batch : batch + BULK_BATCH_SIZE], fields)
            if audited:
                get_history_manager_for_model(model).bulk_history_create(
                    part, batch_size=BULK_BATCH_SIZE, update=True, default_user=user, default_change_reason=reason
                )
        done += len(part)
        progress.report(progress.SAVING, done, total)


def _update_rows(model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """``bulk_update()`` in one UPDATE, with a WHEN per distinct value rather than per row and field.

    A grid save sets one result per pupil and the same person and time on every row: Django's
    CASE per row and field was half of its time (bench/RESULTS.md, 4 December 2026).
    """
    updates: dict[str, Any] = {}
    for name in fields:
        field = model._meta.get_field(name)
        by_value: dict[Any, list] = defaultdict(list)
        try:
            for row in rows:
                by_value[getattr(row, field.attname)].append(row.pk)
        except TypeError:  # an unhashable value (JSON): Django's own way
            model.objects.bulk_update(rows, fields)
            return
        if len(by_value) == 1:
            updates[field.attname] = Value(next(iter(by_value)), output_field=field)
        else:
            case = Case(*(When(pk__in=pks, then=Value(value, output_field=field)) for value, pks in by_value.items()),
                        output_field=field)  # fmt: skip
            updates[field.attname] = Cast(case, output_field=field) if _casts_case(model) else case
    model.objects.filter(pk__in=[row.pk for row in rows]).update(**updates)


def _casts_case(model: type[models.Model]) -> bool:
    return connections[router.db_for_write(model)].features.requires_casted_case_in_updates


def delete_with_history(model: type[models.Model], instances: Iterable[models.Model], *, user: Any = None) -> int:
    """Delete instances (and what cascades from them) with their audit history in a fixed number of queries.

    ``QuerySet.delete()`` on a model with a history records each row with its own insert (the
    post_delete signal) and can name only the signed-in person of a request. Here the "deleted"
    history rows are written in one bulk insert naming ``user`` (else the request's person), then
    the rows are deleted as ``delete()`` would, cascades included. Returns the number of
    ``model`` rows deleted.
    """
    instances = list(instances)
    if not instances:
        return 0
    if has_history(model):
        history = get_history_manager_for_model(model).model
        now = timezone.now()
        rows = []
        for instance in instances:
            rows.append(
                history(
                    history_date=now,
                    history_user=user if user is not None else history.get_default_history_user(instance),
                    history_type="-",
                    **{f.attname: getattr(instance, f.attname) for f in history.tracked_fields},
                )
            )
            setattr(instance, HISTORY_WRITTEN, True)
        history._default_manager.bulk_create(rows, batch_size=BULK_BATCH_SIZE)
    collector = Collector(using=router.db_for_write(model))
    collector.collect(instances)
    with versions.deleting():  # the cascade's rows find their schools in one query per kind of row
        _, deleted = collector.delete()
    return deleted.get(model._meta.label, 0)


def has_history(model: type[models.Model]) -> bool:
    """Whether ``model`` keeps an audit history (``history = HistoricalRecords()``)."""
    try:
        get_history_manager_for_model(model)
    except NotHistoricalModelError:
        return False
    return True


def save_named(record: models.Model, *, clash: str) -> None:
    """Save a record whose name must be unique; a name taken by a save at the same moment is
    ``clash`` on ``name``, not a 500 (the check before it cannot see an unfinished transaction)."""
    try:
        with transaction.atomic(using=router.db_for_write(type(record))):
            record.save()
    except IntegrityError:
        raise ValidationError({"name": clash}) from None


def single(many: Callable[..., list], **kwargs: Any):
    """Run a ``*_many`` service on one row and raise that row's own ValidationError."""
    try:
        return many(**kwargs)[0]
    except RowsInvalid as exc:
        raise next(iter(exc.row_errors.values())) from None


def merge_errors(errors: Sequence[ValidationError]) -> ValidationError:
    """One ValidationError holding every error of one row."""
    merged: dict[str, list] = defaultdict(list)
    for error in errors:
        if hasattr(error, "error_dict"):
            for field, items in error.error_dict.items():
                merged[field].extend(items)
        else:
            merged[NON_FIELD_ERRORS].extend(error.error_list)
    return ValidationError(dict(merged))
