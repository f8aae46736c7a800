"""Page weight in real Chromium: what a first and a repeat visit download, and when the page is ready.

Pages go through nginx with the project's own configuration (``bench.proxy``) so HTML is
compressed as in production; without nginx they come from gunicorn uncompressed, and the results
say so. The server's caches are warm: this measures the browser's side. Method: bench/README.md,
"(e) Page weight".
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run"]  # fmt: skip

#: Pages weighed, as the SENCo (key, label, URL name); the URL's parameters come from the run's
#: route context, as for the load test. Chart pages must stay under the targets below.
PAGES = [
    ("login", "sign-in page (signed out)", "login"),
    ("home", "SENCo home", "home"),
    ("register", "register list", "pupils:register"),
    ("pupil", "pupil page", "pupils:detail"),
    ("comment_form", "comment form", "interventions:comment_add"),
    ("dashboard", "SENCo dashboard (charts)", "reports:dashboard"),
    ("pupil_dashboard", "pupil dashboard (charts)", "reports:pupil_dashboard"),
    ("governor", "governors' dashboard (charts)", "reports:governor"),
    ("imports", "import page", "imports:upload"),
]
CHART_PAGES = ("dashboard", "pupil_dashboard", "governor")
TARGET_CHART_KB = 400  # first visit, compressed
TARGET_DCL_MS = 1000  # DOMContentLoaded on localhost, first visit

TIMING = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, ttfb: n.responseStart};
}"""


def unavailable() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium, or set CHROMIUM_PATH)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright is not installed"
    return None


class _Meter:
    """Bytes over the wire per page load, from the DevTools protocol."""

    def __init__(self, context, page) -> None:
        self.session = context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.reset()
        self.session.on("Network.responseReceived", self._response)
        self.session.on("Network.loadingFinished", self._finished)
        self.session.on("Network.dataReceived", self._data)

    def reset(self) -> None:
        self.wire: dict[str, int] = {}
        self.decoded: dict[str, int] = {}
        self.cached = 0
        self.document_encoding = ""
        self.urls: dict[str, tuple[str, str]] = {}  # request id: (path, content-encoding)

    def _response(self, event) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromMemoryCache"):
            self.cached += 1
        headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        path = "/" + response["url"].split("://", 1)[-1].split("/", 1)[-1]
        self.urls[event["requestId"]] = (path, f"{response['status']} {headers.get('content-encoding', 'identity')}")
        if event.get("type") == "Document":
            self.document_encoding = headers.get("content-encoding", "identity")

    def _data(self, event) -> None:
        self.decoded[event["requestId"]] = self.decoded.get(event["requestId"], 0) + event["dataLength"]

    def _finished(self, event) -> None:
        self.wire[event["requestId"]] = int(event["encodedDataLength"])

    def totals(self) -> dict:
        each = sorted(((self.wire[r], *self.urls.get(r, ("?", ""))) for r in self.wire), reverse=True)
        return {"kb": round(sum(self.wire.values()) / 1024, 1), "decoded_kb": round(sum(self.decoded.values()) / 1024, 1),
                "requests": len(self.wire), "from_cache": self.cached,
                "each": [f"{size / 1024:.1f} KB {path} ({how})" for size, path, how in each]}  # fmt: skip


def _visit(page, meter: _Meter, url: str) -> dict:
    meter.reset()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    timing = page.evaluate(TIMING)
    return {**meter.totals(), "dcl_ms": round(timing["dcl"], 1), "load_ms": round(timing["load"], 1),
            "ttfb_ms": round(timing["ttfb"], 1), "html_encoding": meter.document_encoding}  # fmt: skip


def _sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/login/" in page.url:
        raise RuntimeError(f"page weight: could not sign in as {username}")


def measure(base: str, paths: dict[str, str], username: str, password: str, *, runs: int = 3,
            via: str = "") -> dict:  # fmt: skip
    """``paths``: key -> path. Returns per page: first visit (median times of ``runs``) and repeat visit."""
    from playwright.sync_api import sync_playwright

    out: dict = {"via": via, "runs": runs, "pages": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            def fresh(signed_in: bool):
                context = browser.new_context(base_url=base, ignore_https_errors=True, locale="en-GB",
                                              viewport={"width": 1366, "height": 768})  # fmt: skip
                page = context.new_page()
                if signed_in:
                    _sign_in(page, base, username, password)
                return context, page

            # Warm the server's caches (pages built once), not the browser's.
            context, page = fresh(True)
            for path in paths.values():
                page.goto(base + path, wait_until="load")
            context.close()

            for key, path in paths.items():
                signed_in = key != "login"
                firsts, repeats = [], []
                for run in range(runs):
                    context, page = fresh(signed_in)
                    if not signed_in:
                        context.clear_cookies()
                    meter = _Meter(context, page)
                    page.goto("about:blank")
                    firsts.append(_visit(page, meter, base + path))
                    repeats.append(_visit(page, meter, base + path))
                    context.close()
                first, repeat = firsts[0], repeats[0]
                out["pages"][key] = {
                    "path": path,
                    "first": {**first, "dcl_ms": _median(f["dcl_ms"] for f in firsts),
                              "load_ms": _median(f["load_ms"] for f in firsts),
                              "dcl_ms_runs": [f["dcl_ms"] for f in firsts]},
                    "repeat": {**repeat, "dcl_ms": _median(r["dcl_ms"] for r in repeats),
                               "load_ms": _median(r["load_ms"] for r in repeats)},
                }  # fmt: skip
        finally:
            browser.close()
    return out


def _median(values) -> float:
    return round(statistics.median(list(values)), 1)


def evaluate(weight: dict) -> dict:
    """The targets: every chart page under 400 KB on a first visit and ready (DOMContentLoaded) within 1 s."""
    pages = weight.get("pages") or {}
    charts = {k: pages[k]["first"] for k in CHART_PAGES if k in pages}
    if not charts:
        return {"value": None, "target": f"< {TARGET_CHART_KB} KB, DCL < {TARGET_DCL_MS} ms", "pass": None,
                "note": "no chart page weighed"}
    heaviest = max(p["kb"] for p in charts.values())
    slowest = max(p["dcl_ms"] for p in charts.values())
    result = {"value": f"{heaviest:.0f} KB, DCL {slowest:.0f} ms",
              "target": f"chart pages < {TARGET_CHART_KB} KB first visit, DCL < {TARGET_DCL_MS} ms",
              "pass": heaviest < TARGET_CHART_KB and slowest < TARGET_DCL_MS}  # fmt: skip
    if not weight.get("via", "").startswith("nginx"):
        result.update({"pass": None, "note": "HTML not compressed: nginx was not available"})
    return result


def table(weight: dict) -> list[str]:
    """Lines for the run's summary."""
    lines = [f"   Page weight in Chromium ({weight.get('via')}; first visit median of {weight.get('runs')}):",
             f"     {'page':<16}{'first KB':>10}{'(decoded)':>11}{'requests':>10}{'DCL ms':>9}{'load ms':>9}"
             f"{'repeat KB':>11}{'DCL ms':>9}"]  # fmt: skip
    for key, p in (weight.get("pages") or {}).items():
        f, r = p["first"], p["repeat"]
        lines.append(f"     {key:<16}{f['kb']:>10.1f}{f['decoded_kb']:>11.0f}{f['requests']:>10}{f['dcl_ms']:>9.0f}"
                     f"{f['load_ms']:>9.0f}{r['kb']:>11.1f}{r['dcl_ms']:>9.0f}")
    return lines
