import pytest
from tests.e2e.test_accessibility import a11y_school, walk_school, report_school, fast_passwords, login, _context, AxeRun, AXE_OPTIONS  # noqa

def test_debug(browser, live_server, a11y_school):
    context = _context(browser, live_server)
    page = context.new_page()
    login(page, live_server, "bob")
    axe = AxeRun()
    page.goto("/")
    page.wait_for_timeout(500)
    page.evaluate(axe.axe.axe_script)
    print(page.evaluate("""() => { const b = document.querySelector('.table-responsive'); return [b.scrollWidth, b.clientWidth, b.scrollHeight, b.clientHeight, JSON.stringify(axe.utils.getScroll(b, 13)), JSON.stringify(axe.utils.getScroll(b))]; }"""))
    for opts in [AXE_OPTIONS, {"runOnly": ["scrollable-region-focusable", "target-size"]}, {"runOnly": ["scrollable-region-focusable", "color-contrast"]}, {"runOnly": {"type": "tag", "values": ["wcag2a"]}}]:
        r = page.evaluate("async (o) => { const r = await axe.run(document, o); return JSON.stringify(r.violations.filter(v => v.id == 'scrollable-region-focusable').map(v => v.nodes.map(n => [n.html.slice(0,40), n.any.map(a => a.message)]))); }", opts)
        print("[", str(opts)[:80], r)
    print(page.evaluate("""() => { const b = document.querySelector('.table-responsive'); return [b.scrollWidth, b.clientWidth, b.scrollHeight, b.clientHeight]; }"""))
