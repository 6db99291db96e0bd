"""The demo branch's script (演示支部): what 市财政局 预算处党支部 shows in this year's calendar.

One missed month (a warning), one 需补充 record, this month's 支委会 still to hold, and the
demo member's two absences (one 补学 made up, one still owed): every state of the pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apps.core.periods import Frequency, Period
from apps.orgs import demo_data as org_data

from ..models import ActivityStatus
from .texts import COMMITTEE, MAKEUP_TYPES, THEME_DAY

if TYPE_CHECKING:
    from .draw import Drawing, Subject


@dataclass(frozen=True)
class DemoScript:
    """What the demo branch (市财政局 预算处党支部) shows in the current year's calendar."""

    missed: Period | None  # the one month without a 主题党日 (a warning); None in January
    incomplete_code: str  # the one 需补充 record: its type …
    incomplete_day: dt.date  # … and day
    due: Period  # this month: its 支委会 not held yet


def demo_script(today: dt.date) -> DemoScript:
    month = Period.containing(today, Frequency.MONTH)
    missed = None
    if today.month > 1:
        missed = Period(today.year, Frequency.MONTH, max(1, today.month - 3))
    if today.day > 1:
        # This month's 主题党日 was held a few days ago; its photo is not uploaded yet.
        day = next(
            (d for d in (today - dt.timedelta(days=n) for n in range(2, 6)) if d.month == today.month),
            today - dt.timedelta(days=1),
        )
        return DemoScript(missed, THEME_DAY, day, month)
    # On the 1st nothing of this month is held: an extra 支委会 yesterday lacks its photo.
    return DemoScript(missed, COMMITTEE, today - dt.timedelta(days=1), month)


def script_absences(d: Drawing, s: Subject) -> None:
    """The demo member (dangyuan) missed two lessons: the older made up, the latest still to make up."""
    user = d.users.get(org_data.MEMBER_USER)
    dangyuan = next((m for m in s.members if user and m.user_id == user.pk), None)
    if dangyuan is None:
        return
    ours = sorted(
        (
            p
            for p in d.planned
            if p.activity.branch is s.branch
            and p.activity.activity_type.code in MAKEUP_TYPES
            and p.activity.status == ActivityStatus.SUBMITTED
        ),
        key=lambda p: p.activity.held_at,
    )
    older = [p for p in ours if 60 <= (d.today - p.activity.held_at.astimezone(d.tz).date()).days <= 200]
    for plan, reason, done in (
        (ours[-1] if ours else None, "出差", False),
        (older[0] if older else None, "外出学习", True),
    ):
        if plan is None:
            continue
        plan.attendance = [(row[0], False, reason, 0.0) if row[0] == dangyuan.pk else row for row in plan.attendance]
        plan.forced_makeup[dangyuan.pk] = done
