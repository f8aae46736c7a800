"""Each role's main journey with the keyboard alone, in real Chromium: no click, no fill, no mouse.

Sign in, do the role's main task, sign out, with ``keyboard.press`` and ``keyboard.type`` only:
the SENCo opens a pupil and adds a comment about them (after a refused first try), the teacher
types a result into the grid and saves, the TA logs today's session, the governor opens the
dashboard for another term, the data manager uploads a file (through the file chooser, opened
with the space bar) and starts the import, a parent reads their child's progress (opening what its
words mean) and adds their views before the review, and a trust leader opens the trust dashboard
for another term and asks for the trust pack. Each step asserts where the focus lands, and every
element the focus passes through shows the focus ring: the yellow and near-black outline of
static/css/app.css, whatever Bootstrap's own rules say (``assert_ring``).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Assessment
from interventions.models import Comment, InterventionSession
from plans import services as plans_services
from plans.services_parents import parent_invite
from pupils.models import Provision, Pupil, Trust, TrustMembership
from reports.models import ReportKind, ReportRun
from sencotrack.parsing import term_for_date
from tests import factories as f
from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

FOCUS_YELLOW = "rgb(255, 191, 71)"  # --app-focus
FOCUS_DARK = "rgb(11, 12, 12)"


@pytest.fixture(autouse=True)
def _fast(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


# --- Keyboard helpers ----------------------------------------------------------------------------------


def focused(page) -> str:
    """A short description of the focused element, for messages."""
    return page.evaluate(
        "() => { const e = document.activeElement; if (!e) return 'nothing';"
        " return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' +"
        " (e.getAttribute('aria-label') || e.innerText || e.value || '').trim().slice(0, 60); }"
    )


def has_focus(page, locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def assert_ring(page) -> None:
    """The focused control shows the two-colour ring: a yellow outline and a near-black band."""
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return {outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor, shadow: s.boxShadow,"
        " state: [document.activeElement.matches(':focus'), document.activeElement.matches(':focus-visible'), document.hasFocus()]}; }"
    )
    ring = f"{style['outline']} | {style['shadow']} | :focus, :focus-visible {style['state']}"
    assert FOCUS_YELLOW in ring and FOCUS_DARK in style["shadow"], f"no focus ring on {focused(page)}: {ring}"
    assert "none" not in style["outline"] or FOCUS_YELLOW in style["shadow"], f"{focused(page)}: {ring}"


def tab_to(page, locator, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until ``locator`` has the focus, checking the ring at every stop."""
    locator.wait_for()
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("document.activeElement !== document.body"):
            assert_ring(page)
        if has_focus(page, locator):
            return
    pytest.fail(f"{limit} presses of Tab never reached {locator}; the focus is on {focused(page)}")


def type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.type(text)


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    type_into(page, page.get_by_label("Username"), username)
    page.keyboard.press("Tab")
    assert has_focus(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def skip_to_main(page) -> None:
    """The first Tab on a page reaches the skip link; Enter puts the focus on the main content."""
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert has_focus(page, skip), focused(page)
    expect(skip).to_be_visible()  # shown when focused
    assert_ring(page)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def sign_out(page) -> None:
    """Shift+Tab from the main content back into the navigation, to the Sign out button."""
    page.locator("#main").focus()  # where the skip link leaves a keyboard user
    tab_to(page, page.get_by_role("button", name="Sign out"), backwards=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def main_nav(page, name: str):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def follow(page, locator) -> None:
    tab_to(page, locator)
    with page.expect_navigation():
        page.keyboard.press("Enter")


# --- SENCo --------------------------------------------------------------------------------------------


def test_the_senco_opens_a_pupil_and_adds_a_comment_with_the_keyboard(page, live_server, personas):
    sign_in(page, live_server, "alice")
    expect(page.get_by_role("heading", name=re.compile("^Hello"), level=1)).to_be_visible()
    skip_to_main(page)
    page.keyboard.press("Shift+Tab")  # back out of main, to the navigation's last link
    follow(page, main_nav(page, "Pupils"))

    search = page.get_by_label("Name or UPN")
    type_into(page, search, "Smith")
    results = page.get_by_test_id("pupil-results")
    expect(results.get_by_role("link")).to_have_count(1)  # htmx narrowed the list
    follow(page, results.get_by_role("link", name="Smith, Amy"))
    expect(page.get_by_role("heading", name="Amy Smith", level=1)).to_be_visible()

    follow(page, page.get_by_role("link", name="Add a comment"))
    expect(page.get_by_role("combobox", name=re.compile("^Pupil"))).to_have_value(str(personas.pupil.public_id))
    type_into(page, page.get_by_label("Learning objective"), "Ask for help")
    page.keyboard.press("Tab")
    page.keyboard.type("Maths lesson")  # Activity
    tab_to(page, page.get_by_role("button", name="Save comment"))
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the outcome is missing

    # Refused: the focus is on the summary, which is read out first; nothing typed is lost.
    summary = page.get_by_test_id("form-errors")
    expect(summary).to_contain_text("Nothing has been saved yet")
    assert has_focus(page, summary), focused(page)
    type_into(page, page.get_by_label("Outcome"), "Put her hand up for the first time")
    expect(page.get_by_label("Learning objective")).to_have_value("Ask for help")
    screenshot(page, "keyboard-senco-comment")
    tab_to(page, page.get_by_role("button", name="Save comment"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Amy Smith", level=1)).to_be_visible()  # back where she started
    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("Amy Smith")
    comment = Comment.objects.get()
    assert (comment.pupil, comment.author.username, comment.outcome) == (
        personas.pupil, "alice", "Put her hand up for the first time"
    )
    sign_out(page)


def test_the_comment_pupil_search_works_from_the_keyboard(page, live_server, personas):
    for i in range(20):
        f.PupilFactory(school=personas.school, surname=f"Pupil{i:02d}", forename="Test")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/interventions/comments/add/")
    status = page.get_by_test_id("pupil-picker-status")
    expect(status).to_have_text("")  # 22 pupils: all listed
    type_into(page, page.get_by_label("Find a pupil by name or UPN"), "jon")
    expect(status).to_have_text("One pupil matches “jon”.")
    pupil = page.get_by_role("combobox", name=re.compile("^Pupil"))
    expect(pupil).to_have_value(str(personas.other_pupil.public_id))  # the only match, chosen
    # Enter in the search box searches (its own form), and does not send the comment.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type("pupil1")
    page.keyboard.press("Enter")
    expect(status).to_have_text("10 pupils match “pupil1”.")
    expect(page).to_have_url(re.compile(r"/interventions/comments/add/$"))  # htmx: no reload
    tab_to(page, pupil)
    page.keyboard.press("ArrowDown")  # the first match
    expect(pupil).to_have_value(str(Pupil.objects.get(surname="Pupil10").public_id))
    assert not Comment.objects.exists()


# --- Teacher ------------------------------------------------------------------------------------------


def test_the_teacher_types_a_result_into_the_grid_and_saves_with_the_keyboard(page, live_server, personas):
    year, term = term_for_date(timezone.localdate())
    sign_in(page, live_server, "bob")
    skip_to_main(page)
    page.keyboard.press("Shift+Tab")
    follow(page, main_nav(page, "Assessments"))
    expect(page.get_by_role("heading", name=re.compile("^9E1 · "))).to_be_visible()
    cell = page.get_by_label(re.compile(r"result for Amy Smith$"))
    type_into(page, cell, "4b")
    page.keyboard.press("Enter")  # Enter moves on (the last cell: to the Save button), never submits
    tab_to(page, page.get_by_role("button", name="Save results"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saved 1 result")
    assert Assessment.objects.get(pupil=personas.pupil, academic_year=year, term=term).result == "4b"
    sign_out(page)


# --- TA ---------------------------------------------------------------------------------------------------


def test_the_ta_logs_todays_session_with_the_keyboard(page, live_server, personas):
    today = timezone.localdate()
    group = f.InterventionFactory(programme=f.ProgrammeFactory(school=personas.school, name="Toe by Toe"),
                                  name="Y9 Toe by Toe", start_date=today - dt.timedelta(days=14))  # fmt: skip
    group.staff.add(personas.ta)
    for pupil in (personas.pupil, personas.other_pupil):
        f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=group.start_date)
    sign_in(page, live_server, "tia")
    skip_to_main(page)
    follow(page, page.get_by_role("link", name="Log today's sessions"))
    log = page.get_by_role("link", name=re.compile("^Log session"))
    expect(log).to_have_accessible_name("Log session of Y9 Toe by Toe today")  # the visible words first
    follow(page, log)
    expect(page.get_by_role("heading", name="Y9 Toe by Toe", level=1)).to_be_visible()
    ben = page.get_by_role("checkbox", name=re.compile("Ben Jones"))
    tab_to(page, ben)
    if ben.is_checked():  # everyone starts as attended: Ben was away
        page.keyboard.press("Space")
    expect(ben).not_to_be_checked()
    tab_to(page, page.get_by_role("button", name="Save session"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("1 of 2 attended")
    session = InterventionSession.objects.get(intervention=group, date=today)
    assert [a.enrolment.pupil.forename for a in session.attendances.filter(attended=True)] == ["Amy"]
    sign_out(page)


# --- Governor -----------------------------------------------------------------------------------------


def show_the_term_before(page) -> str:
    """From the top of a dashboard: the term form's term one up, then Show, all by keyboard. Returns the term."""
    skip_to_main(page)
    term = page.get_by_label("Term", exact=True)
    tab_to(page, term)
    page.keyboard.press("ArrowUp")  # the term before, on a closed select
    chosen = term.input_value()
    tab_to(page, page.get_by_role("button", name="Show"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"term={chosen}"))
    return chosen


def test_the_governor_opens_the_dashboard_for_another_term_with_the_keyboard(page, live_server, personas):
    sign_in(page, live_server, "gwen")
    expect(page.get_by_role("heading", name="Governor dashboard", level=1)).to_be_visible()  # her home
    show_the_term_before(page)
    expect(page.get_by_role("heading", name="Governor dashboard", level=1)).to_be_visible()
    sign_out(page)


# --- Data manager -------------------------------------------------------------------------------------


def test_the_data_manager_uploads_a_file_and_starts_the_import_with_the_keyboard(page, live_server, personas, tmp_path):
    csv_file = tmp_path / "pupils.csv"
    csv_file.write_text("upn,surname,forename,date_of_birth,gender,year_group\n"
                        "M873300120001,Patel,Priya,28/02/2013,F,7\n")  # fmt: skip
    sign_in(page, live_server, "dan")
    skip_to_main(page)
    page.keyboard.press("Shift+Tab")
    follow(page, main_nav(page, "Import"))
    kind = page.get_by_label("What the file holds")
    tab_to(page, kind)
    for _ in range(10):  # a closed select moves on with the arrow keys
        if kind.input_value() == "pupils":
            break
        page.keyboard.press("ArrowDown")
    expect(kind).to_have_value("pupils")
    tab_to(page, page.get_by_label("CSV file"))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(csv_file)
    tab_to(page, page.get_by_role("button", name="Preview"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check before importing: pupils")).to_be_visible()
    tab_to(page, page.get_by_role("button", name="Confirm import"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Import")).to_be_visible()
    sign_out(page)


# --- Parent -------------------------------------------------------------------------------------------


@pytest.fixture
def pat(personas):
    """Pat, Amy's parent, with a password; Amy has results to read and a plan whose review is ahead."""
    today = timezone.localdate()
    amy = personas.pupil
    f.RegisterEntryFactory(pupil=amy, provision=Provision.SEN_SUPPORT, start_date=today - dt.timedelta(days=400))
    f.AssessmentFactory(pupil=amy, subject=personas.group.subject, academic_year=2024, term="spring", result="4c")
    plan = plans_services.plan_create(pupil=amy, starts_on=today - dt.timedelta(days=20),
                                      review_date=today + dt.timedelta(days=30), created_by=personas.senco)  # fmt: skip
    plans_services.outcome_add(plan=plan, description="Amy will read a page of her book aloud", measure="Reading log",
                               by_when=plan.review_date)  # fmt: skip
    plans_services.plan_start(plan=plan)
    user = parent_invite(school=personas.school, email="pat@example.org", first_name="Pat", last_name="Smith",
                         pupils=[amy], invited_by=personas.senco).user  # fmt: skip
    user.set_password(PASSWORD)
    user.save()
    return user


def test_the_parent_reads_progress_and_adds_their_views_with_the_keyboard(page, live_server, personas, pat):
    sign_in(page, live_server, "pat@example.org")
    expect(page.get_by_role("heading", name="Amy Smith", level=1)).to_be_visible()  # their home: Amy's page
    skip_to_main(page)
    progress = page.get_by_test_id("child-progress")
    expect(progress).to_contain_text("English: working at about the level expected at the end of Year 5")
    meaning = progress.locator("summary", has_text="What these words mean")
    tab_to(page, meaning)
    page.keyboard.press("Enter")  # a <details> opens from the keyboard
    expect(progress.locator("details")).to_have_attribute("open", "")
    expect(progress.get_by_text(re.compile("^“Making the progress expected”"))).to_be_visible()

    # Back up the page to the review card: the parent's views, before the review.
    add_views = page.get_by_role("link", name="Add your views")
    tab_to(page, add_views, backwards=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your views on Amy's plan", level=1)).to_be_visible()
    type_into(page, page.get_by_label("What is going well for Amy?"), "She reads to her sister every night")
    page.keyboard.press("Tab")
    assert has_focus(page, page.get_by_label("Is anything worrying you?")), focused(page)
    page.keyboard.type("Spelling homework takes a long time")
    screenshot(page, "keyboard-parent-views")
    tab_to(page, page.get_by_role("button", name="Send your views"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="Thank you")).to_contain_text("part of the review")
    expect(page.get_by_test_id("next-review")).to_contain_text("You added your views")
    views = personas.pupil.support_plans.get().contributions.get()
    assert (views.author, views.going_well, views.concerns) == (
        pat, "She reads to her sister every night", "Spelling homework takes a long time"
    )
    sign_out(page)


# --- Trust leader -------------------------------------------------------------------------------------


@pytest.fixture
def terry(personas):
    """Terry leads the trust that Oak Academy belongs to, with no role in any school."""
    trust = Trust.objects.create(name="Oak Trust")
    personas.school.trust = trust
    personas.school.save(update_fields=["trust"])
    user = f.UserFactory(username="terry", first_name="Terry", last_name="Lead")
    TrustMembership.objects.create(user=user, trust=trust)
    return user


def test_the_trust_leader_opens_the_dashboard_and_asks_for_the_trust_pack_with_the_keyboard(
    page, live_server, personas, terry, monkeypatch
):
    from reports.tasks import build_report_run

    sent = []  # no worker builds the pack here: the journey is asking for it
    monkeypatch.setattr(build_report_run, "apply_async", lambda *args, **kwargs: sent.append(kwargs))
    sign_in(page, live_server, "terry")
    expect(page.get_by_role("heading", name="Oak Trust: every school side by side", level=1)).to_be_visible()
    chosen = show_the_term_before(page)

    follow(page, page.get_by_role("link", name="Trust packs already built"))
    expect(page.get_by_role("heading", name="Oak Trust: trust pack", level=1)).to_be_visible()
    expect(page.get_by_label("Term", exact=True)).to_have_value(chosen)  # the term carried over
    tab_to(page, page.get_by_role("button", name="Build the trust pack"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/reports/trust/pack/[0-9a-f-]+/$"))
    expect(page.get_by_test_id("run-status")).to_contain_text("Queued")
    run = ReportRun.objects.get()
    assert (run.kind, run.trust.name, run.parameters["term"]) == (ReportKind.TRUST_PACK, "Oak Trust", chosen)
    assert sent == [{"args": [run.pk]}]
    screenshot(page, "keyboard-trust-pack-queued")
    sign_out(page)
