"""The demo city's year of rankings (演示数据·“四看”排名): published quarters with ranks that move, the previous
year's published final freezing its system, provisional runs for the periods still going, manual points with a
veto, 市发改委 at the bottom, and a reset that leaves nothing and seeds the same again."""

import re

import pytest
from django.utils import timezone

from apps.core.demo import DemoContext
from apps.orgs import demo_data
from apps.scoring import demo
from apps.scoring.models import IndicatorSystem, ManualScore, RankingRun, RunStatus, UnitResult
from tests.demo_city import demo_city


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """Seed the whole demo once for this module (committed), and remove it again afterwards; the output."""
    with demo_city(django_db_blocker) as (out, _root):
        yield out


@pytest.fixture
def seeded(city, db) -> str:
    return city


def clause(out: str) -> str:
    return re.search(r"人工评分 \d+ 条.*?已发布 \d+ 次[^）]*）", out)[0]


def fingerprint():
    return list(
        UnitResult.objects.order_by("run__period_key", "run__evaluated_on", "unit__name").values_list(
            "run__period_key", "run__provisional", "unit__name", "total", "rank", "tier", "tier_cap_reason"
        )
    )


def test_quarters_and_the_previous_year_are_published_and_all_runs_done(seeded):
    today = timezone.localdate()
    assert clause(seeded)
    runs = RankingRun.objects.all()
    assert 5 <= runs.count() <= 20 and set(runs.values_list("status", flat=True)) == {RunStatus.DONE}
    published = runs.exclude(published_at=None)
    ended_quarters = runs.filter(period_kind="quarter", provisional=False)
    assert ended_quarters.exists() and set(published.filter(period_kind="quarter")) == set(ended_quarters)
    year = published.get(period_kind="year")
    assert year.period_key == str(today.year - 1) and not year.provisional
    assert IndicatorSystem.objects.get(year=today.year - 1).frozen
    assert not IndicatorSystem.objects.filter(year=today.year).exclude(frozen_at=None).exists()
    assert not published.filter(provisional=True).exists() and not published.filter(period_kind="month").exists()
    assert runs.filter(provisional=True, period_key=str(today.year)).exists()  # the year still going
    assert all(r.published_at <= timezone.now() and r.finished_at <= timezone.now() for r in published)
    assert demo.present() == f"{runs.count()} 次排名测算"


def test_ranks_move_between_quarters_and_the_weak_unit_is_at_the_bottom(seeded):
    quarters = list(RankingRun.objects.filter(period_kind="quarter", provisional=False).order_by("period_key"))
    latest = quarters[-1]
    rows = UnitResult.objects.filter(run=latest, scored=True)
    weak = rows.get(unit__name=demo_data.DEMO_UNIT_2)
    assert weak.tier == "差" and weak.rank >= rows.count() - 2
    if len(quarters) > 1:
        assert rows.filter(previous_rank__isnull=False).exists()
        assert any(r.rank_change for r in rows if r.previous_rank is not None)  # somebody moved


def test_manual_points_and_one_veto_applied(seeded):
    codes = set(ManualScore.objects.values_list("indicator__code", flat=True))
    assert {"hotline-12345", "annual-targets", "safety-stability", "awards", "violations", "veto"} <= codes
    veto = ManualScore.objects.get(indicator__code="veto")
    assert veto.note and veto.period_kind == "quarter"
    quarter_run = RankingRun.objects.get(period_key=veto.period_key, provisional=False, period_kind="quarter")
    row = UnitResult.objects.get(run=quarter_run, unit=veto.unit)
    assert row.tier == "一般" and "一票否决" in row.tier_cap_reason and row.tier_by_score in ("好", "较好")
    hotline = ManualScore.objects.filter(indicator__code="hotline-12345", period_kind="quarter")
    assert len(set(hotline.values_list("points", flat=True))) > 4  # a realistic spread
    weak = hotline.filter(unit__name=demo_data.DEMO_UNIT_2).values_list("points", flat=True)
    assert max(weak) < min(hotline.exclude(unit__name=demo_data.DEMO_UNIT_2).values_list("points", flat=True)) + 3


def test_a_unit_joined_this_year_is_not_scored_in_last_year(seeded):
    row = UnitResult.objects.get(run__period_key=str(timezone.localdate().year - 1), unit__name=demo_data.JOINED_UNIT)
    assert not row.scored and row.rank is None


def test_reset_leaves_nothing_and_seeding_again_gives_the_same_rankings(seeded):
    first, before = clause(seeded), fingerprint()
    demo.reset()
    assert not RankingRun.objects.exists() and not ManualScore.objects.exists() and not UnitResult.objects.exists()
    assert demo.present() == ""
    assert not IndicatorSystem.objects.exclude(year=timezone.localdate().year).exists()
    assert clause(demo.seed(DemoContext(today=timezone.localdate(), now=timezone.now()))) == first
    assert fingerprint() == before
