"""Display helpers of the scoring pages (no queries): tier badges, rank arrows, a breakdown grouped by look,
what each line's points come from, the suggestions (提升建议), and the run / breakdown workbooks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.urls import reverse

from apps.core import excel
from apps.core.excel import Sheet
from apps.orgs.models.tree import UnitCategory

from .models import IndicatorResult, Look, Method, ResultStatus, UnitResult
from .ranking.inputs import spec_of
from .ranking.points import gap

#: Bootstrap colour of each tier's badge: 好 green, 较好 blue, 一般 amber, 差 red.
TIER_COLOURS = {"好": "success", "较好": "primary", "一般": "warning", "差": "danger"}
METHOD_LABELS = dict(Method.choices)
STATUS_LABELS = dict(ResultStatus.choices)
LOOK_LABELS = dict(Look.choices)
CATEGORY_LABELS = dict(UnitCategory.choices)


def tier_colour(tier: str) -> str:
    return TIER_COLOURS.get(tier, "secondary")


def rank_arrow(result: UnitResult) -> dict:
    """↑ n (up), ↓ n (down), — (same place or no previous published rank)."""
    change = result.rank_change
    if change is None:
        return {"symbol": "—", "css": "text-muted", "title": "无上期排名"}
    before = f"上期第{result.previous_rank}名"
    if change > 0:
        return {"symbol": f"↑{change}", "css": "text-success", "title": f"{before}，上升{change}位"}
    if change < 0:
        return {"symbol": f"↓{-change}", "css": "text-danger", "title": f"{before}，下降{-change}位"}
    return {"symbol": "—", "css": "text-muted", "title": f"与上期持平（{before}）"}


def ranking_rows(results: Iterable[UnitResult], *, own_unit_ids=frozenset(), linkable=None) -> list[dict]:
    """The ranking table's rows: each result with its arrow, badge colour, whether it is the user's own and whether
    its numbers open the breakdown (`linkable(result)`)."""
    return [
        {
            "r": r,
            "arrow": rank_arrow(r),
            "tier_colour": tier_colour(r.tier),
            "own": r.unit_id in own_unit_ids,
            "category": CATEGORY_LABELS.get(r.category, r.category),
            "href": reverse("scoring:unit_result", args=[r.pk]) if (linkable is None or linkable(r)) else "",
        }
        for r in results
    ]


def reweight_text(result: UnitResult) -> str:
    if result.reweight in (None, Decimal(1)):
        return ""
    return f"部分指标无数据不计入，其余指标按 ×{result.reweight.normalize():f} 折算"


def _d(text) -> str:
    """A stored number as people write it (90.00 → 90, 2.50 → 2.5)."""
    if text is None or text == "":
        return "—"
    return f"{Decimal(str(text)).normalize():f}"


def line_max(line: IndicatorResult) -> str:
    return _d((line.inputs or {}).get("max_points", line.indicator.max_points))


def line_name(line: IndicatorResult) -> str:
    return (line.inputs or {}).get("indicator") or line.indicator.name


def line_look(line: IndicatorResult) -> str:
    return (line.inputs or {}).get("look") or line.indicator.look


def line_method(line: IndicatorResult) -> str:
    return (line.inputs or {}).get("method") or line.indicator.method


def _spec(line: IndicatorResult):
    """The indicator as the engine reads it, with the maximum the run used (the snapshot)."""
    spec = spec_of(line.indicator)
    stored = (line.inputs or {}).get("max_points")
    return dataclasses.replace(spec, max_points=Decimal(stored)) if stored is not None else spec


def how_computed(line: IndicatorResult, *, metric_unit: str = "") -> str:
    """The mapping with the numbers: how this line's value became its points."""
    spec, data = _spec(line), line.inputs or {}
    value = "无数据" if line.value is None else f"{_d(line.value)}{metric_unit}"
    method = line_method(line)
    if line.status in (ResultStatus.MISSING_ZERO, ResultStatus.MISSING_EXCLUDED, ResultStatus.MISSING_FULL):
        return f"本期无数据：{STATUS_LABELS[line.status]}（得 {_d(line.points)} 分）。"
    if method == Method.AUTO:
        if spec.mapping == "bands":
            bands = "；".join(f"≥{_d(a)}{metric_unit} 得 {_d(b)} 分" for a, b in sorted(spec.bands, reverse=True))
            return f"分档换算：{bands}；未达最低档得0分。本单位 {value} → {_d(line.points)} 分。"
        floor = spec.floor if spec.floor is not None else Decimal(0)
        target = spec.target if spec.target is not None else Decimal(100)
        direction = "（数值越低越好）" if floor > target else ""
        return (
            f"线性换算{direction}：{_d(floor)}{metric_unit} 及以下得0分，达到 {_d(target)}{metric_unit} 得满分"
            f" {_d(spec.max_points)} 分，其间按比例。本单位 {value} → {_d(line.points)} 分。"
        )
    if method == Method.MANUAL:
        return f"工委评定 {_d(data.get('manual'))} 分（满分 {_d(spec.max_points)} 分）。"
    if method == Method.BONUS:
        return f"加分 {_d(line.points)} 分（上限 {_d(spec.max_points)} 分）。"
    if method == Method.DEDUCTION:
        if "entry" in data or not spec.metric_key:
            return f"工委录入扣分，扣 {_d(-line.points)} 分（上限 {_d(spec.max_points)} 分）。"
        per_unit = spec.per_unit if spec.per_unit is not None else Decimal(1)
        return (
            f"每 1{metric_unit} 扣 {_d(per_unit)} 分，最多扣 {_d(spec.max_points)} 分。"
            f"本单位 {value} → 扣 {_d(-line.points)} 分。"
        )
    cap = data.get("tier_cap", "差")
    if line.status == ResultStatus.VETOED:
        return f"触发一票否决：等次最高为“{cap}”。"
    return f"未触发一票否决（触发时等次最高为“{cap}”）。"


def suggestions(lines: Iterable[IndicatorResult], *, metric_units: dict | None = None) -> list[dict]:
    """提升建议: each auto indicator below full points, what it lacks and the points reaching its goal would add,
    the most points to gain first."""
    out = []
    metric_units = metric_units or {}
    for line in lines:
        if line_method(line) != Method.AUTO or line.status == ResultStatus.MISSING_EXCLUDED:
            continue
        found = gap(_spec(line), line.value, line.points)
        if found is None:
            continue
        unit = metric_units.get(line.indicator.metric_key, "")
        current = "无数据" if found["value"] is None else f"{_d(found['value'])}{unit}"
        goal = "—" if found["goal"] is None else f"{_d(found['goal'])}{unit}"
        out.append(
            {
                "line": line,
                "name": line_name(line),
                "current": current,
                "goal": goal,
                "adds": Decimal(found["adds"]),
                "text": f"{line_name(line)}：目前 {current}，达到 {goal} 可再得 {_d(found['adds'])} 分",
            }
        )
    out.sort(key=lambda s: (-s["adds"], s["line"].indicator.order, s["line"].pk or 0))
    return out


def breakdown(lines: Sequence[IndicatorResult]) -> list[dict]:
    """The lines under each look (base indicators), then the adjustments (加分、扣分、一票否决)."""
    groups = []
    for look, label in Look.choices:
        rows = [ln for ln in lines if line_method(ln) in (Method.AUTO, Method.MANUAL) and line_look(ln) == look]
        if rows:
            groups.append({"look": look, "label": label, "lines": rows})
    extra = [ln for ln in lines if line_method(ln) not in (Method.AUTO, Method.MANUAL)]
    if extra:
        groups.append({"look": "adjust", "label": "加分、扣分与一票否决", "lines": extra})
    return groups


# --- workbooks ---------------------------------------------------------------------------------------------------


def workbook_response(*, filename: str, sheets) -> HttpResponse:
    """A scoring download: every sheet with its column widths and a frozen header row."""
    return excel.workbook_response(filename=filename, sheets=sheets, freeze_header=True, fallback="scoring")


def ranking_sheet(results: Iterable[UnitResult]) -> Sheet:
    headers = ["排名", "上期排名", "单位", "类别", "类别内排名", "政治生态", "安全稳定", "诉求解决", "进位争先"]
    headers += ["加分", "扣分", "折算系数", "总分", "等次", "等次限定原因", "未评分原因"]
    widths = [6, 9, 28, 14, 10, 10, 10, 10, 10, 8, 8, 9, 9, 7, 30, 30]
    rows = (
        (
            r.rank,
            r.previous_rank,
            r.unit_name,
            CATEGORY_LABELS.get(r.category, r.category),
            r.category_rank,
            r.political,
            r.safety,
            r.demands,
            r.advance,
            r.bonus,
            r.deduction,
            r.reweight,
            r.total,
            r.tier,
            r.tier_cap_reason,
            r.not_scored_reason,
        )
        for r in results
    )
    return Sheet("排名", headers, rows, widths)


def lines_sheet(lines: Iterable[IndicatorResult], *, with_unit: bool = True) -> Sheet:
    headers = (["单位"] if with_unit else []) + ["维度", "指标", "评分方式", "数据值", "得分", "满分", "状态", "说明"]
    widths = ([28] if with_unit else []) + [12, 30, 14, 10, 8, 8, 16, 40]
    rows = (
        ([ln.unit_result.unit_name] if with_unit else [])
        + [
            LOOK_LABELS.get(line_look(ln), ""),
            line_name(ln),
            METHOD_LABELS.get(line_method(ln), ""),
            ln.value,
            ln.points,
            Decimal(line_max(ln)) if line_max(ln) != "—" else None,
            STATUS_LABELS.get(ln.status, ln.status),
            ln.inputs.get("note", ""),
        ]
        for ln in lines
    )
    return Sheet("指标明细", headers, rows, widths)
