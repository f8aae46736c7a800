"""In real Chromium: the SENCo archives a leaver with a reason and finds it in the audit history, and
reads a termly pack from which retention has removed two leavers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from pupils.models import Pupil
from reports import services
from reports.models import ReportKind, ReportRun
from tests.e2e.conftest import PHONE, login, screenshot
from tests.integration.test_report_pages_helpers import fast_passwords, report_school  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e


def test_the_senco_archives_a_leaver_with_a_reason_and_sees_it_in_the_audit_history(page, live_server, personas):
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/pupils/{personas.pupil.public_id}/audit/")
    with page.expect_navigation():
        page.get_by_role("link", name="Archive as a leaver").click()
    expect(page.get_by_role("heading", name="Archive Amy Smith as a leaver")).to_be_visible()
    page.get_by_label("Reason (optional)").fill("Moved to another school")
    screenshot(page, "pupil-archive-form-desktop")
    with page.expect_navigation():
        page.get_by_role("button", name="Archive").click()
    expect(page.get_by_text("Amy Smith is archived")).to_be_visible()

    page.goto(f"{live_server.url}/pupils/{personas.pupil.public_id}/audit/")
    entry = page.get_by_test_id("audit-entry").first
    expect(entry).to_contain_text("Archived as a leaver: Moved to another school")
    expect(entry).to_contain_text("Archived at")
    expect(page.get_by_role("link", name="Put back on roll")).to_be_visible()
    screenshot(page, "pupil-audit-archived-desktop")


def test_a_pack_redacted_by_retention_says_so_on_its_page(page, live_server, report_school, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    school = report_school.school
    run = ReportRun.objects.create(school=school, kind=ReportKind.TERMLY_PACK, parameters={"academic_year": 2025, "term": "summer"})
    services.report_run_execute(run.pk)
    school.retention_years = 1
    school.save()
    leavers = [report_school.report_pupils[k].pk for k in ("A", "M3")]
    Pupil.objects.filter(pk__in=leavers).update(leaving_date=dt.date(2026, 7, 20), archived_at=timezone.now())
    call_command("retention", "--today", "2027-12-03", "--apply", stdout=io.StringIO())

    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/reports/runs/{run.public_id}/")
    note = page.get_by_test_id("run-redactions")
    expect(note).to_contain_text(
        f"2 pupils' rows were removed on {timezone.localdate().isoformat()} under the school's retention policy."
    )
    expect(note).to_contain_text("no longer count them")
    screenshot(page, "report-run-redacted-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "report-run-redacted-phone")
