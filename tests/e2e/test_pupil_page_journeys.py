"""The pupil page in real Chromium: the SENCo edits the profile, a teacher opens their pupil's page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from assessments.models import ReadingTest, SemhChecklist, Target
from interventions.models import Comment
from pupils.models import PupilProfile
from tests import factories as f
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def amy(personas):
    """Amy Smith with a year of records: on SEN support, baselines, levels, an intervention, comments and measures."""
    pupil = personas.pupil
    english = f.SubjectFactory(code="english")
    maths = f.SubjectFactory(code="maths", name="Maths")
    f.RegisterEntryFactory(
        pupil=pupil,
        provision="K",
        primary_need="SPLD",
        secondary_need="SLCN",
        start_date=dt.date(2023, 9, 4),
        review_date=dt.date(2026, 7, 10),
    )
    f.BaselineFactory(pupil=pupil, subject=english, key_stage="KS2", result="3b", academic_year=2022, term="summer")
    f.BaselineFactory(pupil=pupil, subject=maths, key_stage="KS2", result="4c", academic_year=2022, term="summer")
    f.AssessmentFactory(pupil=pupil, subject=english, academic_year=2023, term="autumn", result="3a")
    f.AssessmentFactory(pupil=pupil, subject=english, academic_year=2023, term="summer", result="4c")
    f.AssessmentFactory(pupil=pupil, subject=maths, academic_year=2023, term="summer", result="4c")
    Target.objects.create(pupil=pupil, subject=english, academic_year=2023, result="4b")
    programme = f.ProgrammeFactory(school=personas.school, name="Toe by Toe")
    intervention = f.InterventionFactory(
        programme=programme, name="Toe by Toe, Tuesday", schedule="Tue 8:40-9:00, library"
    )
    f.EnrolmentFactory(
        intervention=intervention, pupil=pupil, start_date=dt.date(2024, 1, 8), end_date=dt.date(2024, 3, 22)
    )
    Comment.objects.create(
        pupil=pupil,
        author=personas.teacher,
        observed_on=dt.date(2024, 5, 10),
        objective="Read a page aloud",
        activity="Paired reading of a class novel",
        outcome="Read fluently with two prompts",
        level="4c",
        subject=english,
    )
    SemhChecklist.objects.create(
        pupil=pupil,
        instrument="sdq",
        completed_on=dt.date(2024, 3, 1),
        total=Decimal("17"),
        academic_year=2023,
        term="spring",
    )
    ReadingTest.objects.create(
        pupil=pupil,
        measure="reading",
        test_name="NGRT",
        tested_on=dt.date(2024, 2, 1),
        age_equivalent_months=90,
        standardised_score=84,
    )
    return personas


def test_the_senco_opens_a_pupil_from_the_register_and_edits_the_profile(page, live_server, amy):
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/pupils/register/")
    page.get_by_role("link", name="Smith, Amy").click()
    expect(page.get_by_role("heading", name="Amy Smith", level=1)).to_be_visible()
    expect(page.get_by_test_id("sen-status")).to_contain_text("K: SEN support")
    levels = page.get_by_test_id("levels")
    # English: KS2 3b, 4c three terms on; expected 21 + 3.6 = 24.6 points -> 3a.
    expect(levels).to_contain_text("24.6 points")
    expect(levels).to_contain_text("Below expected")  # maths stayed at 4c
    expect(page.get_by_test_id("timeline")).to_contain_text("Reading age 7:06")
    screenshot(page, "pupil-senco-desktop")

    # The timeline filter swaps only the timeline and keeps the address shareable.
    page.evaluate("window.__stillHere = true")
    page.get_by_test_id("timeline").get_by_role("link", name="Comment", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?type=comment"))
    expect(page.get_by_test_id("timeline").locator("li[data-kind]")).to_have_count(1)
    expect(page.get_by_test_id("timeline")).to_contain_text("Read a page aloud")
    assert page.evaluate("window.__stillHere") is True

    page.get_by_role("link", name="Edit the profile").first.click()
    expect(page.get_by_role("heading", name="One-page profile of Amy Smith")).to_be_visible()
    page.get_by_label("What I am good at").fill("Drawing, football, helping younger pupils.")
    page.get_by_label("What helps me").fill("Instructions written down; a coloured overlay for reading.")
    page.get_by_label("In my own words").fill("I like it when I can show what I know by drawing it.")
    screenshot(page, "pupil-profile-form-desktop")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the profile").click()
    expect(page.get_by_role("status").filter(has_text="The one-page profile of Amy Smith was saved.")).to_be_visible()
    expect(page.get_by_test_id("profile")).to_contain_text("a coloured overlay for reading")
    assert PupilProfile.objects.get(pupil=amy.pupil).updated_by == amy.senco


def test_the_pupil_page_on_a_tablet(tablet_page, live_server, amy):
    page = tablet_page
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/pupils/{amy.pupil.public_id}/")
    expect(page.get_by_role("heading", name="Amy Smith", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    screenshot(page, "pupil-senco-tablet")


def test_a_teacher_finds_their_pupil_and_opens_the_page(page, live_server, amy):
    login(page, live_server, "bob")
    with page.expect_navigation():  # typing before the list has loaded would be lost with the old page
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My groups").click()
    page.get_by_label("Name or UPN").fill("smi")
    expect(page.get_by_test_id("pupil-results")).to_contain_text("1 pupil matching “smi”")
    page.get_by_role("link", name="Smith, Amy").click()
    expect(page.get_by_role("heading", name="Amy Smith", level=1)).to_be_visible()
    expect(page.get_by_test_id("levels")).to_contain_text("English")
    expect(page.get_by_role("link", name="Edit the profile")).to_have_count(0)
    screenshot(page, "pupil-teacher-desktop")


def test_a_teacher_cannot_open_ben_who_is_in_no_group_of_theirs(page, live_server, amy, browser_problems):
    browser_problems.allow("404")  # the refusal itself, and the plain 404 page's favicon request
    login(page, live_server, "bob")
    response = page.goto(f"{live_server.url}/pupils/{amy.other_pupil.public_id}/")
    assert response.status == 404


def test_the_pupil_page_on_a_phone(phone_page, live_server, amy):
    page = phone_page
    login(page, live_server, "bob")
    page.goto(f"{live_server.url}/pupils/{amy.pupil.public_id}/")
    expect(page.get_by_role("heading", name="Amy Smith", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    screenshot(page, "pupil-teacher-phone")


def test_a_ta_on_a_tablet_raises_a_concern_about_a_pupil_in_their_group(tablet_page, live_server, amy):
    page = tablet_page
    intervention = f.InterventionFactory(
        programme=f.ProgrammeFactory(school=amy.school, name="Lego therapy"), name="Lego club"
    )
    intervention.staff.add(amy.ta)
    f.EnrolmentFactory(intervention=intervention, pupil=amy.other_pupil, start_date=dt.date(2025, 9, 8))
    login(page, live_server, "tia")
    page.goto(f"{live_server.url}/pupils/{amy.other_pupil.public_id}/")
    expect(page.get_by_role("heading", name="Ben Jones", level=1)).to_be_visible()
    expect(page.get_by_test_id("levels")).to_have_count(0)  # TAs see no assessments (docs/roles.md)
    page.get_by_role("link", name="Raise a concern").click()
    # Nothing typed: the error says so and nothing is saved.
    page.get_by_label("What have you noticed?").fill("   ")
    with page.expect_navigation():
        page.get_by_role("button", name="Raise the concern").click()
    expect(
        page.get_by_text("This field is required.").or_(page.get_by_text("Say what you have noticed."))
    ).to_be_visible()
    page.get_by_label("What have you noticed?").fill("Covers his ears in the hall; left assembly twice this week.")
    screenshot(page, "concern-raise-tablet")
    with page.expect_navigation():
        page.get_by_role("button", name="Raise the concern").click()
    expect(page.get_by_role("status").filter(has_text="Your concern about Ben Jones was raised")).to_be_visible()
    expect(page.get_by_test_id("open-concern")).to_contain_text("Covers his ears in the hall")
    screenshot(page, "pupil-ta-tablet")
