"""Discipline reminders · 整改 (rectifications), each sent once (dedupe keys), run daily.

- due (即将到期): a rectification the unit still owes (待整改 or 退回) whose deadline is within 7 days
  (today included) → the owner unit's secretaries, once: `discipline-rect-due:{id}`;
- overdue (已逾期): one the unit still owes after its deadline day → the unit's secretaries, once:
  `discipline-rect-overdue:{id}`;
- the committee's digest: rectifications submitted in the last 24 hours and awaiting acceptance, one
  message a day per committee user: `discipline-rect-submitted:{today}`.

A submitted one is the committee's turn: the unit is not reminded of it. Queries: the rectifications,
the secretaries (one), the submitted count, the committee (one, only when something was submitted),
and the notification writes.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from apps.core.notifications import Message, notify
from apps.core.periods import day_label
from apps.orgs import recipients

from ..models import Rectification, RectificationStatus
from ..selectors.inspections import DUE_SOON_DAYS

CATEGORY_DUE = "discipline.rect_due"
CATEGORY_OVERDUE = "discipline.rect_overdue"
CATEGORY_SUBMITTED = "discipline.rect_submitted"
OWED = (RectificationStatus.OPEN, RectificationStatus.RETURNED)


def _unit_messages(*, today: dt.date) -> list[Message]:
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    rows = list(
        Rectification.objects.filter(status__in=OWED, deadline__lte=soon)
        .select_related("finding")
        .order_by("deadline", "id")
    )
    if not rows:
        return []
    secretaries = recipients.unit_secretaries({r.unit_id for r in rows})
    messages = []
    for r in rows:
        problem = r.finding.description[:30]
        if r.deadline < today:
            key, category = f"discipline-rect-overdue:{r.pk}", CATEGORY_OVERDUE
            title = f"整改已逾期：{problem}"
            body = f"整改期限 {day_label(r.deadline)} 已过，请尽快提交整改措施和佐证材料（{r.required_evidence}）。"
        else:
            key, category = f"discipline-rect-due:{r.pk}", CATEGORY_DUE
            days = (r.deadline - today).days
            title = f"整改即将到期：{problem}"
            when = "今天到期" if days == 0 else f"还剩 {days} 天"
            body = f"整改期限 {day_label(r.deadline)}（{when}），须提交：{r.required_evidence}。"
        messages += [
            Message(user_id=u, title=title, body=body, url=r.get_absolute_url(), category=category, dedupe_key=key)
            for u in secretaries.get(r.unit_id, [])
        ]
    return messages


def _committee_messages(*, today: dt.date, now: dt.datetime) -> list[Message]:
    since = now - dt.timedelta(days=1)
    fresh = Rectification.objects.filter(Q(status=RectificationStatus.SUBMITTED) & Q(submitted_at__gte=since)).count()
    if not fresh:
        return []
    url = reverse("discipline:rectification_list") + f"?status={RectificationStatus.SUBMITTED}"
    return [
        Message(
            user_id=u,
            title=f"有 {fresh} 项整改新提交，待审核销号",
            body="请在整改跟踪中审核：材料齐全的销号，不符合要求的退回并写明意见。",
            url=url,
            category=CATEGORY_SUBMITTED,
            dedupe_key=f"discipline-rect-submitted:{today:%Y-%m-%d}",
        )
        for u in recipients.committee_users()
    ]


def send(*, today: dt.date, now: dt.datetime) -> int:
    """Today's rectification reminders; returns how many notifications were stored (none twice)."""
    return len(notify([*_unit_messages(today=today), *_committee_messages(today=today, now=now)]))
