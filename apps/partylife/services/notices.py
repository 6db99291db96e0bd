"""Notices of new work (新工作通知) that record writes send: a 补学 task to its member, an unlocked or
returned record to its secretaries. Sent after commit through the notification centre (apps.core.notifications),
each once (its dedupe key names the task, unlock or return), by e-mail too when configured.

Times in the texts are Asia/Shanghai (`local_time_label`), never the database's UTC.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from guardian.shortcuts import get_users_with_perms

from apps.core.notifications import Message, notify
from apps.core.periods import day_label, local_time_label
from apps.orgs.models import Member

from ..models import Activity, ActivityReturn, ActivityUnlock, MakeupTask

CATEGORY_MAKEUP = "partylife.makeup"
CATEGORY_UNLOCK = "partylife.unlock"
CATEGORY_RETURN = "partylife.return"


def _what(activity: Activity) -> str:
    return f"{local_time_label(activity.held_at)}的{activity.activity_type.name}“{activity.topic}”"


def _send(messages: list[Message]) -> None:
    if messages:
        transaction.on_commit(lambda: notify(messages))


def record_keepers(activity: Activity) -> list[int]:
    """The active secretaries who keep this record: its branch's (orgs.manage_branch), else its unit's."""
    holders = []
    if activity.branch_id is not None:
        holders = get_users_with_perms(activity.branch, only_with_perms_in=["manage_branch"], with_group_users=False)
        holders = [u.pk for u in holders if u.is_active]
    if not holders:
        holders = get_users_with_perms(activity.unit, only_with_perms_in=["manage_unit"], with_group_users=False)
        holders = [u.pk for u in holders if u.is_active]
    return sorted(holders)


def makeup_tasks_created(activity: Activity, tasks: list[MakeupTask]) -> None:
    """Tell each member with an account of their new 补学 task."""
    accounts = dict(
        Member.objects.filter(pk__in=[t.member_id for t in tasks], user__is_active=True).values_list("pk", "user_id")
    )
    url = reverse("partylife:makeup_list")
    _send(
        [
            Message(
                user_id=accounts[t.member_id],
                title=f"新的补学任务：{activity.activity_type.name}“{activity.topic}”",
                body=(
                    f"您缺席了{_what(activity)}（{t.attendance.absence_reason}），请于{day_label(t.due_on)}前完成补学。"
                ),
                url=url,
                category=CATEGORY_MAKEUP,
                dedupe_key=f"partylife:makeup:{t.pk}",
            )
            for t in tasks
            if t.member_id in accounts
        ]
    )


def _tell_keepers(activity: Activity, *, title: str, body: str, category: str, key: str) -> None:
    _send(
        [
            Message(
                user_id=user_id,
                title=title,
                body=body,
                url=activity.get_absolute_url(),
                category=category,
                dedupe_key=key,
            )
            for user_id in record_keepers(activity)
        ]
    )


def record_unlocked(unlock: ActivityUnlock) -> None:
    """Tell the record's secretaries that the committee unlocked it, until when and why."""
    activity = unlock.activity
    _tell_keepers(
        activity,
        title=f"记录已解锁：{activity.topic}",
        body=f"工委已解锁{_what(activity)}，{local_time_label(unlock.until)}前可修改。解锁原因：{unlock.reason}",
        category=CATEGORY_UNLOCK,
        key=f"partylife:unlock:{unlock.pk}",
    )


def record_returned(returned: ActivityReturn) -> None:
    """Tell the record's secretaries that the committee returned it, and why."""
    activity = returned.activity
    _tell_keepers(
        activity,
        title=f"记录被退回：{activity.topic}",
        body=f"工委退回了{_what(activity)}，原因：{returned.reason}。记录已退回为草稿，请修改后重新提交。",
        category=CATEGORY_RETURN,
        key=f"partylife:return:{returned.pk}",
    )
