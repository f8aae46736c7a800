"""Report runs built in this process's threads (the embedded mode, ``sencotrack.background``).

The embedded mode has no Celery beat, so no sweeper: a run whose thread died with its process (a
restart of the development server) would say "running" for ever. The pages that show runs check
them here, as imports.jobs does for import jobs. A run built in a thread of this process is alive
exactly while this process holds it (held from before its claim until it is stored or failed); one
from another process is dead when its heartbeat is older than REPORT_RUN_STALE_SECONDS. A dead run
goes back to the queue and to a thread, or fails once it has been started REPORT_RUN_MAX_ATTEMPTS
times: what the sweeper does with Celery (reports.services.report_runs_requeue_stale). A run queued
before this process started sat in a dead process's queue: it is sent again (a run sent twice is
built once, as only one delivery can claim it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from reports.models import ReportRun, RunStatus
from sencotrack import background

logger = logging.getLogger(__name__)

#: When this process started (near enough: when Django imported the reports app's services).
STARTED_AT = timezone.now()

_held: set[int] = set()
_held_lock = threading.Lock()


@contextmanager
def holding(run_ids: Iterable[int]) -> Iterator[None]:
    """Mark runs as being built by this process while the block runs."""
    ids = set(run_ids)
    with _held_lock:
        _held.update(ids)
    try:
        yield
    finally:
        with _held_lock:
            _held.difference_update(ids)


def held_here(run_id: int) -> bool:
    with _held_lock:
        return run_id in _held


def dead(run: ReportRun, now: datetime) -> bool:
    if run.status != RunStatus.RUNNING:
        return False
    if run.worker == background.THIS_PROCESS:  # a thread here: alive exactly while it is held
        return not held_here(run.pk)
    stale = now - timedelta(seconds=settings.REPORT_RUN_STALE_SECONDS)
    return run.heartbeat_at is None or run.heartbeat_at < stale


def orphaned(run: ReportRun) -> bool:
    return run.status == RunStatus.QUEUED and run.sent_at is not None and run.sent_at < STARTED_AT
