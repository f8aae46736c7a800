"""A TA edits the address bar to reach another pupil and SENCo-only pages, as a curious new user
would: real Chromium gets the refusal page and not one word of the other pupil's record."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from pupils.models import AccessEvent
from tests import factories as f
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def tia_and_carl(personas):
    """tia runs a reading group with Carl in it; Amy (bob's group) and Ben are not hers."""
    carl = f.PupilFactory(school=personas.school, forename="Carl", surname="Quennell")
    group = f.InterventionFactory(
        programme=f.ProgrammeFactory(school=personas.school, name="Toe by Toe"), name="Reading group",
        start_date=dt.date(2025, 9, 8),
    )  # fmt: skip
    group.staff.add(personas.ta)
    f.EnrolmentFactory(intervention=group, pupil=carl, start_date=dt.date(2025, 9, 8))
    f.RegisterEntryFactory(pupil=personas.pupil, provision="E", primary_need="ASD", notes="Ear defenders in the hall")
    return personas, carl


def assert_nothing_of(page, pupil) -> None:
    text = page.content()
    for secret in (pupil.forename, pupil.surname, pupil.upn, "Ear defenders", "ASD"):
        assert secret not in text, f"the refusal page shows {secret!r}"


def test_a_ta_who_edits_the_url_to_another_pupil_or_a_senco_page_gets_nothing(
    page, live_server, tia_and_carl, browser_problems
):
    personas, carl = tia_and_carl
    amy = personas.pupil
    browser_problems.allow("404")  # the refusals themselves (and the console's note of each)
    browser_problems.allow("403")
    login(page, live_server, "tia")

    # Her own pupil's page opens.
    page.goto(f"{live_server.url}/pupils/{carl.public_id}/")
    expect(page.get_by_role("heading", name="Carl Quennell", level=1)).to_be_visible()

    # She swaps Carl's id in the address for Amy's (whose id she might have seen on a shared screen).
    response = page.goto(page.url.replace(str(carl.public_id), str(amy.public_id)))
    assert response.status == 404
    assert_nothing_of(page, amy)
    screenshot(page, "ta-edits-url-to-another-pupil")

    # Amy's other pages and downloads, and the SENCo-only pages of her own pupil: refused alike.
    for path, status in (
        (f"/pupils/{amy.public_id}/history/", 404),
        (f"/pupils/{amy.public_id}/concerns/raise/", 404),
        (f"/assessments/pupils/{amy.public_id}/", 403),
        (f"/reports/dashboard/pupils/{amy.public_id}/", 403),
        (f"/reports/pupils/{amy.public_id}/case-study/", 403),
        (f"/pupils/{carl.public_id}/audit/", 403),
        (f"/pupils/{carl.public_id}/profile/", 403),
        ("/pupils/concerns/", 403),
        ("/reports/", 403),
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == status, path
        assert_nothing_of(page, amy)

    # Only the one page she was allowed to open was logged as a view; nothing of Amy's.
    assert list(AccessEvent.objects.values_list("pupil__forename", flat=True)) == ["Carl"]


def test_the_senco_reads_who_changed_and_who_opened_a_pupils_record(page, live_server, tia_and_carl):
    personas, carl = tia_and_carl
    login(page, live_server, "tia")
    page.goto(f"{live_server.url}/pupils/{carl.public_id}/")
    page.context.clear_cookies()  # tia leaves; alice signs in on the same machine
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/pupils/{carl.public_id}/profile/")
    page.get_by_label("What helps me").fill("Short tasks with a timer")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    page.get_by_test_id("pupil-hub").get_by_role("link", name="Audit history").click()
    expect(page.get_by_role("heading", name="Audit history of Carl Quennell", level=1)).to_be_visible()
    first = page.get_by_test_id("audit-entry").first
    expect(first).to_contain_text("Pupil profile created")
    expect(first).to_contain_text("– → Short tasks with a timer")
    access = page.get_by_test_id("audit-access")
    expect(access).to_contain_text("Viewed the pupil page")
    expect(access).to_contain_text(personas.ta.get_full_name())
    screenshot(page, "pupil-audit-desktop")
