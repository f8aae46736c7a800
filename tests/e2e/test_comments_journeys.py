"""Anecdotal comments in real Chromium: a TA on a phone notes a breakthrough; a teacher reads and filters."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interventions.models import Comment
from tests import factories as f
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def ta_pupils(personas):
    """Tia runs a phonics group with Amy and Ben in it."""
    today = timezone.localdate()
    group = f.InterventionFactory(
        programme=f.ProgrammeFactory(school=personas.school, name="Phonics catch-up"),
        name="Y9 phonics",
        start_date=today - dt.timedelta(days=14),
    )
    group.staff.add(personas.ta)
    for pupil in (personas.pupil, personas.other_pupil):
        f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=group.start_date)
    f.SubjectFactory(code="english", name="English")
    return group


def _pupil(page):
    """The pupil select, found by its label as a screen reader would."""
    return page.get_by_role("combobox", name=re.compile(r"^Pupil"))


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page is {width}px wide in a {viewport}px viewport"


def test_a_ta_on_a_phone_adds_a_comment_with_a_level_in_under_30_seconds(phone_page, live_server, ta_pupils):
    page = phone_page
    login(page, live_server, "tia")
    started = time.monotonic()
    page.get_by_role("button", name="Show or hide the menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Comments").click()
    expect(page.get_by_role("heading", name="Add a comment")).to_be_visible()
    # Single column, nothing wider than the phone, inputs big enough to tap.
    _no_sideways_scroll(page)
    for field in (_pupil(page), page.get_by_label("Learning objective"), page.get_by_label("Level (optional)")):
        box = field.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300, box
    expect(page.get_by_label("Date observed")).to_have_value(timezone.localdate().isoformat())
    screenshot(page, "comments-add-phone")

    _pupil(page).select_option(label="Jones, Ben (Year 9)")
    page.get_by_label("Learning objective").fill("Blend CVC words")
    page.get_by_label("Activity").fill("Reading the corridor display on the way back from the group")
    page.get_by_label("Outcome").fill("Read 'cat', 'sun' and 'pig' aloud without help: a first!")
    page.get_by_label("Level (optional)").fill("2 b")
    page.get_by_label("Subject (optional)").select_option(label="English")
    page.get_by_label("Intervention (optional)").select_option(label="Y9 phonics")
    screenshot(page, "comments-add-filled-phone")
    page.get_by_role("button", name="Save comment").click()

    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("Saved your comment about Ben Jones at 2b.")
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"took {elapsed:.1f}s"
    listing = page.get_by_test_id("comment-list")
    expect(listing).to_contain_text("Blend CVC words")
    expect(listing.get_by_test_id("level")).to_have_text("Level 2b")
    _no_sideways_scroll(page)
    screenshot(page, "comments-saved-phone")

    comment = Comment.objects.get()
    assert (comment.pupil.forename, comment.level, comment.author.username) == ("Ben", "2b", "tia")
    assert comment.intervention == ta_pupils and comment.subject.code == "english"


def test_a_bad_level_on_a_phone_is_explained_and_nothing_typed_is_lost(phone_page, live_server, ta_pupils):
    page = phone_page
    login(page, live_server, "tia")
    page.goto(f"{live_server.url}/interventions/comments/add/")
    _pupil(page).select_option(label="Smith, Amy (Year 9)")
    page.get_by_label("Learning objective").fill("Use capital letters")
    page.get_by_label("Activity").fill("Writing a postcard")
    page.get_by_label("Outcome").fill("Capitals for every name, unprompted")
    page.get_by_label("Level (optional)").fill("2d")
    page.get_by_role("button", name="Save comment").click()

    expect(page.get_by_test_id("form-errors")).to_contain_text("Nothing has been saved yet")
    expect(page.get_by_text(re.compile("“2d” is not a level. Valid codes: P1i"))).to_be_visible()
    expect(_pupil(page)).to_have_value(str(ta_pupils.enrolments.get(pupil__forename="Amy").pupil.public_id))
    expect(page.get_by_label("Learning objective")).to_have_value("Use capital letters")
    expect(page.get_by_label("Outcome")).to_have_value("Capitals for every name, unprompted")
    expect(page.get_by_label("Level (optional)")).to_have_value("2d")
    _no_sideways_scroll(page)
    screenshot(page, "comments-error-phone")
    assert not Comment.objects.exists()

    page.get_by_label("Level (optional)").fill("2a")
    page.get_by_role("button", name="Save comment").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("at 2a")
    assert Comment.objects.get().level == "2a"


def test_the_senco_finds_a_pupil_by_typing_and_filters_the_comments(page, live_server, personas):
    for i in range(14):
        f.PupilFactory(school=personas.school, surname=f"Pupil{i:02d}", forename="Test")
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/interventions/comments/add/")
    search = page.get_by_label("Find a pupil by name")
    search.fill("smi")
    pupil = _pupil(page)
    expect(pupil.locator("option")).to_have_count(2)  # the prompt and Amy Smith
    expect(pupil).to_have_value(str(personas.pupil.public_id))  # the only match is chosen
    screenshot(page, "comments-search-desktop")
    page.get_by_label("Learning objective").fill("Ask for help")
    page.get_by_label("Activity").fill("Maths lesson")
    page.get_by_label("Outcome").fill("Put her hand up for the first time")
    page.get_by_role("button", name="Save comment").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("Amy Smith")

    # The list, filtered to Amy by the redirect; clearing the filters shows everyone's.
    expect(page.get_by_test_id("active-filters")).to_contain_text("Showing comments about Amy Smith.")
    page.get_by_role("link", name="Show all comments").click()
    expect(page.get_by_test_id("comment-list")).to_contain_text("Put her hand up")
    page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Observed from").fill((timezone.localdate() + dt.timedelta(days=-1)).isoformat())
    page.get_by_label("Observed to").fill((timezone.localdate() + dt.timedelta(days=-2)).isoformat())
    page.get_by_role("button", name="Show comments").click()
    expect(page.get_by_text("“Observed to” cannot be before “Observed from”.")).to_be_visible()
    screenshot(page, "comments-list-filter-error-desktop")
