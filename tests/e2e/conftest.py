"""Browser tests: the system Chromium (Debian's package) driven by Playwright against a live server.

Never run ``playwright install``: tests use /usr/bin/chromium (``apt-get install chromium``), which CI
installs too. Without it the e2e tests are skipped with a reason, unless REQUIRE_BROWSER is set,
in which case they fail.

Every page a test opens is watched: a console error, an uncaught exception, a response of 400 or
more (a page or a missing static file), a failed request, or a request to any other origin (a CDN)
fails the test. A test that expects one calls ``browser_problems.allow("substring")``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in a
# thread with a running loop unless told it is safe (it is: the loop only drives the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# Debian's package; CHROMIUM_PATH points elsewhere on a machine that keeps Chromium somewhere else.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=en-GB",  # date inputs show dd/mm/yyyy, as a school in England sees them
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}

_E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# --- The browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install -y chromium`"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    # A 2-core CI machine running a worker, PostgreSQL and Chromium at once is slower than a
    # desk: give each expectation 15 s rather than Playwright's 5 s before calling it a failure.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class BrowserProblems:
    """What went wrong in the pages of one test: console errors, page errors, failed requests."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []
        self._allowed: list[str] = []
        self._pages: list = []

    def allow(self, substring: str) -> None:
        """Expect a problem whose description contains ``substring`` (e.g. a deliberate 403)."""
        self._allowed.append(substring)

    def watch(self, page) -> None:
        self._pages.append(page)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception: {error}"))
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)
        page.on("request", self._on_request)

    def _on_console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            self.problems.append(f"console error: {message.text} ({location.get('url', '')}:{location.get('lineNumber', '')})")

    def _on_response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} for {response.request.method} {response.url}")

    def _on_request_failed(self, request) -> None:
        failure = request.failure or ""
        # Aborted by the browser because the test navigated away (e.g. submitted a form): not a fault.
        if "ERR_ABORTED" not in failure:
            self.problems.append(f"request failed: {request.method} {request.url}: {failure}")

    def _on_request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.origin) or url.startswith(("data:", "blob:", "about:"))):
            self.problems.append(f"request to another origin (no CDN allowed): {url}")

    def unexpected(self) -> list[str]:
        for page in self._pages:  # let events still in flight arrive
            try:
                if not page.is_closed():
                    page.evaluate("0")
            except Exception:  # noqa: BLE001 - a crashed or closed page reports through its own events
                pass
        return [p for p in self.problems if not any(allowed in p for allowed in self._allowed)]


@pytest.fixture
def browser_problems(request, live_server) -> BrowserProblems:
    problems = BrowserProblems(live_server.url)
    request.node._browser_problems = problems
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself (not its teardown) when its pages logged errors or failed requests."""
    result = yield
    problems = getattr(item, "_browser_problems", None)
    if problems is not None:
        found = problems.unexpected()
        if found:
            pytest.fail("The browser reported problems:\n  " + "\n  ".join(found), pytrace=False)
    return result


def _open_page(browser, live_server, problems: BrowserProblems, viewport: dict) -> Iterator:
    context = browser.new_context(viewport=viewport, base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    # Nothing leaves the machine: a request to another origin is recorded as a problem and refused.
    elsewhere = re.compile(r"^(?!" + re.escape(live_server.url) + r"|data:|blob:|about:)")
    context.route(elsewhere, lambda route: route.abort())
    page = context.new_page()
    problems.watch(page)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, live_server, browser_problems):
    """A desktop-sized page (1280 x 900)."""
    yield from _open_page(browser, live_server, browser_problems, DESKTOP)


@pytest.fixture
def tablet_page(browser, live_server, browser_problems):
    """A tablet-sized page (768 x 1024, portrait)."""
    yield from _open_page(browser, live_server, browser_problems, TABLET)


@pytest.fixture
def phone_page(browser, live_server, browser_problems):
    """A phone-sized page (390 x 844)."""
    yield from _open_page(browser, live_server, browser_problems, PHONE)


# --- Helpers -----------------------------------------------------------------------------------


def login(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would, and wait for the page it leads to."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save test-artifacts/screenshots/<name>.png (CI keeps them as artefacts) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture(autouse=True)
def tasks_run_in_the_server(request):
    """Imports and reports run where they are sent (the live server's request, or its threads where a
    test turns them on), also with a broker (CI), unless a test brings its own real worker."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from sencotrack.celery import app

    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    yield
    app.conf.task_always_eager = previous
