"""The ranking engine on small hand-computed cities: `compute(Inputs)` is pure (no database), then one run through
the run service with a real 红牌 from the discipline app capping a unit through the core registry.

Every expected number is written out by hand below, with its arithmetic."""

import datetime as dt
from decimal import Decimal as D

import pytest

from apps.core.periods import Period
from apps.discipline.models import Card
from apps.scoring.models import Indicator, IndicatorResult, IndicatorSystem, ManualScore, RunStatus, UnitResult
from apps.scoring.ranking.compute import Inputs, ManualInput, TierRules, UnitInput, competition_ranks, compute
from apps.scoring.ranking.points import Spec
from apps.scoring.services.runs import run_execute, run_request
from tests.orgs.factories import UnitFactory

START = dt.date(2026, 1, 1)
Q1_END = dt.date(2026, 3, 31)
GOV, PARTY = "政府工作部门", "党群部门"

# The base: an auto indicator (40 points, 0 → 100 linear) and a manual one (60 points) = 100.
AUTO = Spec(id=1, code="auto", name="落实率", look="political", method="auto", max_points=D(40), metric_key="m.rate")
MANUAL = Spec(id=2, code="manual", name="热线", look="demands", method="manual", max_points=D(60))
BONUS = Spec(id=3, code="bonus", name="表彰", look="advance", method="bonus", max_points=D(5))
DEDUCT = Spec(id=4, code="deduct", name="违纪", look="political", method="deduction", max_points=D(10))
CARDS = Spec(
    id=5, code="cards", name="黄红牌", look="political", method="deduction", max_points=D(15), metric_key="m.cards"
)
VETO = Spec(id=6, code="veto", name="否决事项", look="safety", method="veto", max_points=D(0), tier_cap="一般")


def unit(pk: int, category: str = GOV, judged_from: dt.date = START) -> UnitInput:
    return UnitInput(id=pk, name=f"单位{pk}", category=category, judged_from=judged_from)


def make(units, *, specs=(AUTO, MANUAL), rate=None, manual=None, tiers=None, caps=None, metrics=None) -> Inputs:
    """A city: `rate` {unit: value of m.rate}, `manual` {(spec id, unit): points}."""
    return Inputs(
        period_key="2026-Q1",
        period_end=Q1_END,
        evaluated_on=Q1_END,
        system_id=1,
        tiers=tiers or TierRules(),
        specs=list(specs),
        units=list(units),
        metrics={"m.rate": {u: D(v) for u, v in (rate or {}).items()}, **(metrics or {})},
        manual={
            key: ManualInput(points=D(p), note="依据", period_key="2026-Q1", entry_id=n)
            for n, (key, p) in enumerate((manual or {}).items(), start=1)
        },
        caps=caps or {},
    )


def by_unit(scores):
    return {s.unit.id: s for s in scores}


# --- ranks ----------


def test_ties_share_a_rank_and_the_next_rank_skips_overall_and_within_category():
    inputs = make(
        [unit(1), unit(2), unit(3), unit(4, PARTY), unit(5, PARTY)],
        # u1: 40 × 75% = 30 + 60 = 90 | u2: 40 × 50% = 20 + 60 = 80 | u3: 40 × 75% = 30 + 50 = 80
        # u4: 0 + 60 = 60 | u5: 40 × 49.975% = 19.99 + 40 = 59.99
        rate={1: 75, 2: 50, 3: 75, 4: 0, 5: "49.975"},
        manual={(2, 1): 60, (2, 2): 60, (2, 3): 50, (2, 4): 60, (2, 5): 40},
    )
    s = by_unit(compute(inputs))
    assert [s[i].total for i in (1, 2, 3, 4, 5)] == [D("90.00"), D("80.00"), D("80.00"), D("60.00"), D("59.99")]
    assert [s[i].rank for i in (1, 2, 3, 4, 5)] == [1, 2, 2, 4, 5]  # 1, 2, 2, 4
    assert [s[i].category_rank for i in (1, 2, 3)] == [1, 2, 2]  # 政府工作部门
    assert [s[i].category_rank for i in (4, 5)] == [1, 2]  # 党群部门
    # the looks: u3's 30 political (auto) and 50 demands (manual)
    assert s[3].looks == {"political": D("30.00"), "safety": D(0), "demands": D("50"), "advance": D(0)}
    # thresholds 90 / 80 / 60: exactly on the line is the higher tier
    assert [s[i].tier for i in (1, 2, 3, 4, 5)] == ["好", "较好", "较好", "一般", "差"]
    assert [x.unit.id for x in compute(inputs)] == [1, 2, 3, 4, 5]  # in rank order (ties by id)


def test_competition_ranks():
    assert competition_ranks([(1, D(5)), (2, D(9)), (3, D(9)), (4, D(1)), (5, D(9))]) == {2: 1, 3: 1, 5: 1, 1: 4, 4: 5}


@pytest.mark.parametrize(
    ("total", "tier"),
    [("90", "好"), ("89.99", "较好"), ("80", "较好"), ("79.99", "一般"), ("60", "一般"), ("59.99", "差"), ("0", "差")],
)
def test_tier_boundaries(total, tier):
    only_manual = Spec(id=2, code="m", name="人工", look="demands", method="manual", max_points=D(100))
    [score] = compute(make([unit(1)], specs=[only_manual], manual={(2, 1): total}))
    assert score.total == D(total) and score.tier == score.tier_by_score == tier


def test_tiers_by_proportion_follow_ranks_and_a_tie_shares_its_rank_tier():
    rules = TierRules(method="proportion", good_share=20, fairly_good_share=30, ordinary_share=40)
    only_manual = Spec(id=2, code="m", name="人工", look="demands", method="manual", max_points=D(100))
    # ten units, totals 100, 90, 90, 80, 70, 60, 50, 40, 30, 20 → ranks 1, 2, 2, 4, 5, …, 10
    # edges: 好 ≤ 10 × 20% = 2; 较好 ≤ 10 × 50% = 5; 一般 ≤ 10 × 90% = 9; then 差
    totals = [100, 90, 90, 80, 70, 60, 50, 40, 30, 20]
    inputs = make(
        [unit(i) for i in range(1, 11)],
        specs=[only_manual],
        manual={(2, i): t for i, t in enumerate(totals, start=1)},
        tiers=rules,
    )
    s = by_unit(compute(inputs))
    assert [s[i].rank for i in range(1, 11)] == [1, 2, 2, 4, 5, 6, 7, 8, 9, 10]
    assert [s[i].tier for i in range(1, 11)] == ["好"] * 3 + ["较好"] * 2 + ["一般"] * 4 + ["差"]


# --- bonus and deduction caps ----------


def test_bonus_and_deductions_are_capped_per_indicator():
    inputs = make(
        [unit(1), unit(2)],
        specs=[AUTO, MANUAL, BONUS, DEDUCT, CARDS],
        rate={1: 100, 2: 100},
        # u1: base 40 + 30 = 70; bonus 8 capped at 5; deduction 12 capped at 10; cards metric 4 × 1 = 4
        #     → 70 + 5 − 10 − 4 = 61
        # u2: base 40 + 30 = 70; bonus 2; cards 20 capped at 15 → 70 + 2 − 15 = 57
        manual={(2, 1): 30, (2, 2): 30, (3, 1): 8, (4, 1): 12, (3, 2): 2},
        metrics={"m.cards": {1: D(4), 2: D(20)}},
    )
    s = by_unit(compute(inputs))
    assert (s[1].bonus, s[1].deduction, s[1].total) == (D("5.00"), D("14.00"), D("61.00"))
    assert (s[2].bonus, s[2].deduction, s[2].total) == (D("2.00"), D("15.00"), D("57.00"))
    lines = {line.spec.code: line for line in s[1].lines}
    assert (lines["bonus"].value, lines["bonus"].points) == (D(8), D("5.00"))
    assert (lines["deduct"].value, lines["deduct"].points) == (D(12), D("-10.00"))  # lines are signed
    assert (lines["cards"].value, lines["cards"].points, lines["cards"].status) == (D(4), D("-4.00"), "scored")
    assert by_unit(compute(inputs))[2].rank == 2


def test_manual_points_above_the_max_count_as_the_max():
    [score] = compute(make([unit(1)], rate={1: 0}, manual={(2, 1): 75}))
    assert score.total == D("60.00")  # 0 + min(75, 60)


# --- missing values ----------


@pytest.mark.parametrize(
    ("rule", "status", "total", "reweight", "political", "demands"),
    [
        # x = 80% of 50 = 40; y missing; z = 15 of 20
        ("zero", "missing_zero", "55.00", "1", "40.00", "15"),  # 40 + 0 + 15
        ("full", "missing_full", "85.00", "1", "40.00", "15"),  # 40 + 30 + 15
        # y left out: 55 of 70, scaled by 100 / 70 = 1.4286 → 40 × 1.4286 = 57.144 → 57.14, 15 × 1.4286 = 21.43
        ("exclude", "missing_excluded", "78.57", "1.4286", "57.14", "21.43"),
    ],
)
def test_a_missing_value_under_each_rule(rule, status, total, reweight, political, demands):
    x = Spec(id=1, code="x", name="x", look="political", method="auto", max_points=D(50), metric_key="m.x")
    y = Spec(
        id=2, code="y", name="y", look="safety", method="auto", max_points=D(30), metric_key="m.y", missing_rule=rule
    )
    z = Spec(id=3, code="z", name="z", look="demands", method="manual", max_points=D(20))
    inputs = make([unit(1)], specs=[x, y, z], manual={(3, 1): 15}, metrics={"m.x": {1: D(80)}, "m.y": {}})
    [score] = compute(inputs)
    assert score.lines[1].status == status and score.lines[1].value is None
    assert (score.total, score.reweight) == (D(total), D(reweight))
    assert (score.looks["political"], score.looks["demands"]) == (D(political), D(demands))


def test_a_unit_with_every_base_indicator_excluded_is_not_scored():
    y = Spec(
        id=1,
        code="y",
        name="y",
        look="safety",
        method="auto",
        max_points=D(100),
        metric_key="m.y",
        missing_rule="exclude",
    )
    [score] = compute(make([unit(1)], specs=[y], metrics={"m.y": {}}))
    assert not score.scored and score.rank is None and score.tier == "" and "均无数据" in score.not_scored_reason


# --- caps ----------


def test_a_veto_caps_the_tier_without_touching_points():
    inputs = make(
        [unit(1), unit(2)],
        specs=[AUTO, MANUAL, VETO],
        rate={1: 100, 2: 100},
        manual={(2, 1): 55, (2, 2): 50, (6, 1): 0},  # u1: 40 + 55 = 95 with a veto; u2: 90
    )
    s = by_unit(compute(inputs))
    assert (s[1].total, s[1].rank, s[1].tier_by_score, s[1].tier) == (D("95.00"), 1, "好", "一般")
    assert s[1].tier_cap_reason == "一票否决：否决事项"
    assert s[1].lines[-1].status == "vetoed" and s[1].lines[-1].points == 0
    assert (s[2].tier, s[2].tier_cap_reason) == ("好", "")


def test_a_registered_cap_lowers_the_tier_and_never_raises_it():
    inputs = make(
        [unit(1), unit(2), unit(3)],
        specs=[AUTO, MANUAL, VETO],
        rate={1: 100, 2: 100, 3: 0},
        # u1: 95 with a 红牌 cap 较好 | u2: 95 with the cap and a veto (一般): the worse wins | u3: 0 + 50 = 50
        manual={(2, 1): 55, (2, 2): 55, (6, 2): 0, (2, 3): 50},
        caps={1: [("较好", "红牌有效期内")], 2: [("较好", "红牌有效期内")], 3: [("一般", "红牌有效期内")]},
    )
    s = by_unit(compute(inputs))
    assert (s[1].tier_by_score, s[1].tier, s[1].tier_cap_reason) == ("好", "较好", "红牌有效期内")
    assert s[2].tier == "一般" and set(s[2].tier_cap_reason.split("；")) == {"红牌有效期内", "一票否决：否决事项"}
    assert s[3].tier == "差"  # a cap of 一般 never lifts 差


# --- not scored ----------


def test_a_unit_judged_from_after_the_period_is_listed_not_scored():
    late = unit(3, judged_from=dt.date(2026, 4, 15))
    mid = unit(2, judged_from=dt.date(2026, 3, 31))  # judged from the period's last day: scored
    inputs = make([unit(1), mid, late], rate={1: 100, 2: 50, 3: 100}, manual={(2, 1): 60, (2, 2): 60, (2, 3): 60})
    scores = compute(inputs)
    assert [s.unit.id for s in scores] == [1, 2, 3]  # the unscored one last
    s = by_unit(scores)
    assert (s[1].rank, s[2].rank) == (1, 2)
    assert not s[3].scored and (s[3].total, s[3].rank, s[3].category_rank, s[3].tier) == (None, None, None, "")
    assert s[3].not_scored_reason == "自2026年04月15日起评价，本期不评分" and s[3].lines == []


def test_previous_ranks_are_carried_and_the_digest_fingerprints_the_inputs():
    inputs = make([unit(1), unit(2)], rate={1: 100, 2: 50}, manual={(2, 1): 60, (2, 2): 60})
    inputs.previous = {1: (2, D("70.00"))}
    s = by_unit(compute(inputs))
    assert (s[1].previous_rank, s[1].previous_total, s[2].previous_rank) == (2, D("70.00"), None)
    again = make([unit(1), unit(2)], rate={1: 100, 2: 50}, manual={(2, 1): 60, (2, 2): 60})
    again.previous = {1: (2, D("70.00"))}
    assert again.digest() == inputs.digest()
    again.metrics["m.rate"][2] = D(51)
    assert again.digest() != inputs.digest()


# --- the same rules through the database, with a real 红牌 ----------


@pytest.mark.django_db
def test_a_run_through_the_service_scores_ranks_and_caps_with_a_red_card():
    system = IndicatorSystem.objects.create(year=2026, version=99, name="测试体系")
    manual = Indicator.objects.create(
        system=system, look="demands", code="m", name="人工", method="manual", max_points=100
    )
    cards = Indicator.objects.create(
        system=system,
        look="political",
        code="cards",
        name="黄红牌扣分",
        method="deduction",
        max_points=15,
        metric_key="discipline.card_deduction",
        per_unit=1,
    )
    veto = Indicator.objects.create(
        system=system, look="safety", code="veto", name="一票否决事项", method="veto", max_points=0, tier_cap="一般"
    )
    u1, u2, u3, u5 = (UnitFactory(category=GOV) for _ in range(4))
    u4 = UnitFactory(category=PARTY, joined_on=dt.date(2026, 4, 15))  # joins after Q1: listed, not scored
    for u, points in ((u1, 95), (u2, 92), (u3, 85), (u4, 99), (u5, 88)):
        ManualScore.objects.create(indicator=manual, unit=u, period_kind="quarter", period_key="2026-Q1", points=points)
    ManualScore.objects.create(
        indicator=veto, unit=u5, period_kind="quarter", period_key="2026-Q1", points=0, note="事故"
    )
    # u1: a red card in force on 31 March: 10 points off and the tier capped at 一般 (the discipline registry)
    Card.objects.create(
        unit=u1,
        colour="red",
        reason="严重违纪",
        issued_on=dt.date(2026, 2, 1),
        deduction=10,
        caps_tier=True,
        tier_cap="一般",
    )
    # a yellow card issued after the quarter's end counts for nothing in Q1
    Card.objects.create(unit=u2, colour="yellow", reason="逾期", issued_on=dt.date(2026, 4, 2), deduction=3)

    run = run_request(period=Period.parse("2026-Q1"), today=dt.date(2026, 5, 1), enqueue=False)
    assert (run.system, run.evaluated_on, run.provisional) == (system, dt.date(2026, 3, 31), False)
    run = run_execute(run_id=run.pk)
    assert run.status == RunStatus.DONE and run.unit_count == 4 and len(run.digest) == 64

    rows = {r.unit_id: r for r in UnitResult.objects.filter(run=run)}
    # totals: u2 92 | u5 88 (veto) | u1 95 − 10 = 85 | u3 85 → ranks 1, 2, 3, 3
    expected = {u2: ("92.00", 1, "好", "好"), u5: ("88.00", 2, "较好", "一般"), u1: ("85.00", 3, "较好", "一般")}
    expected[u3] = ("85.00", 3, "较好", "较好")
    for u, (total, rank, by_score, tier) in expected.items():
        row = rows[u.pk]
        assert (row.total, row.rank, row.tier_by_score, row.tier) == (D(total), rank, by_score, tier), u.name
    assert rows[u1.pk].deduction == D(10) and "红牌" in rows[u1.pk].tier_cap_reason
    assert rows[u5.pk].tier_cap_reason == "一票否决：一票否决事项"
    assert [rows[u.pk].category_rank for u in (u2, u5, u1, u3)] == [1, 2, 3, 3]
    assert not rows[u4.pk].scored and rows[u4.pk].rank is None and rows[u4.pk].tier == ""
    line = IndicatorResult.objects.get(unit_result=rows[u1.pk], indicator=cards)
    assert (line.value, line.points, line.inputs["metric"]) == (D(10), D(-10), "discipline.card_deduction")
    assert IndicatorResult.objects.filter(unit_result__run=run).count() == 4 * 3  # scored units × indicators
