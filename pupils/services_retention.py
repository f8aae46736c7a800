"""Data protection writes: archiving leavers and purging records past the retention period.

SEN records are special-category personal data (UK GDPR). A pupil who leaves is *archived*:
hidden from the daily pages (``Pupil.objects.current()``) but kept for reporting. Once the
school's retention period (``School.retention_years``, counted from the leaving date) has passed,
the ``retention`` command purges the pupil and everything held on them. A pupil with no leaving
date is never purged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import QuerySet
from django.db.models.deletion import Collector
from django.utils import timezone

from pupils.models import Pupil, School
from sencotrack import versions

logger = logging.getLogger(__name__)


# --- Archiving ---------------------------------------------------------------------------------


def _change(pupil: Pupil, **values: Any) -> None:
    """Set, validate and save ``values``; on a ValidationError the instance is left as it was."""
    before = {name: getattr(pupil, name) for name in values}
    for name, value in values.items():
        setattr(pupil, name, value)
    try:
        pupil.full_clean()
    except ValidationError:
        for name, value in before.items():
            setattr(pupil, name, value)
        raise
    pupil.save(update_fields=[*values, "updated_at"])


def pupil_archive(*, pupil: Pupil, archived_by: Any = None, leaving_date: dt.date | None = None) -> Pupil:
    """Take a leaver off the daily pages, keeping every record for reporting.

    A pupil archived without a leaving date gets ``leaving_date`` (default today), so the retention
    period has a day to count from. A leaving date already recorded is kept.
    """
    if pupil.archived_at is not None:
        raise ValidationError(f"{pupil.full_name} is already archived.")
    _change(pupil, archived_at=timezone.now(), leaving_date=pupil.leaving_date or leaving_date or timezone.localdate())
    logger.info("Pupil %s archived by %s", pupil.public_id, getattr(archived_by, "pk", None))
    return pupil


def pupil_unarchive(*, pupil: Pupil, unarchived_by: Any = None) -> Pupil:
    """Put a pupil back on roll (archived by mistake, or returned): clears the leaving date too,
    or ``archive_leavers`` would archive them again."""
    if pupil.archived_at is None:
        raise ValidationError(f"{pupil.full_name} is not archived.")
    _change(pupil, archived_at=None, leaving_date=None)
    logger.info("Pupil %s put back on roll by %s", pupil.public_id, getattr(unarchived_by, "pk", None))
    return pupil


def leavers_to_archive(*, today: dt.date, school: School | None = None) -> QuerySet[Pupil]:
    """Pupils on roll whose leaving date has passed (a pupil leaving today is still on roll today)."""
    pupils = Pupil.objects.current().filter(leaving_date__lt=today)
    if school is not None:
        pupils = pupils.filter(school=school)
    return pupils.select_related("school").order_by("school__code", "leaving_date", "pk")


@transaction.atomic
def pupils_archive_leavers(*, today: dt.date, school: School | None = None) -> list[Pupil]:
    """Archive every pupil whose leaving date has passed, in one update. Returns them."""
    pupils = list(leavers_to_archive(today=today, school=school).select_for_update(of=("self",)))
    if pupils:
        now = timezone.now()
        Pupil.objects.filter(pk__in=[p.pk for p in pupils], archived_at__isnull=True).update(archived_at=now, updated_at=now)
        for pupil in pupils:
            pupil.archived_at = now
    return pupils


# --- Retention ---------------------------------------------------------------------------------


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def retention_cutoff(school: School, today: dt.date) -> dt.date:
    """Pupils who left before this day are past ``school``'s retention period on ``today``.

    Kept for ``retention_years`` whole years after the leaving date: a pupil who left on
    20 July 2000 at a school keeping records 25 years is kept until 20 July 2025 and purged from
    21 July 2025 (the cut-off on that day is 21 July 2000, and 20 July 2000 is before it).
    """
    return years_before(today, school.retention_years)


@dataclass
class SchoolRetention:
    school: School
    cutoff: dt.date
    pupil_ids: list[str] = field(default_factory=list)  # public ids: no UPNs or names

    @property
    def count(self) -> int:
        return len(self.pupil_ids)


@dataclass
class RetentionPlan:
    today: dt.date
    schools: list[SchoolRetention]
    #: What goes with the pupils, by model label ("pupils.Pupil": 2, "assessments.Assessment": 31, ...).
    deleted: dict[str, int] = field(default_factory=dict)
    applied: bool = False

    @property
    def pupils(self) -> int:
        return sum(s.count for s in self.schools)


def _past_retention(today: dt.date, schools: list[School]) -> tuple[list[SchoolRetention], QuerySet[Pupil]]:
    plans, pks = [], []
    for school in schools:
        cutoff = retention_cutoff(school, today)
        rows = list(
            Pupil.objects.filter(school=school, leaving_date__isnull=False, leaving_date__lt=cutoff)
            .order_by("leaving_date", "pk")
            .values_list("pk", "public_id")
        )
        plans.append(SchoolRetention(school=school, cutoff=cutoff, pupil_ids=[str(public_id) for _, public_id in rows]))
        pks += [pk for pk, _ in rows]
    return plans, Pupil.objects.filter(pk__in=pks)


def deletion_counts(queryset: QuerySet) -> dict[str, int]:
    """What purging ``queryset`` would delete, by model label, cascades and audit history included;
    deletes nothing."""
    collector = Collector(using=router.db_for_write(queryset.model), origin=queryset)
    collector.collect(queryset)
    counts: Counter[str] = Counter()
    for model, instances in collector.data.items():
        counts[model._meta.label] += len(instances)
    for fast in collector.fast_deletes:
        if number := fast.count():
            counts[fast.model._meta.label] += number
    gone = {model: [obj.pk for obj in objs] for model, objs in collector.data.items()}
    for label, rows in _history_rows(gone, gone.get(queryset.model, [])):
        if number := rows.count():
            counts[label] += number
    return dict(sorted(counts.items()))


def retention_plan(*, today: dt.date, school: School | None = None) -> RetentionPlan:
    """Who is past their school's retention period, and what purging them would delete."""
    schools = [school] if school is not None else list(School.objects.order_by("code"))
    plans, pupils = _past_retention(today, schools)
    deleted = deletion_counts(pupils) if any(p.count for p in plans) else {}
    return RetentionPlan(today=today, schools=plans, deleted=deleted)


@transaction.atomic
def retention_purge(*, today: dt.date, school: School | None = None) -> RetentionPlan:
    """Delete every pupil past the retention period and everything held on them, in one transaction.

    The pupils are locked and then chosen again, so a leaver put back on roll at the same moment is
    either purged before the change or kept after it, never half deleted. Their audit history
    (when the models keep one) is purged with them: a history row is a copy of the record.
    """
    schools = [school] if school is not None else list(School.objects.order_by("code"))
    _, candidates = _past_retention(today, schools)
    list(candidates.select_for_update().values_list("pk", flat=True))
    plans, pupils = _past_retention(today, schools)  # again, now that the rows are locked
    deleted: Counter[str] = Counter()
    if any(p.count for p in plans):
        collector = Collector(using=router.db_for_write(Pupil), origin=pupils)
        collector.collect(pupils)
        gone = {model: [obj.pk for obj in objs] for model, objs in collector.data.items()}
        pupil_pks = gone.get(Pupil, [])
        with versions.deleting():  # thousands of cascaded rows: their schools in one query per kind of row
            deleted.update(collector.delete()[1])
        deleted.update(_purge_history(gone, pupil_pks))
    plan = RetentionPlan(today=today, schools=plans, deleted=dict(sorted((k, v) for k, v in deleted.items() if v)), applied=True)
    logger.warning("Retention purge on %s deleted %s", today.isoformat(), plan.deleted)
    return plan


def history_model(model: type) -> type | None:
    """The audit-history model of ``model`` (django-simple-history), or None when it keeps none."""
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, manager).model if manager else None


def _history_rows(gone: dict[type, list], pupil_pks: list) -> list[tuple[str, QuerySet]]:
    """The audit history of what is purged, which would otherwise keep a copy of it.

    For each purged model that keeps history: the history of the purged rows, and any history row
    still naming a purged pupil (rows deleted earlier, such as a withdrawn comment).
    """
    found = []
    for model, pks in gone.items():
        history = history_model(model)
        if history is None:
            continue
        rows = history._default_manager.filter(**{f"{model._meta.pk.attname}__in": pks})
        if model is not Pupil and "pupil_id" in {f.attname for f in history._meta.concrete_fields}:
            rows = rows | history._default_manager.filter(pupil_id__in=pupil_pks)
        found.append((history._meta.label, rows))
    return found


def _purge_history(gone: dict[type, list], pupil_pks: list) -> Counter[str]:
    """Delete that history, including the "deleted" rows the purge itself has just written."""
    removed: Counter[str] = Counter()
    for label, rows in _history_rows(gone, pupil_pks):
        removed[label] += rows.delete()[0]
    return removed
