"""In real Chromium: the dashboards draw their Plotly charts from the vendored script, with no console errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from assessments.models import SemhChecklist
from tests.e2e.conftest import login, screenshot
from tests.integration.test_report_pages_helpers import fast_passwords, report_school  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

TERM = "?academic_year=2025&term=summer"


@pytest.fixture(autouse=True)
def patient_navigation(page, tablet_page):
    """A dashboard's first load imports Plotly in the server and fetches the Plotly bundle: allow 30 s."""
    for each in (page, tablet_page):
        each.set_default_navigation_timeout(30_000)


def fits_the_width(page) -> None:
    """Charts and tables stay inside the page: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0


def test_the_governor_dashboard_draws_its_charts_with_no_pupil_named(page, tablet_page, live_server, report_school):
    login(page, live_server, "gwen")
    expect(page).to_have_url(f"{live_server.url}/reports/governors/")  # a governor's home page
    expect(page.get_by_role("heading", name="Governor dashboard")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(4)  # value added, SEN gap, starting points, register
    expect(page.get_by_test_id("block-value-added")).to_contain_text("suppressed")  # maths SEN support: 2 pupils
    text = page.content()
    for pupil in report_school.report_pupils.values():
        assert pupil.upn not in text and pupil.full_name not in text
    fits_the_width(page)
    screenshot(page, "governor-dashboard-desktop")

    login(tablet_page, live_server, "gwen")
    expect(tablet_page.locator(".js-plotly-plot")).to_have_count(4)
    fits_the_width(tablet_page)
    screenshot(tablet_page, "governor-dashboard-tablet")


def test_the_senco_dashboard_draws_cohort_value_added_and_intervention_charts(
    page, tablet_page, live_server, report_school
):
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/reports/dashboard/{TERM}")
    expect(page.get_by_role("heading", name="Progress dashboard")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(10)
    # Nine results; A (English) and M2 (maths), both 27 to 31 points, share one marker
    expect(page.get_by_test_id("chart-cohort-progress").locator(".scatterlayer .point")).to_have_count(8)
    fits_the_width(page)
    screenshot(page, "senco-dashboard-desktop")

    login(tablet_page, live_server, "alice")
    tablet_page.goto(f"{live_server.url}/reports/dashboard/{TERM}")
    expect(tablet_page.locator(".js-plotly-plot")).to_have_count(10)
    fits_the_width(tablet_page)
    screenshot(tablet_page, "senco-dashboard-tablet")

    # A name in the table opens the pupil's dashboard
    page.get_by_test_id("block-expected-progress").get_by_role("link", name="Test A").first.click()
    expect(page.get_by_role("heading", name="Test A")).to_be_visible()


def test_a_pupils_dashboard_draws_the_flight_path_reading_age_and_semh(page, tablet_page, live_server, report_school):
    a = report_school.report_pupils["A"]
    SemhChecklist.objects.create(pupil=a, instrument="sdq", completed_on=dt.date(2025, 1, 20), total=18,
                                 academic_year=2024, term="spring")
    SemhChecklist.objects.create(pupil=a, instrument="sdq", completed_on=dt.date(2025, 6, 20), total=14,
                                 academic_year=2024, term="summer")
    login(page, live_server, "bob")  # A is in bob's group
    page.goto(f"{live_server.url}/reports/dashboard/pupils/{a.public_id}/")
    expect(page.get_by_role("heading", name="Test A")).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(4)
    expect(page.get_by_test_id("case-study")).to_have_count(0)  # the case study is the SENCo's
    fits_the_width(page)
    screenshot(page, "pupil-dashboard-desktop")

    login(tablet_page, live_server, "bob")
    tablet_page.goto(f"{live_server.url}/reports/dashboard/pupils/{a.public_id}/")
    expect(tablet_page.locator(".js-plotly-plot")).to_have_count(4)
    fits_the_width(tablet_page)
    screenshot(tablet_page, "pupil-dashboard-tablet")


def test_the_senco_filters_and_pages_the_expected_progress_table_in_place(
    page, live_server, report_school, monkeypatch
):
    from reports import progress_table

    monkeypatch.setattr(progress_table, "ROWS_PER_PAGE", 4)  # the live server runs in this process
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/reports/dashboard/{TERM}")
    table = page.get_by_test_id("progress-table")
    summary = page.get_by_test_id("progress-summary")
    filters = page.get_by_test_id("progress-filters")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(summary).to_have_text("Rows 1 to 4 of 9, sorted by pupil (surname).")
    # The keyboard pages through: htmx swaps the rows in place and focus stays on "Next"
    page.locator("#progress-next").focus()
    page.keyboard.press("Enter")
    expect(summary).to_have_text("Rows 5 to 8 of 9, sorted by pupil (surname).")
    expect(table.locator("tbody tr").first).to_contain_text("Test M1")
    expect(page.locator("#progress-next")).to_be_focused()
    expect(page).to_have_url(re.compile(r"page=2"))
    filters.get_by_label("Status").select_option("below")
    # The filters go in the address too, so it can be shared; a new filter starts at the first page
    expect(summary).to_have_text("Rows 1 to 4 of 6 matching the filters (9 in all), sorted by pupil (surname).")
    expect(page).to_have_url(re.compile(r"status=below"))
    expect(page.locator(".js-plotly-plot")).to_have_count(10)  # the charts stay drawn: no reload
    filters.get_by_label("SEN provision").select_option("K")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr")).to_contain_text("Test M3")
    screenshot(page, "senco-dashboard-progress-filtered")
    filters.get_by_label("Pupil name or UPN").fill("nobody")
    expect(summary).to_contain_text("No rows matching the filters")
    # The shared address opens the same rows as a whole page
    page.goto(page.url)
    expect(filters.get_by_label("Pupil name or UPN")).to_have_value("nobody")
    expect(summary).to_contain_text("No rows matching the filters")
