"""Login lockout (登录锁定) through django-axes: one count for every door, per account and per address."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from apps.orgs.models import LoginEvent
from tests.orgs.factories import PASSWORD, UserFactory

LOCKED = "登录失败次数过多，账号已锁定，请 30 分钟后再试，或联系管理员解锁。"
WRONG = "用户名或密码错误。"
OFFICE = "10.1.2.3"  # one unit's NAT address


def _login(client, username, password, ip="127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _admin_login(client, username, password):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/django-admin/"})


def _token(client, username, password):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password}, content_type="application/json"
    )


def _age_attempts(minutes):
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=minutes))


@pytest.fixture
def staff(db):
    return UserFactory(username="houtai", is_staff=True, is_superuser=True)


def test_admin_login_is_locked_out_and_audited_like_the_login_page(client, staff):
    for _ in range(4):
        response = _admin_login(client, staff.username, "wrong")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = _admin_login(client, staff.username, "wrong")
    assert LOCKED in response.content.decode()
    # Locked: the right password is refused at the admin and at the login page alike.
    assert LOCKED in _admin_login(client, staff.username, PASSWORD).content.decode()
    assert LOCKED in _login(client, staff.username, PASSWORD).content.decode()
    assert "_auth_user_id" not in client.session
    reasons = list(
        LoginEvent.objects.filter(username=staff.username).order_by("at", "pk").values_list("reason", flat=True)
    )
    assert reasons == ["密码错误"] * 4 + ["连续失败，账号锁定", "账号锁定中", "账号锁定中"]
    # After the lockout period the admin lets the right password in, and says so in the audit.
    _age_attempts(31)
    assert _admin_login(client, staff.username, PASSWORD).status_code == 302
    assert LoginEvent.objects.filter(user=staff, success=True).count() == 1


def test_failures_at_every_door_add_up_to_one_lock(client, staff):
    _login(client, staff.username, "wrong")
    _login(client, staff.username.upper(), "wrong")  # any spelling of the name is the same account
    assert _token(client, staff.username, "wrong").status_code == 400
    assert _token(client, staff.username, "wrong").status_code == 400
    assert LOCKED in _admin_login(client, staff.username, "wrong").content.decode()
    assert staff.is_locked()
    response = _token(client, staff.username, PASSWORD)
    assert response.status_code == 400 and response.json()["detail"] == LOCKED


def test_lock_message_counts_down_and_refused_attempts_do_not_extend_it(client, side_a):
    user = side_a.unit_secretary
    for _ in range(5):
        _login(client, user.username, "wrong")
    _age_attempts(10)
    body = _login(client, user.username, PASSWORD).content.decode()
    assert "请 20 分钟后再试" in body
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 5  # the refusal was not counted
    assert "请 20 分钟后再试" in _login(client, user.username, "wrong").content.decode()


def test_unknown_and_known_usernames_look_the_same(client, side_a):
    for name in (side_a.unit_secretary.username, "nobody"):
        bodies = [_login(client, name, "wrong").content.decode() for _ in range(5)]
        assert all(WRONG in body for body in bodies[:4])
        assert LOCKED in bodies[4] and WRONG not in bodies[4]
    assert LoginEvent.objects.filter(username="nobody", reason="用户名不存在").count() == 4


def test_one_address_is_locked_after_its_own_limit_and_a_colleague_login_does_not_clear_it(client, side_a, settings):
    settings.PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    colleague, other = side_a.unit_secretary, side_a.branch_secretary
    # 29 failures from one office address, over ten names, none of them reaching an account's 5.
    for i in range(29):
        body = _login(client, f"guess{i % 10}", "wrong", ip=OFFICE).content.decode()
        assert WRONG in body
    # A colleague's good login there forgets only the colleague's own failures.
    assert _login(client, colleague.username, PASSWORD, ip=OFFICE).status_code == 302
    client.logout()
    body = _login(client, "guess0", "wrong", ip=OFFICE).content.decode()
    assert "网络地址登录失败次数过多" in body and "请 30 分钟后再试" in body
    # Now every account is refused from that address — but not from another one.
    assert "网络地址登录失败次数过多" in _login(client, other.username, PASSWORD, ip=OFFICE).content.decode()
    assert not other.is_locked()
    assert _login(client, other.username, PASSWORD, ip="10.9.9.9").status_code == 302
    reasons = set(LoginEvent.objects.filter(ip=OFFICE, success=False).values_list("reason", flat=True))
    assert reasons == {"用户名不存在", "连续失败，地址锁定", "地址锁定中"}


def test_many_failures_from_one_address_lock_nobody_else_when_per_address_is_off(client, side_a, settings):
    settings.PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS = 0
    settings.AXES_LOCKOUT_PARAMETERS = ["username"]
    for i in range(40):
        _login(client, f"guess{i % 10}", "wrong", ip=OFFICE)
    assert _login(client, side_a.unit_secretary.username, PASSWORD, ip=OFFICE).status_code == 302


def test_committee_unlocks_from_the_account_page(client, committee_user, side_a):
    target = side_a.unit_secretary
    for _ in range(5):
        _login(client, target.username, "wrong")
    client.force_login(committee_user)
    row = client.get(reverse("orgs:account_list"), {"q": target.username}).content.decode()
    assert "锁定" in row
    detail = client.get(reverse("orgs:account_detail", args=[target.pk])).content.decode()
    assert "登录锁定" in detail and "解锁" in detail
    response = client.post(reverse("orgs:account_active", args=[target.pk]), {"active": "1"}, follow=True)
    assert "账号已启用并解锁" in response.content.decode()
    assert not target.is_locked() and not AccessAttempt.objects.filter(username=target.username).exists()
    assert "未锁定" in client.get(reverse("orgs:account_detail", args=[target.pk])).content.decode()
    assert _login(client.__class__(), target.username, PASSWORD).status_code == 302


def test_password_reset_unlocks(client, committee_user, side_a):
    target = side_a.unit_secretary
    for _ in range(5):
        _login(client, target.username, "wrong")
    client.force_login(committee_user)
    client.post(reverse("orgs:account_password", args=[target.pk]), {"password": "Reset#Pass2027"})
    assert not target.is_locked()
    assert _login(client.__class__(), target.username, "Reset#Pass2027").status_code == 302


def test_only_the_committee_unlocks(client, side_a, side_b):
    target = side_b.unit_secretary
    for _ in range(5):
        _login(client, target.username, "wrong")
    client.force_login(side_a.unit_secretary)
    client.post(reverse("orgs:account_active", args=[target.pk]), {"active": "1"})
    assert target.is_locked()


def test_token_login_is_audited_and_clears_the_failures(client, side_a):
    user = side_a.unit_secretary
    _token(client, user.username, "wrong")
    assert _token(client, user.username, PASSWORD).status_code == 200
    assert not AccessAttempt.objects.filter(username=user.username).exists()
    assert list(LoginEvent.objects.order_by("at", "pk").values_list("success", "reason")) == [
        (False, "密码错误"),
        (True, ""),
    ]


def test_account_list_shows_locks_without_a_query_per_row(client, committee_user, assert_constant_queries):
    def lock_more():
        for i in range(5):
            user = UserFactory(username=f"locked{i}")
            AccessAttempt.objects.create(
                username=user.username, ip_address="10.0.0.1", user_agent="x", failures_since_start=5
            )

    client.force_login(committee_user)
    UserFactory(username="locked_first")
    AccessAttempt.objects.create(username="locked_first", ip_address="10.0.0.1", user_agent="x", failures_since_start=5)
    url = reverse("orgs:account_list")
    response = assert_constant_queries(lambda: client.get(url), grow=lock_more, expected=9)
    assert response.content.decode().count('text-bg-warning">锁定') == 6


def test_admin_user_list_shows_the_lock(client, staff, side_a):
    for _ in range(5):
        _login(client, side_a.unit_secretary.username, "wrong")
    client.force_login(staff)
    response = client.get(reverse("admin:orgs_user_changelist"))
    locked = {user.username: user.login_locked for user in response.context["cl"].result_list}
    assert locked[side_a.unit_secretary.username] and not locked[staff.username]
    assert client.get(reverse("admin:orgs_user_change", args=[side_a.unit_secretary.pk])).status_code == 200


def test_an_overlong_username_is_refused_in_chinese_and_counts_nothing(client, db):
    response = _token(client, "x" * 300, "wrong")
    assert response.status_code == 400 and "150" in str(response.json())
    assert "用户名或密码错误" not in str(response.json())
    assert not AccessAttempt.objects.exists() and not LoginEvent.objects.exists()
    assert _login(client, "x" * 300, "wrong").status_code == 200
    assert not AccessAttempt.objects.exists() and not LoginEvent.objects.exists()
