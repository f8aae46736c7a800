"""In real Chromium: a trust leader asks for the trust pack, watches its progress, then downloads the PDF.

The pack is built off the request (a worker; in the embedded mode a thread): the button goes straight
to the run's page, which follows the run by itself. docs/termly-pack.md.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pupils.models import Trust, TrustMembership
from reports import services
from reports.models import ReportKind, ReportRun, RunStatus
from tests import factories as f
from tests.e2e.conftest import TABLET, login, screenshot
from tests.integration.test_report_pages_helpers import fast_passwords, report_school  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e


@pytest.fixture
def leader(report_school, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    trust = Trust.objects.create(name="Oak Trust")
    report_school.school.trust = trust
    report_school.school.save()
    user = f.UserFactory(username="terry", first_name="Terry", last_name="Lead")
    TrustMembership.objects.create(user=user, trust=trust)
    return user


def test_the_trust_leader_asks_for_the_trust_pack_and_downloads_it(page, live_server, leader, report_school,
                                                                   monkeypatch):
    # No worker takes the run until the test says so: the page must show it queued, then building, then done.
    from reports.tasks import build_report_run

    sent = []
    monkeypatch.setattr(build_report_run, "apply_async", lambda *args, **kwargs: sent.append(kwargs))
    login(page, live_server, "terry")
    expect(page).to_have_url(re.compile(r"/reports/trust/"))
    page.goto(f"{live_server.url}/reports/trust/?academic_year=2025&term=summer")
    assert ReportRun.objects.count() == 0  # looking at the dashboard starts nothing
    expect(page.get_by_role("link", name="Trust packs", exact=True)).to_be_visible()
    screenshot(page, "trust-dashboard-desktop", full_page=False)
    with page.expect_navigation():
        page.get_by_role("button", name="Build the trust pack for Summer 2025/26 (PDF)").click()
    expect(page).to_have_url(re.compile(r"/reports/trust/pack/[0-9a-f-]+/$"))
    run = ReportRun.objects.get()
    assert (run.kind, run.trust.name, run.school) == (ReportKind.TRUST_PACK, "Oak Trust", None)
    assert sent == [{"args": [run.pk]}]
    expect(page.get_by_text("Trust pack for Summer 2025/26 requested.")).to_be_visible()
    expect(page.get_by_test_id("run-status")).to_contain_text("Queued")
    expect(page.get_by_role("link", name="Trust packs", exact=True)).to_have_attribute("aria-current", "page")
    screenshot(page, "trust-pack-queued-desktop")

    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=35,
                                               progress_note="Computing the figures for Oak Academy")
    expect(page.get_by_test_id("run-percent")).to_have_text("35%", timeout=5_000)
    expect(page.get_by_test_id("run-status")).to_contain_text("Building: Computing the figures for Oak Academy")
    screenshot(page, "trust-pack-building-desktop")

    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, progress=0)
    assert services.report_run_execute(run.pk) == RunStatus.DONE  # the worker builds it: the real PDF
    download_link = page.get_by_test_id("download-pdf")
    expect(download_link).to_be_visible(timeout=10_000)
    expect(page.locator("#run-status[hx-trigger]")).to_have_count(0)  # polling has stopped
    screenshot(page, "trust-pack-done-desktop")
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename == "oak-trust-2025-26-summer-trust-pack.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # The pack page shows the latest run and the history; reading it starts nothing.
    page.goto(f"{live_server.url}/reports/trust/pack/")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "done")
    expect(page.get_by_role("table")).to_contain_text("Summer 2025/26")
    page.set_viewport_size(TABLET)
    screenshot(page, "trust-pack-page-tablet")
    assert ReportRun.objects.count() == 1
