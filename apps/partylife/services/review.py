"""The committee's review of records (工委审核): unlock a record of a closed month (解锁), return a
submitted record to its secretaries (退回).

Both are the committee's alone (`permissions.can_unlock`, `permissions.can_return`), logged with
their reason (ActivityUnlock, ActivityReturn; the record's own history keeps every change), and
tell the record's secretaries after commit (`notices`).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core import audit, batching
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import User

from .. import permissions
from ..models import Activity, ActivityReturn, ActivityStatus, ActivityUnlock
from . import notices
from .records import is_locked

UNLOCK_DAYS = 7


def _unlock(*, actor: User, activity: Activity, reason: str, days: int) -> ActivityUnlock:
    until = timezone.now() + dt.timedelta(days=days)
    before = audit.stored_values([activity], ["unlocked_until"])
    Activity.objects.filter(pk=activity.pk).update(unlocked_until=until)
    activity.unlocked_until = until
    audit.record_bulk([activity], action=audit.UPDATE, fields=["unlocked_until"], before=before, note=reason)
    return ActivityUnlock.objects.create(activity=activity, unlocked_by=actor, reason=reason, until=until)


@batching.batched
def activity_unlock(*, actor: User, activity: Activity, reason: str, days: int = UNLOCK_DAYS) -> ActivityUnlock:
    """Let one locked record be corrected for a few days; the unlock is logged with its reason and
    the record's secretaries are told."""
    require(permissions.can_unlock(scope_for(actor)), "只有工委管理员可以解锁记录。")
    if not reason.strip():
        raise ValidationError({"reason": "请填写解锁原因。"})
    unlock = _unlock(actor=actor, activity=activity, reason=reason.strip(), days=days)
    notices.record_unlocked(unlock)
    return unlock


@batching.batched
def activity_return(*, actor: User, activity: Activity, reason: str) -> ActivityReturn:
    """退回: send a submitted record back to its secretaries as a draft, with the reason shown on it.

    It stops counting until it is submitted again. A record of a closed month is unlocked for
    UNLOCK_DAYS as well, so it can be corrected; the return is logged and the secretaries are told.
    """
    require(permissions.can_return(scope_for(actor)), "只有工委管理员可以退回记录。")
    if not reason.strip():
        raise ValidationError({"reason": "请填写退回原因。"})
    activity = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("activity_type", "unit", "branch")
        .get(pk=activity.pk)
    )
    if activity.status != ActivityStatus.SUBMITTED:
        raise ValidationError("只有已提交的记录可以退回。")
    reason = reason.strip()[:200]
    if is_locked(activity):
        _unlock(actor=actor, activity=activity, reason=f"退回：{reason}"[:200], days=UNLOCK_DAYS)
    activity.status, activity.submitted_at, activity.return_reason = ActivityStatus.DRAFT, None, reason
    activity.save(update_fields=["status", "submitted_at", "return_reason", "updated_at"])
    returned = ActivityReturn.objects.create(activity=activity, returned_by=actor, reason=reason)
    notices.record_returned(returned)
    return returned
