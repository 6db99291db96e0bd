"""Managing the tree in the portal: units, branches, party groups, members; bad input changes nothing."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.orgs.models import Branch, Member, PartyGroup, Unit
from tests.orgs.factories import BranchFactory, MemberFactory, UnitFactory

UNIT_DATA = {"name": "市新设局", "short_name": "新设局", "category": "government", "party_org_kind": "committee"}


def _unit_post(**overrides):
    return {**UNIT_DATA, "order": "5", "active": "on", **overrides}


def test_committee_creates_and_edits_unit(client, committee_user):
    client.force_login(committee_user)
    response = client.post(reverse("orgs:unit_create"), _unit_post())
    unit = Unit.objects.get(name="市新设局")
    assert response["Location"] == unit.get_absolute_url()
    client.post(reverse("orgs:unit_edit", args=[unit.pk]), _unit_post(short_name="新局"))
    unit.refresh_from_db()
    assert unit.short_name == "新局"
    assert unit.history.count() == 2
    detail = client.get(unit.get_absolute_url()).content.decode()
    assert "变更记录" in detail and "简称" in detail


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"name": ""}, "该字段是必填项"),
        ({"category": "nonsense"}, "选择一个有效的选项"),
        ({"order": "-3"}, "大于或等于0"),
    ],
)
def test_bad_unit_input_shows_chinese_error_and_changes_nothing(client, committee_user, overrides, message):
    client.force_login(committee_user)
    response = client.post(reverse("orgs:unit_create"), _unit_post(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Unit.objects.exists()


def test_duplicate_unit_name_refused(client, committee_user, side_a):
    client.force_login(committee_user)
    response = client.post(reverse("orgs:unit_create"), _unit_post(name=side_a.unit.name))
    assert "已存在" in response.content.decode()
    assert Unit.objects.filter(name=side_a.unit.name).count() == 1


def test_unit_secretary_creates_branch_only_in_own_unit(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    data = {"name": "新支部", "kind": "serving", "founded_on": "2026-03-01", "order": "1", "active": "on"}
    response = client.post(reverse("orgs:branch_create"), {**data, "unit": side_b.unit.pk})
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not Branch.objects.filter(name="新支部").exists()
    client.post(reverse("orgs:branch_create"), {**data, "unit": side_a.unit.pk})
    assert Branch.objects.get(name="新支部").unit == side_a.unit


def test_branch_secretary_cannot_create_branch_or_member(client, side_a):
    client.force_login(side_a.branch_secretary)
    assert client.get(reverse("orgs:branch_create")).status_code == 403
    assert client.get(reverse("orgs:member_create")).status_code == 403
    assert client.get(reverse("orgs:member_edit", args=[side_a.members[1].pk])).status_code == 403


def test_party_group_created_by_branch_secretary(client, side_a):
    client.force_login(side_a.branch_secretary)
    client.post(reverse("orgs:party_group_create", args=[side_a.branch.pk]), {"name": "第一党小组", "active": "on"})
    assert PartyGroup.objects.get().branch == side_a.branch
    response = client.post(
        reverse("orgs:party_group_create", args=[side_a.branch.pk]), {"name": "第一党小组", "active": "on"}, follow=True
    )
    assert "本支部已有同名党小组" in response.content.decode()
    assert PartyGroup.objects.count() == 1


MEMBER_DATA = {
    "name": "王新",
    "gender": "F",
    "birth_date": "1992-05-06",
    "join_date": "2016-07-01",
    "status": "full",
    "position": "科员",
}


def test_member_create_and_bad_dates(client, side_a):
    client.force_login(side_a.unit_secretary)
    url = reverse("orgs:member_create")
    response = client.post(url, {**MEMBER_DATA, "branch": side_a.branch.pk, "join_date": "1991-01-01"})
    assert "入党日期必须晚于出生日期" in response.content.decode()
    future = {"birth_date": "2090-01-01", "join_date": "2095-01-01"}
    response = client.post(url, {**MEMBER_DATA, "branch": side_a.branch.pk, **future})
    assert "至今天之间" in response.content.decode()  # the bounded-date validators' message (issue 6)
    assert not Member.objects.filter(name="王新").exists()
    response = client.post(url, {**MEMBER_DATA, "branch": side_a.branch.pk})
    member = Member.objects.get(name="王新")
    assert response["Location"] == member.get_absolute_url()
    # The same person twice in one branch is refused.
    response = client.post(url, {**MEMBER_DATA, "branch": side_a.branch.pk})
    assert "同名、同出生日期" in response.content.decode()
    assert Member.objects.filter(name="王新").count() == 1


def test_member_party_group_must_belong_to_branch(client, side_a):
    other_group = PartyGroup.objects.create(branch=side_a.other_branch, name="二支部小组")
    client.force_login(side_a.unit_secretary)
    member = side_a.members[1]
    data = {**MEMBER_DATA, "branch": side_a.branch.pk, "party_group": other_group.pk, "name": member.name}
    data["birth_date"] = member.birth_date.isoformat()
    data["join_date"] = member.join_date.isoformat()
    response = client.post(reverse("orgs:member_edit", args=[member.pk]), data)
    assert "党小组必须属于该党员所在的支部" in response.content.decode()
    member.refresh_from_db()
    assert member.party_group is None


def test_deactivate_member_keeps_row_and_history_and_stops_login(client, side_a):
    member = side_a.member
    versions = member.history.count()
    client.force_login(side_a.unit_secretary)
    page = client.get(reverse("orgs:member_deactivate", args=[member.pk])).content.decode()
    assert "data-confirm" in page and "确认离册" in page
    response = client.post(
        reverse("orgs:member_deactivate", args=[member.pk]),
        {"left_on": "2026-02-01", "left_reason": "组织关系转出", "note": "转至省直机关"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.active and member.left_reason == "组织关系转出：转至省直机关"
    assert member.history.count() == versions + 1
    side_a.member_user.refresh_from_db()
    assert not side_a.member_user.is_active
    client.get(member.get_absolute_url())  # shows (and consumes) the success message
    # Gone from the default roster, present under 已离册.
    assert member.name not in client.get(reverse("orgs:member_list")).content.decode()
    assert member.name in client.get(reverse("orgs:member_list") + "?active=0").content.decode()
    client.post(reverse("orgs:member_reactivate", args=[member.pk]))
    member.refresh_from_db()
    assert member.active and member.left_on is None


def test_deactivate_needs_valid_date(client, side_a):
    client.force_login(side_a.unit_secretary)
    member = side_a.members[1]
    response = client.post(
        reverse("orgs:member_deactivate", args=[member.pk]), {"left_on": "2099-01-01", "left_reason": "去世"}
    )
    assert "不能晚于今天" in response.content.decode()
    member.refresh_from_db()
    assert member.active


def test_member_list_search_and_filters(client, side_a):
    client.force_login(side_a.unit_secretary)
    target = side_a.members[1]
    body = client.get(reverse("orgs:member_list") + f"?q={target.name}").content.decode()
    assert target.name in body and side_a.members[2].name not in body
    body = client.get(reverse("orgs:member_list") + f"?branch={side_a.other_branch.pk}").content.decode()
    assert side_a.other_branch_member.name in body and target.name not in body


def test_member_export_is_xlsx_with_filtered_rows(client, side_a):
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse("orgs:member_export") + f"?branch={side_a.branch.pk}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("单位", "支部", "党小组", "姓名")
    assert sorted(r[3] for r in rows[1:]) == sorted(m.name for m in side_a.members)


# --- query counts do not grow with rows -----------------------------------------------------


def _grow(unit, n):
    branch = BranchFactory(unit=unit)
    MemberFactory.create_batch(n, branch=branch)


def _pin(client, user, url, assert_constant_queries, *, grow, expected):
    """Log in, warm the caches (content types, permissions), then pin the count before and after `grow`."""
    client.force_login(user)
    client.get(url)

    def run():
        assert client.get(url).status_code == 200

    assert_constant_queries(run, grow=grow, expected=expected)


# A committee page: session 1 + user 1 + scope 1 (the committee permission, managed units and branches, own member
# row: one UNION ALL) + unread notification count 1 + session save 3 (UPDATE inside the test's savepoint) + the
# page's own. Exports and the API: no notification count, no session save, the list's own queries.
COMMITTEE_PINNED = {
    reverse("orgs:member_list"): 10,  # page: count, unit choices, rows (branch choices once a unit is chosen)
    reverse("orgs:branch_list"): 10,  # page: count, unit choices, rows
    reverse("orgs:unit_list"): 10,  # page: count, rows, member counts
    reverse("orgs:account_list"): 9,  # page: count, rows
    reverse("home"): 11,  # issue 10: the committee home reads stored ranking snapshots, never the engine
    reverse("orgs:member_export"): 8,  # 7 + the count that decides between a download and a job
    reverse("orgs:branch_export"): 8,  # 7 + the count that decides between a download and a job
    reverse("orgs:unit_export"): 8,
    "/api/members/": 8,
    "/api/branches/": 8,
    "/api/units/": 8,
    "/api/party-groups/": 7,
}


@pytest.mark.parametrize("url,expected", COMMITTEE_PINNED.items())
def test_list_query_counts_are_pinned(client, committee_user, assert_constant_queries, url, expected):
    unit = UnitFactory()
    _grow(unit, 3)

    def grow():
        for _ in range(9):
            _grow(UnitFactory(), 3)
        _grow(unit, 27)

    _pin(client, committee_user, url, assert_constant_queries, grow=grow, expected=expected)


# A unit secretary: the same one scope query as the committee's.
UNIT_SECRETARY_PINNED = {
    "orgs:member_list": 10,  # page: count, branch choices, rows
    "orgs:branch_list": 9,  # page: count, rows
    "orgs:unit_list": 10,
    "orgs:member_export": 8,  # 7 + the count that decides between a download and a job
}


@pytest.mark.parametrize("url_name,expected", UNIT_SECRETARY_PINNED.items())
def test_unit_secretary_page_query_counts(client, side_a, assert_constant_queries, url_name, expected):
    def grow():
        for _ in range(5):
            MemberFactory(branch=side_a.branch)
        _grow(side_a.unit, 10)

    _pin(client, side_a.unit_secretary, reverse(url_name), assert_constant_queries, grow=grow, expected=expected)
