"""Who may change the org tree (组织架构维护权限), asked by the pages (to offer a button or a choice)
and by the services (before writing).

A write checks the record where it is and where it goes: a member may move only
between branches whose rosters the actor keeps, a branch only to another unit by the
committee, and a party group never leaves its branch.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .access import Scope
from .models import Branch, Member, Unit


def may_keep_rosters(scope: Scope) -> bool:
    """New branches, new members and roster imports: the committee and unit secretaries."""
    return scope.is_unit_manager


def may_edit_roster(scope: Scope, branch: Branch) -> bool:
    """Members and the branch itself: the committee and the secretary of the branch's unit."""
    return scope.edits_roster_of(branch)


def may_manage_groups(scope: Scope, branch: Branch) -> bool:
    """Party groups of a branch: its branch secretary too."""
    return scope.manages_branch(branch)


def may_move_member(scope: Scope, member: Member, branch: Branch) -> bool:
    """A member goes only to a branch whose roster the actor keeps as well."""
    return branch.pk == member.branch_id or may_edit_roster(scope, branch)


def may_move_branch(scope: Scope, branch: Branch, unit: Unit) -> bool:
    """Only the committee moves a branch to another unit."""
    return unit.pk == branch.unit_id or scope.is_committee


def may_merge_into(scope: Scope, branch: Branch, successor: Branch) -> bool:
    """A branch ends into a successor the actor keeps the roster of, in the same unit (another unit: the committee)."""
    return (
        successor.pk != branch.pk
        and may_move_branch(scope, branch, successor.unit)
        and may_edit_roster(scope, successor)
    )


def may_configure_platform(scope: Scope) -> bool:
    """The platform's start date (平台设置) and each unit's 纳入平台日期: the committee's."""
    return scope.is_committee


def roster_units(scope: Scope) -> QuerySet[Unit]:
    """Units a branch may be created in or moved to by this user (active ones)."""
    return scope.managed_units().filter(active=True)


def roster_branches(scope: Scope) -> QuerySet[Branch]:
    """Branches a member may be registered in or moved to by this user (active ones of their units)."""
    branches = scope.managed_branches().current()
    return branches if scope.is_committee else branches.filter(unit_id__in=sorted(scope.unit_ids))


def merge_targets(scope: Scope, branch: Branch) -> QuerySet[Branch]:
    """Branches `branch` may be merged into (or reorganised as) by this user: current ones of its unit
    (of any unit: the committee)."""
    targets = roster_branches(scope).exclude(pk=branch.pk)
    return targets if scope.is_committee else targets.filter(unit_id=branch.unit_id)


def transfer_targets(scope: Scope, member: Member) -> QuerySet[Branch]:
    """Branches a member may be transferred to (组织关系转接) by this user: current ones whose roster they keep."""
    return roster_branches(scope).exclude(pk=member.branch_id)
