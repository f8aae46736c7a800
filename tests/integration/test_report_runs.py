"""Report runs through Celery: in-process (embedded), on a real worker; claims, heartbeats and the sweeper.

A worker killed with -9 mid-pack, recovered by another worker and a real beat with the shipped
settings: tests/integration/test_faults.py.
"""

import datetime as dt
import os
import time
import uuid

import pytest
from django.utils import timezone

from reports import services
from reports.models import ReportKind, ReportRun, ReportSchedule, RunStatus
from tests.integration.report_school import build_report_school
from tests.worker import celery_worker, worker_available

PARAMS = {"academic_year": 2025, "term": "summer"}


@pytest.fixture
def require_worker():
    reason = worker_available()
    if reason:
        if os.environ.get("REQUIRE_WORKER"):
            pytest.fail(f"CI requires a real worker but {reason}")
        pytest.skip(reason)


@pytest.fixture
def eager(settings):
    from sencotrack.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def wait_for(run_id, status, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ReportRun.objects.get(pk=run_id)
        if run.status == status:
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} still {ReportRun.objects.get(pk=run_id).status} after {timeout}s")


@pytest.mark.django_db
def test_in_process_a_requested_run_is_built_when_the_request_commits(eager, django_capture_on_commit_callbacks):
    school, _ = build_report_school()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_run_request(school=school, kind="value-added", parameters=PARAMS)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.progress == 100 and run.attempts == 1
    rows = {r["group"]: r for r in run.result["rows"] if r["subject"] == "Maths"}
    assert rows["all"]["ci_high"] == 2.77  # as worked in test_reports_figures


@pytest.mark.django_db
def test_a_finished_run_is_not_built_again():
    school, _ = build_report_school()
    run = ReportRun.objects.create(school=school, kind="value-added", parameters=PARAMS)
    assert services.report_run_execute(run.pk) == RunStatus.DONE
    finished = ReportRun.objects.get(pk=run.pk).finished_at
    assert services.report_run_execute(run.pk) == RunStatus.DONE  # a redelivered task: skipped
    again = ReportRun.objects.get(pk=run.pk)
    assert again.attempts == 1 and again.finished_at == finished


@pytest.mark.django_db
def test_a_failing_run_records_why():
    school, _ = build_report_school()
    run = ReportRun.objects.create(school=school, kind="value-added", parameters={"academic_year": 2025, "term": "summer", "subject": "Latin"})
    with pytest.raises(ValueError):
        services.report_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "no subject called 'Latin'" in run.error


@pytest.mark.django_db
def test_the_termly_pack_holds_every_report_as_pdf_and_zip(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    school, _ = build_report_school()
    run = ReportRun.objects.create(school=school, kind=ReportKind.TERMLY_PACK, parameters=PARAMS)
    services.report_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert run.pdf.read(4) == b"%PDF"
    import zipfile

    with zipfile.ZipFile(run.zip_file.path) as archive:
        assert sorted(archive.namelist()) == sorted(
            ["register-summary.csv", "expected-progress.csv", "starting-points.csv", "value-added.csv",
             "transition-matrix.csv", "standardised-progress.csv", "intervention-impact.csv", "no-gain-but-semh.csv"]
        )
        assert archive.read("value-added.csv").decode().startswith("subject,group,n,va,ci_low,ci_high,index,significance")
        assert archive.read("transition-matrix.csv").decode().startswith(
            "subject,baseline_result,current_result,n,on_or_above")


@pytest.mark.django_db
def test_the_termly_schedule_fires_once_per_school_and_term_when_the_term_has_ended(eager, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    school, _ = build_report_school()
    ReportSchedule.objects.create(school=school)
    # 31 Aug 2026 is the last day of summer 2025/26: nothing has ended since spring yet... spring was built
    with django_capture_on_commit_callbacks(execute=True):
        first = services.termly_packs_queue_due(today=dt.date(2026, 8, 31))
    assert [r.parameters for r in first] == [{"academic_year": 2025, "term": "spring"}]
    # The next day summer has ended: its pack is queued and built, once
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.termly_packs_queue_due(today=dt.date(2026, 9, 1))
    assert [r.parameters for r in queued] == [{"academic_year": 2025, "term": "summer"}]
    # Another beat the same day, or a week later, builds nothing more
    assert services.termly_packs_queue_due(today=dt.date(2026, 9, 1)) == []
    assert services.termly_packs_queue_due(today=dt.date(2026, 9, 8)) == []
    packs = ReportRun.objects.filter(kind=ReportKind.TERMLY_PACK).order_by("pk")
    assert [(p.dedupe_key, p.status) for p in packs] == [("oak:2025:spring:pack", "done"), ("oak:2025:summer:pack", "done")]


@pytest.mark.django_db
def test_two_schedules_claiming_the_same_term_build_one_pack():
    school, _ = build_report_school()
    ReportSchedule.objects.create(school=school)
    services.termly_packs_queue_due(today=dt.date(2026, 9, 1))
    # A second beat whose claim slipped through (the schedule row reset) still cannot make a second run
    ReportSchedule.objects.update(last_built_term="")
    assert services.termly_packs_queue_due(today=dt.date(2026, 9, 1)) == []
    assert ReportRun.objects.filter(kind=ReportKind.TERMLY_PACK, parameters__term="summer").count() == 1


@pytest.mark.django_db
def test_setup_schedules_is_idempotent_and_keeps_admin_edits():
    from django.core.management import call_command
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    build_report_school()
    call_command("setup_schedules", stdout=open(os.devnull, "w"))
    task = PeriodicTask.objects.get(name="Termly report packs")
    task.crontab = CrontabSchedule.objects.create(minute="0", hour="6")
    task.save()
    call_command("setup_schedules", stdout=open(os.devnull, "w"))
    assert PeriodicTask.objects.filter(name="Termly report packs").count() == 1
    assert PeriodicTask.objects.get(name="Termly report packs").crontab.hour == "6"
    assert ReportSchedule.objects.count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_separate_worker_process_builds_the_run_and_reports_progress(require_worker):
    school, _ = build_report_school()
    with celery_worker() as worker:
        run = ReportRun.objects.create(school=school, kind="value-added", parameters=PARAMS)
        from reports.tasks import build_report_run

        build_report_run.apply_async(args=[run.pk], queue=worker.queue)
        run = wait_for(run.pk, RunStatus.DONE)
    assert run.worker.startswith("worker-") and run.attempts == 1
    assert {r["group"] for r in run.result["rows"]} >= {"all", "sen_support"}


@pytest.mark.django_db
def test_a_pack_reads_the_assessments_once_for_the_three_reports_built_on_expected_progress(settings, tmp_path, monkeypatch):
    from reports import datasets, packs

    settings.MEDIA_ROOT = tmp_path
    school, _ = build_report_school()
    calls = []
    real = datasets.baselines_of
    monkeypatch.setattr(datasets, "baselines_of", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(packs, "render_pdf", lambda **kwargs: b"%PDF-test")
    real_extras = packs.pack_content.pack_extras
    extras_calls = []
    monkeypatch.setattr(packs.pack_content, "pack_extras",
                        lambda ctx, reports: extras_calls.append(len(calls)) or real_extras(ctx, reports))
    packs.build_pack(school=school, academic_year=2025, term="summer")
    # expected-progress, starting-points and value-added share one read of the baselines
    assert extras_calls == [1]
    # the summary's year-earlier figures reuse it; only the SEN gap over six terms reads them again
    assert len(calls) == 2


# --- Claims, heartbeats and the sweeper -------------------------------------------------------------


def ago(seconds):
    return timezone.now() - dt.timedelta(seconds=seconds)


def running(school, *, heartbeat_seconds_ago, attempts=1, **fields):
    """A run a worker claimed, whose last heartbeat was so many seconds ago."""
    return ReportRun.objects.create(
        school=school, kind="value-added", parameters=PARAMS, status=RunStatus.RUNNING, attempts=attempts,
        worker="gone@host", started_at=ago(heartbeat_seconds_ago + 5), heartbeat_at=ago(heartbeat_seconds_ago),
        sent_at=ago(heartbeat_seconds_ago + 5), progress=90, progress_note="Writing the PDF", **fields,
    )


@pytest.mark.django_db
def test_a_run_still_heartbeating_is_never_claimed_by_a_second_delivery(settings):
    school, _ = build_report_school()
    run = running(school, heartbeat_seconds_ago=settings.REPORT_RUN_STALE_SECONDS - 5)
    # Redis redelivered its message, or the sweeper sent it twice: the live build keeps it
    assert services.report_run_execute(run.pk, worker="second@host") == RunStatus.RUNNING
    again = ReportRun.objects.get(pk=run.pk)
    assert (again.attempts, again.worker, again.progress) == (1, "gone@host", 90)


@pytest.mark.django_db
def test_a_run_whose_heartbeat_stopped_is_claimed_and_the_first_attempt_can_no_longer_store(settings):
    school, _ = build_report_school()
    run = running(school, heartbeat_seconds_ago=settings.REPORT_RUN_STALE_SECONDS + 5)
    first_attempt = ReportRun.objects.get(pk=run.pk)
    assert services.report_run_execute(run.pk, worker="rescuer@host") == RunStatus.DONE
    done = ReportRun.objects.get(pk=run.pk)
    assert (done.attempts, done.worker, done.status) == (2, "rescuer@host", RunStatus.DONE)
    # The first worker was only slow after all: what it finishes is not stored over the result
    assert services._complete(first_attempt, lambda progress: ({"rows": "stale"}, {})) == RunStatus.DONE
    assert ReportRun.objects.get(pk=run.pk).result == done.result


@pytest.mark.django_db
def test_the_sweeper_queues_again_and_sends_a_run_whose_worker_died(
    eager, settings, django_capture_on_commit_callbacks
):
    school, _ = build_report_school()
    dead = running(school, heartbeat_seconds_ago=settings.REPORT_RUN_STALE_SECONDS + 1)
    alive = running(school, heartbeat_seconds_ago=settings.REPORT_RUN_STALE_SECONDS - 10)
    with django_capture_on_commit_callbacks() as sent:
        assert services.report_runs_requeue_stale() == 1
    queued = ReportRun.objects.get(pk=dead.pk)
    assert (queued.status, queued.progress, queued.progress_note) == (RunStatus.QUEUED, 0, services.RESTARTED_NOTE)
    assert queued.sent_at > ago(5)
    for callback in sent:  # the broker takes it (in-process here) and a worker builds it
        callback()
    rebuilt = ReportRun.objects.get(pk=dead.pk)
    assert (rebuilt.status, rebuilt.attempts) == (RunStatus.DONE, 2)
    untouched = ReportRun.objects.get(pk=alive.pk)
    assert (untouched.status, untouched.attempts, untouched.sent_at) == (RunStatus.RUNNING, 1, alive.sent_at)


@pytest.mark.django_db
def test_the_sweeper_sends_queued_runs_the_broker_never_took_or_lost_and_leaves_the_rest(settings):
    school, _ = build_report_school()

    def queued(sent_at):
        return ReportRun.objects.create(school=school, kind="value-added", parameters=PARAMS, sent_at=sent_at)

    never_taken = queued(None)
    long_ago = queued(ago(settings.REPORT_RUN_RESEND_SECONDS + 1))
    just_sent = queued(ago(settings.REPORT_RUN_STALE_SECONDS - 10))
    assert services.report_runs_requeue_stale() == 2
    sent = {r.pk: r.sent_at for r in ReportRun.objects.all()}
    assert sent[never_taken.pk] > ago(5) and sent[long_ago.pk] > ago(5)
    assert sent[just_sent.pk] == just_sent.sent_at
    assert services.report_runs_requeue_stale() == 0  # sent now: not again at the next sweep


@pytest.fixture
def run_queue():
    """A queue of the test's own as the report tasks' queue, on the broker the settings give
    (Redis in production mode, Celery's in-memory broker in the embedded mode)."""
    from sencotrack.celery import app

    previous, app.conf.task_default_queue = app.conf.task_default_queue, f"test-{uuid.uuid4().hex[:8]}"
    with app.connection_for_write() as conn:
        queue = conn.SimpleQueue(app.conf.task_default_queue)
        try:
            yield queue
        finally:
            queue.clear()
            queue.close()
            app.conf.task_default_queue = previous


@pytest.mark.django_db
def test_a_queued_run_whose_message_is_not_in_the_queue_is_sent_again_after_the_staleness_threshold(
    settings, run_queue
):
    school, _ = build_report_school()
    run = ReportRun.objects.create(school=school, kind="value-added", parameters=PARAMS,
                                   sent_at=ago(settings.REPORT_RUN_STALE_SECONDS + 5))
    run_queue.put({"a task": "ahead of it"})  # the queue is busy: the run may be waiting its turn
    assert services.report_runs_requeue_stale() == 0
    run_queue.clear()  # nothing in the queue: its message was lost (Redis restarted, a dropped connection)
    assert services.report_runs_requeue_stale() == 1
    assert ReportRun.objects.get(pk=run.pk).sent_at > ago(5)


@pytest.mark.django_db
def test_a_run_whose_worker_died_every_time_fails_with_a_message_after_the_last_attempt(settings):
    school, _ = build_report_school()
    limit = settings.REPORT_RUN_MAX_ATTEMPTS
    run = running(school, heartbeat_seconds_ago=settings.REPORT_RUN_STALE_SECONDS + 1, attempts=limit)
    assert services.report_run_execute(run.pk) == RunStatus.RUNNING  # no further attempt by redelivery
    assert services.report_runs_requeue_stale() == 0
    failed = ReportRun.objects.get(pk=run.pk)
    assert failed.status == RunStatus.FAILED and failed.finished_at is not None
    assert failed.error.startswith(f"The worker building this report stopped {limit} times")


@pytest.mark.django_db
def test_a_database_error_puts_the_run_back_in_the_queue_for_celerys_retry(monkeypatch):
    from django.db import OperationalError

    from reports import generators

    school, _ = build_report_school()
    run = ReportRun.objects.create(school=school, kind="value-added", parameters=PARAMS)

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(generators, "build", database_gone)
    with pytest.raises(OperationalError):
        services.report_run_execute(run.pk)
    waiting = ReportRun.objects.get(pk=run.pk)
    assert (waiting.status, waiting.attempts) == (RunStatus.QUEUED, 1)
    monkeypatch.undo()
    assert services.report_run_execute(run.pk) == RunStatus.DONE  # the retry claims it
    assert ReportRun.objects.get(pk=run.pk).attempts == 2


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_written_while_weasyprint_renders_the_pdf(settings, tmp_path, monkeypatch):
    """The PDF is one long call that holds Python's GIL most of the time: the heartbeat thread must
    still write. Not a fault test: the interval is shortened here to watch several beats in a few
    seconds; the fault test (test_faults.py) shows the same with the shipped settings."""
    from reports import packs

    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_RUN_HEARTBEAT_SECONDS = 0.2
    school, _ = build_report_school()
    run = ReportRun.objects.create(school=school, kind=ReportKind.TERMLY_PACK, parameters=PARAMS)
    real_render_pdf = packs.render_pdf
    seen = []

    def long_render_pdf(**kwargs):  # the real render three times over, noting the heartbeat after each
        rendering_since = timezone.now()
        for _ in range(3):
            pdf = real_render_pdf(**kwargs)
            heartbeat_at = ReportRun.objects.values_list("heartbeat_at", flat=True).get(pk=run.pk)
            seen.append((rendering_since, timezone.now(), heartbeat_at))
        return pdf

    monkeypatch.setattr(packs, "render_pdf", long_render_pdf)
    assert services.report_run_execute(run.pk) == RunStatus.DONE
    for rendering_since, now, heartbeat_at in seen:
        # Written in the middle of the render, long after its last progress note at 90 %
        assert heartbeat_at > rendering_since and now - heartbeat_at < dt.timedelta(seconds=1), seen
    assert len({heartbeat_at for *_, heartbeat_at in seen}) == len(seen)


def test_the_shipped_settings_recover_a_dead_worker_in_under_two_minutes_and_never_redeliver_a_live_build():
    from django.conf import settings

    assert settings.REPORT_RUN_STALE_SECONDS + settings.REPORT_RUN_SWEEP_SECONDS <= 70
    assert settings.REPORT_RUN_STALE_SECONDS >= 9 * settings.REPORT_RUN_HEARTBEAT_SECONDS
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT


@pytest.mark.django_db
def test_setup_schedules_runs_the_sweeper_every_sweep_interval_from_the_settings(settings):
    from django.core.management import call_command
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    quiet = open(os.devnull, "w")
    # As an older release left it: every ten minutes, by crontab
    PeriodicTask.objects.create(name="Re-send stale report runs", task="reports.tasks.requeue_stale_report_runs",
                                crontab=CrontabSchedule.objects.create(minute="*/10"), enabled=False)
    call_command("setup_schedules", stdout=quiet)
    sweeper = PeriodicTask.objects.get(name="Re-send stale report runs")
    assert sweeper.crontab is None and sweeper.enabled
    assert (sweeper.interval.every, sweeper.interval.period) == (20, "seconds")
    assert sweeper.expire_seconds == 20
    settings.REPORT_RUN_SWEEP_SECONDS = 30
    call_command("setup_schedules", stdout=quiet)
    assert PeriodicTask.objects.get(name="Re-send stale report runs").interval.every == 30
    assert PeriodicTask.objects.filter(task="reports.tasks.requeue_stale_report_runs").count() == 1
