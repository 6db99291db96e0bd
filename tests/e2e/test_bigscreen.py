"""The 大屏 in a real browser: dark, big type, its charts draw, it refetches its data; and the committee home,
the 大屏 and the unit home on a phone are screenshotted for a person to look at."""

import datetime as dt

import pytest

from tests.dashboards.snapshots import add_result, make_run
from tests.e2e.conftest import login, shot
from tests.orgs.factories import PASSWORD, BranchFactory, UnitFactory, UserFactory, make_committee, make_unit_secretary

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(transactional_db):
    units = [UnitFactory(name=f"市第{i}局") for i in range(1, 16)]
    for unit in units:
        BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
    for key in ("2026-Q1", "2026-Q2"):
        run = make_run(key, published=True)
        for i, unit in enumerate(units, start=1):
            add_result(run, unit, total=95 - i * 3 + (key == "2026-Q2") * (i % 3), rank=i, previous_rank=16 - i)
    for month in range(1, 7):
        run = make_run(f"2026-{month:02d}")
        for i, unit in enumerate(units, start=1):
            add_result(run, unit, total=80, rank=i, compliance=min(100, 40 + i * 4 + month * 2))
    return units


def test_bigscreen_is_dark_and_draws(page, live_server, city):
    make_committee(UserFactory(username="gw_e2e"))
    login(page, live_server.url, "gw_e2e", PASSWORD)
    page.clock.install()  # the minute's refresh is run by hand below
    page.click("[data-bigscreen-link]")
    page.wait_for_url("**/bigscreen/")
    for chart in ("bs-tier-chart", "bs-radar-chart", "bs-heatmap-chart"):
        page.wait_for_selector(f"#{chart} canvas")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(11, 20, 38)"
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 24
    assert page.evaluate("parseFloat(getComputedStyle(document.getElementById('bs-average')).fontSize)") >= 64
    assert page.locator(".portal-navbar").count() == 0
    assert page.locator("#bs-top li").count() == 10 and page.locator("#bs-bottom li").count() == 5
    assert "2026年第2季度" in page.inner_text("#bs-period")
    assert page.evaluate("typeof document.documentElement.requestFullscreen") == "function"
    # The refresh redraws from the JSON without reloading the page.
    page.evaluate("window.__marker = 1")
    with page.expect_response("**/bigscreen/data/") as response:
        page.clock.run_for(61_000)
    assert response.value.ok
    assert page.evaluate("window.__marker") == 1
    page.set_viewport_size({"width": 1000, "height": 800})
    page.wait_for_timeout(300)
    width = page.evaluate("document.querySelector('#bs-radar-chart canvas').width / window.devicePixelRatio")
    assert width <= 1000
    shot(page, "bigscreen")
    assert page.outside_requests == []


def test_committee_home_and_unit_home_screens(page, phone_page, live_server, city):
    make_committee(UserFactory(username="gw_e2e"))
    login(page, live_server.url, "gw_e2e", PASSWORD)
    for chart in ("radar-chart", "trend-chart", "category-chart", "heatmap-chart"):
        page.wait_for_selector(f"#{chart} canvas")
    page.select_option("#radar-unit", label=city[0].name)
    shot(page, "home-committee-board")
    make_unit_secretary(UserFactory(username="dw_e2e"), city[0])
    login(phone_page, live_server.url, "dw_e2e", PASSWORD)
    phone_page.wait_for_selector("#unit-history-chart canvas")
    assert phone_page.locator("[data-score-card]").is_visible() and phone_page.locator("[data-todos]").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(phone_page, "home-unit-phone")
