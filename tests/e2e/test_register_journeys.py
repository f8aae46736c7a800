"""The SENCo's register in real Chromium: filter with htmx, add an entry, close one, at desktop and tablet widths."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pupils.models import Pupil, RegisterEntry
from tests import factories as f
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def register(personas):
    """Six pupils on the register across needs and years; Amy's review is overdue; Finn is not on it."""
    today = timezone.localdate()
    school = personas.school
    f.RegisterEntryFactory(
        pupil=personas.pupil, provision="K", primary_need="SPLD", review_date=today - dt.timedelta(days=5)
    )
    f.RegisterEntryFactory(
        pupil=personas.other_pupil,
        provision="E",
        primary_need="ASD",
        secondary_need="SLCN",
        start_date=dt.date(2022, 9, 5),
        review_date=today + dt.timedelta(days=40),
    )
    rows = [
        ("Cole", "Cara", 7, "ASD", "K"),
        ("Dunn", "Dev", 8, "SEMH", "K"),
        ("Evans", "Eve", 7, "SPLD", "E"),
        ("Gray", "Gus", 9, "ASD", "K"),
    ]
    for surname, forename, year, need, provision in rows:
        pupil = f.PupilFactory(school=school, surname=surname, forename=forename, year_group=year)
        f.RegisterEntryFactory(
            pupil=pupil,
            provision=provision,
            primary_need=need,
            start_date=dt.date(2024, 9, 2),
            review_date=today + dt.timedelta(days=20),
        )
    f.PupilFactory(school=school, surname="Fox", forename="Finn", year_group=8)
    return personas


def _table_names(page) -> list[str]:
    return page.get_by_test_id("register-table").locator("tbody tr td:first-child a").all_inner_texts()


def test_the_senco_filters_the_register_by_need_and_year_without_reloading_the_page(page, live_server, register):
    login(page, live_server, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", name="SEN register", level=1)).to_be_visible()
    expect(page.get_by_test_id("register-results")).to_contain_text("6 pupils on the register")
    expect(page.get_by_test_id("register-table")).to_contain_text("Overdue")
    screenshot(page, "register-senco-desktop")

    # A marker on the window survives only if htmx swapped the results rather than loading a new page.
    page.evaluate("window.__stillHere = true")
    page.get_by_label("Primary need").select_option("ASD")
    expect(page.get_by_test_id("register-results")).to_contain_text("3 pupils on the register matching the filters")
    assert _table_names(page) == ["Cole, Cara", "Gray, Gus", "Jones, Ben"]
    expect(page).to_have_url(re.compile(r"need=ASD"))

    page.get_by_label("Year group").select_option("7")
    expect(page.get_by_test_id("register-results")).to_contain_text("1 pupil on the register matching the filters")
    assert _table_names(page) == ["Cole, Cara"]
    expect(page).to_have_url(re.compile(r"need=ASD.*year=7|year=7.*need=ASD"))
    assert page.evaluate("window.__stillHere") is True
    counts = page.get_by_test_id("register-counts")
    expect(counts).to_contain_text("By primary need ASD 1")
    screenshot(page, "register-senco-filtered-desktop")

    # The filtered address is a real page: reloading it shows the same filtered register.
    page.reload()
    expect(page.get_by_label("Primary need")).to_have_value("ASD")
    assert _table_names(page) == ["Cole, Cara"]


def test_the_filters_work_without_javascript(browser, live_server, register, browser_problems):
    context = browser.new_context(
        java_script_enabled=False, base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    browser_problems.watch(page)
    try:
        login(page, live_server, "alice")
        page.goto(f"{live_server.url}/pupils/register/")
        page.get_by_label("Primary need").select_option("SPLD")
        with page.expect_navigation():
            page.get_by_role("button", name="Apply filters").click()
        assert _table_names(page) == ["Evans, Eve", "Smith, Amy"]
    finally:
        context.close()


def test_the_senco_adds_an_entry_then_closes_another(page, live_server, register):
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/pupils/register/")
    page.get_by_role("link", name="Add to the register").click()
    expect(page.get_by_role("heading", name="Add to the SEN register")).to_be_visible()

    # First a mistake: no start date and a secondary need equal to the primary one.
    finn = Pupil.objects.get(surname="Fox")
    page.get_by_label("Pupil").select_option(str(finn.public_id))
    page.get_by_label("Primary need").select_option("SLCN")
    page.get_by_label("Secondary need").select_option("SLCN")
    page.get_by_label("Start date").fill("")
    page.get_by_label("Notes").fill("Referred by Mr Khan after the speech screen.")
    with page.expect_navigation():
        page.get_by_role("button", name="Add to the register").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_text("The secondary need must differ from the primary need.")).to_be_visible()
    expect(page.get_by_label("Notes")).to_have_value("Referred by Mr Khan after the speech screen.")
    expect(page.get_by_label("Pupil")).to_have_value(str(finn.public_id))
    assert not RegisterEntry.objects.filter(pupil__surname="Fox").exists()
    screenshot(page, "register-add-errors-desktop")

    page.get_by_label("Secondary need").select_option("")
    page.get_by_label("Start date").fill("2025-01-06")
    page.get_by_label("Review date").fill("2025-03-28")
    with page.expect_navigation():
        page.get_by_role("button", name="Add to the register").click()
    expect(page.get_by_role("status").filter(has_text="Finn Fox is on the register")).to_be_visible()
    expect(page.get_by_test_id("register-table")).to_contain_text("Fox, Finn")
    entry = RegisterEntry.objects.get(pupil__surname="Fox")
    assert (entry.provision, entry.primary_need, entry.start_date) == ("K", "SLCN", dt.date(2025, 1, 6))

    # Close Dev's entry from the register.
    page.get_by_role("link", name="Close Dev Dunn's entry").click()
    expect(page.get_by_role("heading", name="Close the register entry of Dev Dunn")).to_be_visible()
    page.get_by_label("End date").fill("2025-07-18")
    screenshot(page, "register-close-desktop")
    with page.expect_navigation():
        page.get_by_role("button", name="Close the entry").click()
    expect(page.get_by_role("status").filter(has_text="was closed on 18/07/2025")).to_be_visible()
    # Back on the register it came from, Dev has gone (the entry ended).
    expect(page).to_have_url(re.compile(r"/pupils/register/"))
    expect(page.get_by_test_id("register-table")).not_to_contain_text("Dunn, Dev")
    assert RegisterEntry.objects.get(pupil__surname="Dunn").end_date == dt.date(2025, 7, 18)


def test_the_register_on_a_tablet(tablet_page, live_server, register):
    page = tablet_page
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/pupils/register/?need=ASD")
    expect(page.get_by_test_id("register-results")).to_contain_text("3 pupils")
    page_overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert page_overflow == 0  # the table scrolls inside its card, not the whole page
    screenshot(page, "register-senco-tablet")
    page.get_by_role("link", name="Add to the register").click()
    expect(page.get_by_label("Pupil")).to_be_visible()
    screenshot(page, "register-add-tablet")


def test_a_teacher_sees_only_their_pupils_and_no_edit_buttons(page, live_server, register):
    login(page, live_server, "bob")
    page.goto(f"{live_server.url}/pupils/register/")
    assert _table_names(page) == ["Smith, Amy"]
    expect(page.get_by_role("link", name="Add to the register")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Close"))).to_have_count(0)
    screenshot(page, "register-teacher-desktop")
