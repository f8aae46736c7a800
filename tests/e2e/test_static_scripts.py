"""Our own scripts with the vendored libraries: charts drawn from json_script data, htmx sending the CSRF token.

The page under test is served at the live server's origin by Playwright (page.route), so it loads
the real static files exactly as an app page would, and any 404 or console error fails the test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

FIGURE = {
    "data": [{"type": "bar", "x": ["Autumn", "Spring", "Summer"], "y": [2, 3, 5], "name": "Points gained"}],
    "layout": {"title": {"text": "Points gained this year"}, "margin": {"t": 48, "r": 16, "b": 40, "l": 40}},
}


def _page_html(body: str, *, charts: bool = True) -> str:
    scripts = [
        "/static/vendor/htmx/htmx.min.js",
        "/static/js/app.js",
    ]
    tags = "\n".join(f'<script src="{src}" defer></script>' for src in scripts)
    if charts:  # as templates/components/plotly_scripts.html includes them
        tags += ('\n<script src="/static/vendor/plotly/plotly-sencotrack.min.js" async data-plotly></script>'
                 '\n<script src="/static/js/charts.js" defer></script>')
    return f"""<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="csrf-token" content="token-from-the-meta-tag">
<meta name="htmx-config" content='{{"includeIndicatorStyles": false, "allowEval": false}}'>
<link rel="icon" href="/static/img/favicon.svg">
<link rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css">
<link rel="stylesheet" href="/static/css/app.css"></head>
<body><main class="container py-3">{body}</main>{tags}</body></html>"""


def _url(url: str) -> re.Pattern:
    """The URL with any query string (a GET form adds "?")."""
    return re.compile(re.escape(url) + r"(\?.*)?$")


def _serve(page, url: str, html: str) -> None:
    page.route(_url(url), lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))


def test_charts_are_drawn_from_json_script_data_and_after_an_htmx_swap(page, live_server):
    figure = json.dumps(FIGURE)
    body = f"""
<script id="progress-data" type="application/json">{figure}</script>
<div id="first" data-chart="progress-data"></div>
<button type="button" class="btn btn-primary" hx-get="/__test__/fragment/" hx-target="#slot">Load another</button>
<div id="slot"></div>"""
    fragment = f"""<script id="second-data" type="application/json">{figure}</script>
<div id="second" data-chart="second-data" aria-label="The same chart again"></div>"""
    _serve(page, f"{live_server.url}/__test__/charts/", _page_html(body))
    _serve(page, f"{live_server.url}/__test__/fragment/", fragment)

    page.goto(f"{live_server.url}/__test__/charts/")
    first = page.locator("#first")
    expect(first.locator("svg.main-svg").first).to_be_visible()
    expect(first).to_have_attribute("aria-label", "Points gained this year")  # from the figure's title
    expect(first.locator("g.point")).to_have_count(3)
    expect(page.locator(".modebar-btn--logo")).to_have_count(0)

    page.get_by_role("button", name="Load another").click()
    second = page.locator("#second")
    expect(second.locator("svg.main-svg").first).to_be_visible()
    expect(second).to_have_attribute("aria-label", "The same chart again")

    # Responsive: the chart follows its container when the window narrows.
    wide = first.bounding_box()["width"]
    page.set_viewport_size({"width": 600, "height": 900})
    page.wait_for_function("document.querySelector('#first .main-svg').getBoundingClientRect().width < 600")
    assert first.bounding_box()["width"] < wide
    screenshot(page, "charts-drawn")


# One figure of each trace type the vendored bundle registers (tools/plotly-bundle/entry.js), with the
# features reports/charts.py uses: error bars, shapes, annotations, a hatched bar, a date axis.
TRACE_FIGURES = {
    "scatter": {"data": [{"type": "scatter", "x": ["2025-09-01", "2026-03-01"], "y": [27, 31], "mode": "lines+markers",
                          "error_y": {"type": "data", "array": [1, 2]}}],
                "layout": {"title": {"text": "Flight path"}, "xaxis": {"type": "date"},
                           "shapes": [{"type": "rect", "x0": "2025-10-01", "x1": "2025-12-01", "y0": 0, "y1": 1,
                                       "yref": "y domain", "fillcolor": "rgba(58, 143, 199, 0.18)"}],
                           "annotations": [{"text": "A note", "x": 0, "y": 1, "xref": "paper", "yref": "paper"}]}},
    "bar": {"data": [{"type": "bar", "x": ["K", "E"], "y": [12, 6], "marker": {"pattern": {"shape": "/"}},
                      "text": ["12", "6"], "textposition": "outside"}],
            "layout": {"title": {"text": "Register"}}},
    "heatmap": {"data": [{"type": "heatmap", "z": [[1, 2], [3, 4]], "x": ["K", "E"], "y": ["K", "E"],
                          "colorscale": "Blues"}],
                "layout": {"title": {"text": "Transitions"}}},
}


def test_the_bundle_draws_every_trace_type_the_charts_use(page, live_server):
    entry = (Path(__file__).resolve().parents[2] / "tools" / "plotly-bundle" / "entry.js").read_text()
    registered = {"scatter"} | set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", entry)) - {"core"}
    assert registered == set(TRACE_FIGURES), "add a figure here for each trace type the bundle registers"
    body = "".join(
        f'<script id="{kind}-data" type="application/json">{json.dumps(figure)}</script>'
        f'<div id="{kind}" data-chart="{kind}-data"></div>'
        for kind, figure in TRACE_FIGURES.items()
    )
    _serve(page, f"{live_server.url}/__test__/traces/", _page_html(body))
    page.goto(f"{live_server.url}/__test__/traces/")
    expect(page.locator("#scatter .scatterlayer .point")).to_have_count(2)
    expect(page.locator("#scatter .errorbar")).to_have_count(2)
    expect(page.locator("#scatter .shapelayer path")).to_have_count(1)
    expect(page.locator("#scatter .annotation")).to_have_count(1)
    expect(page.locator("#bar .barlayer .point")).to_have_count(2)
    expect(page.locator("#bar pattern")).not_to_have_count(0)
    expect(page.locator("#heatmap .heatmaplayer image")).to_have_count(1)
    expect(page.locator("#heatmap .colorbar")).to_have_count(1)
    screenshot(page, "charts-every-trace-type")


def test_htmx_posts_carry_the_csrf_token_from_the_meta_tag(page, live_server):
    body = """<button type="button" hx-post="/__test__/echo/" hx-target="#out">Send</button><div id="out"></div>"""
    _serve(page, f"{live_server.url}/__test__/csrf/", _page_html(body, charts=False))
    seen = {}

    def echo(route):
        seen.update(route.request.headers)
        route.fulfill(status=200, content_type="text/html", body="<p>received</p>")

    page.route(_url(f"{live_server.url}/__test__/echo/"), echo)
    page.goto(f"{live_server.url}/__test__/csrf/")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#out")).to_have_text("received")
    assert seen["x-csrftoken"] == "token-from-the-meta-tag"


def test_forms_with_data_confirm_ask_first_and_stay_put_when_cancelled(page, live_server):
    body = """<form method="get" action="/__test__/done/" data-confirm="Delete this comment?">
<button type="submit">Delete</button></form>"""
    _serve(page, f"{live_server.url}/__test__/confirm/", _page_html(body, charts=False))
    _serve(page, f"{live_server.url}/__test__/done/", _page_html("<p>deleted</p>", charts=False))
    page.goto(f"{live_server.url}/__test__/confirm/")

    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Delete").click()
    expect(page).to_have_url(f"{live_server.url}/__test__/confirm/")
    assert questions == ["Delete this comment?"]

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("deleted")).to_be_visible()


def test_a_message_closes_with_its_button_without_bootstraps_javascript(page, live_server):
    # app.js does what Bootstrap's JavaScript did for sencotrack (the menu is covered by test_sign_in).
    body = """<div class="alert alert-success alert-dismissible fade show" role="status">Saved.
<button type="button" class="btn-close" data-bs-dismiss="alert" aria-label="Dismiss this message"></button></div>
<p>After the message.</p>"""
    _serve(page, f"{live_server.url}/__test__/message/", _page_html(body, charts=False))
    page.goto(f"{live_server.url}/__test__/message/")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("button", name="Dismiss this message").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_count(0)
    expect(page.get_by_text("After the message.")).to_be_visible()
