"""Two people, one record, in real Chromium (sencotrack.conflicts): the second save is told, never overwrites.

Each test opens the same form in two browser contexts (two people, two sessions), saves it in one,
then saves the older page in the other: the conflict says who changed it and when, shows what was
typed beside what is there now, keeps the typing, and "Save mine anyway" then saves it. The
screenshots (test-artifacts/screenshots/conflict-*.png) are looked at, not only asserted on.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Target
from interventions.models import Enrolment, InterventionSession, MeasureKind, Programme
from pupils.models import PupilProfile, Role
from tests import factories as f
from tests.e2e.conftest import DESKTOP, PHONE, login, screenshot

pytestmark = pytest.mark.e2e
AT = re.compile(r"at \d\d:\d\d, after you opened this page")


@pytest.fixture
def jo(personas):
    """Jo Morgan, the school's second SENCo (alice is the first)."""
    user = f.UserFactory(username="jo", first_name="Jo", last_name="Morgan")
    f.MembershipFactory(user=user, school=personas.school, role=Role.SENCO)
    return user


@pytest.fixture
def other(browser, live_server, browser_problems):
    """A second person's browser (its own cookies), watched for errors like the first."""
    contexts = []

    def open_page(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        browser_problems.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_a_profile_saved_by_a_colleague_first_is_shown_as_a_conflict(page, other, live_server, personas, jo):
    amy = personas.pupil
    PupilProfile.objects.create(pupil=amy, strengths="Reading aloud", what_helps="Short tasks")
    url = f"{live_server.url}/pupils/{amy.public_id}/profile/"
    login(page, live_server, "alice")
    page.goto(url)
    colleague = other()
    login(colleague, live_server, "jo")
    colleague.goto(url)
    colleague.get_by_label("What I am good at").fill("Reading aloud and times tables")
    with colleague.expect_navigation():
        colleague.get_by_role("button", name="Save the profile").click()

    page.get_by_label("What I am good at").fill("Drawing and reading aloud")
    page.get_by_label("What helps me").fill("Short tasks, a quiet corner")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the profile").click()

    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_contain_text(re.compile(r"Jo Morgan changed this one-page profile " + AT.pattern))
    expect(conflict).to_be_focused()
    table = page.get_by_test_id("conflict-table")
    expect(table).to_contain_text("Drawing and reading aloud")
    expect(table).to_contain_text("Reading aloud and times tables")
    expect(page.get_by_label("What I am good at")).to_have_value("Drawing and reading aloud")
    assert PupilProfile.objects.get().strengths == "Reading aloud and times tables"
    screenshot(page, "conflict-profile")

    with page.expect_navigation():
        page.get_by_test_id("save-mine").click()
    expect(page.get_by_role("status")).to_contain_text("The one-page profile of Amy Smith was saved.")
    profile = PupilProfile.objects.get()
    assert (profile.strengths, profile.what_helps) == ("Drawing and reading aloud", "Short tasks, a quiet corner")


def test_save_mine_anyway_outside_a_crispy_form_submits_it(page, other, live_server, personas, jo):
    """The programme form is drawn by crispy (its own <form>): the conflict's button submits it by its id."""
    f.ProgrammeFactory(school=personas.school, name="Toe by Toe", cost_per_session=Decimal("12.50"))
    url = f"{live_server.url}/interventions/programmes/Toe%20by%20Toe/edit/"
    login(page, live_server, "alice")
    page.goto(url)
    colleague = other()
    login(colleague, live_server, "jo")
    colleague.goto(url)
    colleague.get_by_label("Cost per session (£)").fill("15.00")
    with colleague.expect_navigation():
        colleague.get_by_role("button", name="Save programme").click()

    page.get_by_label("Cost per session (£)").fill("14.00")
    with page.expect_navigation():
        page.get_by_role("button", name="Save programme").click()
    expect(page.get_by_test_id("conflict")).to_contain_text(re.compile(r"Jo Morgan changed this programme " + AT.pattern))
    expect(page.get_by_test_id("conflict-table")).to_contain_text("15.00")
    screenshot(page, "conflict-programme")
    assert Programme.objects.get().cost_per_session == Decimal("15.00")

    with page.expect_navigation():
        page.get_by_test_id("save-mine").click()
    expect(page.get_by_role("status")).to_contain_text("Saved Toe by Toe.")
    assert Programme.objects.get().cost_per_session == Decimal("14.00")


def test_two_tas_logging_the_same_session_on_their_phones(phone_page, other, live_server, personas):
    today = timezone.localdate()
    tom = f.UserFactory(username="tom", first_name="Tom", last_name="Hale")
    f.MembershipFactory(user=tom, school=personas.school, role=Role.TA)
    group = f.InterventionFactory(
        programme=f.ProgrammeFactory(school=personas.school, name="Toe by Toe"), name="Y9 Toe by Toe",
        start_date=today - dt.timedelta(days=14),
    )  # fmt: skip
    group.staff.add(personas.ta, tom)
    for pupil in (personas.pupil, personas.other_pupil):
        f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=group.start_date)
    url = f"{live_server.url}/interventions/{group.public_id}/sessions/{today.isoformat()}/"
    page = phone_page
    login(page, live_server, "tia")
    page.goto(url)
    colleague = other(PHONE)
    login(colleague, live_server, "tom")
    colleague.goto(url)
    colleague.get_by_label("Ben Jones").uncheck()
    colleague.get_by_label("Note").fill("Ben at the dentist")
    with colleague.expect_navigation():
        colleague.get_by_role("button", name="Save session").click()

    with page.expect_navigation():
        page.get_by_role("button", name="Save session").click()  # tia's page: both ticked

    expect(page.get_by_test_id("conflict")).to_contain_text(re.compile(r"Tom Hale created this session " + AT.pattern))
    expect(page.get_by_label("Ben Jones")).to_be_checked()
    session = InterventionSession.objects.get()
    assert session.note == "Ben at the dentist" and session.attendances.filter(attended=True).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "conflict-session-log-phone")


def test_a_target_set_by_a_colleague_meanwhile_is_marked_in_its_row(page, other, live_server, personas, jo):
    english = personas.group.subject
    f.BaselineFactory(pupil=personas.pupil, subject=english, key_stage="KS2", result="3b", academic_year=2022)
    year = 2024
    url = f"{live_server.url}/assessments/groups/{personas.group.pk}/targets/?subject=english&year={year}"
    login(page, live_server, "alice")
    page.goto(url)
    colleague = other()
    login(colleague, live_server, "jo")
    colleague.goto(url)
    colleague.get_by_label("Target for Amy Smith in English").fill("5c")
    with colleague.expect_navigation():
        colleague.get_by_role("button", name="Save targets").click()

    page.get_by_label("Target for Amy Smith in English").fill("3a")  # not the suggestion the box shows
    with page.expect_navigation():
        page.get_by_role("button", name="Save targets").click()
    expect(page.get_by_test_id("conflict")).to_contain_text(
        re.compile(r"Nothing was saved: 1 target was changed by Jo Morgan at \d\d:\d\d after you opened this page\.")
    )
    expect(page.get_by_label("Target for Amy Smith in English")).to_have_value("3a")
    expect(page.get_by_test_id("target-row")).to_contain_text("Jo Morgan set 5c")
    assert Target.objects.get().result == "5c"
    screenshot(page, "conflict-targets")

    with page.expect_navigation():
        page.get_by_test_id("save-mine").click()
    expect(page.get_by_role("status")).to_contain_text("Targets saved: 0 set, 1 changed.")
    assert Target.objects.get().result == "3a"


def test_measures_recorded_meanwhile_show_a_conflict_inside_the_table_cell(page, other, live_server, personas, jo):
    group = f.InterventionFactory(
        programme=f.ProgrammeFactory(school=personas.school, name="Toe by Toe"), name="Y9 Toe by Toe",
        measure=MeasureKind.READING, start_date=dt.date(2024, 9, 9),
    )  # fmt: skip
    f.EnrolmentFactory(intervention=group, pupil=personas.other_pupil, start_date=group.start_date)
    url = f"{live_server.url}/interventions/{group.public_id}/"
    login(page, live_server, "alice")
    page.goto(url)
    page.get_by_role("link", name="Record measures for Ben Jones").click()  # opens the form in the cell (htmx)
    expect(page.get_by_label("On entry")).to_be_visible()
    colleague = other()
    login(colleague, live_server, "jo")
    colleague.goto(url)
    colleague.get_by_role("link", name="Record measures for Ben Jones").click()
    colleague.get_by_label("On entry").fill("7:02")
    colleague.get_by_role("button", name="Save measures").click()
    expect(colleague.get_by_test_id("enrolment-table")).to_contain_text("Entry: 7:02")

    page.get_by_label("On entry").fill("7y6m")
    page.get_by_role("button", name="Save measures").click()
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_contain_text(re.compile(r"Jo Morgan changed this pupil's measures " + AT.pattern))
    expect(page.get_by_test_id("conflict-table")).to_contain_text("7:02")
    assert Enrolment.objects.get().entry_measure == "7:02"
    screenshot(page, "conflict-measures-cell")

    page.get_by_test_id("save-mine").click()
    expect(page.get_by_test_id("enrolment-table")).to_contain_text("Entry: 7:06")
    assert Enrolment.objects.get().entry_measure == "7:06"
