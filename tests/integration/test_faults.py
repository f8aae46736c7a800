"""Faults, with real processes that the tests start and stop themselves, and the SHIPPED settings
(timeouts, heartbeats, the sweeper's interval): nothing here shortens them.

- Redis stopped, or hung (a server that accepts connections and never answers): a private server on
  a free port is the broker and the cache for the test. A report request answers within 3 s that
  the report is queued and will start when the report service is back, pages keep serving, and once
  Redis answers again the sweeper sends the run and a real worker builds it.
- A worker's connection to Redis hung for good (a failover or firewall dropping it without a reset):
  the worker drops it and reconnects, and takes new tasks again.
- A worker killed with -9 in the middle of a pack's PDF, a single run and a batch of termly packs:
  another worker and a real beat (its sweeper) finish every run exactly once within 2 minutes, while
  a healthy build whose PDF takes longer than the staleness threshold is never handed to anyone else.
- PostgreSQL restarted under load: a private cluster in a temporary directory, two writer
  processes saving assessments through the service, a fast restart in the middle; every
  assessment a writer saw committed is in the database afterwards.

The machine's own Redis (6379) and PostgreSQL (5432) are never touched. Everything started here
is bounded in time and stopped in ``finally``. Skipped without PostgreSQL and REDIS_URL (like the
worker tests), or without the PostgreSQL server binaries; failed instead when REQUIRE_WORKER is set.
"""

from __future__ import annotations

import glob
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.models import ReportRun, RunStatus
from tests.integration.report_school import build_report_school
from tests.worker import celery_beat, celery_worker, worker_available

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

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
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
        # The shipped cache, timeouts and all, on the same server: broker and cache fail together
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_server.url}}
        yield redis_server
    finally:
        redis_server.stop()
        use_broker(previous)


class HungServer:
    """A server that accepts connections and never answers, as a hung Redis does (the kernel still
    completes the handshake). Whatever it accepted is closed when it is closed."""

    def __init__(self, port: int) -> None:
        self.listener = socket.create_server(("127.0.0.1", port), backlog=64)
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed
                return
            self.held.append(conn)

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()
        self.thread.join(timeout=5)


REQUEST = {"kind": "value-added", "academic_year": "2025", "term": "summer"}
QUEUED_MESSAGE = "queued: it will start when the report service is back"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fault", ["stopped", "hung"])
def test_with_redis_stopped_or_hung_a_report_request_answers_in_3_s_pages_serve_and_the_run_is_built_when_it_is_back(
    fault, personas, private_redis, client, settings
):
    """Stopped: the broker and the cache are both on the stopped server, as in production. Hung: the
    broker only; the cache's own timeouts on a hung Redis are the subject of the cache's tests."""
    if fault == "hung":
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": settings.REDIS_URL}}
    build_report_school()  # the personas' school, with results to report on
    client.force_login(personas.senco)
    assert client.get(reverse("reports:list")).status_code == 200  # the form, loaded before Redis fails
    private_redis.stop()
    hung = HungServer(private_redis.port) if fault == "hung" else None
    try:
        # A report request answers quickly: queued, to start when the service is back.
        started = time.monotonic()
        response = client.post(reverse("reports:list"), REQUEST)
        elapsed = time.monotonic() - started
        print(f"report request with Redis {fault} answered in {elapsed:.2f}s")
        assert response.status_code == 302 and elapsed < 3, elapsed
        run = ReportRun.objects.get(school=personas.school)
        assert run.status == RunStatus.QUEUED and run.sent_at is None and run.progress_note == services.WAITING_NOTE
        page = client.get(response["Location"]).content.decode()
        assert QUEUED_MESSAGE in page and "this report will start when it is back" in page

        # The rest of the site works: no page needs Redis.
        for url in (reverse("home"), reverse("pupils:list"), reverse("pupils:detail", args=[personas.pupil.public_id]),
                    reverse("reports:list")):
            started = time.monotonic()
            assert client.get(url).status_code == 200, url
            elapsed = time.monotonic() - started
            print(f"{url} with Redis {fault}: {elapsed:.2f}s")
            assert elapsed < 3, (url, elapsed)
    finally:
        if hung is not None:
            hung.close()

    # Redis is back: the sweeper (beat sends it; here the test does, to the worker) sends the waiting
    # run and the worker builds it.
    private_redis.start()
    from reports.tasks import requeue_stale_report_runs
    from sencotrack.celery import app

    with celery_worker(queue=app.conf.task_default_queue, log_name=f"after-redis-{fault}",
                       extra_env={"REDIS_URL": private_redis.url}):
        requeue_stale_report_runs.apply_async()
        done = wait_until(
            lambda: ReportRun.objects.filter(pk=run.pk, status=RunStatus.DONE).first(), timeout=90,
            what="the run to finish", interval=0.3,
        )
    assert done.attempts == 1 and done.worker.startswith(f"after-redis-{fault}-")
    assert {row["group"] for row in done.result["rows"]} >= {"all", "sen_support"}


class DroppingProxy:
    """A TCP proxy to a private Redis that can drop its connections without a reset, as a failover,
    a NAT or a firewall does: after ``drop()`` nothing passes on the connections open then, ever,
    and new connections are accepted but pass nothing until ``heal()``."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dropped = threading.Event()  # set while connections are being dropped
        self.closed = threading.Event()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def drop(self) -> None:
        self.dropped.set()

    def heal(self) -> None:
        self.dropped.clear()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self.sockets += [client, upstream]
            # a connection made while connections are dropped is dead from the start
            dead = threading.Event()
            if self.dropped.is_set():
                dead.set()
            threading.Thread(target=self._pump, args=(client, upstream, dead), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket, dead: threading.Event) -> None:
        import select

        pair = {client: upstream, upstream: client}
        while not self.closed.is_set():
            if self.dropped.is_set():
                dead.set()
            if dead.is_set():  # hold the connection open, pass nothing, never close it
                time.sleep(0.2)
                continue
            try:
                readable, _, _ = select.select(list(pair), [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
        for sock in self.sockets:
            sock.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_redis_connection_hangs_for_good_reconnects_and_takes_tasks_again(private_redis):
    from pupils.tasks import ping

    proxy = DroppingProxy(private_redis.port)
    try:
        with celery_worker(log_name="dropped", extra_env={"REDIS_URL": proxy.url}) as worker:
            assert ping.apply_async(queue=worker.queue).get(timeout=60) == {"pong": True, "schools": 0}
            proxy.drop()
            time.sleep(3)  # the worker waits on connections that will never answer
            proxy.heal()  # Redis reachable again, but the old connections stay dead
            healed = time.monotonic()
            # A task every 5 s, sent straight to Redis (only the worker's side is broken), until the
            # worker answers one. kombu can lose a message that arrives while the worker is
            # reconnecting; a report run's lost message is sent again by the sweeper.
            sent = []
            while not any(result.ready() for result in sent):
                assert time.monotonic() - healed < 90, "the worker never took a task again"
                if time.monotonic() - healed >= 5 * len(sent):
                    sent.append(ping.apply_async(queue=worker.queue))
                time.sleep(0.5)
            answered = next(result for result in sent if result.ready())
            assert answered.get() == {"pong": True, "schools": 0}
            assert "Redis BRPOP got no reply" in worker.log()  # it noticed, dropped the connection and reconnected
            print(f"worker took a task again {time.monotonic() - healed:.1f}s after Redis was reachable again "
                  f"({len(sent)} tasks sent, the first answered was number {sent.index(answered) + 1})")
    finally:
        proxy.close()


# --- A worker killed mid-pack ----------------------------------------------------------------------------

LONG_PDF_SECONDS = 70  # longer than REPORT_RUN_STALE_SECONDS + a sweep: a build that must not be handed on


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_pack_has_its_runs_finished_exactly_once_by_another_within_two_minutes(
    private_redis, tmp_path, settings
):
    from django.conf import settings as shipped
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    from reports.models import ReportKind
    from reports.tasks import build_report_run, build_report_runs_together
    from tests.integration.trust_schools import TERM, YEAR, build_trust

    assert LONG_PDF_SECONDS > shipped.REPORT_RUN_STALE_SECONDS + shipped.REPORT_RUN_SWEEP_SECONDS
    settings.MEDIA_ROOT = tmp_path  # where the workers store the packs' files
    schools = build_trust()
    call_command("setup_schedules", stdout=io.StringIO())  # the sweeper, as production has it
    PeriodicTask.objects.exclude(name="Re-send stale report runs").update(enabled=False)  # no termly packs here

    def pack(school, **extra):
        return ReportRun.objects.create(school=school, kind=ReportKind.TERMLY_PACK, sent_at=timezone.now(),
                                        parameters={"academic_year": YEAR, "term": TERM, **extra})

    long_run = pack(schools[1], governor=True)  # a healthy build whose PDF takes 70 s
    single = pack(schools[0], governor=True)  # a run on its own, killed in its PDF
    batch = [pack(school) for school in schools]  # termly packs built together, killed in the first PDF
    killed_ids = [single.pk] + [run.pk for run in batch]
    queue = f"test-{uuid.uuid4().hex[:8]}"  # beat, the doomed worker and the rescuer
    long_queue = f"{queue}-long"  # the steady worker's own: it takes nothing else (its PDFs are all slow)
    env = {"REDIS_URL": private_redis.url, "MEDIA_ROOT": str(tmp_path)}

    def runs(ids):
        return list(ReportRun.objects.filter(pk__in=ids).order_by("pk"))

    with (
        celery_beat(queue, extra_env=env) as beat_log,
        celery_worker(long_queue, log_name="steady",
                      extra_env={**env, "SENCOTRACK_TEST_PDF_SECONDS": str(LONG_PDF_SECONDS)}),
    ):
        build_report_run.apply_async(args=[long_run.pk], queue=long_queue)
        wait_until(lambda: ReportRun.objects.filter(pk=long_run.pk, status=RunStatus.RUNNING).exists(), timeout=60,
                   what="the long build to start")

        with celery_worker(queue, log_name="doomed", concurrency=2,
                           extra_env={**env, "SENCOTRACK_TEST_PDF_SECONDS": "600"}) as doomed:
            build_report_run.apply_async(args=[single.pk], queue=queue)
            build_report_runs_together.apply_async(args=[[run.pk for run in batch]], queue=queue)

            def in_their_pdfs():
                now = runs(killed_ids)
                return (all(r.status == RunStatus.RUNNING for r in now) and now[0].progress == 90
                        and any(r.progress == 90 for r in now[1:]))

            wait_until(in_their_pdfs, timeout=120, what="the doomed worker to reach the PDFs", interval=0.3)
            time.sleep(2)  # well into the PDFs
            doomed.kill()  # SIGKILL to the worker and its pool: nothing is acknowledged, nothing cleaned up
            killed_at = timezone.now()
        assert all(r.status == RunStatus.RUNNING and r.attempts == 1 for r in runs(killed_ids))

        with celery_worker(queue, log_name="rescuer", concurrency=2, extra_env=env):
            wait_until(lambda: all(r.status == RunStatus.DONE for r in runs(killed_ids)), timeout=120,
                       what="another worker to finish the killed worker's runs", interval=0.5)
            finished_at = timezone.now()
            wait_until(lambda: ReportRun.objects.filter(pk=long_run.pk, status=RunStatus.DONE).exists(), timeout=120,
                       what="the long build to finish", interval=0.5)
        sweeps = beat_log.read_text().count("Sending due task Re-send stale report runs")

    recovered = runs(killed_ids)
    picked_up = [(r.started_at - killed_at).total_seconds() for r in recovered]
    done_after = [(r.finished_at - killed_at).total_seconds() for r in recovered]
    print(f"killed worker's runs started again after {min(picked_up):.0f}-{max(picked_up):.0f}s, "
          f"done after {min(done_after):.0f}-{max(done_after):.0f}s (all done {(finished_at - killed_at).seconds}s); "
          f"{sweeps} sweeps")
    assert max(done_after) < 120
    for run in recovered:  # exactly once: the second attempt stored it, the first stored nothing
        assert (run.status, run.attempts) == (RunStatus.DONE, 2) and run.worker.startswith("rescuer-"), run.worker
        assert run.pdf.read(4) == b"%PDF" and run.zip_file and set(run.result["reports"]) >= {"value-added"}
    # The long build kept its heartbeat through a PDF longer than the staleness threshold and several
    # sweeps: never sent again (a message sent again would have gone to the rescuer's queue), never
    # claimed by anyone else, stored by its own worker.
    long_done = ReportRun.objects.get(pk=long_run.pk)
    assert (long_done.status, long_done.attempts) == (RunStatus.DONE, 1) and long_done.worker.startswith("steady-")
    assert long_done.sent_at == long_run.sent_at
    assert (long_done.finished_at - long_done.started_at).total_seconds() > LONG_PDF_SECONDS
    assert sweeps >= 3
    # One PDF and one ZIP per run on disk: nothing was stored twice, the killed worker stored nothing
    assert len(list(tmp_path.rglob("*.pdf"))) == len(list(tmp_path.rglob("*.zip"))) == 5


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
