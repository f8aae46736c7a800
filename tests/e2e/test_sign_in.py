"""Signing in and out through the real pages, for every role, at desktop, tablet and phone widths."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pupils.models import Provision, Role
from demo import seed as demo
from pupils.navigation import url_or_none
from tests import factories as f
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def school_day(personas):
    """Enough of a school for each home page to show something: a review due, a group, a session."""
    today = timezone.localdate()
    f.RegisterEntryFactory(pupil=personas.pupil, review_date=today + dt.timedelta(days=6))
    f.RegisterEntryFactory(
        pupil=personas.other_pupil, provision=Provision.EHC_PLAN, primary_need="ASD", review_date=today - dt.timedelta(days=2)
    )
    f.AssessmentFactory(pupil=personas.pupil, academic_year=2024, term="summer")
    programme = f.ProgrammeFactory(school=personas.school, name="Lego therapy")
    group = f.InterventionFactory(
        programme=programme,
        name="Tuesday Lego club",
        schedule=f"{today:%a}, 12:30-13:00, library",  # meets today: "Today's sessions" lists it
        start_date=today - dt.timedelta(days=40),
        end_date=today + dt.timedelta(days=10),
    )
    group.staff.add(personas.ta)
    f.EnrolmentFactory(intervention=group, pupil=personas.other_pupil, start_date=group.start_date)
    return personas


# What each persona sees first: (username, heading or text on the landing page, role line in the navbar).
ROLES = {
    "senco": ("alice", "Reviews due", "SENCo, Oak Academy"),
    "teacher": ("bob", "My teaching groups", "Teacher, Oak Academy"),
    "ta": ("tia", "Today's sessions", "Teaching assistant, Oak Academy"),
    "governor": ("gwen", "The governor dashboard is coming", "Governor, Oak Academy"),
    "data_manager": ("dan", "Import data from your MIS", "Data manager, Oak Academy"),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_signs_in_lands_on_their_home_page_and_signs_out(page, live_server, school_day, role):
    username, landmark, role_line = ROLES[role]
    login(page, live_server, username)

    governor_dashboard = url_or_none("reports:governor")
    if role == "governor" and governor_dashboard:
        expect(page).to_have_url(f"{live_server.url}{governor_dashboard}")
    else:
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.get_by_role("heading", name=landmark)).to_be_visible()
    expect(page.get_by_test_id("who")).to_contain_text(role_line)
    if role == "senco":
        expect(page.get_by_test_id("reviews-due")).to_contain_text("Ben Jones")
        expect(page.get_by_test_id("reviews-due")).to_contain_text("Overdue")
    if role == "teacher":
        expect(page.get_by_test_id("teaching-groups")).to_contain_text("9E1")
    if role == "ta":
        expect(page.get_by_test_id("sessions-today")).to_contain_text("Tuesday Lego club")
        expect(page.get_by_test_id("ta-pupils")).to_contain_text("Ben Jones")
    screenshot(page, f"home-{role}-desktop")

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))  # signed out for real


def test_wrong_password_shows_the_error_and_keeps_the_username(page, live_server, personas):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not-the-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("alice")
    expect(page.get_by_label("Password")).to_have_value("")
    screenshot(page, "login-wrong-password")


def test_sign_in_page_explains_the_product(page, live_server, db):
    f.SchoolFactory(code="oak")  # with no school at all, the first visit sets one up instead
    page.goto(f"{live_server.url}/login/")
    expect(page).to_have_title("Sign in · sencotrack")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.get_by_text("The SEN register, assessments, interventions")).to_be_visible()
    screenshot(page, "login-desktop")


def test_demo_logins_box_fills_the_username_in_development(page, live_server, db, settings):
    settings.DEBUG = True
    school = f.SchoolFactory(code=demo.DEMO_SCHOOL_CODE, name="Riverside Academy")
    for username, role in (("senco", Role.SENCO), ("teacher", Role.TEACHER)):
        user = f.UserFactory(username=username, email=f"{username}@{demo.DEMO_EMAIL_DOMAIN}")
        f.MembershipFactory(user=user, school=school, role=role)
    page.goto(f"{live_server.url}/login/")
    box = page.get_by_role("complementary", name="Demo accounts (development only)")
    expect(box).to_be_visible()
    expect(box).to_contain_text(demo.DEMO_PASSWORD)
    box.get_by_role("button", name="Use teacher").click()
    expect(page.get_by_label("Username")).to_have_value("teacher")
    expect(page.get_by_label("Password")).to_be_focused()
    screenshot(page, "login-demo-logins")


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page, live_server, school_day):
    login(page, live_server, "alice")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_desktop_navbar_is_expanded_with_the_senco_links(page, live_server, school_day):
    login(page, live_server, "alice")
    expect(page.get_by_role("button", name="Show or hide the menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")


@pytest.mark.parametrize("size", ["phone", "tablet"])
def test_small_screens_collapse_the_navbar_and_the_toggler_works_from_the_keyboard(
    request, live_server, school_day, size
):
    page = request.getfixturevalue(f"{size}_page")
    page.goto(f"{live_server.url}/login/")
    screenshot(page, f"login-{size}")
    login(page, live_server, "alice")

    toggler = page.get_by_role("button", name="Show or hide the menu")
    home_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Home")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(home_link).to_be_hidden()
    screenshot(page, f"home-senco-{size}")

    # Tab: skip link, app name, then the toggler.
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(toggler).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bcollapse show\b"))  # opening finished
    expect(home_link).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, f"home-senco-{size}-menu-open", full_page=False)

    page.keyboard.press("Space")
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(home_link).to_be_hidden()


@pytest.mark.parametrize("role", ["teacher", "ta"])
def test_phone_width_home_pages_fit_without_sideways_scrolling(phone_page, live_server, school_day, role):
    username = ROLES[role][0]
    login(phone_page, live_server, username)
    expect(phone_page.get_by_role("heading", name=ROLES[role][1])).to_be_visible()
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow == 0
    screenshot(phone_page, f"home-{role}-phone")
