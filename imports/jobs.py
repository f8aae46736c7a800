"""Import jobs: start, run, watch. A browser import's check and confirm run here, off the request.

A job is claimed with a conditional update, so a message delivered twice runs it once, and writes
a heartbeat every :data:`HEARTBEAT_SECONDS`; :func:`job_for` marks a job whose worker has died as
failed (an import is all or nothing, so it saved nothing). See docs/imports.md, "How the import
code works".
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from imports import pending
from imports.models import ImportJob, JobAction, JobStatus
from imports.preview import PREVIEW_ROWS
from pupils import progress
from pupils.history import acting_as
from pupils.models import School
from sencotrack import background
from imports.engine import REFERENCE_KINDS, ImportResult, RowError, run_import

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2
GONE = "The upload is no longer waiting (it was cancelled, or is over an hour old), so nothing was imported. Upload the file again."
DIED = (
    "The {what} stopped before it finished: the process running it ended (a restart or a crash). "
    "An import is saved whole or not at all, so nothing was saved. Start it again."
)
CRASHED = "The {what} stopped with an unexpected error, so nothing was saved: {error}. Try again; if it happens again, tell your IT person."
WAITING = "Queued: it will start when the import service is back."


# --- What a job found, as JSON --------------------------------------------------------------------


def result_to_json(result: ImportResult) -> dict[str, Any]:
    """What the job page needs: counts, every error (for the errors CSV), warnings, notes, and the
    outcome of the first rows only (the preview shows :data:`PREVIEW_ROWS`)."""
    first_lines = sorted(result.outcomes)[:PREVIEW_ROWS]
    return {
        "kind": result.kind, "dry_run": result.dry_run, "rows": result.rows, "created": result.created,
        "updated": result.updated, "unchanged": result.unchanged,
        "errors": [[e.line, e.column, e.message] for e in result.errors],
        "warnings": result.warnings, "notes": result.notes, "access": result.access,
        # New staff accounts' set-password paths: shown once, then blanked (imports.views.preview).
        "accounts": result.accounts,
        "outcomes": {str(line): result.outcomes[line] for line in first_lines},
    }  # fmt: skip


def result_from_json(data: dict[str, Any]) -> ImportResult:
    return ImportResult(
        kind=data["kind"], dry_run=data["dry_run"], rows=data["rows"], created=data["created"],
        updated=data["updated"], unchanged=data["unchanged"],
        errors=[RowError(line, column, message) for line, column, message in data["errors"]],
        warnings=list(data["warnings"]), notes=list(data["notes"]), access=list(data.get("access", [])),
        accounts=list(data.get("accounts", [])),
        outcomes={int(line): outcome for line, outcome in data["outcomes"].items()},
    )  # fmt: skip


# --- Starting -------------------------------------------------------------------------------------


def job_start(*, waiting: pending.Pending, school: School, user, action: str) -> ImportJob:
    """Save a job for a waiting upload (for an import, already claimed) and send it when the
    transaction commits."""
    job = ImportJob.objects.create(
        school=school, started_by=user, action=action, kind=waiting.kind, token=waiting.token,
        filename=waiting.filename, size=waiting.size, sent_at=timezone.now(),
        set_name=waiting.set_name if waiting.kind in REFERENCE_KINDS else "",
    )  # fmt: skip
    transaction.on_commit(lambda: _send(job.pk))
    return job


def _send(job_id: int) -> None:
    from celery import current_app

    try:  # by name: imports.tasks imports this module (imports.apps registers the task)
        background.send(current_app.tasks["imports.tasks.run_import_job"], job_id)
    except Exception as exc:  # broker down or hung: the job stays queued and its page sends it again
        logger.warning("Could not queue import job %s: %s", job_id, exc)
        ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(sent_at=None)


# --- Running --------------------------------------------------------------------------------------


@dataclass
class Progress:
    phase: str = ""
    done: int = 0
    total: int = 0


#: Jobs running in this process's threads, with their progress: the page of a job running here
#: reads it from memory (SQLite holds the heartbeat's write while the import writes).
_here: dict[int, Progress] = {}
_here_lock = threading.Lock()


def progress_here(job_id: int) -> Progress | None:
    with _here_lock:
        found = _here.get(job_id)
        return Progress(**asdict(found)) if found else None


class _Running:
    """While a job runs: its progress in memory, and a thread writing it with a heartbeat to the row."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.progress = Progress(phase=progress.CHECKING)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat_until_stopped, name="import-job-heartbeat", daemon=True)
        with _here_lock:  # listed before the claim: a page asking meanwhile never takes it for dead
            _here[job_id] = self.progress

    def update(self, phase: str, done: int, total: int) -> None:
        with _here_lock:
            self.progress.phase, self.progress.done, self.progress.total = phase, done, total

    def __enter__(self) -> _Running:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=30)

    def forget(self) -> None:
        with _here_lock:
            _here.pop(self.job_id, None)

    def _beat_until_stopped(self) -> None:
        try:
            while not self.stop.wait(HEARTBEAT_SECONDS):
                with _here_lock:
                    now = Progress(**asdict(self.progress))
                try:
                    ImportJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                        heartbeat_at=timezone.now(), phase=now.phase, rows_done=now.done, rows_total=now.total
                    )
                except DatabaseError as exc:  # the next beat tries again; the import goes on
                    logger.warning("Import job %s heartbeat not written: %s", self.job_id, exc)
        finally:
            connections.close_all()  # this thread's own connections


def job_execute(job_id: int, *, worker: str) -> str:
    """Claim a queued job and run it; returns its final status (or the status that made it skip)."""
    running = _Running(job_id)
    try:  # listed as running here until its final status is stored: a page asking meanwhile waits for it
        return _claim_and_run(job_id, worker, running)
    finally:
        running.forget()


def _claim_and_run(job_id: int, worker: str, running: _Running) -> str:
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker[:200], phase=progress.CHECKING
    )
    job = ImportJob.objects.select_related("school", "started_by").filter(pk=job_id).first()
    if job is None or not claimed:
        return "missing" if job is None else job.status
    importing = job.action == JobAction.IMPORT
    what = "import" if importing else "check"
    data = pending.read_token(job.token, claimed=importing)
    if data is None:
        _finish(job, status=JobStatus.FAILED, error=GONE)
        return JobStatus.FAILED
    try:
        with running, progress.listening(running.update), acting_as(job.started_by):
            result = run_import(kind=job.kind, data=data, school=job.school, dry_run=not importing, user=job.started_by,
                                name=job.set_name or None)  # a reference table's set ("" = named for the day)
    except Exception as exc:
        logger.exception("Import job %s failed", job_id)
        if importing:
            pending.release_token(job.token)  # nothing was saved: the upload can be confirmed again
        _finish(job, status=JobStatus.FAILED, error=CRASHED.format(what=what, error=f"{type(exc).__name__}: {exc}"[:500]))
        return JobStatus.FAILED
    if importing:
        if result.ok:
            pending.delete_token(job.token)
            logger.info("Import of %s by user %s at %s: %s", job.kind, job.started_by_id, job.school.code,
                        result.summary())
        else:  # the data changed since the check: nothing was saved; the page shows why
            pending.release_token(job.token)
    _finish(job, status=JobStatus.DONE, result=result_to_json(result), rows_done=result.rows, rows_total=result.rows)
    return JobStatus.DONE


def _finish(job: ImportJob, *, status: str, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status, finished_at=timezone.now(), heartbeat_at=timezone.now(), **fields
    )


# --- Watching -------------------------------------------------------------------------------------


def job_for(*, public_id, school: School, user) -> ImportJob | None:
    """The job if ``user`` started it at ``school`` (anyone else: None); a dead one marked failed."""
    job = ImportJob.objects.filter(public_id=public_id, school=school, started_by=user).first()
    if job is not None:
        job_check_alive(job)
    return job


def _dead(job: ImportJob, now) -> bool:
    if job.status != JobStatus.RUNNING:
        return False
    if job.worker == background.THIS_PROCESS:  # ran in a thread here: alive exactly while it is listed
        return progress_here(job.pk) is None
    stale = now - timedelta(seconds=settings.IMPORT_JOB_STALE_SECONDS)
    return job.heartbeat_at is None or job.heartbeat_at < stale


def job_check_alive(job: ImportJob, *, now=None) -> ImportJob:
    """Mark the job failed if its worker has died; send it again if the broker could not take it."""
    now = now or timezone.now()
    if _dead(job, now):
        what = "import" if job.action == JobAction.IMPORT else "check"
        failed = ImportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at).update(
            status=JobStatus.FAILED, finished_at=now, error=DIED.format(what=what)
        )
        if failed:
            logger.warning("Import job %s lost its worker %s (last heartbeat %s)", job.pk, job.worker, job.heartbeat_at)
            if job.action == JobAction.IMPORT:
                pending.release_token(job.token)
        job.refresh_from_db()
    elif job.status == JobStatus.QUEUED and job.sent_at is None:
        if ImportJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED, sent_at=None).update(sent_at=now):
            _send(job.pk)
            job.refresh_from_db()
    return job


def jobs_sweep(*, now=None) -> int:
    """Mark failed every job whose worker has died, and delete finished jobs older than a day (they
    hold what the file said, errors quoting its cells). Returns how many were marked failed."""
    now = now or timezone.now()
    ImportJob.objects.filter(finished_at__lt=now - timedelta(days=1)).delete()
    marked = 0
    stale = now - timedelta(seconds=settings.IMPORT_JOB_STALE_SECONDS)
    for job in ImportJob.objects.filter(Q(status=JobStatus.RUNNING) & (Q(heartbeat_at__lt=stale) | Q(worker=background.THIS_PROCESS))):
        before = job.status
        if job_check_alive(job, now=now).status != before:
            marked += 1
    return marked


def percent(job: ImportJob, live: Progress | None = None) -> int:
    """How far the job has got, 0-100: checking the rows is the first 30, matching them the next 30,
    writing them the rest (roughly how a pupils file's time divides)."""
    if job.finished:
        return 100
    phase, done, total = (live.phase, live.done, live.total) if live else (job.phase, job.rows_done, job.rows_total)
    share = done / total if total else 0.0
    start, width = {progress.CHECKING: (0, 30), progress.MATCHING: (30, 30), progress.SAVING: (60, 39)}.get(phase, (0, 0))
    return max(1, min(99, int(start + width * share)))
