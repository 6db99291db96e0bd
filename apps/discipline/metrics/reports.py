"""Discipline metrics · 履责报告按时报送率 (core metric registry).

For a period as of the evaluation day: the rounds whose due_on falls in the period and is on or before
`today`; a unit's value = its reports first submitted on time / its reports of those rounds (every unit a
round concerns has a report row from the round's opening). Two queries for all units: the due days, then
one grouped count.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q
from django.urls import reverse

from apps.core.metrics import MetricRecord, percent, register
from apps.core.periods import Period

from ..models import DutyReport, ReportRound
from ..services.reports import due_deadline, on_time_label, on_time_status


def _due_range(period: Period, today: dt.date) -> tuple[dt.date, dt.date]:
    return period.start, min(period.end, today)


def _now_of(today: dt.date) -> dt.datetime:
    """The end of the evaluation day: what was submitted that day counts."""
    return due_deadline(today)


def report_records(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """The unit's reports behind its value: each round due, and whether it was reported on time."""
    start, end = _due_range(period, today)
    if start > end:
        return []
    reports = (
        DutyReport.objects.filter(unit_id=unit_id, round__due_on__range=(start, end))
        .select_related("round")
        .order_by("round__due_on", "round_id")
    )
    now = _now_of(today)
    records = []
    for r in reports:
        submitted = r.first_submitted_at if r.first_submitted_at and r.first_submitted_at < now else None
        status = on_time_status(due_on=r.round.due_on, first_submitted_at=submitted, now=now)
        records.append(
            MetricRecord(
                label=r.round.title,
                day=r.round.due_on,
                url=reverse("discipline:report_detail", args=[r.pk]),
                note=on_time_label(status),
            )
        )
    return records


@register(
    "discipline.report_on_time",
    label="履责报告按时报送率",
    unit="%",
    description="报送截止日在本期内（且不晚于评价日）的履责报告中，在截止日24时（北京时间）前首次报送的比例。",
    records=report_records,
)
def report_on_time(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    start, end = _due_range(period, today)
    if start > end:
        return {}
    due_days = sorted(set(ReportRound.objects.filter(due_on__range=(start, end)).values_list("due_on", flat=True)))
    if not due_days:
        return {}
    in_time = Q(pk__in=[])
    for day in due_days:
        in_time |= Q(round__due_on=day, first_submitted_at__lt=due_deadline(day))
    rows = (
        DutyReport.objects.filter(round__due_on__range=(start, end))
        .values("unit_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=in_time))
        .order_by("unit_id")
    )
    return {row["unit_id"]: percent(row["on_time"], row["due"]) for row in rows}
