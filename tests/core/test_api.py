"""API skeleton: schema and docs served locally, token and session auth, Chinese errors."""

from apps.orgs.models import ApiToken
from tests.orgs.factories import PASSWORD


def test_schema_lists_org_endpoints(client, side_a):
    client.force_login(side_a.unit_secretary)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["/api/units/", "/api/branches/", "/api/members/", "/api/members/{id}/deactivate/"]:
        assert path in paths


def test_docs_use_local_assets_only(client, side_a):
    client.force_login(side_a.unit_secretary)
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


def test_token_auth_round_trip(client, side_a):
    response = client.post(
        "/api/auth/token/",
        {"username": side_a.unit_secretary.username, "password": PASSWORD},
        content_type="application/json",
    )
    token = response.json()["token"]
    assert ApiToken.objects.get(user=side_a.unit_secretary).prefix == token[:8]
    data = client.get("/api/members/", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert {row["branch"] for row in data["results"]} == {side_a.branch.pk, side_a.other_branch.pk}


def test_token_refused_with_chinese_message_and_counts_toward_lockout(client, side_a):
    user = side_a.unit_secretary
    for _ in range(5):
        response = client.post(
            "/api/auth/token/", {"username": user.username, "password": "bad"}, content_type="application/json"
        )
        assert response.status_code == 400
    assert "锁定" in response.json()["detail"]
    user.refresh_from_db()
    assert user.is_locked()
    assert not ApiToken.objects.filter(user=user).exists()


def test_api_validation_errors_are_chinese_and_change_nothing(client, side_a):
    client.force_login(side_a.unit_secretary)
    member = side_a.members[1]
    # 1950: within the bounded party dates (issue 6 refuses 1900 itself), still before the member's birth.
    response = client.patch(f"/api/members/{member.pk}/", {"join_date": "1950-01-01"}, content_type="application/json")
    assert response.status_code == 400
    assert "入党日期必须晚于出生日期" in str(response.json())
    member.refresh_from_db()
    assert member.join_date.year != 1950


def test_api_deactivate_member(client, side_a):
    client.force_login(side_a.unit_secretary)
    member = side_a.members[2]
    bad = client.post(
        f"/api/members/{member.pk}/deactivate/", {"left_on": "2026-01-05"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "left_reason" in bad.json()
    ok = client.post(
        f"/api/members/{member.pk}/deactivate/",
        {"left_on": "2026-01-05", "left_reason": "组织关系转出"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["active"] is False
    member.refresh_from_db()
    assert not member.active


def test_branch_secretary_cannot_write_members_via_api(client, side_a):
    client.force_login(side_a.branch_secretary)
    member = side_a.members[1]
    response = client.patch(f"/api/members/{member.pk}/", {"position": "局长"}, content_type="application/json")
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.position != "局长"
