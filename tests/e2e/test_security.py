"""Hardening in the browser: Chromium enforces the Content-Security-Policy on our pages, and a
locked-out sign-in shows the lockout page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_the_browser_refuses_to_run_a_script_injected_into_a_page(personas, page, live_server, browser_problems):
    # What an injected <script> or onclick= (say, from a comment that escaped escaping) would do.
    browser_problems.allow("Content Security Policy")
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/pupils/{personas.pupil.public_id}/")
    outcome = page.evaluate(
        """() => new Promise(resolve => {
            const seen = [];
            document.addEventListener("securitypolicyviolation", e => seen.push(e.violatedDirective));
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.body.appendChild(script);
            const button = document.createElement("button");
            button.setAttribute("onclick", "window.__clicked = true");
            document.body.appendChild(button);
            button.click();
            setTimeout(() => resolve({ran: window.__injected === true, clicked: window.__clicked === true, seen}), 200);
        })"""
    )
    assert outcome["ran"] is False and outcome["clicked"] is False
    assert outcome["seen"] and all(directive.startswith("script-src") for directive in outcome["seen"])


def test_five_wrong_passwords_show_the_lockout_page(personas, page, live_server, browser_problems):
    browser_problems.allow("429")  # the lockout page's status (Too Many Requests): a response and a console line
    for _ in range(5):
        login(page, live_server, "alice", password="not-the-password")
    locked = page.get_by_test_id("locked-out")
    expect(locked).to_be_visible()
    expect(locked).to_contain_text("Too many sign-in attempts")
    expect(locked).to_contain_text("paused for 15 minutes")
    screenshot(page, "security-locked-out")
    # Even the right password is refused from here until the wait is over
    login(page, live_server, "alice")
    expect(page.get_by_test_id("locked-out")).to_be_visible()
