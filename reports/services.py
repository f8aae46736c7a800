"""Writes for report runs: request, execute (claimed, idempotent), and the termly schedule's claim.

A run is built to completion at most once: a worker claims it by bumping ``attempts``, keeps a
heartbeat, and stores its result only while its attempt is current, so a duplicate task or a slow
worker given up for dead never overwrites a newer attempt. Termly packs are computed in batches of
a few schools, each run still claimed and stored on its own. See docs/operations-reports.md.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from assessments.terms import last_ended_term, term_dates
from pupils.models import School, Trust
from reports.models import ReportKind, ReportRun, ReportSchedule, RunStatus
from reports import services_threads
from reports.services_threads import holding
from sencotrack import background, versions

logger = logging.getLogger(__name__)

#: Packs due for one term are built together in batches of this many schools. Computed together
#: their reports take well under a second per school, but each PDF takes a minute or more for a large
#: school (bench/RESULTS.md), so a batch stays well inside the task time limit and batches still
#: spread over the workers.
PACKS_PER_TASK = 5
#: A run whose message could not be handed to the broker (down or hung) says so until the sweeper sends it.
WAITING_NOTE = "Queued: it will start when the report service is back."
RESTARTED_NOTE = "Queued again: the worker building it stopped, so another worker will build it."
DATABASE_ERROR_NOTE = "Queued again: it will start again after a database error."
GAVE_UP = (
    "The worker building this report stopped {attempts} times before it finished (it may have run out of "
    "memory). Ask your IT person to look at the report workers' logs, then request it again."
)


def _send(task, run_ids: list[int], runs: list[ReportRun], *args) -> None:
    """Hand ``task`` to the broker when the transaction commits.

    Every broker call gives up within about a second (settings: the Celery section), so a broker
    that is down or hung cannot hold the request; in the embedded mode the run is built in a thread
    of this process (``sencotrack.background``), so the request goes straight to the run's page. Runs that could not be handed over lose their
    ``sent_at`` and say they are waiting; the sweeper sends them once the broker answers.
    """

    def send() -> None:
        try:
            background.send(task, *args)  # a worker, or in the embedded mode a thread: never this request
        except Exception as exc:  # broker down or hung: the runs stay queued and the sweeper sends them
            logger.warning("Could not queue report runs %s: %s", run_ids, exc)
            ReportRun.objects.filter(pk__in=run_ids, status=RunStatus.QUEUED).update(
                sent_at=None, progress_note=WAITING_NOTE
            )
            for run in runs:
                run.sent_at, run.progress_note = None, WAITING_NOTE

    transaction.on_commit(send)


def _task(name: str):
    """A build task by name: tasks import this module, so it never imports them (reports.apps registers them)."""
    return current_app.tasks[f"reports.tasks.{name}"]


def _enqueue(run: ReportRun) -> None:
    _send(_task("build_report_run"), [run.pk], [run], run.pk)


def send_one(run: ReportRun) -> None:
    """Send a queued run to be built on its own (the embedded mode's check, reports.services_threads)."""
    _enqueue(run)


def _enqueue_together(runs: list[ReportRun]) -> None:
    """Send several runs as one task (packs of one term computed together); one alone goes alone."""
    if len(runs) == 1:
        _enqueue(runs[0])
        return
    ids = [run.pk for run in runs]
    _send(_task("build_report_runs_together"), ids, runs, ids)


def report_run_request(
    *, school: School | None = None, kind: str, parameters: dict, requested_by=None, dedupe_key: str | None = None,
    enqueue: bool = True, trust: Trust | None = None,
) -> ReportRun:
    """Save a run and send it to a worker when the transaction commits (``enqueue=False``: the
    caller sends it, with others). ``run.sent_at`` is None afterwards if the broker could not take it.
    A school's run names the school; the trust pack names the trust instead."""
    run = ReportRun(school=school, trust=trust, kind=kind, parameters=parameters, requested_by=requested_by,
                    dedupe_key=dedupe_key, sent_at=timezone.now())
    run.full_clean()
    run.save()
    if enqueue:
        _enqueue(run)
    return run


def _update_current(run_id: int, attempt: int, **fields) -> int:
    return ReportRun.objects.filter(pk=run_id, attempts=attempt, status=RunStatus.RUNNING).update(**fields)


def _claim(run_id: int, worker: str) -> tuple[ReportRun | None, str]:
    """Claim a run for this attempt: (the run, running), or (None, the status that made it skip).

    Only a queued run, or a running one whose worker has stopped writing its heartbeat, can be
    claimed: a message delivered twice, or redelivered by Redis, never takes a run from a worker
    that is still building it."""
    now = timezone.now()
    retryable = _no_heartbeat_since(now) & Q(attempts__lt=settings.REPORT_RUN_MAX_ATTEMPTS)
    claimable = Q(status=RunStatus.QUEUED) | retryable
    claimed = ReportRun.objects.filter(claimable, pk=run_id).update(
        status=RunStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now, worker=worker[:200],
        progress=0, progress_note="Starting",
    )
    run = ReportRun.objects.select_related("school", "trust").filter(pk=run_id).first()
    if run is None:
        return None, "missing"
    if not claimed:
        return None, run.status
    return run, RunStatus.RUNNING


def _no_heartbeat_since(now) -> Q:
    """Running runs whose worker has stopped: no heartbeat for REPORT_RUN_STALE_SECONDS (or none at
    all: every claim writes one, so only a row set to running by hand has none)."""
    stale = now - timedelta(seconds=settings.REPORT_RUN_STALE_SECONDS)
    return Q(status=RunStatus.RUNNING) & (Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True))


def _progress_of(run: ReportRun):
    def progress(percent: int, note: str) -> None:
        _update_current(run.pk, run.attempts, progress=max(0, min(99, int(percent))), progress_note=note[:200],
                        heartbeat_at=timezone.now())

    return progress


class _Holding:
    """While claimed runs are built: a thread writes their heartbeat every REPORT_RUN_HEARTBEAT_SECONDS.

    A thread, because the PDF is one long call (WeasyPrint) that reports no progress; it writes only
    while the run is running under this attempt, so a run stored, failed, or taken over since is left
    alone. On a database error the runs still held go back to the queue, for Celery's retry to claim.
    """

    def __init__(self, runs: list[ReportRun]):
        self.attempts = {run.pk: run.attempts for run in runs}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat_until_stopped, name="report-run-heartbeat", daemon=True)

    def __enter__(self) -> _Holding:
        if self.attempts:
            self.thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        if exc_type is not None and issubclass(exc_type, (OperationalError, InterfaceError)):
            self._release()

    def _current(self) -> Q:
        held = Q()
        for run_id, attempt in self.attempts.items():
            held |= Q(pk=run_id, attempts=attempt)
        return held & Q(status=RunStatus.RUNNING)

    def _beat_until_stopped(self) -> None:
        try:
            while not self.stop.wait(settings.REPORT_RUN_HEARTBEAT_SECONDS):
                try:
                    ReportRun.objects.filter(self._current()).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:  # the next beat tries again; the build goes on
                    logger.warning("Report run heartbeat not written: %s", exc)
        finally:
            connections.close_all()  # this thread's own connections

    def _release(self) -> None:
        try:
            ReportRun.objects.filter(self._current()).update(
                status=RunStatus.QUEUED, progress=0, progress_note=DATABASE_ERROR_NOTE
            )
        except DatabaseError:  # still unreachable: the heartbeat has stopped, so the sweeper queues them
            logger.warning("Could not put report runs %s back in the queue", list(self.attempts))


def _complete(run: ReportRun, build) -> str:
    """Build a claimed run with ``build(progress)`` and store what it returns while its attempt is current."""
    run_id, attempt = run.pk, run.attempts
    try:
        result, files = build(_progress_of(run))
    except (OperationalError, InterfaceError):
        raise  # not the report's fault: the run goes back to the queue (_Holding) and Celery retries
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
        if done and run.school_id:  # the dashboards read stored runs: a new one moves the school's cached pages on
            versions.bump([run.school_id])
    return RunStatus.DONE if done else ReportRun.objects.get(pk=run_id).status


def report_run_execute(run_id: int, *, worker: str = "") -> str:
    """Claim and build a run; returns its final status (or the status that made it skip)."""
    with holding([run_id]):  # from before the claim: the embedded mode's check never sees it unheld
        run, status = _claim(run_id, worker)
        if run is None:
            return status
        with _Holding([run]):
            return _complete(run, lambda progress: _build(run, progress))


def report_runs_execute_together(run_ids: list[int], *, worker: str = "") -> dict[int, str]:
    """Claim and build several runs, the reports of termly packs of one term computed together.

    Each run is claimed, stored or failed on its own, as :func:`report_run_execute` does; only the
    reports' computation is shared (``reports.packs.compute_trust_reports``: each table read once for
    the schools). If that fails, each pack is built on its own, so one school's data fails only its
    own pack; a failed run does not stop the others. Every claimed run has its heartbeat written
    until the batch ends, the ones waiting their turn too. Database errors stop the batch so that
    Celery retries it: runs finished by then are skipped when claimed again. Returns each run's status.
    """
    statuses: dict[int, str] = {}
    runs = []
    with holding(run_ids):
        for run_id in run_ids:
            run, status = _claim(run_id, worker)
            if run is None:
                statuses[run_id] = status
            else:
                runs.append(run)
        with _Holding(runs):
            _build_together(runs, statuses)
    return statuses


def _build_together(runs: list[ReportRun], statuses: dict[int, str]) -> None:
    from reports import packs

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
    if run.kind == ReportKind.TRUST_PACK:
        from reports import pack_trust

        result, files = pack_trust.build_trust_pack(trust=run.trust, academic_year=params["academic_year"],
                                                    term=params["term"], progress=progress)
        return result, {field: files[field] for field in ("pdf", "zip_file")}  # the JSON is the stored result
    if run.kind == ReportKind.TERMLY_PACK:
        return packs.build_pack(school=run.school, academic_year=params["academic_year"], term=params["term"],
                                governor=bool(params.get("governor")), progress=progress)
    ctx = generators.context_for(
        school=run.school, academic_year=params["academic_year"], term=params["term"],
        subject=params.get("subject") or None, governor=bool(params.get("governor")), progress=progress,
    )
    report = generators.build(run.kind, ctx)
    return report.to_dict(), {}


def report_runs_requeue_stale(*, now=None) -> int:
    """The sweeper (beat runs it every REPORT_RUN_SWEEP_SECONDS): returns how many runs it sent.

    Re-queues running runs whose heartbeat went stale (or fails them after REPORT_RUN_MAX_ATTEMPTS) and
    re-sends queued runs whose message never reached the broker or was lost. Rows are locked with
    ``skip_locked``, so a second sweeper leaves them alone; a run sent twice is built once. The rules:
    docs/operations-reports.md, "The sweeper".
    """
    build_report_run = _task("build_report_run")
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.REPORT_RUN_STALE_SECONDS)
    limit = settings.REPORT_RUN_MAX_ATTEMPTS
    due = Q(sent_at__isnull=True) | Q(sent_at__lt=now - timedelta(seconds=settings.REPORT_RUN_RESEND_SECONDS))
    waiting = ReportRun.objects.filter(status=RunStatus.QUEUED, sent_at__lt=stale).exclude(due)
    if waiting.exists() and _run_queue_is_empty():
        due |= Q(sent_at__lt=stale)
    with transaction.atomic():
        dead = list(
            ReportRun.objects.select_for_update(skip_locked=True).filter(_no_heartbeat_since(now))
            .values_list("pk", "attempts", "worker", "heartbeat_at")
        )
        for pk, attempts, worker, heartbeat_at in dead:
            logger.warning("Report run %s lost its worker %s (last heartbeat %s, attempt %s of %s)",
                           pk, worker, heartbeat_at, attempts, limit)
        given_up = [pk for pk, attempts, *_ in dead if attempts >= limit]
        ReportRun.objects.filter(pk__in=given_up).update(
            status=RunStatus.FAILED, finished_at=now, progress_note="Failed", error=GAVE_UP.format(attempts=limit),
        )
        ReportRun.objects.filter(pk__in=[pk for pk, attempts, *_ in dead if attempts < limit]).update(
            status=RunStatus.QUEUED, progress=0, progress_note=RESTARTED_NOTE, sent_at=None,
        )
        to_send = list(
            ReportRun.objects.select_for_update(skip_locked=True).filter(due, status=RunStatus.QUEUED)
            .values_list("pk", flat=True)
        )
        ReportRun.objects.filter(pk__in=to_send).update(sent_at=now)
        for pk in to_send:  # one by one: a batch's runs go alone, through the one-run path
            _send(build_report_run, [pk], [], pk)
    return len(to_send)


def _run_queue_is_empty() -> bool:
    """Whether the broker's queue of report tasks holds no message; False when the broker cannot say."""
    from sencotrack.celery import app

    try:
        with app.connection_for_write() as conn:
            try:
                _, count, _ = conn.default_channel.queue_declare(queue=app.conf.task_default_queue, passive=True)
            except conn.channel_errors:  # Redis deletes an emptied queue's list: no such queue
                return True
            return count == 0
    except Exception as exc:  # broker down or hung: leave the runs to the longer resend
        logger.warning("Could not ask the broker how many report tasks are waiting: %s", exc)
        return False


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


def report_runs_check_alive(runs: Iterable[ReportRun], *, now: datetime | None = None) -> None:
    """In the embedded mode, queue again (or fail) the shown runs whose thread has gone, and send
    again those queued in a process that has gone; each run is refreshed. With Celery, the sweeper does this."""
    if not background.in_threads():
        return
    now = now or timezone.now()
    limit = settings.REPORT_RUN_MAX_ATTEMPTS
    for run in runs:
        resend = False
        if services_threads.dead(run, now):
            logger.warning("Report run %s lost its thread %s (last heartbeat %s, attempt %s of %s)",
                           run.pk, run.worker, run.heartbeat_at, run.attempts, limit)  # fmt: skip
            # Only the attempt that was seen: a run claimed again meanwhile is left alone.
            current = ReportRun.objects.filter(
                pk=run.pk, status=RunStatus.RUNNING, attempts=run.attempts, heartbeat_at=run.heartbeat_at
            )
            if run.attempts >= limit:
                current.update(status=RunStatus.FAILED, finished_at=now, progress_note="Failed",
                               error=GAVE_UP.format(attempts=limit))  # fmt: skip
            else:
                resend = bool(current.update(status=RunStatus.QUEUED, progress=0, progress_note=RESTARTED_NOTE,
                                             sent_at=now))  # fmt: skip
        elif services_threads.orphaned(run):
            resend = bool(ReportRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED, sent_at=run.sent_at).update(sent_at=now))
        if resend:
            send_one(run)
        if resend or run.status == RunStatus.RUNNING:
            run.refresh_from_db()
