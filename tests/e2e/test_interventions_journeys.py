"""Intervention journeys in real Chromium: a TA logs a session on a tablet; the SENCo sets up a group."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interventions.models import Attendance, Comment, Enrolment, Intervention, InterventionSession, Programme
from tests import factories as f
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def ta_group(personas):
    """Tia runs 'Y9 Toe by Toe' (three pupils) this term."""
    today = timezone.localdate()
    programme = f.ProgrammeFactory(school=personas.school, name="Toe by Toe", cost_per_session=Decimal("12.50"))
    group = f.InterventionFactory(
        programme=programme,
        name="Y9 Toe by Toe",
        schedule=f"{today:%a} and the day after, 8:40-9:00, library",  # meets today: "Today's sessions" lists it
        sessions_per_week=3,
        cost_per_session=Decimal("12.50"),
        start_date=today - dt.timedelta(days=21),
    )
    group.staff.add(personas.ta)
    cara = f.PupilFactory(school=personas.school, surname="Evans", forename="Cara", year_group=9)
    for pupil in (personas.pupil, personas.other_pupil, cara):
        f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=group.start_date)
    return group


def _upn(page, name: str) -> str:
    return page.locator("option", has_text=name).inner_text().split("(")[1].rstrip(")")


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page is {width}px wide in a {viewport}px viewport"


def test_a_ta_on_a_tablet_logs_todays_session(tablet_page, live_server, ta_group):
    page = tablet_page
    login(page, live_server, "tia")
    # From the menu (collapsed at tablet width) to today's sessions.
    page.get_by_role("button", name="Show or hide the menu").click()
    page.get_by_role("link", name="Sessions", exact=True).click()
    expect(page.get_by_role("heading", name="Today's sessions")).to_be_visible()
    expect(page.get_by_test_id("session-groups")).to_contain_text("Y9 Toe by Toe")
    expect(page.get_by_test_id("status")).to_have_text("Not logged yet")
    screenshot(page, "interventions-session-today-tablet")

    page.get_by_role("link", name="Log session of Y9 Toe by Toe today").click()
    expect(page.get_by_role("heading", name="Y9 Toe by Toe")).to_be_visible()
    boxes = page.get_by_role("checkbox", name=re.compile(r"Amy Smith|Ben Jones|Cara Evans"))
    expect(boxes).to_have_count(3)
    for i in range(3):
        expect(boxes.nth(i)).to_be_checked()
    # Each pupil's row is a big touch target: at least 44px tall across the width of the form.
    row = page.locator("label", has_text="Ben Jones")
    box = row.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 600, box
    row.click()  # tapping anywhere on the row unticks Ben
    expect(page.get_by_role("checkbox", name=re.compile("Ben Jones"))).not_to_be_checked()
    page.get_by_label("Note").fill("Ben at a hospital appointment")
    _no_sideways_scroll(page)
    screenshot(page, "interventions-session-log-tablet")

    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("2 of 3 attended")
    expect(page.get_by_test_id("status")).to_have_text("Logged")
    screenshot(page, "interventions-session-saved-tablet")

    session = InterventionSession.objects.get(intervention=ta_group)
    assert session.delivered and session.note == "Ben at a hospital appointment"
    assert dict(Attendance.objects.filter(session=session).values_list("enrolment__pupil__forename", "attended")) == {
        "Amy": True, "Ben": False, "Cara": True,
    }  # fmt: skip

    # Changing it later: the form shows what was saved; marking it not delivered replaces it.
    page.get_by_role("link", name="Change today's log for Y9 Toe by Toe").click()
    expect(page.get_by_role("checkbox", name=re.compile("Ben Jones"))).not_to_be_checked()
    page.get_by_text("Session not delivered").click()
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("not delivered")
    assert InterventionSession.objects.filter(intervention=ta_group).count() == 1
    assert not Attendance.objects.exists()


def test_the_senco_creates_a_programme_and_a_group_and_enrols_two_pupils(page, live_server, personas):
    f.PupilFactory(school=personas.school, surname="Khan", forename="Zara", year_group=7)
    personas.ta.first_name, personas.ta.last_name = "Tia", "Adams"
    personas.ta.save()
    login(page, live_server, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Interventions").click()
    expect(page.get_by_role("heading", name="Intervention groups")).to_be_visible()
    screenshot(page, "interventions-list-empty-desktop")

    # The programme: first with a mistake, which is explained and keeps what was typed.
    page.get_by_role("link", name="Programme library").click()
    page.get_by_role("link", name="Add the first programme").click()
    page.get_by_label("Name").fill("Lego therapy")
    page.get_by_label("Area of need").select_option(label="Communication and interaction")
    page.get_by_label("Cost per session (£)").fill("-8")
    page.get_by_label("Default measure").select_option(label="SDQ total difficulties")
    page.get_by_label("Description").fill("Social skills through collaborative building.")
    page.get_by_role("button", name="Add programme").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("Nothing has been saved yet")
    expect(page.get_by_text("The cost cannot be negative.")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Lego therapy")
    expect(page.get_by_label("Description")).to_have_value("Social skills through collaborative building.")
    screenshot(page, "interventions-programme-error-desktop")
    assert not Programme.objects.exists()
    page.get_by_label("Cost per session (£)").fill("8.75")
    page.get_by_role("button", name="Add programme").click()
    expect(page.get_by_role("status").filter(has_text="Added")).to_contain_text("Lego therapy")
    expect(page.get_by_test_id("programme-table")).to_contain_text("£8.75")
    screenshot(page, "interventions-programmes-desktop")

    # The group.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Interventions").click()
    page.get_by_role("link", name="New group").first.click()
    page.get_by_label("Programme").select_option(label="Lego therapy (£8.75 a session)")
    page.get_by_label("Group name").fill("Y7 Lego club")
    page.get_by_label("Tia Adams").check()
    page.get_by_label("Schedule").fill("Tue 12:30-13:00, room 4")
    page.get_by_label("Sessions per week").fill("1")
    page.get_by_label("Start date").fill(timezone.localdate().isoformat())
    screenshot(page, "interventions-group-form-desktop")
    page.get_by_role("button", name="Create group").click()

    # Enrol two pupils.
    expect(page.get_by_role("heading", name="Enrol pupils in Y7 Lego club")).to_be_visible()
    pupils = page.get_by_label("Pupils")
    pupils.select_option(label=["Khan, Zara (" + _upn(page, "Khan, Zara") + ")", "Jones, Ben (" + _upn(page, "Jones, Ben") + ")"])
    screenshot(page, "interventions-enrol-desktop")
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_role("status").filter(has_text="Enrolled")).to_contain_text("Y7 Lego club")
    table = page.get_by_test_id("enrolment-table")
    expect(table).to_contain_text("Ben Jones")
    expect(table).to_contain_text("Zara Khan")
    expect(page.get_by_test_id("cost-to-date")).to_contain_text("£0.00 to date")
    screenshot(page, "interventions-detail-desktop")

    group = Intervention.objects.get(name="Y7 Lego club")
    assert group.cost_per_session == Decimal("8.75") and group.measure == "sdq"
    assert list(group.staff.values_list("username", flat=True)) == ["tia"]
    assert set(Enrolment.objects.filter(intervention=group).values_list("pupil__forename", flat=True)) == {"Ben", "Zara"}

    # Measures are recorded in place, with htmx, and a bad one is explained in the row.
    page.get_by_role("link", name="Record measures for Ben Jones").click()
    page.get_by_label("On entry").fill("50")
    page.get_by_role("button", name="Save measures").click()
    expect(page.get_by_text("whole number from 0 to 40")).to_be_visible()
    page.get_by_label("On entry").fill("18")
    page.get_by_role("button", name="Save measures").click()
    expect(table).to_contain_text("Entry: 18")
    expect(page).to_have_url(re.compile(rf"/interventions/{group.public_id}/$"))
    screenshot(page, "interventions-detail-measures-desktop")


def test_the_senco_sees_what_each_group_has_cost(page, live_server, ta_group):
    today = timezone.localdate()
    # 7 delivered and 2 not delivered at £12.50: 7 x 12.50 = £87.50.
    for i in range(9):
        InterventionSession.objects.create(intervention=ta_group, date=today - dt.timedelta(days=i + 1), delivered=i < 7)
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/interventions/")
    expect(page.get_by_test_id("cost")).to_contain_text("£87.50")
    expect(page.get_by_test_id("total-cost")).to_have_text("£87.50")
    screenshot(page, "interventions-list-costs-desktop")
    page.get_by_role("link", name="Y9 Toe by Toe").click()
    expect(page.get_by_test_id("sessions-delivered")).to_have_text("7 delivered of 9 logged")
    # Every link on the group page leads somewhere that works.
    hrefs = {a for a in page.locator("main a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))")}
    for href in sorted(hrefs):
        if href.startswith("/"):
            response = page.request.get(f"{live_server.url}{href}")
            assert response.status == 200, href


def test_a_ta_on_a_phone_marks_a_session_not_delivered(phone_page, live_server, ta_group):
    page = phone_page
    login(page, live_server, "tia")
    page.goto(f"{live_server.url}/interventions/sessions/")
    page.get_by_role("link", name="Log session of Y9 Toe by Toe today").click()
    _no_sideways_scroll(page)
    save = page.get_by_role("button", name="Save session")
    assert save.bounding_box()["height"] >= 44
    page.get_by_text("Session not delivered").click()
    expect(page.get_by_role("checkbox", name=re.compile("Session not delivered"))).to_be_checked()
    page.get_by_label("Note").fill("Fire drill")
    screenshot(page, "interventions-session-log-phone")
    save.click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("as not delivered")
    expect(page.get_by_test_id("status")).to_have_text("Logged: not delivered")
    _no_sideways_scroll(page)
    session = InterventionSession.objects.get(intervention=ta_group)
    assert (session.delivered, session.note) == (False, "Fire drill")


START_PAGES = ("/interventions/", "/interventions/sessions/", "/interventions/comments/", "/interventions/comments/add/")


@pytest.mark.parametrize("username", ["alice", "bob", "tia"])
def test_every_intervention_link_a_person_is_shown_works(page, live_server, ta_group, personas, username):
    """Follow every link under /interventions/ from the start pages, as the SENCo, a teacher and a TA."""
    today = timezone.localdate()
    InterventionSession.objects.create(intervention=ta_group, date=today - dt.timedelta(days=1))
    f.InterventionFactory(
        programme=ta_group.programme, name="Ended group", start_date=today - dt.timedelta(days=300),
        end_date=today - dt.timedelta(days=200),
    )  # fmt: skip
    Comment.objects.create(
        pupil=personas.pupil, author=personas.ta, observed_on=today, objective="Count to 20", activity="Game",
        outcome="Did it", level="1a", intervention=ta_group,
    )  # fmt: skip
    login(page, live_server, username)
    seen: set[str] = set()
    queue = list(START_PAGES)
    while queue and len(seen) < 80:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, f"{username}: {path} gave {response.status}"
        expect(page.locator("h1")).to_have_count(1)
        for href in page.locator("main a[href]").evaluate_all("els => els.map(e => e.href)"):
            href = href.removeprefix(live_server.url).split("#")[0]
            if href.startswith("/interventions/"):
                queue.append(href)
    assert len(seen) >= 6, seen
