"""The demo city's manual points (演示数据·人工评分): what the committee would have entered by hand.

- 12345热线诉求办结率: every judged unit, every ended quarter (and a year figure for each ended year), from the
  unit's own standing plus a little noise per quarter, so ranks move; 市发改委 is weak.
- 年度重点目标完成情况: each judged unit, for each ended year, and its progress for each ended quarter.
- 安全生产与信访稳定: points taken off two units in the latest ended quarters (the rest have none: full marks).
- 表彰奖励加分: 示范党支部 for a few strong units (a quarter, and the ended year).
- 违规违纪问题扣分: 市发改委 in the latest ended quarter.
- 一票否决: one strong unit, one quarter, with its reason.

Each figure draws from a `random.Random` seeded by the unit's name and the period's key: the same city and
day always give the same points, and a new quarter never changes an earlier one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from simple_history.utils import bulk_create_with_history

from apps.core.periods import Period
from apps.orgs import demo_data
from apps.orgs.models import Branch, Unit

from ..models import ManualScore

CHANGE_REASON = "演示数据"
WEAK_UNIT = demo_data.DEMO_UNIT_2  # 市发改委: near the bottom every quarter
HALF = Decimal("0.5")


def half_points(value: float) -> Decimal:
    """Points as the committee writes them: to the half point."""
    return (Decimal(str(value)) / HALF).quantize(Decimal(1), rounding=ROUND_HALF_UP) * HALF


@dataclass(frozen=True)
class DemoUnit:
    id: int
    name: str
    judged_from: object  # dt.date
    standing: float  # 0..1: how well the unit does what it is asked


@dataclass
class Plan:
    """The manual points to write, and what the summary tells."""

    rows: list[ManualScore]
    hotline: int = 0
    targets: int = 0
    safety: int = 0
    awards: int = 0
    violations: int = 0
    vetoed: str = ""  # "单位 期间"


def standing(name: str) -> float:
    if name == WEAK_UNIT:
        return 0.42
    return random.Random(f"scoring-demo:{name}").uniform(0.70, 0.98)


def units_of_city(starts: dict[int, object]) -> list[DemoUnit]:
    rows = Unit.objects.filter(pk__in=list(starts)).order_by("order", "id").values_list("pk", "name")
    return [DemoUnit(id=pk, name=name, judged_from=starts[pk], standing=standing(name)) for pk, name in rows]


def _noisy(unit: DemoUnit, key: str, spread: float = 0.06) -> float:
    rng = random.Random(f"scoring-demo:{unit.name}:{key}")
    return max(0.0, min(1.0, unit.standing + rng.uniform(-spread, spread)))


def _first_branch_names(unit_ids: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for unit_id, name in (
        Branch.objects.filter(unit_id__in=unit_ids, dissolved_on=None)
        .order_by("unit_id", "order", "id")
        .values_list("unit_id", "name")
    ):
        names.setdefault(unit_id, name)
    return names


def plan_points(
    *, indicators: dict[int, dict[str, int]], units: list[DemoUnit], quarters: list[Period], years: list[Period], by
) -> Plan:
    """`indicators`: per year, the indicator id of each code in that year's system. Quarters and years: ended."""
    plan = Plan(rows=[])

    def add(period: Period, code: str, unit: DemoUnit, points: Decimal, note: str) -> None:
        plan.rows.append(
            ManualScore(
                indicator_id=indicators[period.year][code],
                unit_id=unit.id,
                period_kind=period.kind,
                period_key=period.key,
                points=points,
                note=note,
                entered_by=by,
            )
        )

    def judged(period: Period) -> list[DemoUnit]:
        return [u for u in units if u.judged_from <= period.end]

    # 12345 hotline: per quarter, and the year's figure (the mean of its quarters) for each ended year.
    by_year: dict[tuple[int, int], list[Decimal]] = {}
    for quarter in quarters:
        for unit in judged(quarter):
            share = _noisy(unit, quarter.key)
            points = half_points(12 * share)
            rate = Decimal(str(80 + 20 * share)).quantize(Decimal("0.1"))
            add(quarter, "hotline-12345", unit, points, f"{quarter.label}12345热线通报：诉求办结率{rate}%")
            by_year.setdefault((quarter.year, unit.id), []).append(points)
            plan.hotline += 1
    for year in years:
        for unit in judged(year):
            got = by_year.get((year.year, unit.id))
            if got:
                add(
                    year,
                    "hotline-12345",
                    unit,
                    half_points(float(sum(got) / len(got))),
                    f"{year.label}12345热线年度通报",
                )
                plan.hotline += 1
    # 年度重点目标: each ended year; and each ended quarter, the committee's assessment of progress so far
    # (a quarter's ranking reads its own entry before its year's).
    for year in years:
        for unit in judged(year):
            points = half_points(15 * _noisy(unit, f"targets-{year.key}", spread=0.08))
            add(year, "annual-targets", unit, points, f"{year.label}进位争先重点目标考核结果")
    for quarter in quarters:
        for unit in judged(quarter):
            points = half_points(15 * _noisy(unit, f"targets-{quarter.key}", spread=0.08))
            add(quarter, "annual-targets", unit, points, f"{quarter.label}重点目标推进情况评估")
            plan.targets += 1
    if not quarters:
        return plan
    latest, earlier = quarters[-1], quarters[-2] if len(quarters) > 1 else quarters[-1]
    strong = sorted(
        (u for u in judged(latest) if u.name not in (WEAK_UNIT, demo_data.DEMO_UNIT)), key=lambda u: -u.standing
    )
    middle = strong[len(strong) // 3 : 2 * len(strong) // 3]
    rng = random.Random("scoring-demo:incidents")
    # 安全生产 / 信访稳定: points off two middling units, and 市发改委.
    weak = [u for u in judged(latest) if u.name == WEAK_UNIT]
    incidents = [
        (earlier, "8", "发生一般生产安全事故1起，扣4分"),
        (latest, "9", "信访积案化解不及时，被市信访联席会议通报，扣3分"),
    ]
    for unit, (period, points, note) in zip(rng.sample(middle, min(2, len(middle))), incidents, strict=False):
        add(period, "safety-stability", unit, Decimal(points), note)
        plan.safety += 1
    for unit in weak:
        add(latest, "safety-stability", unit, Decimal("8"), "重复信访事项未按期化解，扣4分")
        plan.safety += 1
    # 违规违纪: 市发改委, the latest quarter.
    for unit in weak:
        add(latest, "violations", unit, Decimal("3"), "专项督查发现公务用车管理不规范问题，扣3分")
        plan.violations += 1
    # 表彰: 示范党支部 and 先进基层党组织 — 市财政局 and two strong units in the latest quarter (reaching 好),
    # two others in the quarter before and in each ended year.
    finance = [u for u in judged(latest) if u.name == demo_data.DEMO_UNIT]
    branch_names = _first_branch_names([u.id for u in [*finance, *strong[:5]]])

    def branch(unit: DemoUnit) -> str:
        return branch_names.get(unit.id, "机关党委")

    awards = [(latest, u, "3", f"{branch(u)}获评市直机关“示范党支部”") for u in finance]
    awards += [
        (latest, u, "5", f"{branch(u)}获评市直机关“示范党支部”（3分）；机关党委获评先进基层党组织（2分）")
        for u in strong[1:2]
    ]
    awards += [(latest, u, "2", f"{branch(u)}获评“四强”党支部") for u in strong[2:3]]
    awards += [(earlier, u, "2", f"{branch(u)}获评市直机关“示范党支部”") for u in strong[3:5]]
    awards += [
        (year, u, "3", f"{year.label}{branch(u)}获评先进基层党组织")
        for year in years
        for u in strong[3:5]
        if u.judged_from <= year.end
    ]
    for period, unit, points, note in awards:
        add(period, "awards", unit, Decimal(points), note)
        plan.awards += 1
    # 一票否决: the strongest unit, the quarter before the latest (it climbs back afterwards).
    top = strong[0]
    add(
        earlier,
        "veto",
        top,
        Decimal("0"),
        "发生较大生产安全责任事故1起，经工委研究，本季度实行一票否决，等次最高为“一般”",
    )
    plan.vetoed = f"{top.name}{earlier.label}"
    return plan


def write_points(plan: Plan) -> int:
    bulk_create_with_history(plan.rows, ManualScore, batch_size=500, default_change_reason=CHANGE_REASON)
    return len(plan.rows)
