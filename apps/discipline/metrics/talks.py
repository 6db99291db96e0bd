"""Discipline metrics · 约谈提醒次数 (core metric registry).

The talks held with a unit's leaders or cadres in the period, up to the evaluation day `today`
(a talk dated after `today` is not counted yet). One grouped query for all units; a unit with no
talk is absent (no data, rather than 0 — scoring decides what none means).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count
from django.urls import reverse

from apps.core.metrics import MetricRecord, register
from apps.core.periods import Period

from ..models import Talk


def _held(period: Period, *, today: dt.date):
    return Talk.objects.filter(held_on__gte=period.start, held_on__lte=min(period.end, today))


def _records(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    rows = _held(period, today=today).filter(unit_id=unit_id).order_by("held_on", "id")
    return [
        MetricRecord(
            label=f"{t.get_kind_display()}：{t.talked_with}",
            day=t.held_on,
            url=reverse("discipline:talk_detail", args=[t.pk]),
            note=t.reason[:60],
        )
        for t in rows
    ]


@register(
    "discipline.talks_held",
    label="约谈提醒次数",
    unit="次",
    description="本期内（至评价日）工委对该单位领导干部进行约谈、提醒谈话、诫勉谈话的次数。",
    records=_records,
)
def talks_held(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    rows = _held(period, today=today).values("unit_id").annotate(n=Count("id"))
    return {r["unit_id"]: Decimal(r["n"]) for r in rows}
