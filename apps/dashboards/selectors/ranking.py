"""The committee's ranking figures, read from the stored snapshots of finished runs (never the engine).

Every function is a fixed number of queries whatever the number of units or runs: the latest run (two
at most), its rows (one), the looks' maxima and exclusions (two), the trend (one), the heatmap (two), compliance (one).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, IntegerField, QuerySet, Sum, Value, When
from django.urls import reverse

from apps.core.periods import Frequency, Period
from apps.orgs.models import UnitCategory
from apps.scoring.models import (
    Indicator,
    IndicatorResult,
    Look,
    Method,
    RankingRun,
    ResultStatus,
    RunStatus,
    Tier,
    UnitResult,
)

#: The line of the party-life compliance indicator (its value is the unit's rate, %).
COMPLIANCE_METRIC = "partylife.compliance_rate"
#: Below this compliance rate a unit is "falling behind".
COMPLIANCE_LOW = Decimal("60")
#: CSS class of each tier's badge (好 green, 较好 blue, 一般 amber, 差 red).
TIER_CLASSES = {
    Tier.GOOD: "tier-good",
    Tier.FAIRLY_GOOD: "tier-fairly-good",
    Tier.ORDINARY: "tier-ordinary",
    Tier.POOR: "tier-poor",
}
TIER_COLOURS = {Tier.GOOD: "#198754", Tier.FAIRLY_GOOD: "#0d6efd", Tier.ORDINARY: "#f0a000", Tier.POOR: "#dc3545"}
LOOKS = [(value, label) for value, label in Look.choices]
CATEGORY_LABELS = dict(UnitCategory.choices)
EMPTY_MESSAGE = "尚无排名测算，请在“排名测算”中发起"


#: Among runs evaluated on the same day, the one a dashboard shows: the quarter's, then the year's, the month's.
def kind_order(field: str = "period_kind") -> Case:
    return Case(
        When(**{field: Frequency.QUARTER}, then=Value(0)),
        When(**{field: Frequency.YEAR}, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def finished_runs() -> QuerySet[RankingRun]:
    return RankingRun.objects.filter(status=RunStatus.DONE)


def _latest(runs: QuerySet[RankingRun]) -> RankingRun | None:
    return (
        runs.select_related("system")
        .annotate(kind_order=kind_order())
        .order_by("-evaluated_on", "kind_order", "-finished_at", "-id")
        .first()
    )


def featured_run() -> RankingRun | None:
    """The latest published run, or when none is published yet the latest finished one (shown as 临时/未发布)."""
    return _latest(finished_runs().exclude(published_at=None)) or _latest(finished_runs())


def run_label(run: RankingRun) -> str:
    if run.is_published:
        return "已发布"
    return "临时排名" if run.provisional else "未发布"


@dataclass
class Row:
    """One unit's line of the ranking table."""

    result: UnitResult
    category_label: str
    tier_class: str
    url: str

    def __getattr__(self, name):  # the result's fields and properties (rank, total, rank_change …)
        return getattr(self.result, name)


def ranking_rows(run: RankingRun) -> list[Row]:
    """The run's rows by rank (unranked units last), one query."""
    results = UnitResult.objects.filter(run=run).order_by(
        Case(When(rank=None, then=Value(1)), default=Value(0), output_field=IntegerField()), "rank", "unit_name"
    )
    return [
        Row(
            result=r,
            category_label=CATEGORY_LABELS.get(r.category, r.category),
            tier_class=TIER_CLASSES.get(r.tier, "tier-none"),
            url=reverse("scoring:unit_result", args=[r.pk]),
        )
        for r in results
    ]


def _avg(values) -> float | None:
    values = [float(v) for v in values if v is not None]
    return round(sum(values) / len(values), 2) if values else None


def headline(rows: list[Row]) -> dict:
    """Average total, units per tier, units whose tier was capped (一票否决, 红牌): from the rows, no query."""
    scored = [r for r in rows if r.scored and r.total is not None]
    tiers = {label: 0 for _, label in Tier.choices}
    for r in scored:
        if r.tier:
            tiers[r.tier] = tiers.get(r.tier, 0) + 1
    return {
        "scored": len(scored),
        "average": _avg(r.total for r in scored),
        "tiers": [{"name": t, "value": n, "css": TIER_CLASSES[t], "colour": TIER_COLOURS[t]} for t, n in tiers.items()],
        "capped": sum(1 for r in scored if r.tier_cap_reason),
    }


def look_maxima(run: RankingRun) -> dict[str, float]:
    """Each look's maximum: the sum of the run's system's base (auto and manual) indicators (one query)."""
    rows = (
        Indicator.objects.filter(system_id=run.system_id, method__in=[Method.AUTO, Method.MANUAL])
        .values("look")
        .annotate(most=Sum("max_points"))
    )
    return {r["look"]: float(r["most"] or 0) for r in rows}


def excluded_maxima(run: RankingRun) -> dict[tuple[int, str], float]:
    """Per unit and look, the maximum of base indicators left out for want of data (one grouped query): the
    engine scales the unit's other points up by `reweight` instead."""
    rows = (
        IndicatorResult.objects.filter(
            unit_result__run=run,
            status=ResultStatus.MISSING_EXCLUDED,
            indicator__method__in=[Method.AUTO, Method.MANUAL],
        )
        .values("unit_result__unit_id", "indicator__look")
        .annotate(most=Sum("indicator__max_points"))
    )
    return {(r["unit_result__unit_id"], r["indicator__look"]): float(r["most"] or 0) for r in rows}


def radar(rows: list[Row], maxima: dict[str, float], excluded: dict[tuple[int, str], float]) -> dict:
    """The four looks of every scored unit as % of what the look could give it (the look's maximum less the
    indicators excluded for want of data; the stored subtotal is re-weighted, so it is divided back), and the
    city average."""

    def percent(row, look):
        most = maxima.get(look, 0) - excluded.get((row.unit_id, look), 0)
        if most <= 0:
            return None
        raw = float(getattr(row.result, look)) / float(row.reweight or 1)
        return round(min(raw * 100 / most, 100.0), 1)

    units = [
        {"id": r.unit_id, "name": r.unit_name, "values": [percent(r, look) for look, _ in LOOKS]}
        for r in rows
        if r.scored
    ]
    average = [_avg(u["values"][i] for u in units) for i in range(len(LOOKS))]
    return {
        "indicators": [{"name": label, "max": 100} for _, label in LOOKS],
        "maxima": [maxima.get(look, 0) for look, _ in LOOKS],
        "units": [{**u, "values": [v if v is not None else 0 for v in u["values"]]} for u in units],
        "average": [v if v is not None else 0 for v in average],
    }


def category_comparison(rows: list[Row]) -> list[dict]:
    """Average, lowest and highest total per category in the run (no query)."""
    totals: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.scored and r.total is not None:
            totals[r.category].append(float(r.total))
    return [
        {"name": label, "avg": _avg(totals[value]), "min": min(totals[value]), "max": max(totals[value])}
        for value, label in UnitCategory.choices
        if totals.get(value)
    ]


def trends(kind: str = Frequency.QUARTER) -> dict:
    """The average total per category over the published runs of a kind, and every unit's line (one query)."""
    results = (
        UnitResult.objects.filter(run__status=RunStatus.DONE, run__period_kind=kind, scored=True, total__isnull=False)
        .exclude(run__published_at=None)
        .values_list("run__period_key", "unit_id", "category", "total")
    )
    periods: set[str] = set()
    per_category: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    per_unit: dict[int, dict[str, float]] = defaultdict(dict)
    for key, unit_id, category, total in results:
        periods.add(key)
        per_category[category][key].append(float(total))
        per_unit[unit_id][key] = float(total)
    keys = sorted(periods, key=Period.parse)
    return {
        "periods": [Period.parse(k).label for k in keys],
        "categories": [
            {"name": label, "values": [_avg(per_category[value].get(k, [])) for k in keys]}
            for value, label in UnitCategory.choices
            if value in per_category
        ],
        "units": {str(u): [values.get(k) for k in keys] for u, values in per_unit.items()},
    }


@dataclass
class Heatmap:
    year: int
    months: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    cells: list[list] = field(default_factory=list)  # [month index, unit index, value]

    def as_json(self) -> dict:
        return {"year": self.year, "months": self.months, "units": self.units, "cells": self.cells}

    def lowest(self, n: int) -> Heatmap:
        """Only the `n` units with the lowest average over the months (the 大屏 fits one screen), lowest first."""
        sums: dict[int, list[float]] = {}
        for _, unit, value in self.cells:
            sums.setdefault(unit, []).append(value)
        keep = sorted(sums, key=lambda u: (sum(sums[u]) / len(sums[u]), self.units[u]))[:n]
        index = {old: new for new, old in enumerate(keep)}
        return Heatmap(
            year=self.year,
            months=self.months,
            units=[self.units[u] for u in keep],
            cells=[[m, index[u], v] for m, u, v in self.cells if u in index],
        )


def compliance_heatmap(year: int) -> Heatmap:
    """Units × months of `year`: the compliance line's value in the latest finished monthly run of each ended
    month (two queries over stored rows: the runs, then their compliance lines). A month still going is left
    out: its provisional run counts only the windows already decided, which would read as 100 for everyone."""
    runs = finished_runs().filter(period_kind=Frequency.MONTH, period_key__startswith=f"{year}-", provisional=False)
    latest: dict[str, tuple] = {}
    for pk, key, evaluated_on, finished_at in runs.values_list("pk", "period_key", "evaluated_on", "finished_at"):
        order = (evaluated_on, finished_at or dt.datetime.min.replace(tzinfo=dt.UTC), pk)
        if key not in latest or order > latest[key][1]:
            latest[key] = (pk, order)
    heatmap = Heatmap(year=year, months=[f"{m}月" for m in range(1, 13)])
    if not latest:
        return heatmap
    month_of = {pk: Period.parse(key).index for key, (pk, _) in latest.items()}
    lines = (
        IndicatorResult.objects.filter(
            unit_result__run_id__in=list(month_of), indicator__metric_key=COMPLIANCE_METRIC, value__isnull=False
        )
        .values_list("unit_result__run_id", "unit_result__unit_id", "unit_result__unit_name", "value")
        .order_by("unit_result__unit_name", "unit_result__unit_id")
    )
    unit_index: dict[int, int] = {}
    for run_id, unit_id, name, value in lines:
        if unit_id not in unit_index:
            unit_index[unit_id] = len(heatmap.units)
            heatmap.units.append(name)
        heatmap.cells.append([month_of[run_id] - 1, unit_index[unit_id], float(value)])
    return heatmap


def compliance_of(run: RankingRun) -> dict[int, Decimal]:
    """Each unit's compliance rate in the run (one query)."""
    return dict(
        IndicatorResult.objects.filter(
            unit_result__run=run, indicator__metric_key=COMPLIANCE_METRIC, value__isnull=False
        ).values_list("unit_result__unit_id", "value")
    )


def falling_behind(rows: list[Row], compliance: dict[int, Decimal], *, limit: int = 10) -> list[dict]:
    """Units in the lowest tier, with the biggest rank drops, or compliance below 60 in the run, worst first."""
    out = []
    for r in rows:
        reasons = []
        if r.tier == Tier.POOR:
            reasons.append("等次为“差”")
        if r.rank_change is not None and r.rank_change < 0:
            reasons.append(f"排名下降{-r.rank_change}位")
        rate = compliance.get(r.unit_id)
        if rate is not None and rate < COMPLIANCE_LOW:
            reasons.append(f"组织生活落实率{float(rate):g}%")
        if reasons:
            severity = (r.tier == Tier.POOR, -(r.rank_change or 0), -(float(rate) if rate is not None else 100))
            out.append({"row": r, "reasons": reasons, "compliance": rate, "severity": severity})
    out.sort(key=lambda item: item["severity"], reverse=True)
    return out[:limit]
