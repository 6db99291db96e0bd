"""The scoring demo (演示数据·“四看”排名), the last record step of `manage.py seed_demo`.

Built on everything the other steps wrote (party life, study, discipline feed the metrics; the discipline
demo's yellow card takes points off 市发改委). It enters the committee's manual points (`points`) and makes a
year of ranking runs through the run service (`runs`): monthly finals, published quarterly finals, the
previous year's published final (which freezes that year's indicator system), and the provisional runs the
nightly beat leaves for the periods still going. The platform starts on the day the org step set
(1 October of last year), so every date follows from today.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

from apps.core import audit
from apps.core import demo as demo_registry
from apps.core.demo import DemoContext
from apps.core.models import Notification
from apps.core.periods import Frequency
from apps.orgs import demo_data
from apps.orgs.models import Unit, User
from apps.orgs.tree import judged_from_units, platform_start

from ..models import Indicator, IndicatorResult, IndicatorSystem, ManualScore, RankingRun, UnitResult
from ..services.systems import system_for
from .points import plan_points, units_of_city, write_points
from .runs import ended_periods, make_runs

__all__ = ["LABEL", "register", "reset", "seed"]

LABEL = "“四看”评价（人工评分、月度/季度/年度排名测算与发布）"


@audit.suppressed()  # demo rows are no one's writing: no entry per generated row
def seed(context: DemoContext) -> str:
    """Enter the manual points and make the runs for `context.today`; returns the summary line."""
    today = context.today
    start = platform_start()
    committee = User.objects.get(username=demo_data.COMMITTEE_USER)
    quarters = ended_periods(Frequency.QUARTER, start=start, today=today)
    years = ended_periods(Frequency.YEAR, start=start, today=today)
    systems = {year: system_for(year) for year in range(start.year, today.year + 1)}
    indicators = {
        year: dict(Indicator.objects.filter(system=system).values_list("code", "pk"))
        for year, system in systems.items()
    }
    unit_ids = list(Unit.objects.filter(active=True).values_list("pk", flat=True))
    units = units_of_city(judged_from_units(unit_ids))
    plan = plan_points(indicators=indicators, units=units, quarters=quarters, years=years, by=committee)
    written = write_points(plan)
    made = make_runs(start=start, today=today, actor=committee)
    frozen = "、".join(f"{p.year}年" for p in years)
    text = (
        f"人工评分 {written} 条（12345热线 {plan.hotline}、年度重点目标 {plan.targets}、安全稳定扣分 {plan.safety}、"
        f"表彰加分 {plan.awards}、违规违纪扣分 {plan.violations}、一票否决 1 条：{plan.vetoed}），"
        f"排名测算 {len(made.runs)} 次（月度 {made.count(Frequency.MONTH)}、季度 {made.count(Frequency.QUARTER)}、"
        f"年度 {made.count(Frequency.YEAR)}、进行中期间的临时排名 "
        f"{sum(1 for r in made.runs if r.provisional)}；已发布 {len(made.published)} 次"
        + (f"，{frozen}指标体系已冻结" if frozen else "")
        + "）"
    )
    if made.failed:
        text += f"；测算失败 {len(made.failed)} 次：{'；'.join(made.failed)}"
    return text


def present() -> str:
    runs = RankingRun.objects.count()
    return f"{runs} 次排名测算" if runs else ""


@audit.suppressed()  # demo rows are no one's writing: no entry per generated row
def reset() -> None:
    """Delete the runs and their snapshots, the manual points (with their history), the publication notices,
    and the indicator systems of other years than this one (made by the demo; this year's is default data)."""
    IndicatorResult.objects.all().delete()
    UnitResult.objects.all().delete()
    RankingRun.objects.all().delete()
    ManualScore.objects.all().delete()
    get_history_model_for_model(ManualScore).objects.all().delete()
    Notification.objects.filter(category="scoring", dedupe_key__startswith="scoring-published-").delete()
    year = timezone.localdate().year
    others = list(IndicatorSystem.objects.exclude(year=year).values_list("pk", flat=True))
    IndicatorSystem.objects.filter(pk__in=others).delete()
    get_history_model_for_model(Indicator).objects.filter(system_id__in=others).delete()
    get_history_model_for_model(IndicatorSystem).objects.filter(Q(id__in=others) | ~Q(year=year)).delete()
    IndicatorSystem.objects.filter(year=year).exclude(frozen_at=None).update(frozen_at=None)


def register() -> None:
    from . import scale

    demo_registry.register(
        demo_registry.DemoStep(
            app="scoring",
            label=LABEL,
            after=("partylife", "study", "discipline"),
            seed=seed,
            reset=reset,
            present=present,
            scale=scale.scale,
        )
    )
