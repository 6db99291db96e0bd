"""The tree's history through its services (组织沿革): 撤销 / 合并 / 更名·改建, 撤销党小组, 组织关系转接, 平台设置.

State before, the service, state after; the refusals change nothing. Dates are Asia/Shanghai days and every
end is exclusive: a transfer on D ends one membership on D and starts the next on D.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.orgs import services, tree
from apps.orgs.access import forget_scope
from apps.orgs.models import Branch, BranchEnd, Member, Membership, PartyGroup, Platform
from tests.orgs.factories import BranchFactory, MemberFactory, PartyGroupFactory, make_branch_secretary
from tests.orgs.memberships import assert_memberships_consistent

D = dt.date(2026, 6, 1)
DAY = dt.timedelta(days=1)


def _state():
    """Everything a refused tree change must leave as it was."""
    return (
        list(Branch.objects.order_by("pk").values()),
        list(PartyGroup.objects.order_by("pk").values()),
        list(Member.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
    )


def _names(branch, day) -> set[str]:
    return set(tree.members_on([branch.pk], day).values_list("name", flat=True))


# --- 合并 / 更名·改建 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [BranchEnd.MERGED, BranchEnd.REORGANISED])
def test_merge_moves_every_member_on_the_day_and_ends_the_groups(side_a, reason):
    branch, successor = side_a.branch, side_a.other_branch
    group = PartyGroupFactory(branch=branch, name="第一党小组")
    Member.objects.filter(pk=side_a.members[1].pk).update(party_group=group)
    moved = {m.name for m in side_a.members}
    histories = {m.pk: m.history.count() for m in side_a.members}

    services.branch_dissolve(actor=side_a.unit_secretary, branch=branch, on=D, reason=reason, successor=successor)

    branch.refresh_from_db()
    assert (branch.dissolved_on, branch.end_reason, branch.successor) == (D, reason, successor)
    assert not branch.is_current and branch.existed_on(D - DAY) and not branch.existed_on(D)
    group.refresh_from_db()
    assert group.dissolved_on == D
    for member in Member.objects.filter(pk__in=histories):
        assert (member.branch, member.party_group) == (successor, None)
        assert member.history.count() == histories[member.pk] + 1  # 留痕: one version per move
    # The day before they were the old branch's; from the day on, the successor's.
    assert _names(branch, D - DAY) == moved and _names(branch, D) == set()
    assert moved <= _names(successor, D) and not moved & _names(successor, D - DAY)
    old = Membership.objects.get(member=side_a.members[0], branch=branch)
    new = Membership.objects.get(member=side_a.members[0], branch=successor)
    assert (old.end_on, new.start_on, new.end_on) == (D, D, None)
    assert new.reason == f"{branch.name}{BranchEnd(reason).label}"
    assert branch.history.count() == 2 and group.history.count() == 2
    assert_memberships_consistent()


def test_member_who_came_in_on_the_day_belongs_wholly_to_the_successor(side_a):
    newcomer = MemberFactory(branch=side_a.branch, membership=D)
    services.branch_dissolve(
        actor=side_a.unit_secretary, branch=side_a.branch, on=D, reason=BranchEnd.MERGED, successor=side_a.other_branch
    )
    (membership,) = Membership.objects.filter(member=newcomer)
    assert (membership.branch, membership.start_on, membership.end_on) == (side_a.other_branch, D, None)
    assert_memberships_consistent()


def test_revoke_is_refused_while_members_remain_then_allowed(side_a):
    branch = side_a.branch
    group = PartyGroupFactory(branch=branch)
    before = _state()
    with pytest.raises(ValidationError, match="还有 3 名在册党员"):
        services.branch_dissolve(actor=side_a.unit_secretary, branch=branch, on=D, reason=BranchEnd.REVOKED)
    assert _state() == before

    for member in side_a.members:
        services.member_deactivate(actor=side_a.unit_secretary, member=member, left_on=D - DAY, reason="去世")
    services.branch_dissolve(actor=side_a.unit_secretary, branch=branch, on=D, reason=BranchEnd.REVOKED)

    branch.refresh_from_db()
    group.refresh_from_db()
    assert (branch.dissolved_on, branch.end_reason, branch.successor) == (D, BranchEnd.REVOKED, None)
    assert group.dissolved_on == D
    assert_memberships_consistent()


def _dissolve(side, **overrides):
    kwargs = {
        "actor": side.unit_secretary,
        "branch": side.branch,
        "on": D,
        "reason": BranchEnd.MERGED,
        "successor": side.other_branch,
        **overrides,
    }
    return services.branch_dissolve(**kwargs)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": "vanished"}, "reason", "请选择撤销原因"),
        ({"successor": None}, "successor", "请选择并入"),
        ({"reason": BranchEnd.REVOKED}, "successor", "撤销的支部不并入其他支部"),
        ({"on": dt.date(2014, 12, 31)}, "on", "不能早于成立日期"),
    ],
)
def test_dissolve_refusals_change_nothing(side_a, overrides, field, message):
    before = _state()
    with pytest.raises(ValidationError, match=message) as refused:
        _dissolve(side_a, **overrides)
    assert field in refused.value.message_dict
    assert _state() == before


def test_dissolve_refuses_a_successor_that_is_gone_or_not_yet_founded(side_a):
    later = BranchFactory(unit=side_a.unit, founded_on=D + DAY)
    gone = BranchFactory(unit=side_a.unit, founded_on=dt.date(2015, 1, 1))
    _dissolve(side_a, branch=gone, successor=side_a.other_branch, on=D - DAY)
    before = _state()
    for successor in (later, gone, side_a.branch):
        with pytest.raises(ValidationError) as refused:
            _dissolve(side_a, successor=successor)
        assert "successor" in refused.value.message_dict
    assert _state() == before
    with pytest.raises(ValidationError, match="已于"):
        _dissolve(side_a, branch=gone)  # a branch ends once


def test_dissolve_refuses_a_day_in_the_future_at_the_shanghai_day_edge(side_a, shanghai_clock):
    shanghai_clock("2026-06-01 00:30")  # still 31 May in UTC: "today" is 1 June in Shanghai
    before = _state()
    with pytest.raises(ValidationError, match="不能晚于今天"):
        _dissolve(side_a, on=dt.date(2026, 6, 2))
    assert _state() == before
    _dissolve(side_a, on=dt.date(2026, 6, 1))
    assert Branch.objects.get(pk=side_a.branch.pk).dissolved_on == dt.date(2026, 6, 1)


def test_a_backdated_end_may_not_cut_through_later_changes(side_a):
    late = MemberFactory(branch=side_a.branch, membership=D + DAY)
    before = _state()
    with pytest.raises(ValidationError, match=late.name):
        _dissolve(side_a)
    PartyGroupFactory(branch=side_a.other_branch)
    group = PartyGroupFactory(branch=side_a.branch, founded_on=D + DAY)
    Membership.objects.filter(member=late).update(start_on=D)  # now only the group is later
    before = _state()
    with pytest.raises(ValidationError, match=group.name):
        _dissolve(side_a)
    assert _state() == before


def test_merge_into_another_unit_is_the_committees(side_a, side_b, committee_user):
    before = _state()
    with pytest.raises(ValidationError) as refused:
        _dissolve(side_a, successor=side_b.branch)
    assert "successor" in refused.value.message_dict
    assert _state() == before
    _dissolve(side_a, actor=committee_user, successor=side_b.branch)
    assert set(Member.objects.filter(pk__in=[m.pk for m in side_a.members]).values_list("branch", flat=True)) == {
        side_b.branch.pk
    }
    assert_memberships_consistent()


def test_a_person_in_two_branches_can_end_neither_across_units(side_a, side_b):
    """Unit secretary of A and branch secretary of B's first branch: A's roster is theirs, B's is not."""
    person = make_branch_secretary(side_a.unit_secretary, side_b.branch)
    forget_scope(person)
    other_group = PartyGroupFactory(branch=side_b.other_branch)
    before = _state()
    with pytest.raises(PermissionDenied):
        _dissolve(side_b, actor=person)  # B's branch: they run its party life, not its roster
    with pytest.raises(PermissionDenied):
        services.member_transfer(actor=person, member=side_b.members[1], to_branch=side_b.other_branch, on=D)
    with pytest.raises(ValidationError) as refused:
        _dissolve(side_a, actor=person, successor=side_b.branch)  # A's branch into theirs in B
    assert "successor" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.member_transfer(actor=person, member=side_a.members[1], to_branch=side_b.branch, on=D)
    assert "to_branch" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.party_group_dissolve(actor=person, group=other_group, on=D)
    with pytest.raises(PermissionDenied):
        _dissolve(side_a, actor=side_b.unit_secretary)
    assert _state() == before
    # What is theirs still works: a party group of the B branch they are secretary of.
    own_group = PartyGroupFactory(branch=side_b.branch)
    services.party_group_dissolve(actor=person, group=own_group, on=D)
    assert PartyGroup.objects.get(pk=own_group.pk).dissolved_on == D


# --- 撤销党小组 -----------------------------------------------------------------------------------------


def test_party_group_dissolve_keeps_its_members_in_the_branch_with_history(side_a):
    group = PartyGroupFactory(branch=side_a.branch)
    for member in side_a.members[:2]:
        Member.objects.filter(pk=member.pk).update(party_group=group)
    versions = {m.pk: m.history.count() for m in side_a.members[:2]}

    services.party_group_dissolve(actor=side_a.branch_secretary, group=group, on=D)

    group.refresh_from_db()
    assert group.dissolved_on == D and not group.is_current
    assert PartyGroup.objects.current().filter(pk=group.pk).count() == 0
    assert PartyGroup.objects.existing_on(D - DAY).filter(pk=group.pk).exists()
    for member in Member.objects.filter(pk__in=versions):
        assert (member.branch, member.party_group) == (side_a.branch, None)
        assert member.history.count() == versions[member.pk] + 1
    assert group.history.count() == 2


def test_party_group_dissolve_refusals(side_a, side_b, shanghai_clock):
    shanghai_clock("2026-06-01 00:10")
    group = PartyGroupFactory(branch=side_a.branch, founded_on=dt.date(2026, 3, 1))
    before = _state()
    for on, message in ((dt.date(2026, 6, 2), "不能晚于今天"), (dt.date(2026, 2, 28), "不能早于成立日期")):
        with pytest.raises(ValidationError, match=message):
            services.party_group_dissolve(actor=side_a.branch_secretary, group=group, on=on)
    with pytest.raises(PermissionDenied):
        services.party_group_dissolve(actor=side_b.unit_secretary, group=group, on=dt.date(2026, 6, 1))
    assert _state() == before
    services.party_group_dissolve(actor=side_a.branch_secretary, group=group, on=dt.date(2026, 6, 1))
    with pytest.raises(ValidationError, match="已撤销"):
        services.party_group_dissolve(actor=side_a.branch_secretary, group=group, on=dt.date(2026, 6, 1))


def test_groups_live_inside_their_branch(side_a):
    branch = side_a.branch
    with pytest.raises(ValidationError, match="不能早于支部成立日期"):
        services.party_group_create(
            actor=side_a.unit_secretary, branch=branch, data={"name": "早组", "founded_on": dt.date(2014, 1, 1)}
        )
    for member in side_a.members:
        services.member_deactivate(actor=side_a.unit_secretary, member=member, left_on=D - DAY, reason="去世")
    services.branch_dissolve(actor=side_a.unit_secretary, branch=branch, on=D, reason=BranchEnd.REVOKED)
    with pytest.raises(ValidationError, match="已于2026年6月1日撤销"):
        services.party_group_create(actor=side_a.unit_secretary, branch=branch, data={"name": "迟组", "founded_on": D})
    assert not PartyGroup.objects.filter(name__in=["早组", "迟组"]).exists()


# --- 组织关系转接 ----------------------------------------------------------------------------------------


def test_transfer_moves_the_membership_on_the_day(side_a):
    member, target = side_a.members[1], side_a.other_branch
    group = PartyGroupFactory(branch=target)
    versions = member.history.count()

    services.member_transfer(actor=side_a.unit_secretary, member=member, to_branch=target, on=D, party_group=group)

    member.refresh_from_db()
    assert (member.branch, member.party_group) == (target, group)
    assert member.history.count() == versions + 1
    assert member.name in _names(side_a.branch, D - DAY) and member.name not in _names(side_a.branch, D)
    assert member.name in _names(target, D) and member.name not in _names(target, D - DAY)
    assert Membership.objects.get(member=member, end_on__isnull=True).reason == f"由{side_a.branch.name}转入"
    records = Membership.history.filter(member=member).order_by("history_id")
    assert [(r.history_type, r.branch_id, r.end_on) for r in records][-2:] == [
        ("~", side_a.branch.pk, D),  # the old one ended on the day …
        ("+", target.pk, None),  # … and the new one opened
    ]
    assert_memberships_consistent()


def test_transfer_dates_are_bounded_by_the_membership_and_the_target(side_a, shanghai_clock):
    shanghai_clock("2026-06-01 07:59")  # 23:59 UTC on 31 May
    member = side_a.members[1]
    Membership.objects.filter(member=member).update(start_on=dt.date(2026, 3, 1))
    young = BranchFactory(unit=side_a.unit, founded_on=dt.date(2026, 5, 1))
    gone = BranchFactory(unit=side_a.unit)
    _dissolve(side_a, branch=gone, on=dt.date(2026, 4, 1))
    own_group = PartyGroupFactory(branch=side_a.branch)
    before = _state()
    cases = [
        (side_a.other_branch, dt.date(2026, 2, 28), None, "on", "不能早于该党员转入"),
        (side_a.other_branch, dt.date(2026, 6, 2), None, "on", "不能晚于今天"),
        (young, dt.date(2026, 4, 30), None, "on", "尚未成立"),
        (gone, dt.date(2026, 3, 15), None, "to_branch", "已撤销"),
        (side_a.branch, dt.date(2026, 5, 1), None, "to_branch", "已在这个支部"),
        (side_a.other_branch, dt.date(2026, 5, 1), own_group, "party_group", "转入支部现有的党小组"),
    ]
    for to_branch, on, group, field, message in cases:
        with pytest.raises(ValidationError, match=message) as refused:
            services.member_transfer(
                actor=side_a.unit_secretary, member=member, to_branch=to_branch, on=on, party_group=group
            )
        assert field in refused.value.message_dict, (to_branch, on)
    assert _state() == before
    # The edges themselves are allowed: the target's founding day, and today in Shanghai.
    services.member_transfer(actor=side_a.unit_secretary, member=member, to_branch=young, on=dt.date(2026, 5, 1))
    services.member_transfer(
        actor=side_a.unit_secretary, member=member, to_branch=side_a.other_branch, on=dt.date(2026, 6, 1)
    )
    assert [(m.branch_id, m.start_on, m.end_on) for m in Membership.objects.filter(member=member)] == [
        (side_a.branch.pk, dt.date(2026, 3, 1), dt.date(2026, 5, 1)),
        (young.pk, dt.date(2026, 5, 1), dt.date(2026, 6, 1)),
        (side_a.other_branch.pk, dt.date(2026, 6, 1), None),
    ]
    assert_memberships_consistent()


def test_a_member_who_left_is_not_transferred(side_a):
    member = side_a.members[1]
    services.member_deactivate(actor=side_a.unit_secretary, member=member, left_on=D, reason="去世")
    with pytest.raises(ValidationError, match="已离册"):
        services.member_transfer(actor=side_a.unit_secretary, member=member, to_branch=side_a.other_branch, on=D)


def test_no_one_is_placed_in_a_dissolved_branch(side_a):
    gone = BranchFactory(unit=side_a.unit)
    _dissolve(side_a, branch=gone, on=D)
    data = {"branch": gone, "name": "新人", "gender": "M", "birth_date": dt.date(1990, 1, 1)}
    data |= {"join_date": dt.date(2015, 1, 1), "status": "full"}
    with pytest.raises(ValidationError, match="已撤销") as refused:
        services.member_create(actor=side_a.unit_secretary, data=data, since=dt.date(2016, 1, 1))
    assert "branch" in refused.value.message_dict
    with pytest.raises(ValidationError, match="已撤销"):
        services.member_update(actor=side_a.unit_secretary, member=side_a.members[1], data={"branch": gone})
    assert not Member.objects.filter(name="新人").exists()


def test_a_branch_is_not_founded_after_its_first_member_came(side_a):
    first = Membership.objects.filter(branch=side_a.branch).order_by("start_on").first().start_on
    with pytest.raises(ValidationError, match="成立日期不能晚于该日") as refused:
        services.branch_update(actor=side_a.unit_secretary, branch=side_a.branch, data={"founded_on": first + DAY})
    assert "founded_on" in refused.value.message_dict
    services.branch_update(actor=side_a.unit_secretary, branch=side_a.branch, data={"founded_on": first})
    assert Branch.objects.get(pk=side_a.branch.pk).founded_on == first


# --- every roster service keeps the memberships in step --------------------------------------------------


def test_memberships_stay_consistent_through_every_roster_service(side_a, side_b, committee_user, shanghai_clock):
    shanghai_clock("2026-06-10 09:00")  # an edit that moves a member is a transfer today
    today = dt.date(2026, 6, 10)
    secretary = side_a.unit_secretary
    data = {"branch": side_a.branch, "name": "新登记", "gender": "F", "birth_date": dt.date(1990, 1, 1)}
    data |= {"join_date": dt.date(2012, 7, 1), "status": "full"}
    newcomer = services.member_create(actor=secretary, data=data, since=dt.date(2020, 3, 1))
    assert Membership.objects.get(member=newcomer).start_on == dt.date(2020, 3, 1)
    services.member_update(actor=secretary, member=side_a.members[2], data={"branch": side_a.other_branch})
    services.member_transfer(actor=secretary, member=newcomer, to_branch=side_a.other_branch, on=D)
    services.member_deactivate(actor=secretary, member=side_a.members[1], left_on=D, reason="去世")
    services.member_reactivate(actor=secretary, member=side_a.members[1])
    services.member_deactivate(actor=secretary, member=side_a.other_branch_member, left_on=D, reason="出党")
    group = services.party_group_create(
        actor=secretary, branch=side_a.other_branch, data={"name": "组", "founded_on": D}
    )
    services.member_update(actor=secretary, member=newcomer, data={"party_group": group})
    services.party_group_dissolve(actor=secretary, group=group, on=D)
    services.branch_dissolve(
        actor=secretary, branch=side_a.other_branch, on=today, reason=BranchEnd.MERGED, successor=side_a.branch
    )
    services.branch_dissolve(
        actor=committee_user, branch=side_b.other_branch, on=D, reason=BranchEnd.REORGANISED, successor=side_a.branch
    )
    assert_memberships_consistent()
    roster = set(Member.objects.filter(active=True).values_list("pk", flat=True))
    assert set(tree.members_on([side_a.branch.pk, side_b.branch.pk], today).values_list("pk", flat=True)) == roster


# --- 平台设置 -------------------------------------------------------------------------------------------


def test_platform_start_is_the_committees_with_history(side_a, committee_user, settings):
    assert Platform.start() == settings.PORTAL_PLATFORM_START  # nobody set it yet
    with pytest.raises(PermissionDenied):
        services.platform_update(actor=side_a.unit_secretary, start_on=dt.date(2025, 10, 1))
    assert not Platform.objects.exists()

    services.platform_update(actor=committee_user, start_on=dt.date(2025, 10, 1))
    services.platform_update(actor=committee_user, start_on=dt.date(2025, 10, 1))  # the same: no new version
    services.platform_update(actor=committee_user, start_on=dt.date(2025, 7, 1))

    assert Platform.start() == dt.date(2025, 7, 1) == tree.platform_start()
    versions = list(Platform.history.order_by("history_id").values_list("start_on", flat=True))
    assert versions == [dt.date(2025, 10, 1), dt.date(2025, 7, 1)]  # who set it: see the page's test
    with pytest.raises(ValidationError):
        services.platform_update(actor=committee_user, start_on=dt.date(2099, 1, 1))
    assert Platform.start() == dt.date(2025, 7, 1)


def test_unit_joined_on_is_set_by_the_committee(side_a, committee_user):
    services.unit_update(actor=committee_user, unit=side_a.unit, data={"joined_on": dt.date(2026, 1, 1)})
    side_a.unit.refresh_from_db()
    assert side_a.unit.joined_on == dt.date(2026, 1, 1)
    assert tree.judged_from(side_a.unit, dt.date(2025, 10, 1)) == dt.date(2026, 1, 1)
    assert side_a.unit.history.first().joined_on == dt.date(2026, 1, 1)
