"""Writes for report runs: request, execute (claimed, idempotent), and the termly schedule's claim.

A run is executed at most once to completion: a worker claims it by bumping ``attempts``, writes
progress only while its attempt is current, and stores its result with a conditional update. A
redelivered task (``acks_late`` after a worker died) claims again and finishes the job; a run
already done is left alone.

The termly schedule queues the packs that fall due for one term in batches of a few schools, one
task each: the batch's reports are computed together (each table read once for the batch), while
every run is still claimed, stored or failed on its own. A retry or the stale-run sweeper sends a
run on its own again, through the one-run path.
"""

from __future__ import annotations

import logging
import traceback
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from assessments.terms import last_ended_term, term_dates
from pupils.models import School
from reports.models import ReportKind, ReportRun, ReportSchedule, RunStatus
from sencotrack import versions

logger = logging.getLogger(__name__)

#: Packs due for one term are built together in batches of this many schools. Computed together
#: their reports take well under a second per school, but each PDF takes a minute or more for a large
#: school (bench/RESULTS.md), so a batch stays well inside the task time limit and batches still
#: spread over the workers.
PACKS_PER_TASK = 5
WAITING_NOTE = "Waiting for the report service: it will start when the queue is back."


def _enqueue(run: ReportRun) -> None:
    from reports.tasks import build_report_run  # tasks import services: keep the edge one way at import time

    def send() -> None:
        try:
            build_report_run.apply_async(args=[run.pk])
        except Exception as exc:  # broker down: the run stays queued and the sweeper sends it again
            logger.warning("Could not queue report run %s: %s", run.pk, exc)
            ReportRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(progress_note=WAITING_NOTE)

    transaction.on_commit(send)


def _enqueue_together(runs: list[ReportRun]) -> None:
    """Send several runs as one task (packs of one term computed together); one alone goes alone."""
    if len(runs) == 1:
        _enqueue(runs[0])
        return
    from reports.tasks import build_report_runs_together

    ids = [run.pk for run in runs]

    def send() -> None:
        try:
            build_report_runs_together.apply_async(args=[ids])
        except Exception as exc:  # broker down: the runs stay queued and the sweeper sends each again
            logger.warning("Could not queue report runs %s: %s", ids, exc)
            ReportRun.objects.filter(pk__in=ids, status=RunStatus.QUEUED).update(progress_note=WAITING_NOTE)

    transaction.on_commit(send)


def report_run_request(
    *, school: School, kind: str, parameters: dict, requested_by=None, dedupe_key: str | None = None,
    enqueue: bool = True,
) -> ReportRun:
    """Save a run and send it to a worker when the transaction commits (``enqueue=False``: the
    caller sends it, with others)."""
    run = ReportRun(school=school, kind=kind, parameters=parameters, requested_by=requested_by, dedupe_key=dedupe_key)
    run.full_clean()
    run.save()
    if enqueue:
        _enqueue(run)
    return run


def _update_current(run_id: int, attempt: int, **fields) -> int:
    return ReportRun.objects.filter(pk=run_id, attempts=attempt, status=RunStatus.RUNNING).update(**fields)


def _claim(run_id: int, worker: str) -> tuple[ReportRun | None, str]:
    """Claim a run for this attempt: (the run, running), or (None, the status that made it skip)."""
    claimed = ReportRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now(), worker=worker[:200],
        progress=0, progress_note="Starting",
    )
    run = ReportRun.objects.select_related("school").filter(pk=run_id).first()
    if run is None:
        return None, "missing"
    if not claimed:
        return None, run.status
    return run, RunStatus.RUNNING


def _progress_of(run: ReportRun):
    def progress(percent: int, note: str) -> None:
        _update_current(run.pk, run.attempts, progress=max(0, min(99, int(percent))), progress_note=note[:200])

    return progress


def _complete(run: ReportRun, build) -> str:
    """Build a claimed run with ``build(progress)`` and store what it returns while its attempt is current."""
    run_id, attempt = run.pk, run.attempts
    try:
        result, files = build(_progress_of(run))
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
        if done:  # the dashboards read stored runs: a new one moves the school's cached pages on
            versions.bump([run.school_id])
    return RunStatus.DONE if done else ReportRun.objects.get(pk=run_id).status


def report_run_execute(run_id: int, *, worker: str = "") -> str:
    """Claim and build a run; returns its final status (or the status that made it skip)."""
    run, status = _claim(run_id, worker)
    if run is None:
        return status
    return _complete(run, lambda progress: _build(run, progress))


def report_runs_execute_together(run_ids: list[int], *, worker: str = "") -> dict[int, str]:
    """Claim and build several runs, the reports of termly packs of one term computed together.

    Each run is claimed, stored or failed on its own, as :func:`report_run_execute` does; only the
    reports' computation is shared (``reports.packs.compute_trust_reports``: each table read once for
    the schools). If that fails, each pack is built on its own, so one school's data fails only its
    own pack; a failed run does not stop the others. Database errors stop the batch so that Celery
    retries it: runs finished by then are skipped when claimed again. Returns each run's status.
    """
    from reports import packs

    statuses: dict[int, str] = {}
    runs = []
    for run_id in run_ids:
        run, status = _claim(run_id, worker)
        if run is None:
            statuses[run_id] = status
        else:
            runs.append(run)
    together = _pack_reports_together(runs)
    for run in runs:
        reports = together.get(run.pk)
        if reports is None:
            def build(progress, run=run):
                return _build(run, progress)
        else:
            def build(progress, run=run, reports=reports):
                params = run.parameters
                return packs.build_pack(school=run.school, academic_year=params["academic_year"], term=params["term"],
                                        governor=bool(params.get("governor")), progress=progress, reports=reports)
        try:
            statuses[run.pk] = _complete(run, build)
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            logger.exception("Report run %s failed", run.pk)
            statuses[run.pk] = RunStatus.FAILED
    return statuses


def _pack_reports_together(runs: list[ReportRun]) -> dict[int, list]:
    """Run id -> its pack's reports, computed together for the packs of the same term and copy."""
    from reports import packs

    groups: dict[tuple, list[ReportRun]] = {}
    for run in runs:
        if run.kind == ReportKind.TERMLY_PACK:
            params = run.parameters
            groups.setdefault((params["academic_year"], params["term"], bool(params.get("governor"))), []).append(run)
    out: dict[int, list] = {}
    for (year, term, governor), members in groups.items():
        schools = list({run.school_id: run.school for run in members}.values())
        if len(schools) < 2:
            continue
        for run in members:
            _progress_of(run)(5, f"Computing the reports with {len(schools) - 1} other schools' packs")
        try:
            reports = packs.compute_trust_reports(schools, year, term, governor=governor)
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            logger.exception("Computing %s packs together failed; building each on its own", len(schools))
            continue
        out.update({run.pk: reports[run.school_id] for run in members})
    return out


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
    queued: list[ReportRun] = []
    try:
        for schedule in ReportSchedule.objects.filter(enabled=True).select_related("school"):
            run = _queue_due_pack(schedule, today)
            if run is not None:
                queued.append(run)
    finally:  # what was claimed is sent even if a later schedule fails
        # Packs of the same term are computed together, a few schools to a task.
        by_term: dict[tuple, list[ReportRun]] = {}
        for run in queued:
            by_term.setdefault((run.parameters["academic_year"], run.parameters["term"]), []).append(run)
        for runs in by_term.values():
            for first in range(0, len(runs), PACKS_PER_TASK):
                _enqueue_together(runs[first:first + PACKS_PER_TASK])
    return queued


def _queue_due_pack(schedule: ReportSchedule, today: date) -> ReportRun | None:
    """The school's pack run if its term has ended and no pack was claimed for that term yet (not sent)."""
    year, term = last_ended_term(schedule.school, today)
    _, end = term_dates(schedule.school, year, term)
    if today < end + timedelta(days=1 + schedule.days_after_term_end):
        return None
    key = f"{year}:{term}"
    claimed = ReportSchedule.objects.filter(pk=schedule.pk).exclude(last_built_term=key).update(last_built_term=key)
    if not claimed:
        return None
    try:
        with transaction.atomic():
            return report_run_request(
                school=schedule.school, kind=ReportKind.TERMLY_PACK, parameters={"academic_year": year, "term": term},
                dedupe_key=f"{schedule.school.code}:{key}:pack", enqueue=False,
            )
    except (IntegrityError, ValidationError):  # this school and term already has its pack
        return None
