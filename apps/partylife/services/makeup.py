"""补学: a member absent from a 党课/主题党日/党员大会 makes it up; once done, the absence counts as attendance."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core import batching
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import User

from .. import permissions
from ..models import MakeupTask
from .records import is_locked

LOCKED = "该补学对应的活动所在月份已关账，不能再办理补学。如需办理请联系工委解锁该记录。"


@batching.batched
def makeup_complete(*, actor: User, task: MakeupTask, note: str) -> MakeupTask:
    """Mark a make-up done (permissions.can_complete_makeup); the absence then counts as attendance.

    Not while the record's month is closed (关账) and the record is not unlocked by the committee
    (ActivityUnlock): completing it would change that month's verdicts."""
    task = (
        MakeupTask.objects.select_for_update(of=("self",))
        .select_related("attendance__activity__activity_type", "attendance__activity__branch")
        .get(pk=task.pk)
    )
    require(permissions.can_complete_makeup(scope_for(actor), task), "您不能办理该补学。")
    if is_locked(task.attendance.activity):
        raise ValidationError(LOCKED)
    if task.done_at:
        raise ValidationError("该补学已完成。")
    if not note.strip():
        raise ValidationError({"note": "请填写补学情况（学习内容、方式）。"})
    task.done_at, task.note = timezone.now(), note.strip()
    task.confirmed_by = actor
    task.full_clean()
    task.save()
    return task
