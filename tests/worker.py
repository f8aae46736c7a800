"""Start and stop real Celery worker and beat processes against the test database and Redis.

Each runs with the shipped settings; only the database (the test's), the queue (the test's own, so
no other worker on the machine takes its tasks) and, where a test says so, REDIS_URL and the test
hooks of tests/worker_hooks.py are set for it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def worker_available() -> str | None:
    """Why a real worker cannot run here, or None when it can."""
    if not settings.REDIS_URL:
        return "REDIS_URL is not set (embedded mode runs tasks in-process)"
    if connection.vendor != "postgresql":
        return "a worker process cannot share the in-memory SQLite test database; set DATABASE_URL to PostgreSQL"
    return None


def test_database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@contextmanager
def celery_worker(queue: str | None = None, concurrency: int = 1, log_name: str = "worker", extra_env: dict | None = None):
    """A worker process on its own queue, so no other worker on the machine takes the test's tasks."""
    queue = queue or f"test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, DATABASE_URL=test_database_url(), CELERY_QUEUE=queue, DEBUG="true", **(extra_env or {}))
    log_dir = ROOT / "test-artifacts"
    log_dir.mkdir(exist_ok=True)
    log = open(log_dir / f"{log_name}-{queue}.log", "wb")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "sencotrack", "worker", "--pool", "prefork",
            "--concurrency", str(concurrency), "-Q", queue, "--without-gossip", "--without-mingle",
            "--loglevel", "INFO", "--hostname", f"{log_name}-{queue}@%h", "--include", "tests.worker_hooks",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        _wait_until_ready(log_dir / f"{log_name}-{queue}.log", proc)
        yield WorkerHandle(proc=proc, queue=queue, log_path=log_dir / f"{log_name}-{queue}.log")
    finally:
        if proc.poll() is None:
            proc.terminate()  # warm shutdown: the worker finishes or requeues what it holds
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


class WorkerHandle:
    def __init__(self, proc: subprocess.Popen, queue: str, log_path: Path):
        self.proc = proc
        self.queue = queue
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """Kill the worker and its pool children at once, as a crash or an OOM kill would."""
        import signal

        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


@contextmanager
def celery_beat(queue: str, log_name: str = "beat", extra_env: dict | None = None):
    """A real beat process (django-celery-beat's database scheduler, as in production) reading the
    test database's periodic tasks and sending them to ``queue``. Yields the path of its log."""
    env = dict(os.environ, DATABASE_URL=test_database_url(), CELERY_QUEUE=queue, DEBUG="true", **(extra_env or {}))
    log_dir = ROOT / "test-artifacts"
    log_dir.mkdir(exist_ok=True)
    log_path = log_dir / f"{log_name}-{queue}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sencotrack", "beat", "--loglevel", "INFO",
         "--schedule", str(log_dir / f"{log_name}-{queue}.schedule")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        _wait_until_ready(log_path, proc, marker=b"beat: Starting...", what="celery beat")
        yield log_path
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def _wait_until_ready(log_path: Path, proc: subprocess.Popen, timeout: float = 60, marker: bytes = b" ready.",
                      what: str = "celery worker") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early:\n{log_path.read_text()[-3000:]}")
        if marker in log_path.read_bytes():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready after {timeout}s:\n{log_path.read_text()[-3000:]}")
