"""Login, lockout, password policy, accounts and roles."""

import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.orgs.access import Role, scope_for
from apps.orgs.models import LoginEvent, User
from tests.orgs.factories import PASSWORD, UserFactory


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_page_is_chinese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "模范机关创建管理平台" in body and "用户名" in body and "密码" in body
    assert 'lang="zh-CN"' in body


def test_login_success_lands_on_home_and_is_logged(client, side_a):
    response = _login(client, side_a.unit_secretary.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    event = LoginEvent.objects.get()
    assert event.success and event.user == side_a.unit_secretary


def test_wrong_password_message_and_audit(client, side_a):
    response = _login(client, side_a.unit_secretary.username, "wrong")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert LoginEvent.objects.filter(success=False, reason="密码错误").count() == 1
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_even_for_the_right_password(client, side_a):
    user = side_a.unit_secretary
    for _ in range(5):
        _login(client, user.username, "wrong")
    user.refresh_from_db()
    assert user.is_locked()
    response = _login(client, user.username, PASSWORD)
    assert "账号已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # After the lockout period the right password works again.
    AccessAttempt.objects.filter(username=user.username).update(
        attempt_time=timezone.now() - settings.PORTAL_LOGIN_LOCKOUT - dt.timedelta(seconds=1)
    )
    assert _login(client, user.username, PASSWORD).status_code == 302


def test_four_failures_then_success_resets_the_counter(client, side_a):
    user = side_a.unit_secretary
    for _ in range(4):
        _login(client, user.username, "wrong")
    assert _login(client, user.username, PASSWORD).status_code == 302
    user.refresh_from_db()
    assert not AccessAttempt.objects.filter(username=user.username).exists() and not user.is_locked()


def test_must_change_password_redirects_everything_to_change_page(client, side_a):
    user = side_a.unit_secretary
    user.must_change_password = True
    user.save()
    client.force_login(user)
    response = client.get(reverse("orgs:member_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("password_change"))


def test_password_older_than_90_days_must_be_changed(client, side_a):
    user = side_a.unit_secretary
    user.password_changed_at = timezone.now() - dt.timedelta(days=91)
    user.save()
    client.force_login(user)
    assert client.get(reverse("home"))["Location"].startswith(reverse("password_change"))


def test_password_change_enforces_three_character_classes(client, side_a):
    user = side_a.unit_secretary
    client.force_login(user)
    url = reverse("password_change")
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "abcdefgh1", "new_password2": "abcdefgh1"})
    assert response.status_code == 200
    assert "至少3类" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": "New#Pass2027", "new_password2": "New#Pass2027"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("New#Pass2027") and user.password_changed_at is not None
    assert not user.must_change_password


def test_logout_is_post_and_ends_session(client, side_a):
    client.force_login(side_a.member_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_committee_opens_account_for_member_and_member_logs_in(client, committee_user, side_b):
    member = side_b.members[2]
    client.force_login(committee_user)
    url = reverse("orgs:account_create") + f"?member={member.pk}"
    bad = client.post(url, {"username": "newbie", "display_name": member.name, "password": "short"})
    assert bad.status_code == 200 and "密码" in bad.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    response = client.post(url, {"username": "newbie", "display_name": member.name, "password": "Init#Pass2026"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.user.username == "newbie" and member.user.must_change_password
    assert scope_for(member.user).role == Role.MEMBER


def test_duplicate_username_is_refused_in_chinese(client, committee_user, side_a):
    client.force_login(committee_user)
    response = client.post(
        reverse("orgs:account_create"),
        {"username": side_a.unit_secretary.username.upper(), "display_name": "重名", "password": "Init#Pass2026"},
    )
    assert "该用户名已被使用" in response.content.decode()


def test_role_grant_and_revoke_change_scope(client, committee_user, side_a, side_b):
    account = UserFactory(username="newsec")
    client.force_login(committee_user)
    client.post(reverse("orgs:role_grant", args=[account.pk]), {"role": "branch", "branch": side_b.branch.pk})
    account = User.objects.get(pk=account.pk)
    assert scope_for(account).branch_ids == {side_b.branch.pk}
    # Missing target is refused with a message, nothing granted.
    response = client.post(reverse("orgs:role_grant", args=[account.pk]), {"role": "unit"}, follow=True)
    assert "须选择单位" in response.content.decode()
    assert scope_for(User.objects.get(pk=account.pk)).unit_ids == frozenset()
    client.post(reverse("orgs:role_revoke", args=[account.pk]), {"role": "branch", "target": str(side_b.branch.pk)})
    assert scope_for(User.objects.get(pk=account.pk)).role == Role.NONE


def test_deactivate_and_unlock_account(client, committee_user, side_a):
    target = side_a.unit_secretary
    client.force_login(committee_user)
    client.post(reverse("orgs:account_active", args=[target.pk]), {"active": "0"})
    target.refresh_from_db()
    assert not target.is_active
    assert _login(client.__class__(), target.username, PASSWORD).status_code == 200


def test_committee_cannot_deactivate_self(client, committee_user):
    client.force_login(committee_user)
    response = client.post(reverse("orgs:account_active", args=[committee_user.pk]), {"active": "0"}, follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    committee_user.refresh_from_db()
    assert committee_user.is_active
