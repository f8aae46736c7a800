"""In real Chromium: Birch School's P-level pupils on the pupil record, the progress page (quartile lines on the
flight path), the SENCo's dashboard (heat maps, effect sizes) and the reference sets page; axe-clean at
desktop and phone widths, with screenshots to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pupils.models import Pupil, Role
from tests import factories as f
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import AxeRun, _check_both_widths, _context
from tests.integration.figures_school import UPNS, build_figures_school
from tests.integration.test_report_pages_helpers import fast_passwords  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e
TERM = "?academic_year=2025&term=summer"


@pytest.fixture
def birch(tmp_path):
    school = build_figures_school(tmp_path)
    f.MembershipFactory(school=school, role=Role.SENCO, user=f.UserFactory(username="birch-senco"))
    return school


def test_the_figures_pages_draw_and_pass_axe(browser, live_server, birch):
    from tests.e2e.conftest import PASSWORD

    axe = AxeRun()
    context = _context(browser, live_server, axe)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill("birch-senco")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    a1 = Pupil.objects.get(upn=UPNS["A1"])

    page.goto(f"/reports/dashboard/pupils/{a1.public_id}/")
    expect(page.get_by_test_id("chart-flight-0").locator(".scatterlayer .trace")).to_have_count(6)  # LQ, median, UQ, baseline, results, intervention key
    expect(page.get_by_text("Median (expected)").first).to_be_attached()
    page.wait_for_function("() => [...document.querySelectorAll('[data-chart]')].every(e => e.classList.contains('js-plotly-plot'))")
    screenshot(page, "figures-progress-page-desktop")
    _check_both_widths(page, axe, "progress page A1")

    page.goto(f"/pupils/{a1.public_id}/")
    expect(page.get_by_test_id("expected").first).to_contain_text("3.2 points, between P5 and P6")
    page.wait_for_function("() => [...document.querySelectorAll('[data-chart]')].every(e => e.classList.contains('js-plotly-plot'))")
    screenshot(page, "figures-pupil-record-desktop")
    _check_both_widths(page, axe, "pupil record A1")

    page.goto(f"/reports/dashboard/{TERM}")
    expect(page.get_by_test_id("chart-transition-0").locator(".heatmaplayer, .hm")).not_to_have_count(0)
    page.wait_for_function("() => [...document.querySelectorAll('[data-chart]')].every(e => e.classList.contains('js-plotly-plot'))")
    screenshot(page, "figures-senco-dashboard-desktop")
    _check_both_widths(page, axe, "senco dashboard")

    page.goto("/assessments/reference-sets/")
    expect(page.get_by_test_id("in-force-quartiles")).to_contain_text("Birch P-level quartiles")
    page.wait_for_function("() => [...document.querySelectorAll('[data-chart]')].every(e => e.classList.contains('js-plotly-plot'))")
    screenshot(page, "figures-reference-sets-desktop")
    _check_both_widths(page, axe, "reference sets")
    axe.write("figures-pages")
    context.close()
    assert not axe.failures(), "\n".join(axe.failures())
