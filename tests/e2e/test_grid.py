"""A teacher types a class's termly results into the grid with the keyboard alone, in real Chromium.

Tab and Enter move from one pupil's cell to the next; a slip is shown under its cell as soon as the
teacher leaves it (htmx) and again after saving, while the other results are saved. At a desktop
(1280 px) and a tablet (768 px) width; the screenshots are kept in test-artifacts/screenshots.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Assessment
from assessments.terms import previous_term
from sencotrack.parsing import term_for_date
from tests import factories as f
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def klass(personas):
    """bob's 9E1 English: Cara Brown, Dev Patel and Amy Smith (surname order: Brown, Patel, Smith)."""
    p = personas
    p.english = p.group.subject
    p.cara = f.PupilFactory(school=p.school, surname="Brown", forename="Cara")
    p.dev = f.PupilFactory(school=p.school, surname="Patel", forename="Dev")
    p.group.pupils.add(p.cara, p.dev)
    year, term = term_for_date(timezone.localdate())
    p.term_label = f"{term.capitalize()} {year}/{(year + 1) % 100:02d}"
    last_year, last_term = previous_term(year, term)
    f.AssessmentFactory(pupil=p.pupil, subject=p.english, academic_year=last_year, term=last_term, result="3a")
    f.AssessmentFactory(pupil=p.cara, subject=p.english, academic_year=last_year, term=last_term, result="P8")
    f.BaselineFactory(pupil=p.pupil, subject=p.english, key_stage="KS2", result="3b", academic_year=year - 2)
    p.year, p.term = year, term
    return p


def cell(page, forename: str, surname: str, term_label: str):
    return page.get_by_label(f"{term_label} result for {forename} {surname}")


@pytest.mark.parametrize("size", ["desktop", "tablet"])
def test_teacher_types_the_grid_with_the_keyboard_and_a_slip_is_marked_while_the_rest_save(
    request, live_server, klass, size
):
    page = request.getfixturevalue("page" if size == "desktop" else "tablet_page")
    login(page, live_server, "bob")
    page.get_by_role("link", name="Record assessments").click()

    # bob has one group: its grid opens at once, for this term and the group's subject.
    expect(page.get_by_role("heading", name=f"9E1 · English · {klass.term_label}")).to_be_visible()
    rows = page.get_by_test_id("grid-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Brown, Cara")
    expect(rows.nth(0)).to_contain_text("P8")  # last term's result
    expect(rows.nth(2)).to_contain_text("from KS2 3b")  # the expected result comes from the baseline
    screenshot(page, f"grid-empty-{size}")

    cara, dev, amy = (cell(page, *name, klass.term_label) for name in (("Cara", "Brown"), ("Dev", "Patel"), ("Amy", "Smith")))
    cara.focus()
    page.keyboard.type("4 B")
    page.keyboard.press("Tab")  # Tab moves to the next pupil's cell...
    expect(dev).to_be_focused()
    page.keyboard.type("4d")
    page.keyboard.press("Enter")  # ...and so does Enter, without submitting the form
    expect(amy).to_be_focused()
    assert not Assessment.objects.filter(academic_year=klass.year, term=klass.term).exists()

    # Leaving each cell checked it: the slip is explained under its cell at once, the others read back.
    expect(page.locator(f"#check-{klass.cara.pk}")).to_have_text("Reads as 4b")
    expect(page.locator(f"#check-{klass.dev.pk}")).to_contain_text("Check this: '4d' is not a level")
    expect(dev).to_have_attribute("aria-invalid", "true")
    page.keyboard.type("P1(ii)")
    page.keyboard.press("Enter")  # from the last cell Enter goes to the Save button...
    save = page.get_by_role("button", name="Save results")
    expect(save).to_be_focused()
    screenshot(page, f"grid-typed-{size}")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # ...and Enter there saves

    summary = page.get_by_test_id("grid-summary")
    expect(summary).to_contain_text("Saved 2 results; 1 needs checking.")
    expect(summary).to_be_focused()
    expect(dev).to_have_value("4d")  # what was typed is kept
    expect(dev).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#check-{klass.dev.pk}")).to_contain_text("'4d' is not a level. Valid codes:")
    expect(cara).to_have_value("4b")  # saved, shown as the canonical code
    expect(amy).to_have_value("P1ii")
    expect(page.locator(f"#check-{klass.pupil.pk}")).to_have_text("Saved as P1ii")
    stored = dict(
        Assessment.objects.filter(academic_year=klass.year, term=klass.term).values_list("pupil__surname", "result")
    )
    assert stored == {"Brown": "4b", "Smith": "P1ii"}
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    screenshot(page, f"grid-saved-with-a-slip-{size}")

    # The summary's link takes the keyboard to the cell to fix; correcting it and saving clears the mark.
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name=re.compile("Dev Patel"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(dev).to_be_focused()
    page.keyboard.type("4a")
    page.keyboard.press("Tab")
    expect(amy).to_be_focused()
    expect(dev).not_to_have_attribute("aria-invalid", "true")
    with page.expect_navigation():
        save.click()
    expect(page.get_by_role("status")).to_contain_text(f"Saved 1 result; 2 unchanged. 9E1, English, {klass.term_label}.")
    expect(dev).to_have_value("4a")
    expect(page.get_by_test_id("grid-recorded")).to_have_text("3 of 3 recorded")
    screenshot(page, f"grid-all-saved-{size}")


def test_senco_picks_any_group_and_term_from_the_picker(page, live_server, klass):
    other = f.TeachingGroupFactory(school=klass.school, name="8M2", subject=f.SubjectFactory(code="maths", name="Maths"))
    other.pupils.add(klass.other_pupil)
    login(page, live_server, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assessments").click()
    expect(page.get_by_test_id("grid-groups")).to_contain_text("8M2 · Maths")
    page.get_by_role("combobox", name="Teaching group").select_option(label="8M2 (Maths)")
    page.get_by_role("combobox", name="Term").select_option("summer")
    with page.expect_navigation():
        page.get_by_role("button", name="Show the grid").click()
    summer = f"Summer {klass.year}/{(klass.year + 1) % 100:02d}"
    expect(page.get_by_role("heading", name=f"8M2 · Maths · {summer}")).to_be_visible()
    ben = cell(page, "Ben", "Jones", summer)
    expect(ben).to_be_focused()  # "Show the grid" puts the cursor in the first cell, not at the top
    assert "csrfmiddlewaretoken" not in page.url  # a GET form carries no token into the address bar
    ben.fill("5c")
    with page.expect_navigation():
        page.get_by_role("button", name="Save results").click()
    expect(page.get_by_role("status")).to_contain_text("Saved 1 result.")
    assert Assessment.objects.get(pupil=klass.other_pupil).result == "5c"
    screenshot(page, "grid-senco-picker")


def test_teacher_is_refused_another_teachers_group(page, live_server, klass, browser_problems):
    other = f.TeachingGroupFactory(school=klass.school, name="9E2", subject=klass.english)
    browser_problems.allow("404")
    login(page, live_server, "bob")
    response = page.goto(f"{live_server.url}/assessments/?group={other.pk}")
    assert response.status == 404


# --- Two people, one grid (sencotrack.conflicts) ------------------------------------------------------


def _second_browser(browser, live_server, browser_problems):
    """Another person's browser: its own context (cookies, session), watched like the first."""
    from tests.e2e.conftest import DESKTOP

    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    browser_problems.watch(page)
    return context, page


@pytest.fixture
def two(klass):
    """bob (Bob Hughes, the teacher) and alice (Jo Morgan, the SENCo) both record for 9E1."""
    klass.teacher.first_name, klass.teacher.last_name = "Bob", "Hughes"
    klass.teacher.save()
    klass.senco.first_name, klass.senco.last_name = "Jo", "Morgan"
    klass.senco.save()
    return klass


def _open_grid(page, live_server, username: str, klass) -> None:
    login(page, live_server, username)
    page.goto(f"{live_server.url}/assessments/?group={klass.group.pk}&subject=english&academic_year={klass.year}&term={klass.term}")
    expect(page.get_by_role("heading", name=f"9E1 · English · {klass.term_label}")).to_be_visible()


def test_a_stale_grid_saved_keeps_the_colleagues_results_and_shows_each_conflict(
    page, browser, live_server, two, browser_problems
):
    """Jo opens the grid; Bob opens it too, types and saves; Jo saves what she typed on her older page."""
    context, bob = _second_browser(browser, live_server, browser_problems)
    try:
        _open_grid(page, live_server, "alice", two)  # Jo's page, opened first
        _open_grid(bob, live_server, "bob", two)
        cell(bob, "Cara", "Brown", two.term_label).fill("4b")
        cell(bob, "Dev", "Patel", two.term_label).fill("3a")
        with bob.expect_navigation():
            bob.get_by_role("button", name="Save results").click()
        expect(bob.get_by_role("status")).to_contain_text("Saved 2 results.")

        cara, dev, amy = (cell(page, *name, two.term_label) for name in (("Cara", "Brown"), ("Dev", "Patel"), ("Amy", "Smith")))
        cara.fill("4a")
        dev.fill("3c")
        amy.fill("5c")
        with page.expect_navigation():
            page.get_by_role("button", name="Save results").click()

        summary = page.get_by_test_id("grid-summary")
        expect(summary).to_contain_text(
            re.compile(r"Saved 1 result; 2 were changed by Bob Hughes at \d\d:\d\d since you opened the grid and were not saved\.")
        )
        expect(summary).to_be_focused()
        expect(cara).to_have_value("4a")  # what Jo typed is kept...
        expect(page.locator(f"#check-{two.cara.pk}")).to_contain_text(re.compile(r"Not saved: Bob Hughes saved 4b at \d\d:\d\d"))
        expect(page.get_by_test_id("grid-conflicts")).to_contain_text("you typed 4a; Bob Hughes saved 4b")
        stored = dict(Assessment.objects.filter(academic_year=two.year, term=two.term).values_list("pupil__surname", "result"))
        assert stored == {"Brown": "4b", "Patel": "3a", "Smith": "5c"}  # ...and Bob's results stand
        shot = screenshot(page, "grid-stale-save-conflict")
        assert shot.exists()

        # Jo takes Bob's result for Cara (one click) and keeps hers for Dev, then saves hers anyway.
        page.locator(f"#check-{two.cara.pk}").get_by_role("button", name="Use 4b").click()
        expect(cara).to_have_value("4b")
        expect(page.locator(f"#check-{two.cara.pk}")).to_have_text("Reads as 4b")
        with page.expect_navigation():
            page.get_by_test_id("save-mine").click()
        expect(page.get_by_role("status")).to_contain_text(f"Saved 1 result; 2 unchanged. 9E1, English, {two.term_label}.")
        stored = dict(Assessment.objects.filter(academic_year=two.year, term=two.term).values_list("pupil__surname", "result"))
        assert stored == {"Brown": "4b", "Patel": "3c", "Smith": "5c"}
        screenshot(page, "grid-stale-save-resolved")
    finally:
        context.close()


def test_two_browsers_saving_the_same_empty_grid_at_the_same_moment(page, browser, live_server, two, browser_problems):
    """Both press Save together: one saves, the other is shown the cells they disagree on; never an error page."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs a database connection per request (PostgreSQL): the embedded test server shares one")
    context, bob = _second_browser(browser, live_server, browser_problems)
    try:
        _open_grid(page, live_server, "alice", two)
        _open_grid(bob, live_server, "bob", two)
        for who, results in ((page, ("4a", "3a", "5c")), (bob, ("4b", "3a", "5c"))):
            for name, result in zip((("Cara", "Brown"), ("Dev", "Patel"), ("Amy", "Smith")), results, strict=True):
                cell(who, *name, two.term_label).fill(result)
        # Submit both forms without waiting for either: the two POSTs are in flight together.
        for who in (page, bob):
            who.evaluate("document.querySelector('[data-grid-form]').requestSubmit()")
        for who in (page, bob):
            who.wait_for_load_state("load")
            expect(who.get_by_role("heading", name=f"9E1 · English · {two.term_label}")).to_be_visible()
        texts = [who.locator("main").inner_text() for who in (page, bob)]
        winner = next(i for i, text in enumerate(texts) if "Saved 3 results." in text)
        loser = 1 - winner
        assert re.search(r"Nothing new saved; 2 unchanged; 1 was changed by (Bob Hughes|Jo Morgan) at \d\d:\d\d", texts[loser])
        stored = dict(Assessment.objects.filter(academic_year=two.year, term=two.term).values_list("pupil__surname", "result"))
        assert stored == {"Brown": ("4a", "4b")[winner], "Patel": "3a", "Smith": "5c"}
        screenshot((page, bob)[loser], "grid-same-moment-conflict")
    finally:
        context.close()
