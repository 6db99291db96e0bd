"""The progress API: `study/ledger` is the member's own; `study/progress` lists the members one keeps."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core import study_hours
from tests.study.progress_factories import hours, self_study

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1
MARCH = dt.date(LAST_YEAR, 3, 1)
LEDGER = reverse("study-ledger-list")
PROGRESS = reverse("study-progress-list")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def member_ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["member"] for row in response.json()["results"]}


def everyone(side) -> set[int]:
    return {m.pk for m in side.members} | {side.other_branch_member.pk}


def test_the_ledger_is_the_members_own(side_a, side_b):
    hours([side_a.member], "4", day=MARCH, topic="我的培训")
    self_study(side_a.member, "1.5", day=MARCH)
    hours([side_a.members[1], side_b.member], "9", day=MARCH, topic="别人的培训")

    body = api(side_a.member_user).get(LEDGER, {"year": LAST_YEAR}).json()
    assert body["member"] == side_a.member.pk
    assert Decimal(body["ledger"]["total"]) == Decimal("5.5")
    assert Decimal(body["ledger"]["target"]) == Decimal("32")
    assert body["ledger"]["status"] == "behind" and body["as_of"] == f"{LAST_YEAR}-12-31"
    by_source = {row["key"]: Decimal(row["hours"]) for row in body["ledger"]["by_source"]}
    assert list(by_source) == [s.key for s in study_hours.sources()]
    assert by_source["study.sessions"] == Decimal("4") and by_source["study.self"] == Decimal("1.5")
    titles = [entry["title"] for entry in body["entries"]]
    assert len(titles) == 2 and any("我的培训" in t for t in titles) and not any("别人" in t for t in titles)


def test_the_ledger_refuses_a_bad_year_and_an_account_without_a_member(side_a):
    for bad in ("abc", "1800", "\x00"):
        response = api(side_a.member_user).get(LEDGER, {"year": bad})
        assert response.status_code == 400 and "year" in response.json()
    assert api(side_a.unit_secretary).get(LEDGER).status_code == 404


def test_a_member_sees_only_themself(side_a):
    assert member_ids(api(side_a.member_user).get(PROGRESS)) == {side_a.member.pk}


def test_secretaries_see_their_branch_or_unit_and_never_another(side_a, side_b):
    assert member_ids(api(side_a.branch_secretary).get(PROGRESS)) == {m.pk for m in side_a.members}
    assert member_ids(api(side_a.unit_secretary).get(PROGRESS)) == everyone(side_a)
    assert member_ids(api(side_b.unit_secretary).get(PROGRESS)) == everyone(side_b)
    # Another unit's unit or branch is not a valid choice: 400, never their rows.
    for params in ({"unit": side_a.unit.pk}, {"branch": side_a.branch.pk}):
        response = api(side_b.unit_secretary).get(PROGRESS, params)
        assert response.status_code == 400 and list(params)[0] in response.json()


def test_the_committee_names_a_unit(committee_user, side_a, side_b):
    response = api(committee_user).get(PROGRESS)
    assert response.status_code == 400 and "unit" in response.json()
    assert member_ids(api(committee_user).get(PROGRESS, {"unit": side_b.unit.pk})) == everyone(side_b)


def test_rows_and_filters_match_the_table(side_a):
    hours([side_a.member], "40", day=MARCH)
    response = api(side_a.unit_secretary).get(PROGRESS, {"year": LAST_YEAR, "status": "done"})
    rows = response.json()["results"]
    assert [row["member"] for row in rows] == [side_a.member.pk]
    assert rows[0]["ledger"]["status"] == "done" and Decimal(rows[0]["ledger"]["total"]) == Decimal("40")
    assert rows[0]["unit"] == side_a.unit.pk and rows[0]["branch"] == side_a.branch.pk
    for bad in ({"status": "late"}, {"sort": "salary"}, {"year": "1800"}, {"q": "\x00"}):
        assert api(side_a.unit_secretary).get(PROGRESS, bad).status_code == 400, bad


def test_both_endpoints_are_in_the_schema(committee_user):
    client = api(committee_user)
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    assert "/api/study/ledger/" in schema["paths"] and "/api/study/progress/" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/study/progress/"]["get"]["parameters"]}
    assert {"unit", "branch", "status", "role", "q", "year", "sort"} <= params
