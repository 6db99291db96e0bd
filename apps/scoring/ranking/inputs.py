"""What a ranking run reads, gathered with a fixed number of queries whatever the number of units:
one for the units, one per metric (each metric is grouped over every unit; a query several metrics share runs
once: `core.metrics.shared`), one for the manual points, one per registered tier cap, one for the previous
published run's ranks."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from apps.core import metrics as metric_registry
from apps.core.periods import Frequency, Period
from apps.orgs.models import Unit
from apps.orgs.tree import judged_from_units

from ..models import IndicatorSystem, ManualScore, RankingRun, UnitResult
from .compute import Inputs, ManualInput, TierRules, UnitInput
from .points import Spec

Progress = Callable[[int, str], None]


def spec_of(indicator) -> Spec:
    return Spec(
        id=indicator.pk,
        code=indicator.code,
        name=indicator.name,
        look=indicator.look,
        method=indicator.method,
        max_points=Decimal(indicator.max_points),
        metric_key=indicator.metric_key,
        mapping=indicator.mapping,
        floor=indicator.floor,
        target=indicator.target,
        bands=tuple((Decimal(str(a)), Decimal(str(b))) for a, b in (indicator.bands or [])),
        per_unit=indicator.per_unit,
        missing_rule=indicator.missing_rule,
        tier_cap=indicator.tier_cap,
    )


def tier_rules(system: IndicatorSystem) -> TierRules:
    return TierRules(
        method=system.tier_method,
        good_min=system.good_min,
        fairly_good_min=system.fairly_good_min,
        ordinary_min=system.ordinary_min,
        good_share=system.good_share,
        fairly_good_share=system.fairly_good_share,
        ordinary_share=system.ordinary_share,
    )


def enclosing_keys(period: Period) -> list[str]:
    """The keys whose manual points apply to a period, most specific first: the period, its quarter, its year."""
    keys = [period.key]
    if period.kind == Frequency.MONTH:
        keys.append(Period.containing(period.start, Frequency.QUARTER).key)
    if period.kind != Frequency.YEAR:
        keys.append(str(period.year))
    return keys


def manual_points(system: IndicatorSystem, period: Period) -> dict[tuple[int, int], ManualInput]:
    """The committee's entries for the period (or, where none, for its quarter, then its year) — one query."""
    keys = enclosing_keys(period)
    rows = ManualScore.objects.filter(indicator__system=system, period_key__in=keys).values_list(
        "pk", "indicator_id", "unit_id", "period_key", "points", "note"
    )
    chosen: dict[tuple[int, int], ManualInput] = {}
    for pk, indicator_id, unit_id, key, points, note in rows.order_by("pk"):
        current = chosen.get((indicator_id, unit_id))
        if current is None or keys.index(key) < keys.index(current.period_key):
            chosen[(indicator_id, unit_id)] = ManualInput(points=points, note=note, period_key=key, entry_id=pk)
    return chosen


def previous_published(run: RankingRun) -> RankingRun | None:
    """The latest published run of the same kind of period before this one."""
    return (
        RankingRun.objects.filter(period_kind=run.period_kind, period_key__lt=run.period_key)
        .exclude(published_at=None)
        .order_by("-period_key")
        .first()
    )


def gather(run: RankingRun, *, progress: Progress | None = None) -> Inputs:
    """Read everything the run needs as of its evaluation day (never the wall clock)."""
    progress = progress or (lambda percent, message: None)
    system = run.system
    period = run.period
    today = run.evaluated_on
    specs = [spec_of(i) for i in system.indicators.order_by("order", "id")]
    units = list(Unit.objects.filter(active=True).order_by("order", "id").values_list("pk", "name", "category"))
    starts = judged_from_units([pk for pk, _, _ in units])
    inputs = Inputs(
        period_key=period.key,
        period_end=period.end,
        evaluated_on=today,
        system_id=system.pk,
        tiers=tier_rules(system),
        specs=specs,
        units=[UnitInput(id=pk, name=name, category=category, judged_from=starts[pk]) for pk, name, category in units],
    )
    keys = sorted({s.metric_key for s in specs if s.metric_key})
    with metric_registry.shared_queries():  # metrics that share a query compute it once
        for i, key in enumerate(keys, start=1):
            progress(10 + 70 * (i - 1) // max(len(keys), 1), f"正在计算：{key}")
            try:
                metric = metric_registry.get(key)
            except KeyError:
                inputs.metrics[key] = {}  # a metric no app registers any more: every unit has no data
                continue
            values = metric.compute(period, today=today)
            inputs.metrics[key] = {unit: Decimal(value) for unit, value in values.items() if value is not None}
        progress(80, "正在读取人工评分与等次限定")
        inputs.manual = manual_points(system, period)
        for cap in metric_registry.all_tier_caps():
            for unit, (tier, reason) in cap.compute(period, today=today).items():
                inputs.caps.setdefault(unit, []).append((tier, reason))
    previous = previous_published(run)
    if previous is not None:
        rows = UnitResult.objects.filter(run=previous).values_list("unit_id", "rank", "total")
        inputs.previous = {unit: (rank, total) for unit, rank, total in rows}
    return inputs
