"""Discipline reminders · 履责报告: a round due within 7 days for a unit that has not submitted, and a report
returned (退回). Each goes to the unit's secretaries, once: dedupe keys `discipline-report-due:{round}:{unit}`
and `discipline-report-returned:{review}`. Queries are constant (reports due, returns, secretaries, writes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse

from apps.core.notifications import Message, notify
from apps.core.periods import day_label
from apps.orgs import recipients

from ..models import DutyReport, ReportReview, ReportStatus

DUE_DAYS = 7
#: Returns older than this are not announced by the daily job (the service tells at once).
RETURN_LOOKBACK_DAYS = 31
CATEGORY_DUE = "discipline.report_due"
CATEGORY_RETURNED = "discipline.report_returned"


def _report_url(report_id: int) -> str:
    return reverse("discipline:report_detail", args=[report_id])


def due_messages(*, today: dt.date) -> list[Message]:
    """Reports of rounds due today … in DUE_DAYS days that are still unsubmitted drafts."""
    reports = DutyReport.objects.filter(
        status=ReportStatus.DRAFT,
        round__due_on__gte=today,
        round__due_on__lte=today + dt.timedelta(days=DUE_DAYS),
    ).values_list("pk", "unit_id", "round_id", "round__title", "round__due_on")
    reports = list(reports)
    secretaries = recipients.unit_secretaries({unit_id for _, unit_id, *_ in reports}) if reports else {}
    messages = []
    for pk, unit_id, round_id, title, due_on in reports:
        days = (due_on - today).days
        when = "今天" if days == 0 else f"{days}天后"
        for user_id in secretaries.get(unit_id, ()):
            messages.append(
                Message(
                    user_id=user_id,
                    title=f"履责报告即将到期：{title}",
                    body=f"{title}须于{day_label(due_on)}（{when}）24时前报送，本单位尚未报送。",
                    url=_report_url(pk),
                    category=CATEGORY_DUE,
                    dedupe_key=f"discipline-report-due:{round_id}:{unit_id}",
                )
            )
    return messages


def returned_messages(reviews: Iterable[ReportReview]) -> list[Message]:
    reviews = list(reviews)
    secretaries = recipients.unit_secretaries({r.report.unit_id for r in reviews}) if reviews else {}
    return [
        Message(
            user_id=user_id,
            title=f"履责报告被退回：{r.report.round.title}",
            body=f"退回意见：{r.comment}。请修改后重新报送。",
            url=_report_url(r.report_id),
            category=CATEGORY_RETURNED,
            dedupe_key=f"discipline-report-returned:{r.pk}",
        )
        for r in reviews
        for user_id in secretaries.get(r.report.unit_id, ())
    ]


def notify_returned(*, reviews: Iterable[ReportReview]) -> int:
    """Tell the unit's secretaries of returns now (the service calls it after commit; the same key as the job)."""
    return len(notify(returned_messages(reviews)))


def send(*, today: dt.date, now: dt.datetime) -> int:
    """Today's report reminders; returns how many notifications were stored (none twice)."""
    returns = ReportReview.objects.filter(
        action=ReportStatus.RETURNED, at__gte=now - dt.timedelta(days=RETURN_LOOKBACK_DAYS)
    ).select_related("report__round")
    return len(notify([*due_messages(today=today), *returned_messages(returns)]))
