"""The tree's history in the pages and the API (组织沿革): 撤销 / 合并 / 更名·改建, 撤销党小组, 组织关系转接,
平台设置, the branch's and the member's history; bad input is a Chinese message and changes nothing."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.core import navigation
from apps.orgs.models import Branch, BranchEnd, Member, Membership, PartyGroup, Platform
from tests.orgs.factories import BranchFactory, MemberFactory, PartyGroupFactory, make_branch_secretary

D = dt.date(2026, 6, 1)


def _dissolve_url(branch):
    return reverse("orgs:branch_dissolve", args=[branch.pk])


def _merge(client, branch, successor, on=D, reason="merged"):
    return client.post(_dissolve_url(branch), {"reason": reason, "on": on.isoformat(), "successor": successor.pk})


# --- 撤销 / 合并 / 更名·改建 ---------------------------------------------------------------------------------


def test_dissolve_page_says_what_happens_and_asks_first(client, side_a, side_b):
    PartyGroupFactory(branch=side_a.branch)
    client.force_login(side_a.unit_secretary)
    response = client.get(_dissolve_url(side_a.branch))
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 名在册党员自撤销日期起转入所选支部" in page and "1 个党小组同日撤销" in page
    assert "不可撤回" in page and "data-confirm=" in page
    # The successor is a current branch of the same unit, never the branch itself or another unit's.
    assert list(response.context["form"].fields["successor"].queryset) == [side_a.other_branch]
    assert {value for value, _ in response.context["form"].fields["reason"].choices} == {"", *BranchEnd.values}


def test_merge_through_the_page_and_both_branch_pages_show_it(client, side_a):
    client.force_login(side_a.unit_secretary)
    branch, successor = side_a.branch, side_a.other_branch
    response = _merge(client, branch, successor)
    assert response.status_code == 302 and response["Location"] == successor.get_absolute_url()
    branch.refresh_from_db()
    assert (branch.dissolved_on, branch.end_reason, branch.successor) == (D, BranchEnd.MERGED, successor)

    page = client.get(branch.get_absolute_url()).content.decode()
    assert "已撤销" in page and "2026-06-01" in page and successor.get_absolute_url() in page
    assert reverse("orgs:branch_dissolve", args=[branch.pk]) not in page  # no second end
    assert reverse("orgs:member_create") + f"?branch={branch.pk}" not in page
    for member in side_a.members:  # members out, with the day
        assert member.name in page
    assert page.count("2026-06-01") >= 1 + len(side_a.members)
    page = client.get(successor.get_absolute_url()).content.decode()
    assert "由以下支部并入" in page and branch.get_absolute_url() in page
    assert f"{branch.name}合并" in page  # members in, with how they came
    # Going back to the page of an ended branch says so instead of offering the form again.
    response = client.get(_dissolve_url(branch), follow=True)
    assert "已于2026-06-01撤销" in response.content.decode()


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"reason": "merged", "on": "2026-06-01"}, "请选择并入（改建为）的支部"),
        ({"reason": "revoked", "on": "2026-06-01"}, "还有 3 名在册党员"),
        ({"reason": "merged", "on": "2999-01-01", "successor": "other"}, "不能晚于今天"),
        ({"reason": "merged", "on": "2026-13-01", "successor": "other"}, "输入一个有效的日期"),
        ({"reason": "gone", "on": "2026-06-01"}, "选择一个有效的选项"),
        ({"reason": "merged", "on": "2026-06-01", "successor": "999999"}, "选择一个有效的选项"),
    ],
)
def test_bad_dissolve_input_is_a_message_and_changes_nothing(client, side_a, post, message):
    client.force_login(side_a.unit_secretary)
    if post.get("successor") == "other":
        post = {**post, "successor": side_a.other_branch.pk}
    before = list(Membership.objects.values())
    response = client.post(_dissolve_url(side_a.branch), post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Branch.objects.current().count() == 2
    assert list(Membership.objects.values()) == before


def test_only_those_who_keep_the_roster_end_a_branch(client, side_a, side_b, committee_user):
    client.force_login(side_a.branch_secretary)
    assert client.get(_dissolve_url(side_a.branch)).status_code == 403
    assert _merge(client, side_a.branch, side_a.other_branch).status_code == 403
    branch = client.get(side_a.branch.get_absolute_url()).content.decode()
    assert _dissolve_url(side_a.branch) not in branch
    client.force_login(side_a.unit_secretary)
    assert client.get(_dissolve_url(side_b.branch)).status_code == 404
    assert Branch.objects.current().count() == 4
    # The committee may merge across units: every current branch but the one ending is offered.
    client.force_login(committee_user)
    form = client.get(_dissolve_url(side_a.branch)).context["form"]
    assert set(form.fields["successor"].queryset) == {side_a.other_branch, side_b.branch, side_b.other_branch}


def test_a_person_in_two_branches_cannot_merge_one_units_branch_into_the_other(client, side_a, side_b):
    person = make_branch_secretary(side_a.unit_secretary, side_b.branch)
    client.force_login(person)
    form = client.get(_dissolve_url(side_a.branch)).context["form"]
    assert list(form.fields["successor"].queryset) == [side_a.other_branch]
    response = _merge(client, side_a.branch, side_b.branch)
    assert response.status_code == 200 and "successor" in response.context["form"].errors
    assert client.get(_dissolve_url(side_b.branch)).status_code == 403  # they see B's branch, not its roster
    assert _merge(client, side_b.branch, side_b.other_branch).status_code == 403
    transfer = client.get(reverse("orgs:member_transfer", args=[side_a.members[1].pk])).context["form"]
    assert list(transfer.fields["to_branch"].queryset) == [side_a.other_branch]
    response = client.post(
        reverse("orgs:member_transfer", args=[side_a.members[1].pk]),
        {"to_branch": side_b.branch.pk, "on": "2026-06-01"},
    )
    assert response.status_code == 200 and "to_branch" in response.context["form"].errors
    assert Branch.objects.current().count() == 4
    assert Member.objects.get(pk=side_a.members[1].pk).branch == side_a.branch


# --- 撤销党小组 ------------------------------------------------------------------------------------------


def test_party_group_dissolve_page_and_the_dates_on_the_branch_page(client, side_a):
    group = PartyGroupFactory(branch=side_a.branch, name="第一党小组", founded_on=dt.date(2020, 3, 1))
    Member.objects.filter(pk=side_a.members[1].pk).update(party_group=group)
    client.force_login(side_a.branch_secretary)
    url = reverse("orgs:party_group_dissolve", args=[group.pk])
    page = client.get(url).content.decode()
    assert "data-confirm=" in page and "不可撤回" in page

    response = client.post(url, {"on": "2099-01-01"})
    assert "不能晚于今天" in response.content.decode()
    response = client.post(url, {"on": "2020-02-01"})
    assert "不能早于成立日期" in response.content.decode()
    assert PartyGroup.objects.get(pk=group.pk).is_current

    response = client.post(url, {"on": "2026-06-01"})
    assert response.status_code == 302 and response["Location"] == side_a.branch.get_absolute_url()
    page = client.get(side_a.branch.get_absolute_url()).content.decode()
    assert "成立 2020-03-01 · 撤销 2026-06-01" in page
    assert url not in page  # an ended group offers no second end
    assert Member.objects.get(pk=side_a.members[1].pk).party_group is None


def test_party_group_with_a_founding_date_from_the_branch_page(client, side_a):
    client.force_login(side_a.branch_secretary)
    client.post(
        reverse("orgs:party_group_create", args=[side_a.branch.pk]), {"name": "第二党小组", "founded_on": "2024-05-01"}
    )
    assert PartyGroup.objects.get(name="第二党小组").founded_on == dt.date(2024, 5, 1)
    response = client.post(
        reverse("orgs:party_group_create", args=[side_a.branch.pk]),
        {"name": "早小组", "founded_on": "2010-01-01"},
        follow=True,
    )
    assert "不能早于支部成立日期" in response.content.decode()
    assert not PartyGroup.objects.filter(name="早小组").exists()


def test_another_branchs_group_cannot_be_ended(client, side_a, side_b):
    sibling = PartyGroupFactory(branch=side_a.other_branch)
    foreign = PartyGroupFactory(branch=side_b.branch)
    client.force_login(side_a.branch_secretary)
    for group in (sibling, foreign):
        response = client.post(reverse("orgs:party_group_dissolve", args=[group.pk]), {"on": "2026-06-01"})
        assert response.status_code == 404
    assert PartyGroup.objects.current().count() == 2


# --- 组织关系转接 -----------------------------------------------------------------------------------------


def test_transfer_page_and_the_member_history(client, side_a):
    member = side_a.members[1]
    group = PartyGroupFactory(branch=side_a.other_branch, name="二支部小组")
    client.force_login(side_a.unit_secretary)
    url = reverse("orgs:member_transfer", args=[member.pk])
    page = client.get(url).content.decode()
    assert "data-confirm=" in page and "转接日期" in page and "二支部小组" in page
    start = Membership.objects.get(member=member).start_on

    response = client.post(url, {"to_branch": side_a.other_branch.pk, "on": (start - dt.timedelta(days=1)).isoformat()})
    assert "不能早于该党员转入" in response.content.decode()
    response = client.post(url, {"to_branch": side_a.other_branch.pk, "on": "2026-06-01", "party_group": group.pk})
    assert response.status_code == 302 and response["Location"] == member.get_absolute_url()
    member.refresh_from_db()
    assert (member.branch, member.party_group) == (side_a.other_branch, group)

    page = client.get(member.get_absolute_url()).content.decode()
    assert "组织关系" in page and "至今" in page
    assert side_a.branch.name in page and side_a.other_branch.name in page
    assert f"{start:%Y-%m-%d}" in page and "2026-06-01" in page and f"由{side_a.branch.name}转入" in page


def test_transfer_is_refused_to_others_and_for_a_member_who_left(client, side_a, side_b):
    client.force_login(side_a.branch_secretary)
    assert client.get(reverse("orgs:member_transfer", args=[side_a.members[1].pk])).status_code == 403
    client.force_login(side_a.unit_secretary)
    assert client.get(reverse("orgs:member_transfer", args=[side_b.members[1].pk])).status_code == 404
    gone = side_a.members[2]
    Member.objects.filter(pk=gone.pk).update(active=False, left_on=D, left_reason="去世")
    response = client.get(reverse("orgs:member_transfer", args=[gone.pk]), follow=True)
    assert "已离册，不能转接" in response.content.decode()


# --- 平台设置, 纳入平台日期, 转入本支部日期 -------------------------------------------------------------------


def test_platform_page_sets_the_start_date_with_its_history(client, committee_user, side_a):
    client.force_login(committee_user)
    url = reverse("orgs:platform")
    page = client.get(url).content.decode()
    assert "2018-01-01" in page and "默认值" in page and "data-confirm=" in page
    assert client.post(url, {"start_on": "2999-01-01"}).status_code == 200
    assert not Platform.objects.exists()

    client.post(url, {"start_on": "2025-10-01"})
    client.post(url, {"start_on": "2025-07-01"})
    assert Platform.start() == dt.date(2025, 7, 1)
    page = client.get(url).content.decode()
    assert "2025-10-01" in page and "2025-07-01" in page and committee_user.display_name in page
    assert list(Platform.history.values_list("history_user", flat=True)) == [committee_user.pk] * 2
    labels = [item.label for entry in navigation.menu_for("committee") if entry.menu for item in entry.items]
    assert "平台设置" in labels
    assert not any(
        item.url_name == "orgs:platform" for entry in navigation.menu_for("unit") if entry.menu for item in entry.items
    )


def test_platform_page_is_the_committees(client, side_a):
    client.force_login(side_a.unit_secretary)
    assert client.get(reverse("orgs:platform")).status_code == 403
    assert client.post(reverse("orgs:platform"), {"start_on": "2025-01-01"}).status_code == 403
    assert not Platform.objects.exists()


def test_unit_form_sets_the_units_joining_date(client, committee_user, side_a):
    client.force_login(committee_user)
    url = reverse("orgs:unit_edit", args=[side_a.unit.pk])
    data = {"name": side_a.unit.name, "short_name": "A局", "category": "government", "party_org_kind": "committee"}
    data |= {"order": "1", "active": "on", "joined_on": "2026-01-01"}
    assert client.post(url, data).status_code == 302
    side_a.unit.refresh_from_db()
    assert side_a.unit.joined_on == dt.date(2026, 1, 1)
    assert "纳入平台" in client.get(side_a.unit.get_absolute_url()).content.decode()
    sheet = load_workbook(io.BytesIO(client.get(reverse("orgs:unit_export")).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "纳入平台日期"
    assert (side_a.unit.name, dt.datetime(2026, 1, 1)) in {(r[0], r[-1]) for r in rows}
    assert side_a.unit.name in client.get(reverse("orgs:platform")).content.decode()


MEMBER_DATA = {"name": "王转入", "gender": "F", "birth_date": "1990-05-06", "join_date": "2014-07-01", "status": "full"}


def test_member_create_takes_the_day_they_came_into_the_branch(client, side_a):
    client.force_login(side_a.unit_secretary)
    url = reverse("orgs:member_create")
    response = client.post(url, {**MEMBER_DATA, "branch": side_a.branch.pk, "since": "2013-01-01"})
    assert "不能早于入党日期" in response.content.decode()
    assert not Member.objects.filter(name="王转入").exists()
    client.post(url, {**MEMBER_DATA, "branch": side_a.branch.pk, "since": "2021-09-01"})
    member = Member.objects.get(name="王转入")
    assert Membership.objects.get(member=member).start_on == dt.date(2021, 9, 1)
    # Without it: since the later of joining and the branch's founding.
    client.post(url, {**MEMBER_DATA, "name": "李默认", "branch": side_a.branch.pk})
    assert Membership.objects.get(member__name="李默认").start_on == dt.date(2015, 1, 1)
    # The edit page has no such field: a change of branch is a transfer with its own date.
    assert "since" not in client.get(reverse("orgs:member_edit", args=[member.pk])).context["form"].fields


def test_branch_list_says_in_use_or_dissolved(client, side_a):
    gone = BranchFactory(unit=side_a.unit, name="已并支部")
    Branch.objects.filter(pk=gone.pk).update(dissolved_on=D, end_reason=BranchEnd.MERGED, successor=side_a.branch)
    client.force_login(side_a.unit_secretary)
    page = client.get(reverse("orgs:branch_list") + "?active=0").content.decode()
    assert "已撤销" in page and "已停用" not in page
    assert "已并支部" in page and side_a.other_branch.name not in page
    page = client.get(reverse("orgs:branch_list") + "?active=1").content.decode()
    assert "已并支部" not in page and side_a.other_branch.name in page
    # The roster's branch filter still offers it, marked: whoever left before the merge is on its roster.
    choices = client.get(reverse("orgs:member_list")).context["branch_choices"]
    assert choices[-1] == (str(gone.pk), "已并支部（已撤销）") and len(choices) == 4
    # The edit form has no switch to stop a branch by hand: a branch ends through 撤销 / 合并.
    form = client.get(reverse("orgs:branch_edit", args=[side_a.branch.pk])).context["form"]
    assert "active" not in form.fields and "dissolved_on" not in form.fields


# --- the API: the dates, read-only, and the memberships ----------------------------------------------------


def test_api_exposes_the_dates_read_only(client, side_a):
    group = PartyGroupFactory(branch=side_a.branch)
    client.force_login(side_a.unit_secretary)
    _merge(client, side_a.branch, side_a.other_branch)
    row = client.get(f"/api/branches/{side_a.branch.pk}/").json()
    assert row["dissolved_on"] == "2026-06-01" and row["end_reason"] == "merged" and row["end_reason_display"] == "合并"
    assert row["successor"] == side_a.other_branch.pk and row["is_current"] is False
    row = client.get(f"/api/party-groups/{group.pk}/").json()
    assert row["dissolved_on"] == "2026-06-01" and row["is_current"] is False
    member = client.get(f"/api/members/{side_a.members[0].pk}/").json()
    assert member["branch_since"] == "2026-06-01" and member["branch"] == side_a.other_branch.pk
    # Written only by the services: a PATCH of the end fields changes nothing.
    branch = side_a.other_branch
    response = client.patch(
        f"/api/branches/{branch.pk}/",
        {"dissolved_on": "2026-06-02", "end_reason": "revoked", "successor": side_a.branch.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    branch.refresh_from_db()
    assert branch.is_current and branch.successor is None


def test_api_member_create_takes_since(client, side_a):
    client.force_login(side_a.unit_secretary)
    payload = {**MEMBER_DATA, "branch": side_a.branch.pk, "since": "2022-02-02"}
    response = client.post("/api/members/", payload, content_type="application/json")
    assert response.status_code == 201 and response.json()["branch_since"] == "2022-02-02"
    late = {**payload, "name": "晚", "since": "2999-01-01"}
    response = client.post("/api/members/", late, content_type="application/json")
    assert response.status_code == 400 and "since" in response.json()


def test_api_memberships_are_scoped_and_filtered_by_day(client, side_a, side_b):
    member = side_a.members[1]
    Membership.objects.filter(member=member).update(start_on=dt.date(2020, 1, 1))
    client.force_login(side_a.unit_secretary)
    client.post(
        reverse("orgs:member_transfer", args=[member.pk]), {"to_branch": side_a.other_branch.pk, "on": "2026-06-01"}
    )
    rows = client.get(f"/api/memberships/?member={member.pk}").json()["results"]
    assert [(r["branch"], r["start_on"], r["end_on"]) for r in rows] == [
        (side_a.branch.pk, "2020-01-01", "2026-06-01"),
        (side_a.other_branch.pk, "2026-06-01", None),
    ]
    # The members of a branch on a day: the end is exclusive.
    on_may_31 = client.get(f"/api/memberships/?branch={side_a.branch.pk}&on=2026-05-31").json()["results"]
    on_june_1 = client.get(f"/api/memberships/?branch={side_a.branch.pk}&on=2026-06-01").json()["results"]
    assert member.name in {r["member_name"] for r in on_may_31} - {r["member_name"] for r in on_june_1}
    every = client.get("/api/memberships/").json()["results"]
    assert {r["member"] for r in every} == {m.pk for m in [*side_a.members, side_a.other_branch_member]}
    response = client.get("/api/memberships/?on=2026-02-30")
    assert response.status_code == 400 and "有效的日期" in response.content.decode()
    assert client.post("/api/memberships/", {}, content_type="application/json").status_code == 405
    # A branch secretary sees their branch's; a member their own.
    client.force_login(side_a.branch_secretary)
    assert {r["branch"] for r in client.get("/api/memberships/").json()["results"]} == {side_a.branch.pk}
    client.force_login(side_a.member_user)
    assert {r["member"] for r in client.get("/api/memberships/").json()["results"]} == {side_a.member.pk}


# --- query counts do not grow with the history -----------------------------------------------------------


def _grow_history(branch, n):
    """n members who came and went, and n still there."""
    for i in range(n):
        MemberFactory(branch=branch, name=f"来去{branch.pk}-{i}", active=False, left_on=D, left_reason="去世")
        MemberFactory(branch=branch, name=f"在册{branch.pk}-{i}")


def test_history_pages_and_memberships_api_query_counts(client, committee_user, side_a, assert_constant_queries):
    PartyGroupFactory(branch=side_a.branch)
    predecessor = BranchFactory(unit=side_a.unit)
    Branch.objects.filter(pk=predecessor.pk).update(dissolved_on=D, end_reason="merged", successor=side_a.branch)
    client.force_login(committee_user)
    # The same count with 3 members as with 23 (10 of them gone), one party group or two, one predecessor or two.
    for url, expected in (
        (side_a.branch.get_absolute_url(), 13),  # branch, members, groups, predecessors, memberships, history
        (side_a.members[1].get_absolute_url(), 10),  # member, memberships, history
        ("/api/memberships/", 8),
        (f"/api/memberships/?branch={side_a.branch.pk}&on=2026-05-31", 9),  # + the branch choice
    ):
        client.get(url)

        def run(url=url):
            assert client.get(url).status_code == 200

        def grow():
            _grow_history(side_a.branch, 10)
            PartyGroupFactory(branch=side_a.branch)
            later = BranchFactory(unit=side_a.unit)
            Branch.objects.filter(pk=later.pk).update(dissolved_on=D, end_reason="merged", successor=side_a.branch)

        assert_constant_queries(run, grow=grow, expected=expected)


def test_dissolve_form_default_day_is_today_in_shanghai(client, side_a, shanghai_clock):
    shanghai_clock("2026-06-01 00:05")
    client.force_login(side_a.unit_secretary)
    form = client.get(_dissolve_url(side_a.branch)).context["form"]
    assert form["on"].value() == dt.date(2026, 6, 1) == timezone.localdate()
