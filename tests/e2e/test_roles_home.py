"""Each demo role logs in through the real login page and lands on its own home page, in Chinese,
with no request leaving the machine."""

import pytest
from django.core.management import call_command

from tests.e2e.conftest import login, shot

DEMO_PASSWORD = "Demo@2026"
ROLES = [
    ("gongwei", "committee", "工委工作台"),
    ("danwei", "unit", "单位工作台"),
    ("zhibu", "branch", "支部工作台"),
    ("dangyuan", "member", "同志，您好"),
]

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def demo_org(transactional_db):
    """The demo city without its party-life records: enough for pages about people, and faster."""
    call_command("seed_demo", "--org-only", verbosity=0)


def _logout(page):
    page.click(".navbar .dropdown-toggle >> nth=-1")
    page.click("text=退出登录")
    page.wait_for_url("**/accounts/login/")


def test_each_demo_role_lands_on_its_own_home(page, live_server, demo):
    # A wrong password first: a Chinese message, no way in.
    login(page, live_server.url, "danwei", "wrong-password")
    assert "用户名或密码错误" in page.inner_text("form")
    shot(page, "login-error")
    for username, role, heading in ROLES:
        login(page, live_server.url, username, DEMO_PASSWORD)
        assert page.url == f"{live_server.url}/"
        home = page.locator(f"[data-home={role}]")
        assert home.is_visible(), username
        assert heading in home.inner_text()
        # Styles and scripts are the vendored ones and they loaded.
        navbar_bg = page.eval_on_selector(".portal-navbar", "el => getComputedStyle(el).backgroundImage")
        assert "gradient" in navbar_bg
        assert page.evaluate("typeof bootstrap !== 'undefined' && typeof htmx !== 'undefined'")
        if role == "committee":  # the demo's published ranking (issue 10) and the way to the 大屏
            assert page.locator("[data-board=empty]").count() == 0
            assert page.locator("[data-run-label]").inner_text() == "已发布"
            assert page.locator("[data-ranking] tbody tr").count() >= 10
            assert page.locator("[data-bigscreen-link]").is_visible()
        shot(page, f"home-{role}")
        _logout(page)
    assert page.outside_requests == []


def test_branch_secretary_on_a_phone(phone_page, live_server, demo_org):
    login(phone_page, live_server.url, "zhibu", DEMO_PASSWORD)
    assert phone_page.locator("[data-home=branch]").is_visible()
    # The navigation collapses behind the toggler and opens on tap.
    toggler = phone_page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    phone_page.wait_for_selector("#mainNav.show")
    assert phone_page.locator("#mainNav >> text=支部党员").is_visible()
    shot(phone_page, "home-branch-phone")
    # No horizontal scrolling on a phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
