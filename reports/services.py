"""Writes for report runs: request, execute (claimed, idempotent), and the termly schedule's claim.

A run is executed at most once to completion: a worker claims it by bumping ``attempts``, writes
progress only while its attempt is current, and stores its result with a conditional update. A
redelivered task (``acks_late`` after a worker died) claims again and finishes the job; a run
already done is left alone.
"""

from __future__ import annotations

import logging
import traceback
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from assessments.terms import last_ended_term, term_dates
from pupils.models import School
from reports.models import ReportKind, ReportRun, ReportSchedule, RunStatus

logger = logging.getLogger(__name__)


def _enqueue(run: ReportRun) -> None:
    from reports.tasks import build_report_run  # tasks import services: keep the edge one way at import time

    def send() -> None:
        try:
            build_report_run.apply_async(args=[run.pk])
        except Exception as exc:  # broker down: the run stays queued and the sweeper sends it again
            logger.warning("Could not queue report run %s: %s", run.pk, exc)
            ReportRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
                progress_note="Waiting for the report service: it will start when the queue is back."
            )

    transaction.on_commit(send)


def report_run_request(
    *, school: School, kind: str, parameters: dict, requested_by=None, dedupe_key: str | None = None
) -> ReportRun:
    run = ReportRun(school=school, kind=kind, parameters=parameters, requested_by=requested_by, dedupe_key=dedupe_key)
    run.full_clean()
    run.save()
    _enqueue(run)
    return run


def _update_current(run_id: int, attempt: int, **fields) -> int:
    return ReportRun.objects.filter(pk=run_id, attempts=attempt, status=RunStatus.RUNNING).update(**fields)


def report_run_execute(run_id: int, *, worker: str = "") -> str:
    """Claim and build a run; returns its final status (or the status that made it skip)."""
    claimed = ReportRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now(), worker=worker[:200],
        progress=0, progress_note="Starting",
    )
    run = ReportRun.objects.select_related("school").filter(pk=run_id).first()
    if run is None:
        return "missing"
    if not claimed:
        return run.status
    attempt = run.attempts

    def progress(percent: int, note: str) -> None:
        _update_current(run_id, attempt, progress=max(0, min(99, int(percent))), progress_note=note[:200])

    try:
        result, files = _build(run, progress)
    except Exception as exc:
        _update_current(
            run_id, attempt, status=RunStatus.FAILED, finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc()[-4000:]}",
            progress_note="Failed",
        )
        raise
    with transaction.atomic():
        done = _update_current(
            run_id, attempt, status=RunStatus.DONE, result=result, progress=100, progress_note="Done",
            finished_at=timezone.now(), error="",
        )
        if done and files:
            fresh = ReportRun.objects.select_for_update().get(pk=run_id)
            for field_name, (filename, content) in files.items():
                getattr(fresh, field_name).save(filename, content, save=False)
            fresh.save(update_fields=list(files))
    return RunStatus.DONE if done else ReportRun.objects.get(pk=run_id).status


def _build(run: ReportRun, progress) -> tuple[dict, dict]:
    from reports import generators, packs

    params = run.parameters
    if run.kind == ReportKind.TERMLY_PACK:
        return packs.build_pack(school=run.school, academic_year=params["academic_year"], term=params["term"],
                                governor=bool(params.get("governor")), progress=progress)
    ctx = generators.context_for(
        school=run.school, academic_year=params["academic_year"], term=params["term"],
        subject=params.get("subject") or None, governor=bool(params.get("governor")), progress=progress,
    )
    report = generators.build(run.kind, ctx)
    return report.to_dict(), {}


def report_runs_requeue_stale(*, older_than: timedelta | None = None) -> int:
    """Send again runs left queued (broker was down) or running on a worker that died."""
    older_than = older_than or timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    cutoff = timezone.now() - older_than
    queued = ReportRun.objects.filter(status=RunStatus.QUEUED, created_at__lt=timezone.now() - timedelta(minutes=2))
    running = ReportRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=cutoff)
    stale = list(queued.values_list("pk", flat=True)) + list(running.values_list("pk", flat=True))
    for pk in stale:
        _enqueue(ReportRun(pk=pk))
    return len(stale)


def termly_packs_queue_due(*, today: date | None = None) -> list[ReportRun]:
    """Queue the pack of every school whose term has ended, once per school and term.

    The schedule row is claimed with a conditional update and the run carries a unique
    ``dedupe_key``, so two beats, or a retry, never build the same pack twice.
    """
    today = today or timezone.localdate()
    queued = []
    for schedule in ReportSchedule.objects.filter(enabled=True).select_related("school"):
        year, term = last_ended_term(schedule.school, today)
        _, end = term_dates(schedule.school, year, term)
        if today < end + timedelta(days=1 + schedule.days_after_term_end):
            continue
        key = f"{year}:{term}"
        claimed = ReportSchedule.objects.filter(pk=schedule.pk).exclude(last_built_term=key).update(last_built_term=key)
        if not claimed:
            continue
        try:
            with transaction.atomic():
                run = report_run_request(
                    school=schedule.school, kind=ReportKind.TERMLY_PACK,
                    parameters={"academic_year": year, "term": term},
                    dedupe_key=f"{schedule.school.code}:{key}:pack",
                )
        except (IntegrityError, ValidationError):  # this school and term already has its pack
            continue
        queued.append(run)
    return queued
