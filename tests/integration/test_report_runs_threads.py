"""The embedded mode has no sweeper: a report run whose thread died (its process restarted) is found
when its page or the reports list is shown, and queued again or failed, as the sweeper does with Celery
(reports.services_threads; docs/operations-reports.md, "The embedded mode")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import services, services_threads
from reports.models import ReportRun, RunStatus
from sencotrack import background
from tests import factories as f
from tests.integration.report_school import build_report_school

PARAMS = {"academic_year": 2025, "term": "summer"}
pytestmark = pytest.mark.django_db


def ago(seconds):
    return timezone.now() - dt.timedelta(seconds=seconds)


@pytest.fixture
def threads(monkeypatch):
    """Runs are built in this process's threads (the embedded mode's default; tests turn it off)."""
    monkeypatch.setattr(background, "in_threads", lambda: True)


@pytest.fixture
def oak():
    school, _ = build_report_school()
    senco = f.UserFactory(username="sally")
    f.MembershipFactory(user=senco, school=school, role="senco")
    return school, senco


def running(school, *, worker=background.THIS_PROCESS, heartbeat_seconds_ago=1, attempts=1):
    return ReportRun.objects.create(
        school=school, kind="value-added", parameters=PARAMS, status=RunStatus.RUNNING, attempts=attempts, worker=worker,
        started_at=ago(heartbeat_seconds_ago + 5), heartbeat_at=ago(heartbeat_seconds_ago),
        sent_at=ago(heartbeat_seconds_ago + 5), progress=40, progress_note="Reading the assessments",
    )  # fmt: skip


def test_polling_a_run_whose_thread_is_gone_queues_it_again_and_sends_it(
    threads, oak, client, django_capture_on_commit_callbacks
):
    school, senco = oak
    # Claimed by a thread of this process a second ago, but no thread here holds it: the process that
    # built it was this one before a restart (the same name), or the thread died.
    run = running(school)
    client.force_login(senco)
    with django_capture_on_commit_callbacks() as sent:
        page = client.get(reverse("reports:run", args=[run.public_id]))
    assert page.status_code == 200 and services.RESTARTED_NOTE in page.content.decode()
    again = ReportRun.objects.get(pk=run.pk)
    assert (again.status, again.progress, again.progress_note) == (RunStatus.QUEUED, 0, services.RESTARTED_NOTE)
    assert again.sent_at > ago(5) and len(sent) == 1  # handed to a thread when the request commits
    # That thread claims it as a second attempt and builds it.
    assert services.report_run_execute(run.pk, worker=background.THIS_PROCESS) == RunStatus.DONE
    assert ReportRun.objects.get(pk=run.pk).attempts == 2


def test_a_run_a_thread_here_is_building_is_left_alone_however_quiet(threads, oak, client):
    school, senco = oak
    run = running(school, heartbeat_seconds_ago=3600)  # the PDF is one long call
    client.force_login(senco)
    with services_threads.holding([run.pk]):
        client.get(reverse("reports:run", args=[run.public_id]))
    assert ReportRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


def test_another_processs_run_is_dead_once_its_heartbeat_is_stale(threads, oak, client, settings):
    school, senco = oak
    stale = running(school, worker="host:1:thread", heartbeat_seconds_ago=settings.REPORT_RUN_STALE_SECONDS + 1)
    beating = running(school, worker="host:2:thread", heartbeat_seconds_ago=settings.REPORT_RUN_STALE_SECONDS - 10)
    client.force_login(senco)
    page = client.get(reverse("reports:list"))  # the list checks the runs it shows too
    assert page.status_code == 200
    assert ReportRun.objects.get(pk=stale.pk).status == RunStatus.QUEUED
    assert ReportRun.objects.get(pk=beating.pk).status == RunStatus.RUNNING


def test_a_run_whose_thread_died_on_its_last_attempt_fails_with_the_sweepers_message(threads, oak, settings):
    school, _ = oak
    limit = settings.REPORT_RUN_MAX_ATTEMPTS
    run = running(school, attempts=limit)
    services.report_runs_check_alive([run])
    assert run.status == RunStatus.FAILED and run.finished_at is not None  # the object shown is refreshed
    assert run.error == services.GAVE_UP.format(attempts=limit)


def test_a_run_queued_before_this_process_started_is_sent_again_once(threads, oak, django_capture_on_commit_callbacks):
    school, _ = oak
    lost = ReportRun.objects.create(school=school, kind="value-added", parameters=PARAMS,
                                    sent_at=services_threads.STARTED_AT - dt.timedelta(seconds=1))  # fmt: skip
    waiting = ReportRun.objects.create(school=school, kind="value-added", parameters=PARAMS, sent_at=timezone.now())
    with django_capture_on_commit_callbacks() as sent:
        services.report_runs_check_alive([lost, waiting])
        services.report_runs_check_alive([lost])  # sent now: not again
    assert len(sent) == 1 and lost.sent_at > services_threads.STARTED_AT
    assert ReportRun.objects.get(pk=waiting.pk).sent_at == waiting.sent_at


def test_with_celery_workers_the_sweeper_decides_not_the_page(oak, client):
    school, senco = oak
    run = running(school, worker="celery@worker1", heartbeat_seconds_ago=3600)
    client.force_login(senco)
    client.get(reverse("reports:run", args=[run.public_id]))
    assert ReportRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


def test_an_eager_build_names_this_process_as_its_worker(oak, django_capture_on_commit_callbacks):
    from sencotrack.celery import app

    school, _ = oak
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = services.report_run_request(school=school, kind="value-added", parameters=PARAMS)
    finally:
        app.conf.task_always_eager = previous
    run.refresh_from_db()
    assert (run.status, run.worker) == (RunStatus.DONE, background.THIS_PROCESS)
    assert not services_threads.held_here(run.pk)  # released once stored
