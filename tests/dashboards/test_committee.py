"""The committee home reads stored ranking snapshots: the published ranking (or the latest run, labelled 临时),
the radar, trends, categories, the compliance heatmap and units falling behind — never the engine."""

import datetime as dt
import importlib
from unittest import mock

import pytest
from django.urls import reverse

from tests.dashboards.snapshots import add_result, make_run
from tests.orgs.factories import UnitFactory

pytestmark = pytest.mark.django_db

EMPTY = "尚无排名测算，请在“排名测算”中发起"


def engine_forbidden():
    """The whole city's compliance must not be computed on a request."""
    boom = mock.Mock(side_effect=AssertionError("the engine ran on the committee home"))
    return mock.patch.multiple(
        "apps.partylife.compliance.engine", evaluate_by_unit=boom, evaluate_units=boom
    ), mock.patch("apps.partylife.compliance.evaluate_by_unit", boom)


def test_empty_state_without_runs(login, committee_user):
    body = login(committee_user).get(reverse("home")).content.decode()
    assert EMPTY in body and 'data-board="empty"' in body
    assert "dashboard-data" not in body


def test_published_ranking_with_tiers_and_arrows(login, committee_user, side_a, side_b):
    published = make_run("2026-Q3", published=True)
    a = add_result(published, side_a.unit, total=92, rank=1, previous_rank=3)
    add_result(published, side_b.unit, total=55, rank=2, previous_rank=1)
    # A later run that is not published yet: the home still shows the published one.
    later = make_run("2026-Q4", provisional=True, evaluated_on=dt.date(2026, 11, 30))
    add_result(later, side_a.unit, total=10, rank=2)
    response = login(committee_user).get(reverse("home"))
    body = response.content.decode()
    assert response.context["board"].run == published
    assert "data-run-label>已发布" in body and "临时/未发布" not in body
    assert '<span class="tier-badge tier-good" data-tier="好">好</span>' in body
    assert '<span class="tier-badge tier-poor" data-tier="差">差</span>' in body
    assert 'class="rank-up" data-change="2"' in body and 'class="rank-down" data-change="-1"' in body
    assert reverse("scoring:unit_result", args=[a.pk]) in body
    assert reverse("dashboards:bigscreen") in body
    rows = response.context["board"].rows
    assert [r.unit_name for r in rows] == [side_a.unit.name, side_b.unit.name]
    headline = response.context["board"].headline
    assert headline["average"] == 73.5 and {t["name"]: t["value"] for t in headline["tiers"]}["差"] == 1


def test_falls_back_to_the_latest_run_labelled_provisional(login, committee_user, side_a):
    run = make_run("2026-Q4", provisional=True, evaluated_on=dt.date(2026, 11, 30))
    add_result(run, side_a.unit, total=85, rank=1)
    body = login(committee_user).get(reverse("home")).content.decode()
    assert "临时排名（临时/未发布）" in body and side_a.unit.name in body


def test_radar_trends_and_categories_from_the_snapshot(login, committee_user, side_a, side_b):
    for key, totals in (("2026-Q1", (80, 60)), ("2026-Q2", (90, 70))):
        run = make_run(key, published=True)
        add_result(run, side_a.unit, total=totals[0], rank=1)
        add_result(run, side_b.unit, total=totals[1], rank=2)
    board = login(committee_user).get(reverse("home")).context["board"]
    # Political is 40% of 90 = 36 out of the default system's political maximum.
    political_max = board.radar["maxima"][0]
    unit_a = next(u for u in board.radar["units"] if u["id"] == side_a.unit.pk)
    assert unit_a["values"][0] == round(min(36 * 100 / political_max, 100), 1)
    assert board.trends["periods"] == ["2026年第1季度", "2026年第2季度"]
    assert board.trends["categories"][0]["values"] == [70.0, 80.0]
    assert board.trends["units"][str(side_a.unit.pk)] == [80.0, 90.0]
    assert board.categories == [{"name": "政府工作部门", "avg": 80.0, "min": 70.0, "max": 90.0}]


def test_heatmap_reads_the_latest_monthly_run_of_each_month_without_the_engine(login, committee_user, side_a, side_b):
    january = make_run("2026-01")
    add_result(january, side_a.unit, total=70, rank=1, compliance=55)
    old_feb = make_run("2026-02", evaluated_on=dt.date(2026, 2, 20))
    add_result(old_feb, side_a.unit, total=70, rank=1, compliance=10)
    new_feb = make_run("2026-02", evaluated_on=dt.date(2026, 2, 28))
    add_result(new_feb, side_a.unit, total=70, rank=1, compliance=90)
    add_result(new_feb, side_b.unit, total=55, rank=2, compliance=40)
    march_so_far = make_run("2026-03", provisional=True, evaluated_on=dt.date(2026, 3, 10))
    add_result(march_so_far, side_a.unit, total=70, rank=1, compliance=100)  # a month still going: not shown
    quarter = make_run("2026-Q1", published=True)
    add_result(quarter, side_a.unit, total=70, rank=1, compliance=55)
    add_result(quarter, side_b.unit, total=55, rank=2, previous_rank=1, compliance=40)
    patch_engine, patch_package = engine_forbidden()
    with patch_engine, patch_package:
        response = login(committee_user).get(reverse("home"))
    assert response.status_code == 200
    heatmap = response.context["board"].heatmap.as_json()
    a, b = heatmap["units"].index(side_a.unit.name), heatmap["units"].index(side_b.unit.name)
    assert sorted(heatmap["cells"]) == sorted([[0, a, 55.0], [1, a, 90.0], [1, b, 40.0]])
    # The 大屏 keeps the lowest on average: B (40) before A (72.5); one unit kept is B alone.
    lowest = response.context["board"].heatmap.lowest(1).as_json()
    assert lowest["units"] == [side_b.unit.name] and lowest["cells"] == [[1, 0, 40.0]]
    behind = response.context["board"].behind
    assert [item["row"].unit_id for item in behind] == [side_b.unit.pk, side_a.unit.pk]  # 差 first
    assert behind[0]["reasons"] == ["等次为“差”", "排名下降1位", "组织生活落实率40%"]
    assert behind[1]["reasons"] == ["组织生活落实率55%"]


def test_a_province_home_shows_the_first_rows_and_the_lowest_units_of_the_heatmap(
    login, committee_user, side_a, side_b, monkeypatch
):
    home = importlib.import_module("apps.dashboards.views.home")  # the module: the package exports the view `home`
    monkeypatch.setattr(home, "HOME_RANKING_ROWS", 1)
    monkeypatch.setattr(home, "HOME_HEATMAP_UNITS", 1)
    run = make_run("2026-09", published=True)
    add_result(run, side_a.unit, total=90, rank=1, compliance=80)
    add_result(run, side_b.unit, total=50, rank=2, compliance=30)
    response = login(committee_user).get(reverse("home"))
    body = response.content.decode()
    assert [r.unit_name for r in response.context["ranking_rows"]] == [side_a.unit.name]
    assert f'data-unit="{side_a.unit.pk}"' in body and f'data-unit="{side_b.unit.pk}"' not in body
    assert "data-ranking-more>前 1 名；另有 1 个单位" in body and reverse("scoring:run_detail", args=[run.pk]) in body
    assert response.context["charts"]["heatmap"]["units"] == [side_b.unit.name]  # the lower of the two
    assert "落实率最低的 1 个单位 × 月份" in body
    assert len(response.context["board"].rows) == 2  # the figures still count every unit


def test_committee_home_query_count_is_constant(login, committee_user, assert_constant_queries):
    published = make_run("2026-Q3", published=True)
    month = make_run("2026-09")
    made = []

    def grow(n):
        for _ in range(n):
            unit = UnitFactory()
            rank = len(made) + 1
            made.append(unit)
            add_result(published, unit, total=100 - rank, rank=rank, previous_rank=rank + 1, compliance=50)
            add_result(month, unit, total=100 - rank, rank=rank, compliance=50)

    grow(3)
    client = login(committee_user)
    client.get(reverse("home"))
    response = assert_constant_queries(lambda: client.get(reverse("home")), grow=lambda: grow(27), expected=COMMITTEE)
    assert len(response.context["board"].rows) == 30 and len(response.context["board"].heatmap.units) == 30


# Session, user, scope (one query), bell, session save: 7; units with their member counts 1, roster 1;
# the board: published run 1, rows 1, look maxima 1, exclusions 1, trend 1, heatmap runs + lines 2, compliance 1.
COMMITTEE = 7 + 1 + 1 + (1 + 1 + 1 + 1 + 1 + 2 + 1)
