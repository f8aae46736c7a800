"""Long work off the request: hand a Celery task to a worker, or, in the embedded mode, to a thread.

In production (``REDIS_URL`` set) a task goes to the broker and a Celery worker runs it. In the
embedded mode there is no broker and Celery runs tasks eagerly, in the caller: a pack or a
60,000-row import would hold the browser for a minute or more. So there, with
``BACKGROUND_THREADS`` on (the default), the same task runs eagerly in a small pool of threads of
the web process and the request answers at once; the page then shows the run's or job's progress.
Tests turn the threads off (tests/conftest.py) so a task runs where it is sent, as before.

A thread dies with its process (a restart of the development server): the work it held is found
by its stopped heartbeat (reports.services, imports.jobs) and marked as such.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

#: This process, as the worker name of work run in its threads ("host:pid:thread").
THIS_PROCESS = f"{socket.gethostname()}:{os.getpid()}:thread"

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def in_threads() -> bool:
    """Whether tasks run in this process's threads (the embedded mode) rather than by a Celery worker."""
    from sencotrack.celery import app  # what apply_async would do: run in the caller when eager

    return bool(app.conf.task_always_eager and settings.BACKGROUND_THREADS)


def _threads() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # Two at once: the embedded mode serves one school from one machine; more would only
            # queue behind SQLite's single writer.
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sencotrack-task")
        return _pool


def send(task, *args) -> None:
    """Run ``task(*args)`` off the request: a Celery worker, or a thread of this process.

    Raises what the broker raises when it cannot take the message (callers keep the work queued).
    Call it once the transaction that saved the work has committed (``transaction.on_commit``).
    """
    if in_threads():
        _threads().submit(_run_here, task, list(args))
    else:
        task.apply_async(args=list(args))


def _run_here(task, args: list) -> None:
    try:
        task.apply(args=args, throw=True)
    except Exception:  # the task has recorded its own failure on its row; the log says more
        logger.exception("Background task %s%s failed", task.name, tuple(args))
    finally:
        connections.close_all()  # this thread's own connections
