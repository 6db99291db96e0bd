"""Stored ranking snapshots for the dashboard tests, written directly (the dashboards only read them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.core.periods import Period
from apps.scoring.models import Indicator, IndicatorResult, RankingRun, RunStatus, UnitResult
from apps.scoring.services.systems import system_for

TIER_BY_TOTAL = ((90, "好"), (80, "较好"), (60, "一般"), (0, "差"))


def tier_for(total) -> str:
    return next(t for floor, t in TIER_BY_TOTAL if total >= floor)


def make_run(key: str, *, published: bool = False, provisional: bool = False, evaluated_on=None) -> RankingRun:
    period = Period.parse(key)
    return RankingRun.objects.create(
        system=system_for(period.year),
        period_kind=period.kind,
        period_key=period.key,
        evaluated_on=evaluated_on or period.end,
        provisional=provisional,
        status=RunStatus.DONE,
        progress=100,
        finished_at=timezone.now(),
        published_at=timezone.now() if published else None,
    )


def add_result(run: RankingRun, unit, *, total, rank, previous_rank=None, compliance=None, cap_reason=""):
    """One unit's row: the total split over the four looks (40/20/20/20 of it), and its compliance line."""
    total = Decimal(str(total))
    result = UnitResult.objects.create(
        run=run,
        unit=unit,
        unit_name=unit.name,
        category=unit.category,
        political=total * Decimal("0.4"),
        safety=total * Decimal("0.2"),
        demands=total * Decimal("0.2"),
        advance=total * Decimal("0.2"),
        total=total,
        rank=rank,
        category_rank=rank,
        tier=tier_for(total),
        tier_by_score=tier_for(total),
        tier_cap_reason=cap_reason,
        previous_rank=previous_rank,
    )
    if compliance is not None:
        indicator = Indicator.objects.get(system=run.system, metric_key="partylife.compliance_rate")
        IndicatorResult.objects.create(
            unit_result=result, indicator=indicator, value=Decimal(str(compliance)), points=0, status="scored"
        )
    return result


def today() -> dt.date:
    return timezone.localdate()
