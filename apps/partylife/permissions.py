"""Who may do what in party life (组织生活的操作权限), written once.

The views ask these to show a button or refuse a page; the services ask them again
before writing. Every rule takes the user's `Scope` (apps.orgs.access.scope_for):

- a record is kept by the secretaries of its branch and unit (a unit-level record,
  中心组学习 or 第一议题, by the unit's secretaries) and by the committee;
- changing a record needs that right **where the record is** (`can_change`) and,
  when it moves, **where it goes** (`can_write_activity` for the new branch or unit):
  seeing a record because one attended it is never a right to change or move it;
- a 补学 is completed by the member who owes it, or by whoever may change the record
  they were absent from;
- unlocking a closed month's record, and returning (退回) a submitted record to its
  secretaries, are the committee's.
"""

from __future__ import annotations

from apps.orgs.access import Scope
from apps.orgs.models import Branch, Unit

from .models import Activity, ActivityType, Level, MakeupTask


def keeps_records_of(scope: Scope, *, unit_id: int | None, branch: Branch | None) -> bool:
    """Whether the user keeps the records of this branch, or of this unit when there is no branch."""
    if branch is not None:
        return scope.manages_branch(branch)
    return unit_id is not None and scope.manages_unit(unit_id)


def _may_place(scope: Scope, *, level: str, unit_id: int | None, branch: Branch | None) -> bool:
    if level == Level.UNIT:
        return keeps_records_of(scope, unit_id=unit_id, branch=None)
    return branch is not None and keeps_records_of(scope, unit_id=unit_id, branch=branch)


def can_write_activity(scope: Scope, *, activity_type: ActivityType, unit: Unit | None, branch: Branch | None) -> bool:
    """Whether the user may log (or place) a record of this type in this branch or unit."""
    return _may_place(scope, level=activity_type.level, unit_id=unit.pk if unit else None, branch=branch)


def can_change(scope: Scope, activity: Activity) -> bool:
    """Whether the user may edit, delete or add to this record where it is now."""
    return _may_place(scope, level=activity.activity_type.level, unit_id=activity.unit_id, branch=activity.branch)


def can_complete_makeup(scope: Scope, task: MakeupTask) -> bool:
    """Whether the user may mark this 补学 done: the member who owes it, or whoever may change its record."""
    if scope.member_id is not None and task.member_id == scope.member_id:
        return True
    return can_change(scope, task.attendance.activity)


def can_unlock(scope: Scope) -> bool:
    """Whether the user may unlock a record of a closed month (关账)."""
    return scope.is_committee


def can_configure(scope: Scope) -> bool:
    """Whether the user may set the rules, a unit's overrides, and close or reopen months: the committee."""
    return scope.is_committee


def can_return(scope: Scope) -> bool:
    """Whether the user may return (退回) a submitted record to its secretaries with a reason."""
    return scope.is_committee
