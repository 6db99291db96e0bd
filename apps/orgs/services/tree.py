"""Writes of the org tree: units, branches, party groups, and how branches and groups end.

A branch ends by `branch_dissolve` (撤销, 合并 into a successor, 更名·改建 as a successor) on
a day: from that day it no longer exists, its party groups end with it, and its members
belong to the successor (or must have left before a plain 撤销). Nothing is deleted, so
every window before that day is still judged by the branch as it was.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from apps.core import batching
from apps.core.periods import day_label, require_open_since
from apps.core.permissions import require

from .. import permissions
from ..access import scope_for
from ..models import Branch, BranchEnd, Member, Membership, PartyGroup, Unit, User
from .common import BRANCH_FIELDS, PARTY_GROUP_FIELDS, UNIT_FIELDS, _apply, _require_destination, _saved

# --- units ---------------------------------------------------------------------------


@batching.batched
def unit_create(*, actor: User, data: dict) -> Unit:
    require(scope_for(actor).is_committee, "只有工委管理员可以新建单位。")
    unit = Unit()
    _apply(unit, UNIT_FIELDS, data)
    return _saved(unit)


@batching.batched
def unit_update(*, actor: User, unit: Unit, data: dict) -> Unit:
    require(scope_for(actor).is_committee, "只有工委管理员可以修改单位。")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if _apply(unit, UNIT_FIELDS, data):
        _saved(unit)
    return unit


# --- branches and party groups ---------------------------------------------------------


@batching.batched
def branch_create(*, actor: User, data: dict) -> Branch:
    scope = scope_for(actor)
    require(permissions.may_keep_rosters(scope), "只有工委管理员和单位党务干部可以新建支部。")
    branch = Branch()
    _apply(branch, BRANCH_FIELDS, data)
    _require_destination(
        branch.unit_id is not None and scope.manages_unit(branch.unit_id), "unit", "您只能在本单位新建支部。"
    )
    require_open_since(branch.founded_on, field="founded_on")  # closed months keep the branches they had
    return _saved(branch)


@batching.batched
def branch_update(*, actor: User, branch: Branch, data: dict) -> Branch:
    """Change a branch; moving it to another unit is the committee's alone."""
    scope = scope_for(actor)
    branch = Branch.objects.select_for_update().get(pk=branch.pk)
    require(permissions.may_edit_roster(scope, branch), "您不能修改该支部。")
    if "unit" in data:
        _require_destination(
            permissions.may_move_branch(scope, branch, data["unit"]), "unit", "只有工委管理员可以把支部调整到其他单位。"
        )
    if "founded_on" in data and data["founded_on"] != branch.founded_on:
        _check_founding(branch, data["founded_on"])
        _check_moved_day(branch.founded_on, data["founded_on"])
    if _apply(branch, BRANCH_FIELDS, data):
        _saved(branch)
    return branch


def _check_founding(branch: Branch, founded_on: dt.date) -> None:
    """A branch's founding day moves no later than the first day anyone or any party group was in it."""
    first_member = branch.memberships.order_by("start_on").values_list("start_on", flat=True).first()
    if first_member is not None and founded_on > first_member:
        raise ValidationError({"founded_on": f"已有党员自{day_label(first_member)}起在该支部，成立日期不能晚于该日。"})
    first_group = branch.party_groups.order_by("founded_on").values_list("founded_on", flat=True).first()
    if first_group is not None and founded_on > first_group:
        raise ValidationError({"founded_on": f"该支部的党小组成立于{day_label(first_group)}，成立日期不能晚于该日。"})


def _check_moved_day(old: dt.date | None, new: dt.date | None, field: str = "founded_on") -> None:
    """Moving a founding day changes every month between the old day and the new one: none may be closed."""
    days = [day for day in (old, new) if day is not None]
    if days:
        require_open_since(min(days), field=field)


def _check_group_life(group: PartyGroup, branch: Branch) -> None:
    """A party group lives inside its branch's life: founded on or after the branch, in a branch not dissolved."""
    if group.founded_on and group.founded_on < branch.founded_on:
        raise ValidationError({"founded_on": f"党小组成立日期不能早于支部成立日期（{day_label(branch.founded_on)}）。"})
    if group.founded_on and branch.dissolved_on and group.founded_on >= branch.dissolved_on:
        raise ValidationError({"founded_on": f"{branch.name}已于{day_label(branch.dissolved_on)}撤销。"})


@batching.batched
def party_group_create(*, actor: User, branch: Branch, data: dict) -> PartyGroup:
    branch = Branch.objects.select_for_update().get(pk=branch.pk)  # as it is now, not as the caller read it
    require(permissions.may_manage_groups(scope_for(actor), branch), "您不能为该支部设置党小组。")
    if not branch.is_current:
        raise ValidationError(f"{branch.name}已于{day_label(branch.dissolved_on)}撤销，不能新建党小组。")
    group = PartyGroup(branch=branch)
    _apply(group, PARTY_GROUP_FIELDS, {**data, "name": data.get("name", "").strip()})
    _check_group_life(group, branch)
    require_open_since(group.founded_on, field="founded_on")  # 党小组会 of a closed month: the groups it had
    return _saved(group)


@batching.batched
def party_group_update(*, actor: User, group: PartyGroup, data: dict) -> PartyGroup:
    """Rename or retire a party group. It stays in its branch: its members are that branch's."""
    group = PartyGroup.objects.select_for_update().select_related("branch").get(pk=group.pk)
    require(permissions.may_manage_groups(scope_for(actor), group.branch), "您不能修改该党小组。")
    if "branch" in data:
        _require_destination(
            data["branch"].pk == group.branch_id, "branch", "党小组不能调整到其他支部，请在该支部新建党小组。"
        )
    if "name" in data:
        data = {**data, "name": data["name"].strip()}
    if "founded_on" in data and data["founded_on"] != group.founded_on:
        _check_moved_day(group.founded_on, data["founded_on"])
    if _apply(group, PARTY_GROUP_FIELDS, data):
        _check_group_life(group, group.branch)
        _saved(group)
    return group


# --- how branches and party groups end ---------------------------------------------------------


def _check_end_day(on: dt.date, founded_on: dt.date, field: str = "on") -> None:
    if on > timezone.localdate():
        raise ValidationError({field: "撤销日期不能晚于今天。"})
    if on < founded_on:
        raise ValidationError({field: f"撤销日期不能早于成立日期（{day_label(founded_on)}）。"})
    require_open_since(on, field=field)  # a backdated end would change a closed month's verdicts


@batching.batched
def branch_dissolve(
    *, actor: User, branch: Branch, on: dt.date, reason: str, successor: Branch | None = None
) -> Branch:
    """End a branch on `on` (撤销 / 合并 / 更名·改建); members move to the successor on that day.

    A merge or reorganisation needs a current successor that already exists on `on`; a plain
    撤销 needs no member left on the roster (transfer them first). The branch's party groups
    end the same day. Its windows up to `on` stay in every roll-up; it has none after.
    """
    scope = scope_for(actor)
    branch = Branch.objects.select_for_update().select_related("unit").get(pk=branch.pk)
    require(permissions.may_edit_roster(scope, branch), "您不能撤销该支部。")
    if not branch.is_current:
        raise ValidationError(f"{branch.name}已于{day_label(branch.dissolved_on)}撤销。")
    if reason not in BranchEnd.values:
        raise ValidationError({"reason": "请选择撤销原因。"})
    _check_end_day(on, branch.founded_on)
    members = list(Member.objects.select_for_update().filter(branch=branch, active=True).order_by("pk"))
    if reason == BranchEnd.REVOKED:
        if successor is not None:
            raise ValidationError({"successor": "撤销的支部不并入其他支部；合并请选择“合并”。"})
        if members:
            raise ValidationError(
                f"{branch.name}还有 {len(members)} 名在册党员，请先办理转出，或选择“合并”并入其他支部。"
            )
    else:
        if successor is None:
            raise ValidationError({"successor": "请选择并入（改建为）的支部。"})
        successor = Branch.objects.select_for_update().select_related("unit").get(pk=successor.pk)
        _require_destination(
            permissions.may_merge_into(scope, branch, successor), "successor", "只能并入您负责的本单位支部。"
        )
        if not successor.is_current or not successor.existed_on(on):
            raise ValidationError({"successor": f"{successor.name}在{day_label(on)}尚未成立或已撤销。"})
    _check_nothing_after(branch, on)
    branch.dissolved_on, branch.end_reason, branch.successor = on, reason, successor
    _saved(branch)
    for group in PartyGroup.objects.select_for_update().filter(branch=branch, dissolved_on__isnull=True):
        group.dissolved_on = on
        _saved(group)
    for member in members:
        _transfer_on(member, to_branch=successor, on=on, reason=f"{branch.name}{BranchEnd(reason).label}")
    return branch


def _check_nothing_after(branch: Branch, on: dt.date) -> None:
    """A backdated end must not cut through the branch's later life: nobody came in or left, and no party
    group began or ended, after `on` (those still in it on `on` move with it)."""
    later = (
        branch.memberships.filter(Q(start_on__gt=on) | Q(end_on__gt=on))
        .select_related("member")
        .order_by("start_on", "pk")
    )
    names = list(dict.fromkeys(m.member.name for m in later[:4]))
    if names:
        raise ValidationError(
            {"on": f"{'、'.join(names[:3])}等党员在{day_label(on)}之后转入或转出该支部，撤销日期须在这些变动之后。"}
        )
    group = branch.party_groups.filter(Q(founded_on__gt=on) | Q(dissolved_on__gt=on)).order_by("founded_on").first()
    if group is not None:
        raise ValidationError({"on": f"党小组“{group.name}”在{day_label(on)}之后成立或撤销，撤销日期须在其后。"})


def _transfer_on(member: Member, *, to_branch: Branch, on: dt.date, reason: str) -> None:
    """Move one member with the branch they were in (a merge): their membership follows on `on`."""
    current = Membership.objects.select_for_update().filter(member=member, end_on__isnull=True).first()
    member.branch, member.party_group = to_branch, None
    _saved(member)
    if current is not None and current.start_on < on:
        current.end_on = on
        _saved(current)
        _saved(Membership(member=member, branch=to_branch, start_on=on, reason=reason))
    elif current is not None:  # came in on the very day: the whole membership is the successor's
        current.branch, current.reason = to_branch, reason
        _saved(current)


@batching.batched
def party_group_dissolve(*, actor: User, group: PartyGroup, on: dt.date) -> PartyGroup:
    """End a party group on `on`; its members stay in the branch, in no group. Past windows keep it."""
    group = PartyGroup.objects.select_for_update().select_related("branch").get(pk=group.pk)
    require(permissions.may_manage_groups(scope_for(actor), group.branch), "您不能撤销该党小组。")
    if not group.is_current:
        raise ValidationError(f"{group.name}已撤销。")
    _check_end_day(on, group.founded_on)
    group.dissolved_on = on
    _saved(group)
    for member in Member.objects.select_for_update().filter(party_group=group).order_by("pk"):
        member.party_group = None  # saved one by one: each member's history shows the change
        _saved(member)
    return group
