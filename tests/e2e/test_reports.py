"""In real Chromium: the SENCo asks for a report, watches its progress bar, then reads the table."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from reports import services
from reports.models import ReportRun, RunStatus
from tests.e2e.conftest import TABLET, login, screenshot
from tests.integration.test_report_pages_helpers import fast_passwords, report_school  # noqa: F401 - fixtures
from tests.worker import celery_worker, worker_available

pytestmark = pytest.mark.e2e


def request_value_added(page, live_server):
    page.goto(f"{live_server.url}/reports/")
    expect(page.get_by_role("heading", name="Request a report")).to_be_visible()
    page.locator("#id_kind").select_option("value-added")
    page.locator("#id_academic_year").select_option("2025")
    page.locator("#id_term").select_option("summer")
    with page.expect_navigation():
        page.get_by_role("button", name="Request").click()
    expect(page).to_have_url(re.compile(r"/reports/runs/[0-9a-f-]+/$"))


def test_the_senco_requests_a_value_added_report_and_sees_the_progress_bar_then_the_table(
    page, live_server, report_school, monkeypatch
):
    # No worker picks the run up until the test says so: the page must show the run queued, then
    # its progress, then the stored table, all by polling.
    from reports.tasks import build_report_run

    sent = []
    monkeypatch.setattr(build_report_run, "apply_async", lambda *args, **kwargs: sent.append(kwargs))
    login(page, live_server, "alice")
    request_value_added(page, live_server)
    run = ReportRun.objects.get()
    assert sent == [{"args": [run.pk]}]

    progress = page.get_by_test_id("run-progress")
    expect(progress).to_be_visible()
    expect(page.get_by_test_id("run-status")).to_contain_text("Queued")
    expect(page.get_by_text("Value added requested for Summer 2025/26.")).to_be_visible()
    screenshot(page, "report-run-queued-desktop")

    # The worker starts and writes its progress: the bar follows without a reload
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=40, progress_note="Assessments read")
    expect(page.get_by_test_id("run-percent")).to_have_text("40%", timeout=5_000)
    expect(progress).to_have_attribute("value", "40")
    expect(page.get_by_test_id("run-status")).to_contain_text("Building: Assessments read")
    screenshot(page, "report-run-progress-desktop")
    page.set_viewport_size(TABLET)
    screenshot(page, "report-run-progress-tablet")
    page.set_viewport_size({"width": 1280, "height": 900})

    # It finishes: the stored table replaces the bar, and polling stops
    services.report_run_execute(run.pk)
    table = page.get_by_test_id("result-value-added")
    expect(table).to_be_visible(timeout=5_000)
    expect(table).to_contain_text("2.77")
    expect(table).to_contain_text("in line")
    expect(page.get_by_test_id("run-progress")).to_have_count(0)
    expect(page.locator("#run-status[hx-trigger]")).to_have_count(0)
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    screenshot(page, "report-run-done-desktop")
    page.set_viewport_size(TABLET)
    screenshot(page, "report-run-done-tablet")

    page.goto(f"{live_server.url}/reports/")
    history = page.get_by_test_id("run-history")
    expect(history).to_contain_text("Value added")
    expect(history).to_contain_text("Done")
    screenshot(page, "report-history-tablet")


@pytest.fixture
def require_worker():
    reason = worker_available()
    if reason:
        if os.environ.get("REQUIRE_WORKER"):
            pytest.fail(f"CI requires a real worker but {reason}")
        pytest.skip(reason)


@pytest.mark.worker
def test_a_report_requested_in_the_browser_is_built_by_a_separate_worker_process(
    page, live_server, report_school, require_worker, monkeypatch
):
    from reports.tasks import build_report_run
    from sencotrack.celery import app

    # Each report takes 3 s in the worker, so the page has time to show the bar.
    with celery_worker(log_name="e2e-worker", extra_env={"SENCOTRACK_TEST_REPORT_DELAY": "3"}) as worker:
        original = build_report_run.apply_async
        monkeypatch.setattr(build_report_run, "apply_async",
                            lambda *args, **kwargs: original(*args, **{**kwargs, "queue": worker.queue}))
        eager, app.conf.task_always_eager = app.conf.task_always_eager, False
        try:
            login(page, live_server, "alice")
            request_value_added(page, live_server)
            expect(page.get_by_test_id("run-progress")).to_be_visible()
            # The worker has claimed it and written its progress; the page shows it without a reload
            expect(page.get_by_test_id("run-status")).to_contain_text("Building", timeout=30_000)
            screenshot(page, "report-run-real-worker-progress")
            table = page.get_by_test_id("result-value-added")
            expect(table).to_be_visible(timeout=60_000)
            expect(table).to_contain_text("2.77")
            screenshot(page, "report-run-real-worker-done")
        finally:
            app.conf.task_always_eager = eager
    run = ReportRun.objects.get()
    assert run.status == RunStatus.DONE and run.worker.startswith("e2e-worker-")


def test_a_report_asked_for_while_the_broker_is_down_says_it_is_queued_then_that_it_restarted(
    page, live_server, report_school, monkeypatch
):
    from reports.tasks import build_report_run

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(build_report_run, "apply_async", broker_down)
    login(page, live_server, "alice")
    request_value_added(page, live_server)
    expect(page.get_by_text("Value added for Summer 2025/26 queued: it will start when the report service is back."))\
        .to_be_visible()
    expect(page.get_by_test_id("run-waiting")).to_be_visible()
    screenshot(page, "report-run-waiting-for-broker")

    # The sweeper sent it, a worker started it and died: the page says so by itself
    run = ReportRun.objects.get()
    ReportRun.objects.filter(pk=run.pk).update(progress_note=services.RESTARTED_NOTE, sent_at=run.created_at)
    expect(page.get_by_test_id("run-status")).to_contain_text("Queued again: the worker building it stopped")
    screenshot(page, "report-run-queued-again")
