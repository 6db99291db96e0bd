"""A unit's breakdown, its lines and their records, its export and 本单位得分: the committee's for every unit, a unit's
own secretaries' for their unit in any run (provisional and unpublished included), never another unit's."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.metrics import MetricRecord
from apps.scoring.models import Indicator, IndicatorResult, ManualScore, UnitResult

from .test_results_factory import FAKE_METRIC, add_result, fake_metric, line_inputs, make_run, platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(side_a, side_b, committee_user):
    platform()
    provisional = make_run(period="2026-Q3", provisional=True)
    return {
        "a": side_a,
        "b": side_b,
        "committee": committee_user,
        "run": provisional,
        "own": add_result(provisional, side_a.unit, rank=1, total="92"),
        "other": add_result(provisional, side_b.unit, rank=2, total="81", tier="较好"),
    }


def _line(result: UnitResult, code: str) -> IndicatorResult:
    return IndicatorResult.objects.get(unit_result=result, indicator__code=code)


# --- who opens what ----------------------------------------------------------------------------------------------


def test_a_unit_opens_its_own_breakdown_in_an_unpublished_provisional_run(world, login):
    response = login(world["a"].unit_secretary).get(reverse("scoring:unit_result", args=[world["own"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert world["a"].unit.name in body and "临时排名" in body and "未发布" in body


def test_another_units_breakdown_is_refused_everywhere(world, login):
    client = login(world["a"].unit_secretary)
    other = world["other"]
    line = other.lines.first()
    assert client.get(reverse("scoring:unit_result", args=[other.pk])).status_code == 404
    assert client.get(reverse("scoring:unit_result_export", args=[other.pk])).status_code == 404
    assert client.get(reverse("scoring:line_detail", args=[line.pk])).status_code == 404


@pytest.mark.parametrize("role", ["branch_secretary", "member_user"])
def test_branch_secretaries_and_members_open_no_breakdown(world, login, role):
    client = login(getattr(world["a"], role))
    own = world["own"]
    assert client.get(reverse("scoring:unit_result", args=[own.pk])).status_code == 403
    assert client.get(reverse("scoring:line_detail", args=[own.lines.first().pk])).status_code == 403
    assert client.get(reverse("scoring:my_score")).status_code == 403


def test_the_committee_opens_every_breakdown(world, login):
    client = login(world["committee"])
    for result in (world["own"], world["other"]):
        assert client.get(reverse("scoring:unit_result", args=[result.pk])).status_code == 200


# --- the breakdown's content -------------------------------------------------------------------------------------


@pytest.fixture
def hand_made(world):
    """A result whose lines say exactly what the page must explain."""
    system = world["run"].system
    run = make_run(period="2026-Q1")
    compliance = Indicator.objects.create(
        system=system, look="political", code="t-linear", name="测试线性指标", method="auto", max_points=10,
        metric_key=FAKE_METRIC, floor=60, target=100, order=1,
    )  # fmt: skip
    bands = Indicator.objects.create(
        system=system, look="advance", code="t-bands", name="测试分档指标", method="auto", max_points=6,
        metric_key=FAKE_METRIC, mapping="bands", bands=[[100, 6], [80, 3]], order=2,
    )  # fmt: skip
    full = Indicator.objects.create(
        system=system, look="safety", code="t-full", name="已满分指标", method="auto", max_points=4,
        metric_key=FAKE_METRIC, floor=0, target=100, order=3,
    )  # fmt: skip
    manual = Indicator.objects.create(
        system=system, look="demands", code="t-manual", name="热线办结", method="manual", max_points=12, order=4
    )
    entry = ManualScore.objects.create(
        indicator=manual, unit=world["a"].unit, period_kind="quarter", period_key="2026-Q1", points=9,
        note="办结率95%", entered_by=world["committee"],
        evidence=SimpleUploadedFile("hotline.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    )  # fmt: skip
    result = UnitResult.objects.create(
        run=run, unit=world["a"].unit, unit_name=world["a"].unit.name, category=world["a"].unit.category,
        political=Decimal("7.69"), safety=Decimal("6.15"), demands=Decimal("13.85"), advance=Decimal("4.62"),
        reweight=Decimal("1.5385"), total=Decimal("32.31"), rank=1, category_rank=1, tier="差", tier_by_score="差",
    )  # fmt: skip
    IndicatorResult.objects.bulk_create(
        [
            IndicatorResult(unit_result=result, indicator=compliance, value=Decimal("80"), points=Decimal("5"),
                            status="scored", inputs=line_inputs(compliance)),
            IndicatorResult(unit_result=result, indicator=bands, value=Decimal("85"), points=Decimal("3"),
                            status="scored", inputs=line_inputs(bands)),
            IndicatorResult(unit_result=result, indicator=full, value=Decimal("100"), points=Decimal("4"),
                            status="scored", inputs=line_inputs(full)),
            IndicatorResult(unit_result=result, indicator=manual, value=Decimal("9"), points=Decimal("9"),
                            status="scored", inputs=line_inputs(manual, manual="9", note="办结率95%（测算时）",
                                                                period="2026-Q1", entry=entry.pk)),
        ]
    )  # fmt: skip
    return {"result": result, "entry": entry}


def test_breakdown_shows_suggestions_ordered_by_points_to_gain(world, hand_made, login, monkeypatch):
    fake_metric(monkeypatch, [])
    response = login(world["a"].unit_secretary).get(reverse("scoring:unit_result", args=[hand_made["result"].pk]))
    suggestions = response.context["suggestions"]
    assert [(s["name"], s["adds"]) for s in suggestions] == [
        ("测试线性指标", Decimal("5")),
        ("测试分档指标", Decimal("3")),
    ]
    assert suggestions[0]["current"] == "80%" and suggestions[0]["goal"] == "100%"
    assert suggestions[1]["goal"] == "100%"  # the band with the most points
    body = response.content.decode()
    assert "提升建议" in body and "可再得 5 分" in body and "已满分指标" in body
    assert "部分指标无数据不计入，其余指标按 ×1.5385 折算" in body
    assert [g["label"] for g in response.context["groups"]] == ["政治生态", "安全稳定", "诉求解决", "进位争先"]
    assert "办结率95%（测算时）" in body  # the manual line's note, as it was


def test_an_indicator_changed_later_keeps_the_snapshot_name_and_max(world, hand_made, login, monkeypatch):
    fake_metric(monkeypatch, [])
    Indicator.objects.filter(code="t-linear").update(name="改名后的指标", max_points=20)
    response = login(world["committee"]).get(reverse("scoring:unit_result", args=[hand_made["result"].pk]))
    body = response.content.decode()
    assert "测试线性指标" in body and "改名后的指标" not in body
    assert response.context["suggestions"][0]["adds"] == Decimal("5")


def test_line_shows_the_mapping_and_the_records_behind_it(world, hand_made, login, monkeypatch):
    records = [MetricRecord(label=f"记录{i}", day=dt.date(2026, 3, 1), url=f"/x/{i}/", note="按时") for i in range(60)]
    fake_metric(monkeypatch, records)
    line = _line(hand_made["result"], "t-linear")
    response = login(world["a"].unit_secretary).get(reverse("scoring:line_detail", args=[line.pk]))
    body = response.content.decode()
    assert "线性换算" in body and "60% 及以下得0分" in body and "本单位 80% → 5 分" in body
    assert "测试数据指标" in body and "用于测试的指标" in body and "2026-03-31" in body
    assert body.count("data-record-link") == 50 and 'href="/x/0/"' in body  # paginated
    page2 = login(world["a"].unit_secretary).get(reverse("scoring:line_detail", args=[line.pk]), {"page": 2})
    assert page2.content.decode().count("data-record-link") == 10


def test_manual_line_shows_the_entry_and_its_evidence_link(world, hand_made, login, monkeypatch):
    fake_metric(monkeypatch, [])
    line = _line(hand_made["result"], "t-manual")
    body = login(world["a"].unit_secretary).get(reverse("scoring:line_detail", args=[line.pk])).content.decode()
    assert "工委评定 9 分（满分 12 分）" in body
    assert reverse("scoring:manual_evidence", args=[hand_made["entry"].pk]) in body
    assert world["committee"].get_full_name() in body or str(world["committee"]) in body


def test_breakdown_export(world, hand_made, login, monkeypatch):
    fake_metric(monkeypatch, [])
    response = login(world["a"].unit_secretary).get(
        reverse("scoring:unit_result_export", args=[hand_made["result"].pk])
    )
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["得分", "指标明细", "提升建议"]
    assert all(wb[name].freeze_panes == "A2" for name in wb.sheetnames)
    names = [row[1] for row in wb["指标明细"].iter_rows(min_row=2, values_only=True)]
    assert names == ["测试线性指标", "测试分档指标", "已满分指标", "热线办结"]
    assert [row[0] for row in wb["提升建议"].iter_rows(min_row=2, values_only=True)] == ["测试线性指标", "测试分档指标"]


# --- 本单位得分 ---------------------------------------------------------------------------------------------------


def test_my_score_redirects_the_committee(world, login):
    response = login(world["committee"]).get(reverse("scoring:my_score"))
    assert response.status_code == 302 and response.url == reverse("scoring:rankings")


def test_my_score_shows_the_latest_run_and_the_published_history(world, login):
    a = world["a"]
    q1 = make_run(period="2026-Q1", published=True)
    add_result(q1, a.unit, rank=3, total="80", tier="较好", lines=False)
    q2 = make_run(period="2026-Q2", published=True)
    add_result(q2, a.unit, rank=2, total="86", tier="较好", lines=False)
    response = login(a.unit_secretary).get(reverse("scoring:my_score"))
    assert response.status_code == 200
    assert response.context["latest"] == world["own"]  # the provisional Q3 run: where the unit stands now
    chart = response.context["chart"]
    assert chart == [
        {"period": "2026年第1季度", "total": 80.0, "rank": 3},
        {"period": "2026年第2季度", "total": 86.0, "rank": 2},
    ]
    body = response.content.decode()
    assert 'id="scoring-history-data"' in body and "echarts.min.js" in body and "js/scoring.js" in body
    assert json.loads(body.split('id="scoring-history-data" type="application/json">')[1].split("</script>")[0])
    assert world["b"].unit.name not in body
