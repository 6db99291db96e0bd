"""Reminders (到期提醒): tell secretaries what is due soon and what was just missed, and the committee which
units are newly 不合格.

Run daily by Celery beat (`tasks.send_reminders_task`). For the branches of active units that
existed this year (dissolved and merged ones included: the engine judges each only in the windows
it counted in) and every active unit (unit-level rules), the compliance engine gives each window's
status as of `today`; three kinds of message come out of it:

- due (即将到期): the window containing today is not met and ends within the rule's
  `remind_days_before` days (not for a branch that has ended: it can log nothing more);
- missed (新近未完成): a window that ended in the last 31 days unmet (warning/failure);
- unit failure (单位新增不合格): a hard rule's window of a unit (or of one of its branches) just
  ended missed: the committee (users with `orgs.committee`) hears of it once, naming the branches.

Windows not judged (未纳入, 不适用, 已撤销) send nothing. Recipients of the first two are the branch's
secretaries (orgs.manage_branch), or the unit's secretaries (orgs.manage_unit) when the branch has
none; unit-level rules go to the unit's secretaries. Each message carries a dedupe key, so re-running
the job the same day (or the next) never sends the same message twice.

Queries are constant: units, their judging start, branches; the engine's grouped queries (twice in
January, when December's windows of last year may be newly missed); two for the secretaries, one for
the committee when a unit newly failed; and the notification writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from apps.core.notifications import Message, notify
from apps.core.periods import Frequency, Period, day_label
from apps.orgs import recipients
from apps.orgs.models import Branch, Unit
from apps.orgs.tree import judged_from_units

from .compliance import FINISHED_UNMET, Cell, Status, evaluate_branches, evaluate_units
from .presenters import calendar_url, unit_overview_url

MISSED_LOOKBACK_DAYS = 31
CATEGORY_DUE = "partylife.due"
CATEGORY_MISSED = "partylife.missed"
CATEGORY_UNIT_FAILURE = "partylife.unit_failure"


def _periods(today: dt.date) -> list[Period]:
    """This year; in January also last year, whose December windows may have just been missed."""
    periods = [Period(today.year, Frequency.YEAR)]
    if today.month == 1:
        periods.insert(0, Period(today.year - 1, Frequency.YEAR))
    return periods


def _kind(cell: Cell, subject: Branch | Unit, today: dt.date) -> str | None:
    """'due', 'missed' or None for one cell on `today`."""
    window = cell.window
    if cell.status == Status.DUE and getattr(subject, "dissolved_on", None) is None:
        if cell.days_left <= cell.rule.rule.remind_days_before:
            return "due"
    elif cell.status in FINISHED_UNMET and 0 < (today - window.end).days <= MISSED_LOOKBACK_DAYS:
        return "missed"
    return None


def _secretaries(branch_ids: list[int], unit_ids: list[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Active users holding manage_branch per branch and manage_unit per unit (two queries)."""
    return recipients.branch_secretaries(branch_ids), recipients.unit_secretaries(unit_ids)


def _committee() -> list[int]:
    return recipients.committee_users()


def _text(kind: str, cell: Cell, subject_name: str, today: dt.date) -> tuple[str, str]:
    """Chinese title and body naming the subject, rule, window, deadline and clause."""
    rule, window = cell.rule, cell.window
    deadline = day_label(window.end)
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


def _unit_failures(hits, today: dt.date) -> list[Message]:
    """The committee's messages: each (unit, hard rule, window) newly 不合格, naming the branches behind it."""
    failed: dict[tuple, list] = defaultdict(list)
    for kind, cell, subject in hits:
        if kind == "missed" and cell.status == Status.FAILURE:
            unit = subject.unit if isinstance(subject, Branch) else subject
            failed[(unit.pk, cell.rule.pk, cell.window.key)].append((cell, unit, subject))
    if not failed:
        return []
    committee = _committee()
    messages = []
    for key, items in failed.items():
        cell, unit, _ = items[0]
        names = "、".join(s.name for *_, s in items if isinstance(s, Branch)) or "单位层面"
        title = f"新增不合格：{unit.name}{cell.window.label}“{cell.rule.name}”"
        body = (
            f"{unit.name}{cell.window.label}“{cell.rule.name}”（{cell.rule.strength_label}）已于"
            f"{day_label(cell.window.end)}到期未完成，判定为不合格：{names}。依据：{cell.rule.rule.source}。"
        )
        messages.extend(
            Message(
                user_id=user_id,
                title=title,
                body=body,
                url=unit_overview_url(unit.pk, cell.window),
                category=CATEGORY_UNIT_FAILURE,
                dedupe_key="partylife:unit-failure:{}:{}:{}".format(*key),
            )
            for user_id in committee
        )
    return messages


def send_reminders(*, today: dt.date) -> int:
    """Notify secretaries of rules due soon and rules newly missed, and the committee of units newly 不合格;
    return how many notifications were created.

    Idempotent: each (user, rule, subject, window, kind) is sent at most once.
    """
    periods = _periods(today)
    units = list(Unit.objects.filter(active=True).order_by("pk"))
    starts = judged_from_units(u.pk for u in units)
    branches = list(
        Branch.objects.filter(unit__active=True)
        .existing_during(periods[0].start, today)
        .select_related("unit")
        .order_by("pk")
    )
    hits: list[tuple[str, Cell, Branch | Unit]] = []  # (kind, cell, branch or unit)
    for period in periods:
        results = [
            *evaluate_branches(branches, period, today=today, judged_from=starts).values(),
            *evaluate_units(units, period, today=today, judged_from=starts).values(),
        ]
        hits += [
            (kind, cell, r.subject) for r in results for cell in r.cells if (kind := _kind(cell, r.subject, today))
        ]
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
    messages += _unit_failures(hits, today)
    return len(notify(messages))
