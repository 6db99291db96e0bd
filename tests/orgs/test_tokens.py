"""API tokens under the same policy as sessions: expiry, password rule, revocation, owner and committee lists."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.orgs import tokens
from apps.orgs.models import ApiToken, LoginEvent
from tests.orgs.factories import PASSWORD

INVALID = "接口令牌无效、已过期或已吊销，请重新获取。"
MUST_CHANGE = "账号须先修改密码：请登录网页修改密码后，再重新获取接口令牌。"
NEW_PASSWORD = "Neu#Pass2027x"


def _issue(client, user, password=PASSWORD):
    return client.post(
        "/api/auth/token/", {"username": user.username, "password": password}, content_type="application/json"
    )


def _key(client, user) -> str:
    response = _issue(client, user)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _get(client, key, path="/api/members/"):
    return client.get(path, HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_works_expires_and_only_its_digest_is_stored(client, side_a, settings):
    settings.PORTAL_API_TOKEN_TTL_DAYS = 7
    user = side_a.unit_secretary
    response = _issue(client, user)
    key = response.json()["token"]
    token = ApiToken.objects.get(user=user)
    assert token.digest != key and key not in token.digest and token.prefix == key[:8]
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    assert _get(client, key).status_code == 200
    assert client.get("/api/members/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    # A week later the token answers 401, in Chinese.
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = _get(client, key)
    assert response.status_code == 401 and response.json()["detail"] == INVALID


def test_a_shorter_ttl_applies_to_tokens_already_issued(client, side_a, settings):
    key = _key(client, side_a.unit_secretary)
    ApiToken.objects.update(created_at=timezone.now() - dt.timedelta(days=3))
    assert _get(client, key).status_code == 200
    settings.PORTAL_API_TOKEN_TTL_DAYS = 2
    assert _get(client, key).status_code == 401


@pytest.mark.parametrize("header", ["Token nonsense", "Token ", "Token a b", "Bearer 0000", "Token \xff"])
def test_a_bad_token_answers_401_in_chinese(client, db, header):
    response = client.get("/api/members/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"] == INVALID
    assert response.headers["WWW-Authenticate"] == "Token"


def test_an_inactive_account_token_answers_401(client, side_a):
    key = _key(client, side_a.unit_secretary)
    side_a.unit_secretary.is_active = False
    side_a.unit_secretary.save(update_fields=["is_active"])
    assert _get(client, key).status_code == 401


def test_no_token_while_the_password_must_change(client, side_a):
    user = side_a.unit_secretary
    key = _key(client, user)
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    # An existing token is refused …
    response = _get(client, key)
    assert response.status_code == 403 and response.json()["detail"] == MUST_CHANGE
    # … no new one is issued (the refusal is in the audit) …
    response = _issue(client, user)
    assert response.status_code == 403 and response.json()["detail"] == MUST_CHANGE
    assert ApiToken.objects.filter(user=user).count() == 1
    assert LoginEvent.objects.filter(user=user, success=False, reason="须先修改密码").exists()
    # … and a session cannot use the API either, as it cannot use any page.
    client.force_login(user)
    response = client.get("/api/members/")
    assert response.status_code == 403 and response.json()["detail"] == MUST_CHANGE


def test_an_expired_password_refuses_the_token(client, side_a):
    user = side_a.unit_secretary
    key = _key(client, user)
    user.password_changed_at = timezone.now() - dt.timedelta(days=200)
    user.save(update_fields=["password_changed_at"])
    assert _get(client, key).status_code == 403


def test_changing_the_password_revokes_tokens_and_other_sessions(client, side_a):
    user = side_a.unit_secretary
    key = _key(client, user)
    other_browser = Client()
    other_browser.force_login(user)
    assert other_browser.get(reverse("home")).status_code == 200
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _get(Client(), key).status_code == 401
    assert ApiToken.objects.get(user=user).revoke_reason == "密码已修改"
    # This browser stays signed in; the other one is signed out.
    assert client.get(reverse("home")).status_code == 200
    assert other_browser.get(reverse("home")).status_code == 302
    assert other_browser.get("/api/members/").status_code == 401  # no session any more: not authenticated


def test_a_committee_reset_revokes_the_accounts_tokens_and_sessions(client, committee_user, side_a):
    user = side_a.unit_secretary
    key = _key(Client(), user)
    user_browser = Client()
    user_browser.force_login(user)
    client.force_login(committee_user)
    client.post(reverse("orgs:account_password", args=[user.pk]), {"password": "Reset#Pass2027"})
    assert _get(Client(), key).status_code == 401
    assert user_browser.get(reverse("home")).status_code == 302


def test_the_owner_lists_and_revokes_their_own_tokens_only(client, side_a, side_b):
    mine = _key(Client(), side_a.unit_secretary)
    _key(Client(), side_a.unit_secretary)
    theirs = _key(Client(), side_b.unit_secretary)
    rows = _get(client, mine, "/api/auth/tokens/").json()["results"]
    assert len(rows) == 2 and {row["username"] for row in rows} == {side_a.unit_secretary.username}
    assert "digest" not in rows[0] and all(row["status"] == "有效" for row in rows)
    other = ApiToken.objects.get(user=side_b.unit_secretary)
    # Another account's token is not there to see or to revoke.
    assert _get(client, mine, f"/api/auth/tokens/{other.pk}/").status_code == 404
    response = client.delete(f"/api/auth/tokens/{other.pk}/", HTTP_AUTHORIZATION=f"Token {mine}")
    assert response.status_code == 404
    assert _get(client, theirs).status_code == 200
    # Revoking one's own: 204, the token stops working, the row stays listed as revoked.
    own = ApiToken.objects.filter(user=side_a.unit_secretary).exclude(prefix=mine[:8]).get()
    response = client.delete(f"/api/auth/tokens/{own.pk}/", HTTP_AUTHORIZATION=f"Token {mine}")
    assert response.status_code == 204
    own.refresh_from_db()
    assert own.revoked_at is not None and own.revoke_reason == "本人吊销"
    response = client.delete(
        f"/api/auth/tokens/{ApiToken.objects.get(prefix=mine[:8]).pk}/", HTTP_AUTHORIZATION=f"Token {mine}"
    )
    assert response.status_code == 204
    assert _get(client, mine).status_code == 401


def test_the_committee_lists_and_revokes_anyones_token(client, committee_user, side_a, side_b):
    key_a = _key(Client(), side_a.unit_secretary)
    _key(Client(), side_b.unit_secretary)
    client.force_login(committee_user)
    rows = client.get("/api/auth/tokens/").json()["results"]
    assert {row["username"] for row in rows} == {side_a.unit_secretary.username, side_b.unit_secretary.username}
    filtered = client.get("/api/auth/tokens/", {"user": side_a.unit_secretary.pk}).json()["results"]
    assert [row["username"] for row in filtered] == [side_a.unit_secretary.username]
    assert client.get("/api/auth/tokens/", {"user": "x"}).status_code == 400
    token_a = ApiToken.objects.get(user=side_a.unit_secretary)
    assert client.delete(f"/api/auth/tokens/{token_a.pk}/").status_code == 204
    token_a.refresh_from_db()
    assert token_a.revoked_by == committee_user and token_a.revoke_reason == "管理员吊销"
    assert _get(Client(), key_a).status_code == 401
    active = client.get("/api/auth/tokens/", {"active": "true"}).json()["results"]
    assert [row["username"] for row in active] == [side_b.unit_secretary.username]


def test_the_token_pages(client, committee_user, side_a, side_b):
    _key(Client(), side_a.unit_secretary)
    _key(Client(), side_b.unit_secretary)
    mine = ApiToken.objects.get(user=side_a.unit_secretary)
    theirs = ApiToken.objects.get(user=side_b.unit_secretary)
    client.force_login(side_a.unit_secretary)
    assert reverse("api_tokens") in client.get(reverse("home")).content.decode()  # in the account menu
    body = client.get(reverse("api_tokens")).content.decode()
    assert mine.prefix in body and theirs.prefix not in body and "有效" in body
    # Not the committee: no page of all tokens, no revoking someone else's.
    assert client.get(reverse("api_tokens_all")).status_code == 403
    assert client.post(reverse("api_token_revoke", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("api_token_revoke", args=[mine.pk])).status_code == 405
    response = client.post(reverse("api_token_revoke", args=[mine.pk]), follow=True)
    assert f"接口令牌 {mine.prefix}… 已吊销" in response.content.decode()
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    # The committee sees and revokes everyone's.
    client.force_login(committee_user)
    body = client.get(reverse("api_tokens_all"), {"q": side_b.unit_secretary.username}).content.decode()
    assert theirs.prefix in body and mine.prefix not in body
    response = client.post(reverse("api_token_revoke", args=[theirs.pk]))
    assert response.status_code == 302 and response.url == reverse("api_tokens_all")
    assert not tokens.active().exists()


def test_the_token_pages_take_no_query_per_row(client, committee_user, side_a, assert_constant_queries):
    client.force_login(committee_user)
    tokens.issue(user=side_a.unit_secretary)

    def more():
        for user in (side_a.branch_secretary, side_a.member_user):
            tokens.issue(user=user)

    assert_constant_queries(lambda: client.get(reverse("api_tokens_all")), grow=more, expected=9)
