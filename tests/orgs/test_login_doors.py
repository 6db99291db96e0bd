"""Every door (login page, API token endpoint, Django admin) answers alike, and the client address is trusted."""

import importlib

import pytest
from django.test import RequestFactory
from django.urls import clear_url_caches, reverse

from apps.orgs.auth import client_ip
from apps.orgs.models import LoginEvent
from tests.orgs.factories import PASSWORD, UserFactory

WRONG = "用户名或密码错误。"
LOCKED = "登录失败次数过多，账号已锁定，请 30 分钟后再试，或联系管理员解锁。"
PROXY = "10.0.0.5"


def _page(client, username, password, **extra):
    response = client.post(reverse("login"), {"username": username, "password": password}, **extra)
    return response.status_code, _message(response.content.decode())


def _admin(client, username, password):
    response = client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/"})
    return response.status_code, _message(response.content.decode())


def _token(client, username, password):
    response = client.post(
        "/api/auth/token/", {"username": username, "password": password}, content_type="application/json"
    )
    return response.status_code, response.json().get("detail")


def _message(body: str) -> str | None:
    for message in (LOCKED, WRONG):
        if message in body:
            return message
    return None


DOORS = [_page, _admin, _token]


@pytest.mark.parametrize("door", DOORS, ids=["page", "admin", "token"])
def test_unknown_and_known_names_answer_alike_before_and_after_the_lock(client, db, door):
    UserFactory(username="zhangsan", is_staff=True)
    known = [door(client, "zhangsan", "wrong") for _ in range(6)]
    unknown = [door(client, "lisi", "wrong") for _ in range(6)]
    assert known == unknown
    assert known[0][1] == WRONG and known[-1][1] == LOCKED
    assert known[0][0] == known[-1][0]  # the same status before and after the lock


@pytest.mark.parametrize("door", DOORS, ids=["page", "admin", "token"])
def test_a_deactivated_account_answers_like_a_wrong_password(client, db, door):
    UserFactory(username="retired", is_staff=True, is_active=False)
    assert door(client, "retired", PASSWORD) == door(client, "nobody", PASSWORD)
    assert door(client, "retired", "wrong")[1] == WRONG
    assert LoginEvent.objects.filter(username="retired", reason="账号已停用").count() == 2


def test_the_admin_gives_an_account_without_admin_rights_the_wrong_passwords_answer(client, side_a):
    user = side_a.unit_secretary
    assert _admin(client, user.username, PASSWORD) == _admin(client, user.username, "wrong")
    assert "_auth_user_id" not in client.session
    reasons = list(LoginEvent.objects.filter(username=user.username).order_by("pk").values_list("reason", flat=True))
    assert reasons == ["无后台权限", "密码错误"]


# --- the client address -----------------------------------------------------------------------


def _ip(settings, remote, forwarded=None, *, header="HTTP_X_FORWARDED_FOR", proxies=(PROXY,)):
    settings.PORTAL_TRUSTED_PROXY_HEADER = header
    settings.PORTAL_TRUSTED_PROXIES = list(proxies)
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


def test_the_proxy_header_is_read_only_from_a_trusted_proxy(settings):
    assert _ip(settings, PROXY, "203.0.113.7") == "203.0.113.7"
    # From anywhere else the header is the client's own word: ignored.
    assert _ip(settings, "198.51.100.9", "203.0.113.7") == "198.51.100.9"
    # Not configured: REMOTE_ADDR, header or not.
    assert _ip(settings, PROXY, "203.0.113.7", header="") == PROXY
    assert _ip(settings, PROXY, "203.0.113.7", proxies=()) == PROXY


def test_the_client_is_the_last_address_no_trusted_proxy_added(settings):
    # A client forging the header: the proxy appends the real address, the forged one is to its left.
    assert _ip(settings, PROXY, "1.2.3.4, 203.0.113.7") == "203.0.113.7"
    # Two trusted hops (a network in the list), then the client.
    assert _ip(settings, PROXY, "203.0.113.7, 10.0.1.1", proxies=(PROXY, "10.0.1.0/24")) == "203.0.113.7"
    # Garbage stops the walk at the last address a trusted proxy vouched for.
    assert _ip(settings, PROXY, "203.0.113.7, not-an-ip") == PROXY
    assert _ip(settings, PROXY, "") == PROXY
    assert _ip(settings, PROXY, " 2001:db8::1 ") == "2001:db8::1"
    assert _ip(settings, "junk", "203.0.113.7") is None


def test_login_events_and_the_lockout_use_the_client_behind_the_proxy(client, side_a, settings):
    settings.PORTAL_TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.PORTAL_TRUSTED_PROXIES = [PROXY]
    settings.PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    user = side_a.unit_secretary
    for _ in range(3):
        _page(client, f"guess-{_}", "wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert set(LoginEvent.objects.values_list("ip", flat=True)) == {"203.0.113.7"}
    # That client's address is locked; a colleague behind the same proxy is not.
    status, message = _page(client, user.username, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert status == 200
    assert _page(client, user.username, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.8")[0] == 302
    assert LoginEvent.objects.get(success=True).ip == "203.0.113.8"


def test_a_forged_header_from_outside_counts_under_the_real_address(client, side_a, settings):
    settings.PORTAL_TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.PORTAL_TRUSTED_PROXIES = [PROXY]
    _page(client, "guess", "wrong", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert LoginEvent.objects.get().ip == "198.51.100.9"


# --- the admin can be taken off ---------------------------------------------------------------


@pytest.fixture
def reload_urls(settings):
    import organ_portal.urls

    def reload(enabled: bool):
        settings.PORTAL_ADMIN_ENABLED = enabled
        importlib.reload(organ_portal.urls)
        clear_url_caches()

    yield reload
    settings.PORTAL_ADMIN_ENABLED = True
    importlib.reload(organ_portal.urls)
    clear_url_caches()


def test_the_admin_can_be_taken_off_the_site(client, db, reload_urls):
    reload_urls(False)
    assert client.get("/django-admin/login/").status_code == 404
    reload_urls(True)
    assert client.get("/django-admin/login/").status_code == 200
