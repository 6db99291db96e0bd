"""Discipline metrics · 整改按时完成率 (core metric registry).

Which rectifications count for a period, as of the evaluation day `today`: those whose deadline falls
in the period and no later than `today` (a deadline still ahead is not measured yet). One counts as on
time when it was accepted (已销号) on or before its deadline (`accepted_on`, Asia/Shanghai); since the
deadline is ≤ today, a later acceptance never changes a past value.

| metric                              | value                                    | queries |
|-------------------------------------|------------------------------------------|---------|
| discipline.rectification_on_time    | accepted by the deadline / deadlines due | 1       |

A unit absent from the result had no deadline in the window.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Q

from apps.core.metrics import MetricRecord, percent, register
from apps.core.periods import Period

from ..models import Rectification, RectificationStatus

ON_TIME = Q(status=RectificationStatus.ACCEPTED, accepted_on__lte=F("deadline"))


def _due(period: Period, *, today: dt.date):
    return Rectification.objects.filter(deadline__gte=period.start, deadline__lte=min(period.end, today))


def _records(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    rows = _due(period, today=today).filter(unit_id=unit_id).select_related("finding").order_by("deadline", "id")
    out = []
    for r in rows:
        if r.status == RectificationStatus.ACCEPTED and r.accepted_on and r.accepted_on <= r.deadline:
            note = f"按时销号（{r.accepted_on:%Y-%m-%d}）"
        elif r.accepted_on:
            note = f"逾期销号（{r.accepted_on:%Y-%m-%d}）"
        else:
            note = f"未按期销号（{r.get_status_display()}）"
        label = f"整改：{r.finding.description[:40]}"
        out.append(MetricRecord(label=label, day=r.deadline, url=r.get_absolute_url(), note=note))
    return out


@register(
    "discipline.rectification_on_time",
    label="整改按时完成率",
    unit="%",
    description="整改期限在本期内且不晚于评价日的整改中，在期限当日（含）前销号的比例。",
    records=_records,
)
def rectification_on_time(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    rows = _due(period, today=today).values("unit_id").annotate(total=Count("id"), on_time=Count("id", filter=ON_TIME))
    return {r["unit_id"]: percent(r["on_time"], r["total"]) for r in rows}
