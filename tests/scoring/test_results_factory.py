"""Hand-made ranking runs for the runs / results page and API tests (no test here: helpers shared by those modules).

A run is made directly (status, publication) and its rows written as the engine would, so each test states exactly
the numbers it checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.core.metrics import Metric, MetricRecord
from apps.core.periods import Period
from apps.orgs.models import Platform
from apps.scoring.models import Indicator, IndicatorResult, RankingRun, RunStatus, UnitResult
from apps.scoring.services.systems import system_for

FAKE_METRIC = "tests.scoring_records"


def platform(start=dt.date(2025, 1, 1)) -> None:
    Platform.objects.update_or_create(pk=1, defaults={"start_on": start})


def make_run(*, period="2026-Q2", published=False, provisional=False, status=RunStatus.DONE, by=None) -> RankingRun:
    p = Period.parse(period)
    return RankingRun.objects.create(
        system=system_for(p.year),
        period_kind=p.kind,
        period_key=p.key,
        evaluated_on=p.end if not provisional else p.start + dt.timedelta(days=10),
        provisional=provisional,
        status=status,
        progress=100 if status == RunStatus.DONE else 40,
        message="计算完成" if status == RunStatus.DONE else "正在计算",
        unit_count=0,
        digest="abc123def4567890",
        requested_by=by,
        published_at=timezone.now() if published else None,
        published_by=by if published else None,
    )


def line_inputs(indicator: Indicator, **extra) -> dict:
    data = {
        "indicator": indicator.name,
        "look": indicator.look,
        "method": indicator.method,
        "max_points": str(indicator.max_points),
    }
    if indicator.metric_key:
        data["metric"] = indicator.metric_key
    data.update(extra)
    return data


def add_result(run: RankingRun, unit, *, rank=1, total="90", tier="好", previous_rank=None, lines=True) -> UnitResult:
    result = UnitResult.objects.create(
        run=run,
        unit=unit,
        unit_name=unit.name,
        category=unit.category,
        political=Decimal("40"),
        safety=Decimal("20"),
        demands=Decimal("15"),
        advance=Decimal(total) - 75,
        total=Decimal(total),
        rank=rank,
        category_rank=rank,
        tier=tier,
        tier_by_score=tier,
        previous_rank=previous_rank,
    )
    if lines:
        IndicatorResult.objects.bulk_create(
            IndicatorResult(
                unit_result=result,
                indicator=indicator,
                value=Decimal("80") if indicator.method == "auto" else None,
                points=Decimal("1"),
                status="scored",
                inputs=line_inputs(indicator),
            )
            for indicator in run.system.indicators.all()
        )
    return result


def fake_metric(monkeypatch, records: list[MetricRecord]) -> Metric:
    """A metric listing `records` for any unit, registered for the test only."""
    from apps.core import metrics

    metric = Metric(
        key=FAKE_METRIC,
        label="测试数据指标",
        unit="%",
        fn=lambda period, *, today: {},
        description="用于测试的指标。",
        records_fn=lambda period, unit_id, *, today: records,
    )
    monkeypatch.setitem(metrics._REGISTRY, FAKE_METRIC, metric)
    return metric
