"""axe-core (WCAG 2.2 AA) over every page of every role, at 1366 px and at 390 px, in real Chromium.

The pages are not listed by hand: they are every URL the resolver knows
(``tests/integration/test_access_walk.walked_patterns``), filled with the access walk's records,
that answers the person with an HTML page (200). A page added later is checked without anyone
remembering to. Each role (SENCo, teacher, TA, governor, data manager, a trust user with no
school role, and a parent who signs in to see their own children's family pages) has one browser
context; each page is loaded once at 1366 px, checked, narrowed to 390 px and checked again. A few
states that htmx swaps in (a filtered table, a search, an inline form) or that a refused form shows
are checked too, and the sign-in page, its error, a parent's invitation page (choosing a password)
and its error, and the 403 and 404 pages.

Rules: axe's WCAG 2.0/2.1/2.2 A and AA rules and its best practices, plus rules axe leaves off by
default: ``target-size`` (WCAG 2.2, 2.5.8), ``label-content-name-mismatch`` (2.5.3: the visible
label is part of the accessible name) and the other experimental checks listed in ``EXTRA_RULES``.
A critical or serious violation anywhere fails the test, naming the page, viewport, rule and
elements; every violation found (of any impact) is written to test-artifacts/axe/report.json.

The browser context used for axe bypasses the Content-Security-Policy (``bypass_csp``), because
axe is injected as a script; the policy itself is tested in tests/e2e/test_security.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from interventions.models import Comment
from plans.services_parents import parent_invite
from pupils.models import TrustMembership
from reports import services
from reports.models import ReportKind, ReportRun, RunStatus
from tests import factories as f
from tests.e2e.conftest import ARTIFACTS, login
from tests.factories import PASSWORD
from tests.integration.test_access_walk import WalkSchool, url_kwargs, walk_school, walked_patterns  # noqa: F401
from tests.integration.test_report_pages_helpers import fast_passwords, report_school  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

#: Rules axe does not run by default that sencotrack's pages must pass too.
EXTRA_RULES = (
    "target-size",  # WCAG 2.2 2.5.8: targets at least 24 by 24 px, or spaced
    "label-content-name-mismatch",  # WCAG 2.5.3: a control's accessible name contains its visible text
    "css-orientation-lock",
    "p-as-heading",
    "table-fake-caption",
    "td-has-header",
    "focus-order-semantics",
)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "experimental",
    ]},
    "rules": {rule: {"enabled": True} for rule in EXTRA_RULES} | {"hidden-content": {"enabled": False}},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = {"critical", "serious"}

#: URLs that are not pages a person reads: Django's admin (its own pages), the POST-only sign-out,
#: the health check (JSON) and the sign-in page (checked signed out, below).
NOT_PAGES = {"admin:index", "logout", "health", "login"}

ROLES = {  # role: username (the access walk's personas and its parent, plus a trust user)
    "senco": "alice", "teacher": "bob", "ta": "tia", "governor": "gwen", "data_manager": "dan", "trust": "trudy",
    "parent": "pat@example.org",
}  # fmt: skip


@dataclasses.dataclass
class A11ySchool(WalkSchool):
    welcome: str = ""  # a parent's invitation link that still works (the page that sets a password)
    trust_run: object = None  # a trust pack built for the trust leader


@pytest.fixture
def a11y_school(walk_school, report_school) -> A11ySchool:
    """The access walk's school with what makes pages show their fuller states.

    Amy's register review is overdue (a warning row), tia's group runs today (a "Log session"
    button), the report pupils give the dashboards charts, the run is a real expected-progress
    report (its table scrolls sideways), there are comments, thirty more pupils (the comment form's
    pupil search) and a trust user with no school role, whose trust has a pack built. Pat, the
    access walk's parent of Amy, has a password (to sign in through the form) and Carl as a second
    child (the family pages' switch between children); Pam, a parent invited but not yet signed
    in, has a working invitation link.
    """
    s = walk_school
    today = timezone.localdate()
    s.entry.review_date = today - dt.timedelta(days=5)
    s.entry.save()
    run = ReportRun.objects.create(
        school=s.personas.school, kind=ReportKind.EXPECTED_PROGRESS, requested_by=s.personas.senco,
        parameters={"academic_year": 2025, "term": "summer"},
    )  # fmt: skip
    services.report_run_execute(run.pk)
    run.refresh_from_db()
    for pupil, author in ((s.carl, s.personas.ta), (s.amy, s.personas.teacher)):
        Comment.objects.create(
            pupil=pupil, author=author, observed_on=today - dt.timedelta(days=2), objective="Blend CVC words",
            activity="Reading the corridor display", outcome="Read 'cat' and 'sun' unaided", level="2b",
        )  # fmt: skip
    for i in range(30):  # enough pupils for the comment form's pupil search and the lists' pages
        f.PupilFactory(school=s.personas.school, surname=f"Pupil{i:02d}", forename="Test", year_group=7 + i % 5)
    trust = f.SchoolFactory(code="oak").trust or _trust_for(s.personas.school)
    trudy = f.UserFactory(username="trudy", first_name="Trudy", last_name="Trust")
    TrustMembership.objects.create(user=trudy, trust=trust)
    trust_run = ReportRun.objects.create(
        trust=trust, kind=ReportKind.TRUST_PACK, status=RunStatus.DONE, progress=100, requested_by=trudy,
        parameters={"academic_year": 2025, "term": "summer"}, finished_at=timezone.now(),
    )  # fmt: skip
    parent_invite(school=s.personas.school, email="pat@example.org", first_name="Pat", last_name="Parent",
                  pupils=[s.carl], invited_by=s.personas.senco)  # fmt: skip
    s.parent.set_password(PASSWORD)
    s.parent.save()
    pam = parent_invite(school=s.personas.school, email="pam@example.org", first_name="Pam", last_name="Parent",
                        pupils=[s.amy], invited_by=s.personas.senco)  # fmt: skip
    fields = {field.name: getattr(s, field.name) for field in dataclasses.fields(s)}
    welcome = reverse("family:welcome", args=[pam.uidb64, pam.token])
    return A11ySchool(**fields | {"run": run, "welcome": welcome, "trust_run": trust_run})


def _trust_for(school):
    from pupils.models import Trust

    trust = Trust.objects.create(name="Riverside Learning Trust")
    school.trust = trust
    school.save(update_fields=["trust"])
    return trust


# --- axe ---------------------------------------------------------------------------------------------


class AxeRun:
    """Runs axe-core in pages and keeps every violation found.

    axe is added to each context as an init script, so every document loads it before its own
    scripts (nothing crosses from Python per check but the options); ``check`` then only runs it.
    """

    def __init__(self) -> None:
        from axe_playwright_python.base import AXE_SCRIPT

        self.script = AXE_SCRIPT
        self.found: list[dict] = []
        self.checked: list[str] = []
        self.seconds = 0.0

    def add_to(self, context) -> None:
        context.add_init_script(script=self.script)

    def check(self, page, label: str, viewport: str) -> None:
        started = time.monotonic()
        results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        self.seconds += time.monotonic() - started
        self.checked.append(f"{label} @ {viewport}")
        for violation in results["violations"]:
            self.found.append({
                "page": label, "viewport": viewport, "rule": violation["id"], "impact": violation["impact"],
                "help": violation["help"],
                "nodes": [{"target": n["target"], "html": n["html"][:300], "summary": n.get("failureSummary", "")}
                          for n in violation["nodes"]],
            })  # fmt: skip

    def failures(self) -> list[str]:
        lines = []
        for v in self.found:
            if v["impact"] in FAILING_IMPACTS:
                where = "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:4])
                lines.append(f"{v['page']} @ {v['viewport']}: {v['rule']} ({v['impact']}: {v['help']}) at {where}")
        return lines

    def write(self, name: str) -> None:
        out = ARTIFACTS / "axe"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps({"checked": self.checked, "violations": self.found}, indent=1))


def _settle(page) -> None:
    """Wait for what a page draws after load: htmx requests and Plotly charts."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request') && "
        "[...document.querySelectorAll('[data-chart]')].every(e => e.classList.contains('js-plotly-plot'))"
    )


def _check_both_widths(page, axe: AxeRun, label: str) -> None:
    page.set_viewport_size(DESKTOP)
    _settle(page)
    axe.check(page, label, "1366")
    page.set_viewport_size(PHONE)
    # app.js marks tables that now scroll on the next frame; Plotly redraws charts to the new width.
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot .main-svg')]"
        ".every(svg => svg.getBoundingClientRect().right <= window.innerWidth)"
    )
    axe.check(page, label, "390")
    page.set_viewport_size(DESKTOP)


def _context(browser, live_server, axe: AxeRun):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, locale="en-GB",
                                  timezone_id="Europe/London", bypass_csp=True)  # fmt: skip
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(30_000)
    elsewhere = re.compile(r"^(?!" + re.escape(live_server.url) + r"|data:|blob:|about:)")
    context.route(elsewhere, lambda route: route.abort())
    axe.add_to(context)
    return context


def pages_for(context, school: WalkSchool) -> list[tuple[str, str]]:
    """(URL name, path) of every page the signed-in person of ``context`` gets as an HTML document.

    A fragment that only htmx asks for (no <html>) is checked in the page it is swapped into.
    """
    found = []
    for name, kwargs in walked_patterns():
        if name in NOT_PAGES:
            continue
        path = reverse(name, kwargs=url_kwargs(name, kwargs, school))
        response = context.request.get(path, max_redirects=0)
        if (response.status == 200 and response.headers.get("content-type", "").startswith("text/html")
                and "<html" in response.text()[:2000]):
            found.append((name, path))
    return found


# --- The walk ------------------------------------------------------------------------------------------


def test_every_page_of_every_role_passes_axe_at_desktop_and_phone_widths(
    browser, live_server, browser_problems, a11y_school
):
    axe = AxeRun()
    started = time.monotonic()
    visited: dict[str, list[str]] = {}

    # Signed out: the sign-in page, and its error state.
    context = _context(browser, live_server, axe)
    page = context.new_page()
    browser_problems.watch(page)
    page.goto("/login/")
    _check_both_widths(page, axe, "login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    _check_both_widths(page, axe, "login (wrong password)")
    # A parent's invitation link: choosing a password, and the passwords not matching.
    page.goto(a11y_school.welcome)
    _check_both_widths(page, axe, "family:welcome (invitation link)")
    page.get_by_label("Choose a password").fill("bedtime-stories-every-night")
    page.get_by_label("Type it again").fill("bedtime-stories-every-day")
    page.get_by_role("button", name="Set my password").click()
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    _check_both_widths(page, axe, "family:welcome (passwords differ)")
    context.close()

    for role, username in ROLES.items():
        context = _context(browser, live_server, axe)
        page = context.new_page()
        browser_problems.watch(page)
        login(page, live_server, username)
        pages = pages_for(context, a11y_school)
        visited[role] = [name for name, _ in pages]
        for name, path in pages:
            page.goto(path)
            _check_both_widths(page, axe, f"{role} {name}")
        for label, action in HTMX_STATES.get(role, []):
            action(page, a11y_school)
            _check_both_widths(page, axe, f"{role} {label}")
        if role == "teacher":  # the error pages: a page of no role of his, a pupil not his
            for refused in ("HTTP 403", "HTTP 404", "status of 403", "status of 404"):
                browser_problems.allow(refused)  # the refusals themselves
            for label, path in (("403 page", reverse("reports:list")),
                                ("404 page", reverse("pupils:detail", args=[a11y_school.ben.public_id]))):
                assert page.goto(path).status == int(label[:3])
                _check_both_widths(page, axe, f"{role} {label}")
        context.close()

    axe.write("report")
    seconds = time.monotonic() - started
    print(f"\naxe: {len(axe.checked)} page states checked in {seconds:.0f} s ({axe.seconds:.0f} s in axe.run); "
          f"{len(axe.found)} violations of any impact; pages per role: "
          + ", ".join(f"{role} {len(names)}" for role, names in visited.items()))
    # Not vacuous: each role reached its main pages.
    assert {"home", "pupils:detail", "reports:dashboard", "interventions:comment_add"} <= set(visited["senco"])
    assert {"assessments:grid", "pupils:detail"} <= set(visited["teacher"])
    assert {"home", "interventions:session_log", "interventions:session_today"} <= set(visited["ta"])
    assert visited["governor"] and "reports:governor" in visited["governor"]
    assert "imports:upload" in visited["data_manager"]
    assert {"reports:trust", "reports:trust_pack"} <= set(visited["trust"])  # a trust leader's home: the dashboard
    assert {"family:child", "family:views", "family:history"} <= set(visited["parent"])  # their child's pages
    failures = axe.failures()
    assert not failures, f"{len(failures)} critical or serious axe violations:\n  " + "\n  ".join(failures)


# --- States htmx swaps in -------------------------------------------------------------------------------


def _dashboard_filtered(page, s):
    page.goto("/reports/dashboard/?academic_year=2025&term=summer")
    _settle(page)
    with page.expect_response(re.compile(r"/reports/dashboard/\?")):
        page.get_by_label("Subject", exact=True).select_option(index=1)


def _register_filtered(page, s):
    page.goto("/pupils/register/")
    with page.expect_response(re.compile(r"/pupils/register/\?")):
        page.get_by_label("Provision").select_option("K")


def _pupil_search(page, s):
    page.goto("/pupils/")
    with page.expect_response(re.compile(r"/pupils/\?")):
        page.get_by_label("Name or UPN").fill("Smi")


def _comment_pupil_search(page, s):
    page.goto("/interventions/comments/add/")
    with page.expect_response(re.compile(r"/interventions/comments/pupils/")):
        page.get_by_label("Find a pupil by name or UPN").fill("Qu")


def _comment_errors(page, s):
    page.goto("/interventions/comments/add/")
    page.get_by_role("button", name="Save comment").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()


def _grid_of_group(page, s):
    page.goto(reverse("assessments:grid") + f"?group={s.group.pk}")
    expect(page.get_by_test_id("grid-form")).to_be_visible()


def _grid_bad_cell(page, s):
    cell = page.locator("input[name^='result-']").first
    with page.expect_response(re.compile(r"/assessments/grid/check/")):
        cell.fill("9z")
        cell.press("Tab")


def _timeline_filter(page, s):
    page.goto(reverse("pupils:detail", args=[s.amy.public_id]))
    timeline = page.get_by_test_id("timeline")
    with page.expect_response(re.compile(r"\?type=")):
        timeline.get_by_role("navigation").get_by_role("link").nth(1).click()


def _measures_inline(page, s):
    page.goto(reverse("interventions:detail", args=[s.intervention.public_id]))
    with page.expect_response(re.compile(r"/measures/")):
        page.get_by_role("link", name=re.compile("^Record measures")).first.click()


def _import_kind(page, s):
    page.goto("/imports/")
    with page.expect_response(re.compile(r"/imports/\?")):
        page.locator("#id_kind").select_option(index=2)


def _trust_pack_built(page, s):
    page.goto(reverse("reports:trust_run", args=[s.trust_run.public_id]))
    expect(page.get_by_test_id("run-downloads")).to_be_visible()


def _parent_views_refused(page, s):
    page.goto(reverse("family:views", args=[s.amy.public_id]))
    page.get_by_role("button", name="Send your views").click()
    expect(page.get_by_role("alert")).to_contain_text("Write something")


HTMX_STATES = {
    "senco": [
        ("dashboard filtered by subject (htmx)", _dashboard_filtered),
        ("register filtered by provision (htmx)", _register_filtered),
        ("pupil list search (htmx)", _pupil_search),
        ("comment form pupil search (htmx)", _comment_pupil_search),
        ("comment form with errors", _comment_errors),
        ("pupil timeline filtered (htmx)", _timeline_filter),
        ("enrolment measures inline form (htmx)", _measures_inline),
    ],
    "teacher": [("grid of a group", _grid_of_group), ("grid with a cell refused (htmx)", _grid_bad_cell)],
    "data_manager": [("upload form for another kind (htmx)", _import_kind)],
    "trust": [("trust pack run page (built)", _trust_pack_built)],
    "parent": [("your views form refused (nothing written)", _parent_views_refused)],
}
