"""Report runs through Celery: in-process (embedded), on a real worker, and surviving a killed worker."""

import datetime as dt
import os
import time

import pytest

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


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_run_lets_another_worker_finish_it_exactly_once(require_worker):
    school, _ = build_report_school()
    slow = {"SENCOTRACK_TEST_REPORT_DELAY": "30", "CELERY_VISIBILITY_TIMEOUT": "3"}
    from reports.tasks import build_report_run

    with celery_worker(log_name="doomed", extra_env=slow) as doomed:
        run = ReportRun.objects.create(school=school, kind="value-added", parameters=PARAMS)
        build_report_run.apply_async(args=[run.pk], queue=doomed.queue)
        started = wait_for(run.pk, RunStatus.RUNNING)
        assert started.attempts == 1
        doomed.kill()  # SIGKILL to the worker and its pool: the task is never acknowledged
        queue = doomed.queue
    assert ReportRun.objects.get(pk=run.pk).status == RunStatus.RUNNING
    # A new worker on the same queue gets the unacknowledged task back and completes it
    with celery_worker(queue=queue, log_name="rescuer", extra_env={"CELERY_VISIBILITY_TIMEOUT": "3"}):
        finished = wait_for(run.pk, RunStatus.DONE, timeout=120)
    assert finished.attempts == 2 and finished.worker.startswith("rescuer-")
    assert ReportRun.objects.filter(school=school).count() == 1


@pytest.mark.django_db
def test_a_pack_reads_the_assessments_once_for_the_three_reports_built_on_expected_progress(settings, tmp_path, monkeypatch):
    from reports import datasets, packs

    settings.MEDIA_ROOT = tmp_path
    school, _ = build_report_school()
    calls = []
    real = datasets.baselines_of
    monkeypatch.setattr(datasets, "baselines_of", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(packs, "render_pdf", lambda **kwargs: b"%PDF-test")
    packs.build_pack(school=school, academic_year=2025, term="summer")
    # expected-progress, starting-points and value-added share one read of the baselines
    assert len(calls) == 1
