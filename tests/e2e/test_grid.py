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
