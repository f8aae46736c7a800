"""Browser journeys of the review cycle, in real Chromium:

- the SENCo writes a plan, puts it in place, and reviews it with the parent's views in front of her,
  then drafts the next plan from the review;
- a parent follows the invitation link on a phone (390 px), chooses a password, reads their
  child's progress in plain words and adds their views; signs out and in again with their e-mail;
- a parent edits the address to reach another child and gets nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans import services
from plans.models import ContributorRole, PlanStatus, SupportPlan
from plans.services_parents import parent_invite
from pupils.models import AccessEvent, Provision
from tests import factories as f
from tests.e2e.conftest import ARTIFACTS, login, screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

PARENT_PASSWORD = "bedtime-stories-every-night"


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0


@pytest.fixture
def amy(personas):
    """Amy on SEN support with a reading age test either side of the autumn, and a shared comment."""
    today = timezone.localdate()
    amy = personas.pupil
    f.RegisterEntryFactory(pupil=amy, provision=Provision.SEN_SUPPORT, start_date=today - dt.timedelta(days=400))
    english = personas.group.subject
    f.BaselineFactory(pupil=amy, subject=english, key_stage="KS2", result="3b", academic_year=2022)
    f.AssessmentFactory(pupil=amy, subject=english, academic_year=2024, term="autumn", result="3a")
    f.AssessmentFactory(pupil=amy, subject=english, academic_year=2024, term="spring", result="4c")
    amy.reading_tests.create(measure="reading", test_name="Salford", tested_on=dt.date(2024, 9, 16), age_equivalent_months=91)
    amy.reading_tests.create(measure="reading", test_name="Salford", tested_on=dt.date(2025, 3, 10), age_equivalent_months=98)
    return amy


def test_the_senco_writes_a_plan_and_reviews_it_with_the_parents_views(page, live_server, personas, amy):
    today = timezone.localdate()
    login(page, live_server, "alice")
    page.get_by_role("link", name="Plans", exact=True).click()
    expect(page.get_by_role("heading", name="Plans and reviews", level=1)).to_be_visible()
    page.get_by_role("link", name="Smith, Amy").click()
    page.get_by_role("link", name="Write a new plan").click()

    # The draft: dates and strategies first.
    page.get_by_label("Strategies for staff").fill("Seat her near the front\nGive instructions one at a time")
    with page.expect_navigation():
        page.get_by_role("button", name="Start the draft").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Draft")
    expect(page.get_by_role("button", name="Put the plan in place")).to_be_disabled()

    # Two outcomes and a curricular target.
    for description, measure in (("Amy will read a page of her book aloud", "Reading age test and reading log"),
                                 ("Amy will join in group work twice a week", "Teacher observation")):  # fmt: skip
        page.get_by_role("link", name="Add an outcome").click()
        page.get_by_label("What the pupil will achieve").fill(description)
        page.get_by_label("How it will be measured").fill(measure)
        with page.expect_navigation():
            page.get_by_role("button", name="Add the outcome").click()
    page.get_by_role("link", name="Add a target").click()
    page.get_by_label("Subject").select_option(label="English")
    page.get_by_label("Target, in the pupil's words").fill("I can spell ten key words")
    with page.expect_navigation():
        page.get_by_role("button", name="Add the target").click()
    expect(page.get_by_test_id("outcome")).to_have_count(2)
    screenshot(page, "plan-draft-desktop")
    with page.expect_navigation():
        page.get_by_role("button", name="Put the plan in place").click()
    expect(page.get_by_role("status")).to_contain_text("The plan is in place")
    expect(page.get_by_test_id("plan-status")).to_have_text("In place")
    plan = SupportPlan.objects.get(pupil=amy, status=PlanStatus.ACTIVE)

    # Meanwhile Amy's mother adds her views from home (her own journey is below).
    pat = parent_invite(school=personas.school, email="pat@example.org", first_name="Pat", last_name="Smith",
                        pupils=[amy], invited_by=personas.senco).user  # fmt: skip
    services.contribution_save(plan=plan, author=pat, role=ContributorRole.PARENT, going_well="She reads to her sister",
                               hopes="Joining the choir")  # fmt: skip

    # The review: the parent's views are there, and already in the parents' box.
    page.reload()
    expect(page.get_by_test_id("contributions")).to_contain_text("She reads to her sister")
    page.get_by_role("link", name="Review the plan").click()
    expect(page.get_by_label("The parents' views")).to_have_value(re.compile("She reads to her sister"))
    judgements = page.get_by_test_id("judgement")
    judgements.nth(0).get_by_label("Achieved", exact=True).check()
    judgements.nth(0).get_by_label("Evidence").fill("Read a page with one prompt")
    judgements.nth(1).get_by_label("Partly achieved").check()
    page.get_by_label("The pupil's views").fill("I like reading to my sister")
    page.get_by_label("Next steps").fill("Carry on with the reading group")
    screenshot(page, "plan-review-form-desktop")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_test_id("review")).to_contain_text("I like reading to my sister")
    expect(page.get_by_test_id("outcome-review").nth(0)).to_contain_text("Achieved: Read a page with one prompt")
    screenshot(page, "plan-reviewed-desktop")

    # The next plan, drafted from the review: only the outcome not yet achieved is carried over.
    with page.expect_navigation():
        page.get_by_role("button", name="Draft the next plan from this review").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Draft")
    expect(page.get_by_test_id("outcome")).to_have_count(1)
    expect(page.get_by_test_id("outcome")).to_contain_text("Amy will join in group work twice a week")
    expect(page.get_by_test_id("outcome")).to_contain_text("Carried over")
    # It starts after the plan it follows (put in place today): tomorrow.
    assert SupportPlan.objects.get(pupil=amy, status=PlanStatus.DRAFT).starts_on == today + dt.timedelta(days=1)

    # The plan prints, and the PDF reads back with the review in it.
    page.goto(f"{live_server.url}/plans/{plan.public_id}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Print (PDF)").click()
    path = ARTIFACTS / "plan-reviewed.pdf"
    download.value.save_as(path)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "I like reading to my sister" in " ".join(text.split())
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(ARTIFACTS / "screenshots" / "plan-reviewed-pdf")], check=True)


def test_a_parent_on_a_phone_sets_a_password_reads_progress_and_adds_their_views(phone_page, live_server, personas, amy):
    page = phone_page
    today = timezone.localdate()
    plan = services.plan_create(pupil=amy, starts_on=today - dt.timedelta(days=20), review_date=today + dt.timedelta(days=30),
                                strategies="Seat her near the front", created_by=personas.senco)  # fmt: skip
    services.outcome_add(plan=plan, description="Amy will read a page of her book aloud", measure="Reading log",
                         by_when=plan.review_date)  # fmt: skip
    services.plan_start(plan=plan)
    invitation = parent_invite(school=personas.school, email="pat@example.org", first_name="Pat", last_name="Smith",
                               pupils=[amy], invited_by=personas.senco)  # fmt: skip

    # The link from the e-mail.
    page.goto(f"{live_server.url}/family/welcome/{invitation.uidb64}/{invitation.token}/")
    expect(page.get_by_role("heading", name="Welcome, Pat")).to_be_visible()
    page.get_by_label("Choose a password").fill(PARENT_PASSWORD)
    page.get_by_label("Type it again").fill(PARENT_PASSWORD)
    screenshot(page, "parent-welcome-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="Set my password").click()

    # Amy's page, in plain words.
    expect(page.get_by_role("heading", name="Amy Smith", level=1)).to_be_visible()
    progress = page.get_by_test_id("child-progress")
    expect(progress).to_contain_text("Reading age 8 years 2 months, up 7 months since September")
    expect(progress).to_contain_text("English: working at about the level expected at the end of Year 5")
    body = page.locator("main").inner_text()
    for jargon in (" 4c", " 3b", "points", amy.upn, "£", "SPLD"):
        assert jargon not in body, jargon
    assert no_sideways_scroll(page)
    screenshot(page, "parent-child-page-phone")

    # Their views, before the review: big buttons, a plain form.
    add = page.get_by_role("link", name="Add your views")
    assert add.bounding_box()["height"] >= 44
    add.click()
    page.get_by_label("What is going well for Amy?").fill("She reads to her sister every night")
    page.get_by_label("Is anything worrying you?").fill("Spelling homework takes a long time")
    send = page.get_by_role("button", name="Send your views")
    assert send.bounding_box()["height"] >= 44
    assert no_sideways_scroll(page)
    screenshot(page, "parent-views-phone")
    with page.expect_navigation():
        send.click()
    expect(page.get_by_role("status")).to_contain_text("your views will be part of the review")
    expect(page.get_by_test_id("next-review")).to_contain_text("You added your views")
    assert plan.contributions.get().going_well == "She reads to her sister every night"

    # Signing out and in again with the e-mail address as the username.
    page.get_by_role("button", name="Show or hide the menu").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    login(page, live_server, "pat@example.org", PARENT_PASSWORD)
    expect(page.get_by_role("heading", name="Amy Smith", level=1)).to_be_visible()
    # Three views of Amy's page: after the password, after the views, after signing in again.
    assert AccessEvent.objects.filter(user=invitation.user, pupil=amy, what="family page").count() == 3


def test_a_parent_who_edits_the_address_to_reach_another_child_gets_nothing(page, live_server, personas, amy, browser_problems):
    browser_problems.allow("404")
    browser_problems.allow("403")
    ben = personas.other_pupil
    f.RegisterEntryFactory(pupil=ben, provision=Provision.EHC_PLAN, primary_need="ASD", notes="Ear defenders in the hall")
    ben_plan = services.plan_create(pupil=ben, starts_on=timezone.localdate(), review_date=timezone.localdate() + dt.timedelta(days=9),
                                    created_by=None)  # fmt: skip
    user = parent_invite(school=personas.school, email="pat@example.org", first_name="Pat", last_name="Smith",
                         pupils=[amy], invited_by=personas.senco).user  # fmt: skip
    user.set_password(PASSWORD)
    user.save()
    login(page, live_server, "pat@example.org")
    expect(page.get_by_role("heading", name="Amy Smith", level=1)).to_be_visible()

    response = page.goto(page.url.replace(str(amy.public_id), str(ben.public_id)))
    assert response.status == 404
    screenshot(page, "parent-edits-url-to-another-child")
    for path, status in (
        (f"/family/{ben.public_id}/report.pdf", 404),
        (f"/family/{ben.public_id}/views/", 404),
        (f"/pupils/{ben.public_id}/", 403),
        (f"/plans/pupils/{ben.public_id}/", 403),
        (f"/plans/{ben_plan.public_id}/", 403),
        (f"/plans/pupils/{amy.public_id}/passport.pdf", 403),  # staff documents, even of their own child
        ("/reports/", 403),
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == status, path
        text = page.content()
        for secret in (ben.forename, ben.surname, ben.upn, "Ear defenders", "ASD"):
            assert secret not in text, (path, secret)
    assert not AccessEvent.objects.filter(pupil=ben).exists()
