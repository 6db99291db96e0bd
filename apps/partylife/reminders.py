"""Reminders (到期提醒): tell secretaries what is due soon and what was just missed.

Run daily by Celery beat (`tasks.send_reminders_task`). For every active branch
(branch-level rules) and every active unit (unit-level rules) the compliance
engine gives each window's status; two kinds of reminder come out of it:

- due (即将到期): the window containing today is not met and ends within the rule's
  `remind_days_before` days;
- missed (新近未完成): a window that ended in the last 31 days unmet (warning/failure).

Recipients are the branch's secretaries (orgs.manage_branch), or the unit's
secretaries (orgs.manage_unit) when the branch has none; unit-level rules go to the
unit's secretaries. Each message carries a dedupe key, so re-running the job the
same day (or the next) never sends the same reminder twice.

Queries are constant: two to list branches and units, the engine's grouped queries
(twice in January, when December's windows of last year may be newly missed), two
for the recipients, and the notification writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from apps.core.notifications import Message, notify
from apps.core.periods import Frequency, Period
from apps.orgs.models import Branch, BranchUserObjectPermission, Unit, UnitUserObjectPermission

from .compliance import FINISHED_UNMET, Cell, Status, evaluate_branches, evaluate_units
from .presenters import calendar_url, unit_overview_url

MISSED_LOOKBACK_DAYS = 31
CATEGORY_DUE = "partylife.due"
CATEGORY_MISSED = "partylife.missed"


def _periods(today: dt.date) -> list[Period]:
    """This year; in January also last year, whose December windows may have just been missed."""
    periods = [Period(today.year, Frequency.YEAR)]
    if today.month == 1:
        periods.insert(0, Period(today.year - 1, Frequency.YEAR))
    return periods


def _kind(cell: Cell, today: dt.date) -> str | None:
    """'due', 'missed' or None for one cell on `today`."""
    window = cell.window
    if cell.status == Status.DUE and window.contains(today):
        if (window.end - today).days <= cell.rule.rule.remind_days_before:
            return "due"
    elif cell.status in FINISHED_UNMET and 0 < (today - window.end).days <= MISSED_LOOKBACK_DAYS:
        return "missed"
    return None


def _secretaries(branch_ids: list[int], unit_ids: list[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Active users holding manage_branch per branch and manage_unit per unit (two queries).

    Roles are granted to users (never groups) by orgs.services.role_grant, so the
    direct-FK user permission tables are the whole truth.
    """
    by_branch: dict[int, list[int]] = defaultdict(list)
    by_unit: dict[int, list[int]] = defaultdict(list)
    rows = BranchUserObjectPermission.objects.filter(
        permission__codename="manage_branch", content_object_id__in=branch_ids, user__is_active=True
    ).values_list("content_object_id", "user_id")
    for branch_id, user_id in rows.order_by("content_object_id", "user_id"):
        by_branch[branch_id].append(user_id)
    rows = UnitUserObjectPermission.objects.filter(
        permission__codename="manage_unit", content_object_id__in=unit_ids, user__is_active=True
    ).values_list("content_object_id", "user_id")
    for unit_id, user_id in rows.order_by("content_object_id", "user_id"):
        by_unit[unit_id].append(user_id)
    return by_branch, by_unit


def _text(kind: str, cell: Cell, subject_name: str, today: dt.date) -> tuple[str, str]:
    """Chinese title and body naming the subject, rule, window, deadline and clause."""
    rule, window = cell.rule, cell.window
    deadline = f"{window.end.year}年{window.end.month}月{window.end.day}日"
    done = f"已完成{cell.count}次，要求{rule.requirement}"
    if cell.incomplete:
        done += f"；另有{cell.incomplete}条记录需补充材料，补齐后才计入"
    if kind == "due":
        days = (window.end - today).days
        left = "今天截止" if days == 0 else f"还剩{days}天"
        title = f"即将到期：{subject_name}{window.label}“{rule.name}”尚未完成"
        body = (
            f"{subject_name}{window.label}“{rule.name}”尚未完成（{done}），"
            f"截止{deadline}，{left}。依据：{rule.rule.source}。"
        )
    else:
        title = f"未完成：{subject_name}{window.label}“{rule.name}”"
        body = (
            f"{subject_name}{window.label}“{rule.name}”已于{deadline}到期未完成（{done}），"
            f"判定为{cell.label}。依据：{rule.rule.source}。"
        )
        if cell.status == Status.WARNING and not cell.reason:
            body += "如有特殊情况，请在日历中填写未开展原因。"
    return title, body


def send_reminders(*, today: dt.date) -> int:
    """Notify secretaries of rules due soon and rules newly missed; return how many notifications were created.

    Idempotent: each (user, rule, subject, window, kind) is sent at most once.
    """
    branches = list(
        Branch.objects.filter(dissolved_on__isnull=True, unit__active=True).select_related("unit").order_by("pk")
    )
    units = list(Unit.objects.filter(active=True).order_by("pk"))
    hits: list[tuple[str, Cell, Branch | Unit]] = []  # (kind, cell, branch or unit)
    for period in _periods(today):
        results = [
            *evaluate_branches(branches, period, today=today).values(),
            *evaluate_units(units, period, today=today).values(),
        ]
        hits += [(kind, cell, r.subject) for r in results for cell in r.cells if (kind := _kind(cell, today))]
    if not hits:
        return 0
    branch_secs, unit_secs = _secretaries(
        sorted({s.pk for *_, s in hits if isinstance(s, Branch)}),
        sorted({s.unit_id if isinstance(s, Branch) else s.pk for *_, s in hits}),
    )
    messages = []
    for kind, cell, subject in hits:
        if isinstance(subject, Branch):
            recipients = branch_secs.get(subject.pk) or unit_secs.get(subject.unit_id, [])
            name, target = f"{subject.unit}{subject.name}", f"{subject.pk}"
            url = calendar_url(subject, cell.window.year)
        else:
            recipients = unit_secs.get(subject.pk, [])
            name, target = subject.name, f"u{subject.pk}"
            url = unit_overview_url(subject.pk, cell.window.year)
        title, body = _text(kind, cell, name, today)
        key = f"partylife:{kind}:{cell.rule.pk}:{target}:{cell.window.key}"
        category = CATEGORY_DUE if kind == "due" else CATEGORY_MISSED
        messages.extend(
            Message(user_id=user_id, title=title, body=body, url=url, category=category, dedupe_key=key)
            for user_id in recipients
        )
    return len(notify(messages))
