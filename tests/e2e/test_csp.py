"""The Content-Security-Policy in a real browser: the committee home, a form page with its own script,
a page of server-computed bars and the 大屏 load in chromium with no CSP violation reported (neither a
`securitypolicyviolation` event nor a console message), and their charts and scripts still work."""

import pytest
from django.urls import reverse

from tests.e2e.conftest import login, shot
from tests.e2e.test_bigscreen import city  # noqa: F401  (the fixture: 15 units, published rankings)
from tests.orgs.factories import PASSWORD, UserFactory, make_committee

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

#: Runs in every page before its own scripts: keeps each CSP violation the page reports.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  const where = (e.sourceFile || "") + ":" + e.lineNumber + ":" + e.columnNumber;
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where + " " + e.sample);
});
"""


@pytest.fixture
def watched(page):
    """The page, with the violations it reports collected from events and from the console."""
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []

    def on_console(msg):
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            console.append(msg.text)

    page.on("console", on_console)
    page.console_errors = console
    return page


def assert_no_violation(page, where: str):
    page.wait_for_timeout(200)  # violation events are dispatched asynchronously
    assert page.evaluate("window.__csp") == [], where
    assert page.console_errors == [], where


def test_committee_pages_and_bigscreen_draw_without_csp_violations(watched, live_server, city):  # noqa: F811
    page = watched
    make_committee(UserFactory(username="gw_csp"))
    login(page, live_server.url, "gw_csp", PASSWORD)

    # The committee home: its policy header is there, and its charts draw.
    response = page.goto(f"{live_server.url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for chart in ("radar-chart", "trend-chart"):
        page.wait_for_selector(f"#{chart} canvas")
    assert page.evaluate("document.querySelector('#radar-chart canvas').width") > 0
    for chart in ("radar-chart", "trend-chart"):  # tooltips render in the canvas (HTML ones carry style=)
        page.hover(f"#{chart}")
        page.wait_for_timeout(300)
    assert_no_violation(page, "committee home")
    shot(page, "csp-committee-home")

    # A form page whose script moved out of the template (人工评分: periods follow the chosen kind).
    page.goto(f"{live_server.url}{reverse('scoring:manual_new')}")
    kind = page.locator("[data-period-kind]")
    if kind.count():
        kind.select_option("month")
        visible = page.eval_on_selector_all(
            "[data-period-select] optgroup", "groups => groups.filter(g => !g.hidden).map(g => g.label)"
        )
        assert visible == ["每月"]
    assert_no_violation(page, "manual score form")

    # Server-computed widths arrive as data- attributes and are applied by portal.js.
    page.goto(f"{live_server.url}{reverse('partylife:overview')}")
    bars = page.locator(".progress-bar[data-width]")
    if bars.count():
        styled = page.eval_on_selector_all(
            ".progress-bar[data-width]", "bars => bars.every(b => b.style.width === b.dataset.width + '%')"
        )
        assert styled
    assert_no_violation(page, "party-life overview")

    # The 大屏: three charts, dark, no violation.
    page.goto(f"{live_server.url}{reverse('dashboards:bigscreen')}")
    for chart in ("bs-tier-chart", "bs-radar-chart", "bs-heatmap-chart"):
        page.wait_for_selector(f"#{chart} canvas")
    page.hover("#bs-heatmap-chart")
    assert_no_violation(page, "bigscreen")
    shot(page, "csp-bigscreen")
    assert page.outside_requests == []


def test_api_docs_load_under_the_policy(watched, live_server, city):  # noqa: F811
    page = watched
    make_committee(UserFactory(username="gw_docs"))
    login(page, live_server.url, "gw_docs", PASSWORD)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30000)
    assert_no_violation(page, "api docs")
    assert page.outside_requests == []
