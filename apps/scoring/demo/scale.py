"""Scoring at scale (`manage.py seed_scale`): each year's indicator system and a few manual scores.

The indicator system of every year loaded comes from the defaults (`services.systems.system_for`). The
committee's points are entered per unit and year: 12345 hotline, 年度重点目标 and 安全稳定 for every unit
(lower for units behind), 表彰奖励 for a tenth of the units, 违规违纪 deductions for a few units behind, and a
veto (一票否决) for one unit in a hundred. No ranking run is made: the benchmarks time those.

Rows per preset: city 2,939 manual scores over three years; small a tenth, province about ten times.
"""

from __future__ import annotations

from decimal import Decimal

from apps.core.periods import Frequency
from apps.core.scale import ScaleContext
from apps.orgs.models import Unit, User

from ..models import Indicator, ManualScore, Method
from ..services.systems import system_for

NOTES = {
    "hotline-12345": "依据市12345热线年度通报",
    "annual-targets": "依据年度目标考核结果",
    "safety-stability": "依据安全生产和信访稳定情况通报",
}


def scale(context: ScaleContext) -> str:
    committee = User.objects.filter(user_permissions__codename="committee").first()
    unit_ids = list(Unit.objects.order_by("order", "id").values_list("pk", flat=True))
    rows = []
    with context.batch():
        for year in range(context.start.year, context.today.year + 1):
            system = system_for(year)
            for indicator in Indicator.objects.filter(system=system).exclude(method=Method.AUTO):
                for unit_id in unit_ids:
                    score = _points(context, indicator, unit_id, year)
                    if score is not None:
                        points, note = score
                        rows.append(
                            ManualScore(
                                indicator=indicator,
                                unit_id=unit_id,
                                period_kind=Frequency.YEAR,
                                period_key=str(year),
                                points=points,
                                note=note,
                                entered_by=committee,
                            )
                        )
                    if len(rows) >= 5000:
                        ManualScore.objects.bulk_create(rows)
                        context.written[ManualScore._meta.db_table] += len(rows)
                        rows = []
        ManualScore.objects.bulk_create(rows)
        context.written[ManualScore._meta.db_table] += len(rows)
    return f"指标体系 {context.years} 个年度，人工评分 {context.written[ManualScore._meta.db_table]} 条"


def _points(context: ScaleContext, indicator: Indicator, unit_id: int, year: int) -> tuple[Decimal, str] | None:
    rng = context.rng("scoring", indicator.code, unit_id, year)
    keen = context.diligence(unit_id)
    top = indicator.max_points
    if indicator.method == Method.MANUAL:
        share = min(1.0, max(0.3, keen + rng.gauss(0, 0.06)))
        return (top * Decimal(str(round(share, 2)))).quantize(Decimal("0.01")), NOTES.get(indicator.code, "工委评定")
    if indicator.method == Method.BONUS:
        if rng.random() < 0.1 + 0.1 * keen:
            return min(top, Decimal(rng.randint(1, 3))), "获评市级示范党支部"
        return None
    if indicator.method == Method.DEDUCTION and not indicator.metric_key:
        if keen < 0.72 and rng.random() < 0.3:
            return Decimal(rng.randint(1, 4)), "督查发现违规违纪问题"
        return None
    if indicator.method == Method.VETO and rng.random() < 0.01:
        return Decimal(0), "发生较大安全责任事故"
    return None
