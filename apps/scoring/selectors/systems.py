"""Reads of the indicator systems: the list by year and version, one system explained, its history."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet

from apps.core import metrics
from apps.core.history import history_rows

from ..models import Indicator, IndicatorSystem, Look, Mapping, Method, MissingRule, Tier, TierMethod

BASE_TOTAL = Decimal(100)


def systems_list() -> list[IndicatorSystem]:
    """Every system, newest year and version first; `in_force` marks each year's latest version."""
    rows = list(IndicatorSystem.objects.annotate(indicator_count=Count("indicators")).order_by("-year", "-version"))
    seen: set[int] = set()
    for system in rows:
        system.in_force = system.year not in seen
        seen.add(system.year)
    return rows


def system_get(pk: int) -> IndicatorSystem | None:
    return IndicatorSystem.objects.select_related("created_by").filter(pk=pk).first()


def in_force(system: IndicatorSystem) -> bool:
    return not IndicatorSystem.objects.filter(year=system.year, version__gt=system.version).exists()


def _num(value) -> str:
    value = Decimal(str(value))
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}".rstrip("0")


def mapping_text(indicator: Indicator, unit: str = "") -> str:
    """How a value becomes points, in Chinese: “60%及以下0分，100%满分，之间按比例” or the bands."""
    if indicator.method == Method.MANUAL:
        return "工委按评分标准录入分数"
    if indicator.method == Method.VETO:
        cap = dict(Tier.choices).get(indicator.tier_cap, "—")
        how = "数据大于0即否决" if indicator.metric_key else "工委录入即否决"
        return f"{how}，等次最高为“{cap}”"
    if indicator.method == Method.BONUS:
        return "按数据值加分，不超过上限" if indicator.metric_key else "工委录入加分，不超过上限"
    if indicator.method == Method.DEDUCTION:
        if indicator.metric_key and indicator.per_unit:
            return f"每1{unit or '个'}扣{_num(indicator.per_unit)}分，不超过上限"
        return "工委录入扣分，不超过上限"
    if indicator.mapping == Mapping.BANDS:
        bands = sorted(indicator.bands or (), key=lambda b: Decimal(str(b[0])), reverse=True)
        parts = [f"达到{_num(bound)}{unit}得{_num(points)}分" for bound, points in bands]
        return "；".join(parts) + "；其余0分" if parts else "未设分档"
    floor = indicator.floor if indicator.floor is not None else Decimal(0)
    target = indicator.target if indicator.target is not None else Decimal(100)
    if floor < target:
        return f"{_num(floor)}{unit}及以下0分，{_num(target)}{unit}满分，之间按比例"
    return f"{_num(floor)}{unit}及以上0分，{_num(target)}{unit}及以下满分，之间按比例"


@dataclass
class LookGroup:
    look: str
    label: str
    indicators: list = field(default_factory=list)
    points: Decimal = Decimal(0)


@dataclass
class SystemView:
    system: IndicatorSystem
    looks: list[LookGroup]
    adjustments: list  # bonus, deduction and veto indicators
    base_total: Decimal
    in_force: bool

    @property
    def base_ok(self) -> bool:
        return self.base_total == BASE_TOTAL


def system_view(system: IndicatorSystem) -> SystemView:
    """The four looks with their indicators explained, the adjustments, the base total (auto + manual)."""
    groups = {value: LookGroup(value, label) for value, label in Look.choices}
    adjustments = []
    for indicator in system.indicators.order_by("order", "id"):
        metric = None
        if indicator.metric_key:
            try:
                metric = metrics.get(indicator.metric_key)
            except KeyError:
                metric = None
        indicator.metric = metric
        indicator.metric_label = metric.label if metric else (indicator.metric_key or "")
        indicator.mapping_text = mapping_text(indicator, metric.unit if metric else "")
        indicator.missing_text = dict(MissingRule.choices)[indicator.missing_rule] if indicator.is_base else ""
        if indicator.method == Method.MANUAL:
            indicator.missing_text = dict(MissingRule.choices)[indicator.missing_rule]
        groups[indicator.look].indicators.append(indicator)
        if indicator.is_base:
            groups[indicator.look].points += indicator.max_points
        else:
            adjustments.append(indicator)
    looks = list(groups.values())
    return SystemView(
        system=system,
        looks=looks,
        adjustments=adjustments,
        base_total=sum((g.points for g in looks), Decimal(0)),
        in_force=in_force(system),
    )


def tier_rules(system: IndicatorSystem) -> list[str]:
    if system.tier_method == TierMethod.THRESHOLD:
        return [
            f"好：{_num(system.good_min)}分及以上",
            f"较好：{_num(system.fairly_good_min)}分及以上",
            f"一般：{_num(system.ordinary_min)}分及以上",
            f"差：{_num(system.ordinary_min)}分以下",
        ]
    rest = max(0, 100 - system.good_share - system.fairly_good_share - system.ordinary_share)
    return [
        f"好：排名前{system.good_share}%",
        f"较好：其后{system.fairly_good_share}%",
        f"一般：其后{system.ordinary_share}%",
        f"差：其余（约{rest}%）",
    ]


def metric_choices() -> list[tuple[str, str]]:
    return [(m.key, f"{m.label}（{m.unit}）") for m in metrics.all_metrics()]


def system_history(system: IndicatorSystem, *, limit: int = 50) -> list[dict]:
    """The system's own changes and its indicators' (deleted ones too), newest first: who, when, what."""
    rows = [{**row, "subject": "指标体系"} for row in history_rows(system, limit=limit)]
    indicator_history = Indicator.history.filter(system_id=system.pk).select_related("history_user")
    by_id: dict[int, list] = {}
    for record in indicator_history.order_by("id", "-history_date", "-history_id")[: limit * 10]:
        by_id.setdefault(record.id, []).append(record)
    labels = {f.name: str(f.verbose_name) for f in Indicator._meta.fields}
    for records in by_id.values():
        for newer, older in zip(records, [*records[1:], None], strict=False):
            changes = []
            if older is not None and newer.history_type == "~":
                changes = [labels.get(c.field, c.field) for c in newer.diff_against(older).changes]
            rows.append({"record": newer, "changes": changes, "subject": f"指标：{newer.name}"})
    rows.sort(key=lambda row: row["record"].history_date, reverse=True)
    return rows[:limit]


def systems_queryset() -> QuerySet[IndicatorSystem]:
    return IndicatorSystem.objects.prefetch_related("indicators")
