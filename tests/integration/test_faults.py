"""Faults (issue 5, part 7), with real processes that the tests start and stop themselves.

- Redis stopped: a private ``redis-server`` on a free port is the broker (and cache) for the test,
  and is stopped; the site keeps working, a report request answers at once that the report is
  queued and will start when the service is back, and once Redis is back the stale-run sweeper
  sends it and a real worker builds it.
- A worker killed mid-report: covered by tests/integration/test_report_runs.py
  (test_killing_the_worker_mid_run_lets_another_worker_finish_it_exactly_once).
- PostgreSQL restarted under load: a private cluster in a temporary directory, two writer
  processes saving assessments through the service, a fast restart in the middle; every
  assessment a writer saw committed is in the database afterwards.

The machine's own Redis (6379) and PostgreSQL (5432) are never touched. Everything started here
is bounded in time and stopped in ``finally``. Skipped without PostgreSQL and REDIS_URL (like the
worker tests), or without the PostgreSQL server binaries; failed instead when REQUIRE_WORKER is set.
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import ReportRun, RunStatus
from tests.integration.report_school import build_report_school
from tests.worker import celery_worker, worker_available

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def unavailable(reason: str | None) -> None:
    if reason:
        if os.environ.get("REQUIRE_WORKER"):
            pytest.fail(f"CI requires the fault tests but {reason}")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# --- Redis stopped ---------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of the test's own, on a free port, that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        log = open(ARTIFACTS / f"redis-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        wait_until(self.answers, timeout=10, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def use_broker(url: str) -> None:
    """Point this process's Celery app at ``url``, dropping pooled connections to the old broker.

    kombu keeps its pools in a registry keyed by connection: ``pools.reset()`` closes them and
    empties the registry, so the next publish builds a fresh pool (a closed pool left in the
    registry would break every later test that publishes)."""
    from kombu import pools

    from sencotrack.celery import app

    app.conf.broker_url = url
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis(settings):
    unavailable(worker_available())
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    from sencotrack.celery import app

    redis_server = PrivateRedis()
    previous = app.conf.broker_url
    try:
        redis_server.start()
        use_broker(redis_server.url)
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_server.url}}
        yield redis_server
    finally:
        redis_server.stop()
        use_broker(previous)


REQUEST = {"kind": "value-added", "academic_year": "2025", "term": "summer"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_the_site_works_and_a_report_waits_then_is_built_when_redis_is_back(personas, private_redis, client):
    build_report_school()  # the personas' school, with results to report on
    client.force_login(personas.senco)
    private_redis.stop()

    # The rest of the site works: no page needs Redis (the cache is on the stopped server too).
    for url in (reverse("home"), reverse("pupils:list"), reverse("pupils:detail", args=[personas.pupil.public_id])):
        started = time.monotonic()
        assert client.get(url).status_code == 200, url
        assert time.monotonic() - started < 5, url

    # A report request answers quickly: queued, to start when the service is back.
    started = time.monotonic()
    response = client.post(reverse("reports:list"), REQUEST, follow=True)
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed < 5, elapsed  # connect refused, 2 quick retries
    print(f"report request with Redis stopped answered in {elapsed:.2f}s")
    page = response.content.decode()
    assert "this report will start when it is back" in page
    run = ReportRun.objects.get(school=personas.school)
    assert run.status == RunStatus.QUEUED and run.progress_note.startswith("Waiting for the report service")

    # Redis is back: the sweeper (beat runs it) sends the waiting run and a worker builds it.
    private_redis.start()
    ReportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))
    from sencotrack.celery import app

    with celery_worker(queue=app.conf.task_default_queue, log_name="after-redis", extra_env={"REDIS_URL": private_redis.url}):
        assert services.report_runs_requeue_stale() == 1
        done = wait_until(
            lambda: ReportRun.objects.filter(pk=run.pk, status=RunStatus.DONE).first(), timeout=90, what="the run to finish",
            interval=0.3,
        )
    assert done.attempts == 1 and done.worker.startswith("after-redis-")
    assert {row["group"] for row in done.result["rows"]} >= {"all", "sen_support"}


# --- PostgreSQL restarted under load ------------------------------------------------------------------


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


class PrivateCluster:
    """A PostgreSQL cluster in a temporary directory, on a free port, run as the postgres user when
    we are root (the server refuses to run as root)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sencotrack-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def run(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}\n{self.server_log()}")
        return result

    def server_log(self) -> str:
        try:
            return self.log.read_text()[-3000:]
        except OSError:
            return ""

    def init(self) -> None:
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--no-instructions")

    def pg_ctl(self, action: str, *extra: str, timeout: float = 60) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                 "-t", str(int(timeout)), *extra, action, timeout=timeout + 10)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.pg_ctl("stop", "-m", "immediate", timeout=20)
            except (AssertionError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def private_cluster():
    bin_dir = postgres_bin()
    if bin_dir is None:
        unavailable("the PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    cluster = PrivateCluster(bin_dir)
    try:
        cluster.init()
        cluster.pg_ctl("start")
        yield cluster
    finally:
        cluster.destroy()


def django_env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    return dict(env, DATABASE_URL=database_url, DEBUG="true", DB_CONN_MAX_AGE="0", PYTHONPATH=str(ROOT))


def line_count(path: Path) -> int:
    try:
        return path.read_text().count("\n")
    except FileNotFoundError:
        return 0


@pytest.mark.worker
def test_restarting_postgresql_under_load_loses_no_saved_assessment():
    if postgres_bin() is not None:
        unavailable(worker_available())
    import psycopg2

    with private_cluster() as cluster:
        cluster.run(str(cluster.bin / "createdb"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "sencotrack_fault")
        url = cluster.url("sencotrack_fault")
        migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=django_env(url),
                                  capture_output=True, text=True, timeout=300)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr

        committed = [cluster.dir / f"committed-{n}.txt" for n in range(2)]
        stop = cluster.dir / "stop"
        writers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.fault_writer", "--writer", str(n), "--committed", str(committed[n]),
                 "--stop", str(stop), "--deadline", "150"],
                cwd=ROOT, env=django_env(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                start_new_session=True,
            )
            for n in range(2)
        ]
        try:
            total = lambda: sum(line_count(path) for path in committed)  # noqa: E731
            wait_until(lambda: total() >= 300, timeout=90, what="the writers to commit 300 assessments", interval=0.05)
            before_restart = total()
            started = time.monotonic()
            cluster.pg_ctl("restart", "-m", "fast")
            restart_seconds = time.monotonic() - started
            wait_until(lambda: total() >= before_restart + 300, timeout=90, what="300 more commits after the restart", interval=0.2)
            stop.touch()
            outputs = [writer.communicate(timeout=60) for writer in writers]
        finally:
            for writer in writers:
                if writer.poll() is None:
                    os.killpg(writer.pid, signal.SIGKILL)
                    writer.wait()
        summaries, logs = [], []
        for n, (writer, (out, err)) in enumerate(zip(writers, outputs, strict=True)):
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / f"fault-writer-{n}.log").write_text(err)
            assert writer.returncode == 0, err[-3000:]
            logs.append(err)
            summaries.append(json.loads(out.strip().splitlines()[-1]))

        keys = set()
        for path in committed:
            for line in path.read_text().splitlines():
                upn, year, term = line.split()
                keys.add((upn, int(year), term))
        db = psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="sencotrack_fault")
        try:
            with db.cursor() as cursor:
                cursor.execute(
                    "SELECT p.upn, a.academic_year, a.term FROM assessments_assessment a "
                    "JOIN pupils_pupil p ON p.id = a.pupil_id"
                )
                stored = set(cursor.fetchall())
        finally:
            db.close()

    print(f"restart took {restart_seconds:.1f}s; {len(keys)} assessments committed; writers: {summaries}")
    assert sum(s["committed"] for s in summaries) == len(keys) >= before_restart + 300
    # The restart cut each writer's open connection (its next statement failed) and refused new
    # ones while it was down: the writers retried through it.
    assert all(s["errors"] >= 1 for s in summaries)
    assert all("server closed the connection unexpectedly" in log or "terminating connection" in log for log in logs)
    lost = keys - stored
    assert not lost, f"{len(lost)} committed assessments missing after the restart, e.g. {sorted(lost)[:5]}"
