"""A new school sets itself up in a real browser: the first visit, the SENCo's account, a TA and a class.

Then the TA chooses her password from the link shown on screen, and the SENCo stops a leaver
signing in. Screenshots in test-artifacts/screenshots (first-run-*, staff-*).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from pupils.models import Membership, School, TeachingGroup
from tests import factories as f
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
PASSWORD = "Kingfisher meadow 2026"


def test_a_new_school_sets_itself_up_and_adds_a_ta_and_a_class(page, live_server, browser, db, browser_problems):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Set up your school")).to_be_visible()
    screenshot(page, "first-run-setup")
    page.get_by_label("School name").fill("Riverside Academy")
    page.get_by_label("Short code").fill("riverside")
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Surname").fill("Morgan")
    page.get_by_label("E-mail address").fill("jo@example.org")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill("not the same")
    page.get_by_role("button", name="Set up the school").click()
    expect(page.get_by_test_id("form-errors")).to_be_focused()  # the refusal is read out first
    expect(page.get_by_text("The two passwords differ.")).to_be_visible()
    assert not School.objects.exists()
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Set up the school").click()

    # Signed in as the SENCo, on the staff page.
    expect(page.get_by_role("heading", name="Staff and roles")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Riverside Academy is set up")
    page.get_by_role("link", name="Add a member of staff").click()
    page.get_by_label("First name").fill("Tess")
    page.get_by_label("Surname").fill("Assistant")
    page.get_by_label("E-mail address").fill("tess@example.org")
    page.get_by_label("Teaching assistant").check()
    page.get_by_role("button", name="Add and make a set-password link").click()
    link = page.get_by_test_id("set-password-link").inner_text()
    assert re.search(r"/staff/welcome/[^/]+/[^/]+/$", link)
    screenshot(page, "staff-link-shown")

    # A teaching group with Tess as its TA.
    page.get_by_role("link", name="Back to the staff").click()
    page.get_by_role("link", name="Teaching groups").click()
    page.get_by_role("link", name="Add a teaching group").click()
    page.get_by_label("Name").fill("7E1")
    page.get_by_label("Year").select_option(label="Year 7")
    page.get_by_label("Tess Assistant").check()
    page.get_by_role("button", name="Save the group").click()
    expect(page.get_by_role("heading", name="Change 7E1")).to_be_visible()
    group = TeachingGroup.objects.get(name="7E1")
    assert [u.email for u in group.staff.all()] == ["tess@example.org"]
    screenshot(page, "staff-group-edit")

    # Tess, in her own browser, chooses her password from the link and is signed in.
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    tess = context.new_page()
    tess.goto(link)
    expect(tess.get_by_role("heading", name="Welcome, Tess")).to_be_visible()
    tess.locator("#id_password1").fill(PASSWORD)
    tess.locator("#id_password2").fill(PASSWORD)
    tess.get_by_role("button", name="Set my password").click()
    expect(tess.get_by_role("heading", name="Today's sessions")).to_be_visible()  # a TA's home page

    # Tess leaves: the SENCo unticks "Can sign in"; Tess's next page sends her to sign in.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    page.get_by_role("link", name="Change Tess Assistant").click()
    page.get_by_label("Can sign in").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("staff-table")).to_contain_text("Cannot sign in")
    screenshot(page, "staff-list")
    tess.reload()
    expect(tess).to_have_url(re.compile(r"/login/"))
    context.close()

    # The setup page is gone for good.
    assert page.request.get(live_server.url + "/setup/").status == 404  # a request, not a page: no browser problem
    assert Membership.objects.filter(user__email="tess@example.org").count() == 1
    assert not get_user_model().objects.get(email="tess@example.org").is_active


def test_the_pupil_page_reaches_every_measure_form_in_one_click(page, live_server, personas, browser_problems):
    from tests.e2e.conftest import login

    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/pupils/{personas.pupil.public_id}/")
    hub = page.get_by_test_id("pupil-hub")
    expect(hub).to_be_visible()
    screenshot(page, "pupil-hub", full_page=False)
    hub.get_by_role("link", name="Boxall profile").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Boxall")


def test_the_setup_page_and_the_staff_pages_pass_axe(browser, live_server, db, browser_problems):
    """The setup page (only while no school exists, so not in the access walk), then the pages it leads to.

    The whole walk of tests/e2e/test_accessibility.py covers the staff pages for every role too.
    """
    from django.urls import reverse

    from tests.e2e.test_accessibility import AxeRun, _check_both_widths, _context

    axe = AxeRun()
    context = _context(browser, live_server, axe)
    page = context.new_page()
    browser_problems.watch(page)
    page.goto("/setup/")
    _check_both_widths(page, axe, "setup")
    page.get_by_role("button", name="Set up the school").click()  # everything missing: the error state
    _check_both_widths(page, axe, "setup (errors)")
    page.get_by_label("School name").fill("Riverside Academy")
    page.get_by_label("Short code").fill("riverside")
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Surname").fill("Morgan")
    page.get_by_label("E-mail address").fill("jo@example.org")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Set up the school").click()
    expect(page.get_by_role("heading", name="Staff and roles")).to_be_visible()
    teacher = f.UserFactory(username="t.one", first_name="Tom", last_name="One")
    school = School.objects.get()
    Membership.objects.create(user=teacher, school=school, role="teacher")
    group = TeachingGroup.objects.create(school=school, name="7E1", year_group=7)
    f.PupilFactory(school=school, year_group=7)
    for path in (reverse("staff:list"), reverse("staff:add"), reverse("staff:edit", args=[teacher.pk]),
                 reverse("staff:groups"), reverse("staff:group_add"), reverse("staff:group_edit", args=[group.pk]),
                 reverse("interventions:programmes")):  # fmt: skip
        page.goto(path)
        _check_both_widths(page, axe, path)
    page.goto(reverse("staff:add"))
    page.get_by_label("First name").fill("Tess")
    page.get_by_label("Surname").fill("Assistant")
    page.get_by_label("E-mail address").fill("tess@example.org")
    page.get_by_label("Teaching assistant").check()
    page.get_by_role("button", name="Add and make a set-password link").click()
    _check_both_widths(page, axe, "staff link")
    link = page.get_by_test_id("set-password-link").inner_text()
    context.close()
    context = _context(browser, live_server, axe)
    page = context.new_page()
    browser_problems.watch(page)
    page.goto(link)
    _check_both_widths(page, axe, "welcome")
    page.goto(reverse("staff:welcome", args=["MQ", "made-up"]))
    _check_both_widths(page, axe, "welcome (no longer works)")
    context.close()
    axe.write("first-run-and-staff")
    failures = axe.failures()
    assert not failures, f"{len(failures)} critical or serious axe violations:\n  " + "\n  ".join(failures)
