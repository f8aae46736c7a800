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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import QuerySet
from django.db.models.deletion import Collector
from django.utils import timezone

from pupils.hooks import CopyRemoved, PurgedPupil, run_retention_steps
from pupils.models import Pupil, School
from pupils.writes import bulk_write
from sencotrack import versions

logger = logging.getLogger(__name__)


# --- Archiving ---------------------------------------------------------------------------------

#: The audit history keeps a reason of at most this many characters (django-simple-history's field).
REASON_MAX = 100
ARCHIVE_REASON = "Archived as a leaver"
UNARCHIVE_REASON = "Put back on roll"


def _reason(given: str, default: str) -> str:
    text = " ".join((given or "").split())
    return (f"{default}: {text}" if text else default)[:REASON_MAX]


def _locked(pupils: Sequence[Pupil]) -> dict[Any, Pupil]:
    """The pupils' rows as they are now, locked until the transaction ends (two SENCos, or the page
    and ``archive_leavers``, acting at once: the second sees the first's change)."""
    rows = Pupil.objects.select_for_update().filter(pk__in=[p.pk for p in pupils]).only("archived_at", "leaving_date")
    return {row.pk: row for row in rows}


@transaction.atomic
def pupils_archive(
    *, pupils: Sequence[Pupil], archived_by: Any = None, reason: str = "", leaving_date: dt.date | None = None,
) -> list[Pupil]:
    """Take leavers off the daily pages, keeping every record for reporting: the one write path of
    the archive page (one pupil) and ``archive_leavers`` (many).

    A pupil archived without a leaving date gets ``leaving_date`` (default today), so the retention
    period has a day to count from; a leaving date already recorded is kept. Each pupil's audit
    history gets a row naming ``archived_by`` (else the signed-in person of the request, else
    nobody: a command) with ``reason`` after "Archived as a leaver". Nothing is saved, and the
    instances are left as they were, if any pupil is already archived or would leave before
    they were admitted.
    """
    pupils = list(pupils)
    now_rows = _locked(pupils)
    errors = []
    leaving = {}
    for pupil in pupils:
        row = now_rows.get(pupil.pk)
        if row is None or row.archived_at is not None:
            errors.append(ValidationError(f"{pupil.full_name} is already archived."))
            continue
        day = row.leaving_date or leaving_date or timezone.localdate()
        if pupil.admission_date is not None and day < pupil.admission_date:
            errors.append(ValidationError({"leaving_date": (
                f"{pupil.full_name} was admitted on {pupil.admission_date:%d/%m/%Y}: "
                "the leaving date cannot be before that."
            )}))
        leaving[pupil.pk] = day
    if errors:
        raise ValidationError(errors) if len(errors) > 1 else errors[0]
    now = timezone.now()
    for pupil in pupils:
        pupil.archived_at, pupil.leaving_date = now, leaving[pupil.pk]
    bulk_write(Pupil, new=[], changed=pupils, fields=["archived_at", "leaving_date"], user=archived_by,
               reason=_reason(reason, ARCHIVE_REASON))
    logger.info("Archived %s pupils (by %s)", len(pupils), getattr(archived_by, "pk", None))
    return pupils


@transaction.atomic
def pupils_unarchive(*, pupils: Sequence[Pupil], unarchived_by: Any = None, reason: str = "") -> list[Pupil]:
    """Put pupils back on roll (archived by mistake, or returned): clears the leaving date too, or
    ``archive_leavers`` would archive them again. Written to the audit history as archiving is."""
    pupils = list(pupils)
    now_rows = _locked(pupils)
    not_archived = [p for p in pupils if now_rows.get(p.pk) is None or now_rows[p.pk].archived_at is None]
    if not_archived:
        raise ValidationError([ValidationError(f"{p.full_name} is not archived.") for p in not_archived])
    for pupil in pupils:
        pupil.archived_at, pupil.leaving_date = None, None
    bulk_write(Pupil, new=[], changed=pupils, fields=["archived_at", "leaving_date"], user=unarchived_by,
               reason=_reason(reason, UNARCHIVE_REASON))
    logger.info("Put %s pupils back on roll (by %s)", len(pupils), getattr(unarchived_by, "pk", None))
    return pupils


def pupil_archive(
    *, pupil: Pupil, archived_by: Any = None, leaving_date: dt.date | None = None, reason: str = ""
) -> Pupil:
    """Archive one pupil (the archive page): :func:`pupils_archive` of one."""
    return pupils_archive(pupils=[pupil], archived_by=archived_by, leaving_date=leaving_date, reason=reason)[0]


def pupil_unarchive(*, pupil: Pupil, unarchived_by: Any = None, reason: str = "") -> Pupil:
    """Put one pupil back on roll (the unarchive page): :func:`pupils_unarchive` of one."""
    return pupils_unarchive(pupils=[pupil], unarchived_by=unarchived_by, reason=reason)[0]


def leavers_to_archive(*, today: dt.date, school: School | None = None) -> QuerySet[Pupil]:
    """Pupils on roll whose leaving date has passed (a pupil leaving today is still on roll today)."""
    pupils = Pupil.objects.current().filter(leaving_date__lt=today)
    if school is not None:
        pupils = pupils.filter(school=school)
    return pupils.select_related("school").order_by("school__code", "leaving_date", "pk")


LEAVERS_REASON = "leaving date passed (manage.py archive_leavers)"


@transaction.atomic
def pupils_archive_leavers(*, today: dt.date, school: School | None = None, archived_by: Any = None) -> list[Pupil]:
    """Archive every pupil whose leaving date has passed, through :func:`pupils_archive`. Returns them."""
    pupils = list(leavers_to_archive(today=today, school=school).select_for_update(of=("self",)))
    if pupils:
        pupils_archive(pupils=pupils, archived_by=archived_by, reason=LEAVERS_REASON)
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
    pupils: list[PurgedPupil] = field(default_factory=list)

    @property
    def pupil_ids(self) -> list[str]:
        """Public ids, for listings: no UPNs or names."""
        return [p.public_id for p in self.pupils]

    @property
    def count(self) -> int:
        return len(self.pupils)


@dataclass
class RetentionPlan:
    today: dt.date
    schools: list[SchoolRetention]
    #: What goes with the pupils, by model label ("pupils.Pupil": 2, "assessments.Assessment": 31, ...).
    deleted: dict[str, int] = field(default_factory=dict)
    #: Copies of the pupils held elsewhere (stored report runs and their files), removed with them.
    copies: list[CopyRemoved] = field(default_factory=list)
    applied: bool = False

    @property
    def pupils(self) -> int:
        return sum(s.count for s in self.schools)

    @property
    def purged(self) -> list[PurgedPupil]:
        return [p for s in self.schools for p in s.pupils]


def _past_retention(today: dt.date, schools: list[School]) -> tuple[list[SchoolRetention], QuerySet[Pupil]]:
    plans, pks = [], []
    for school in schools:
        cutoff = retention_cutoff(school, today)
        rows = list(
            Pupil.objects.filter(school=school, leaving_date__isnull=False, leaving_date__lt=cutoff)
            .order_by("leaving_date", "pk")
            .values_list("pk", "public_id", "upn")
        )
        pupils = [
            PurgedPupil(pk=pk, public_id=str(public_id), upn=upn, school_id=school.pk) for pk, public_id, upn in rows
        ]
        plans.append(SchoolRetention(school=school, cutoff=cutoff, pupils=pupils))
        pks += [p.pk for p in pupils]
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
    for label, rows in _history_rows(gone):
        if number := rows.count():
            counts[label] += number
    return dict(sorted(counts.items()))


def retention_plan(*, today: dt.date, school: School | None = None) -> RetentionPlan:
    """Who is past their school's retention period, and what purging them would delete or change."""
    schools = [school] if school is not None else list(School.objects.order_by("code"))
    plans, pupils = _past_retention(today, schools)
    plan = RetentionPlan(today=today, schools=plans)
    if plan.pupils:
        plan.deleted = deletion_counts(pupils)
        plan.copies = run_retention_steps(plan.purged, today=today, apply=False)
    return plan


@transaction.atomic
def retention_purge(*, today: dt.date, school: School | None = None) -> RetentionPlan:
    """Delete every pupil past the retention period and everything held on them, in one transaction.

    The pupils are locked and then chosen again, so a leaver put back on roll at the same moment is
    either purged before the change or kept after it, never half deleted. Their audit history
    (when the models keep one) is purged with them: a history row is a copy of the record. Then, in
    the same transaction, the apps holding other copies of them remove theirs (``pupils.hooks``:
    the stored report runs and their files).
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
        with versions.deleting():  # thousands of cascaded rows: their schools in one query per kind of row
            deleted.update(collector.delete()[1])
        deleted.update(_purge_history(gone))
    plan = RetentionPlan(today=today, schools=plans, deleted=dict(sorted((k, v) for k, v in deleted.items() if v)), applied=True)
    if plan.pupils:
        plan.copies = run_retention_steps(plan.purged, today=today, apply=True)
    logger.warning("Retention purge on %s deleted %s and changed %s stored copies", today.isoformat(), plan.deleted,
                   len(plan.copies))
    return plan


def history_model(model: type) -> type | None:
    """The audit-history model of ``model`` (django-simple-history), or None when it keeps none."""
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, manager).model if manager else None


def _history_rows(gone: dict[type, list]) -> list[tuple[str, QuerySet]]:
    """The audit history of what is purged, which would otherwise keep a copy of it.

    For each purged model that keeps history: the history of the purged rows, and any history row
    still pointing at a purged row (rows deleted earlier, such as a withdrawn comment, or an
    attendance taken off a session, which points at a purged enrolment).
    """
    found = []
    for model, pks in gone.items():
        history = history_model(model)
        if history is None:
            continue
        rows = history._default_manager.filter(**{f"{model._meta.pk.attname}__in": pks})
        for f in history._meta.concrete_fields:
            if f.is_relation and f.related_model in gone and f.name != "history_user":
                rows = rows | history._default_manager.filter(**{f"{f.attname}__in": gone[f.related_model]})
        found.append((history._meta.label, rows))
    return found


def _purge_history(gone: dict[type, list]) -> Counter[str]:
    """Delete that history, including the "deleted" rows the purge itself has just written."""
    removed: Counter[str] = Counter()
    for label, rows in _history_rows(gone):
        removed[label] += rows.delete()[0]
    return removed
