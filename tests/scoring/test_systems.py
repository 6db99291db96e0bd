"""The indicator system: method rules, freezing, new versions, deletion, pages and the API, per role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.scoring.forms.systems import IndicatorForm
from apps.scoring.models import Indicator, IndicatorResult, IndicatorSystem, ManualScore, RankingRun, UnitResult
from apps.scoring.services import systems as services
from apps.scoring.services.systems import FROZEN, parse_bands

YEAR = 2025


@pytest.fixture
def system(db):
    return services.system_for(YEAR)


def fields(**over):
    base = {
        "look": "political",
        "code": "new-one",
        "name": "新指标",
        "method": "manual",
        "max_points": Decimal("5"),
        "order": 200,
        "description": "",
        "metric_key": "",
        "mapping": "linear",
        "floor": None,
        "target": None,
        "bands": [],
        "per_unit": None,
        "missing_rule": "zero",
        "tier_cap": "",
    }
    base.update(over)
    return base


def errors_of(exc_info) -> dict:
    return {k: " ".join(m for e in v for m in e.messages) for k, v in exc_info.value.error_dict.items()}


# --- method rules --------------------------------------------------------------------------------------


def test_manual_indicator_is_created_and_audited(committee_user, system):
    indicator = services.indicator_create(actor=committee_user, system=system, fields=fields())
    assert indicator.entered_by_hand
    record = indicator.history.first()
    assert record.history_type == "+" and record.history_user == committee_user


@pytest.mark.parametrize(
    ("over", "field", "text"),
    [
        ({"method": "auto"}, "metric_key", "须选择数据指标"),
        ({"method": "auto", "metric_key": "no.such"}, "metric_key", "不存在"),
        (
            {"method": "auto", "metric_key": "partylife.compliance_rate", "floor": Decimal(80), "target": Decimal(80)},
            "target",
            "下限与目标不能相同",
        ),
        ({"method": "auto", "metric_key": "partylife.compliance_rate", "mapping": "bands"}, "bands", "至少填写一档"),
        (
            {"method": "auto", "metric_key": "partylife.compliance_rate", "mapping": "bands", "bands": [[100, 9]]},
            "bands",
            "超过了指标分值",
        ),
        ({"method": "deduction", "metric_key": "partylife.compliance_rate"}, "per_unit", "每单位扣分"),
        ({"method": "deduction", "per_unit": Decimal(1)}, "metric_key", "请同时选择数据指标"),
        ({"method": "veto", "max_points": Decimal(0)}, "tier_cap", "否决后最高等次"),
        ({"tier_cap": "差"}, "tier_cap", "只有一票否决"),
        ({"max_points": Decimal(101)}, "max_points", "0 到 100"),
        ({"code": "hotline-12345"}, "code", "已被使用"),
    ],
)
def test_each_method_is_checked(committee_user, system, over, field, text):
    before = system.indicators.count()
    with pytest.raises(ValidationError) as exc:
        services.indicator_create(actor=committee_user, system=system, fields=fields(**over))
    assert text in errors_of(exc)[field]
    assert system.indicators.count() == before


def test_valid_methods_pass(committee_user, system):
    auto = services.indicator_create(
        actor=committee_user,
        system=system,
        fields=fields(
            code="a1", method="auto", metric_key="partylife.compliance_rate", mapping="bands", bands=[[100, 4], [80, 2]]
        ),
    )
    assert auto.bands == [[100, 4], [80, 2]]
    deduction = services.indicator_create(
        actor=committee_user,
        system=system,
        fields=fields(code="d1", method="deduction", metric_key="partylife.compliance_rate", per_unit=Decimal(1)),
    )
    assert not deduction.entered_by_hand
    by_hand = services.indicator_create(
        actor=committee_user, system=system, fields=fields(code="d2", method="deduction")
    )
    assert by_hand.entered_by_hand
    veto = services.indicator_create(
        actor=committee_user, system=system, fields=fields(code="v1", method="veto", tier_cap="一般")
    )
    assert veto.tier_cap == "一般"


def test_bands_typed_friendly_are_parsed():
    assert parse_bands("80:2，100：4") == [[100, 4], [80, 2]]
    assert parse_bands(" 95.5:3.5 ") == [[95.5, 3.5]]
    for bad in ("100-4", "abc:1", "100:4, 100:3", "nan:1"):
        with pytest.raises(ValueError):
            parse_bands(bad)


def test_form_reads_bands_and_says_what_is_wrong(system):
    data = {**{k: v for k, v in fields(method="auto").items() if v is not None}, "bands": "100:x"}
    data.update(metric_key="partylife.compliance_rate", mapping="bands")
    form = IndicatorForm(data=data)
    assert not form.is_valid()
    assert "不是数字" in form.errors["bands"][0]
    data["bands"] = "100:4, 80:2"
    form = IndicatorForm(data=data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["bands"] == [[100, 4], [80, 2]]


def test_only_the_committee_writes(side_a, system):
    with pytest.raises(PermissionDenied):
        services.indicator_create(actor=side_a.unit_secretary, system=system, fields=fields())
    with pytest.raises(PermissionDenied):
        services.system_new_version(actor=side_a.unit_secretary, system=system)


# --- frozen systems and versions --------------------------------------------------------------------------


def test_frozen_system_refuses_every_change_and_a_new_version_works(committee_user, system, side_a):
    indicator = system.indicators.get(code="hotline-12345")
    ManualScore.objects.create(
        indicator=indicator, unit=side_a.unit, period_kind="year", period_key=str(YEAR), points=3, note="依据"
    )
    system.frozen_at = timezone.now()
    system.save()
    for write in (
        lambda: services.indicator_create(actor=committee_user, system=system, fields=fields()),
        lambda: services.indicator_update(actor=committee_user, indicator=indicator, fields={"name": "改"}),
        lambda: services.indicator_delete(actor=committee_user, indicator=indicator),
        lambda: services.system_update(actor=committee_user, system=system, fields={"name": "改"}),
    ):
        with pytest.raises(ValidationError) as exc:
            write()
        assert FROZEN in exc.value.messages
    indicator.refresh_from_db()
    assert indicator.name != "改"

    new = services.system_new_version(actor=committee_user, system=system)
    assert (new.year, new.version, new.frozen) == (YEAR, 2, False)
    assert services.current_system(YEAR) == new
    assert new.indicators.count() == system.indicators.count()
    copied = ManualScore.objects.get(indicator__system=new)
    assert (copied.indicator.code, copied.points, copied.unit) == ("hotline-12345", 3, side_a.unit)
    changed = services.indicator_update(
        actor=committee_user, indicator=new.indicators.get(code="hotline-12345"), fields={"name": "改"}
    )
    assert changed.name == "改"


def test_delete_is_refused_when_a_run_used_the_indicator(committee_user, system, side_a):
    indicator = system.indicators.get(code="awards")
    run = RankingRun.objects.create(
        system=system,
        period_kind="year",
        period_key=str(YEAR),
        evaluated_on=dt.date(YEAR, 12, 31),
        provisional=False,
        status="done",
    )
    result = UnitResult.objects.create(run=run, unit=side_a.unit, unit_name="x", category="y")
    IndicatorResult.objects.create(unit_result=result, indicator=indicator, points=0, status="none")
    with pytest.raises(ValidationError) as exc:
        services.indicator_delete(actor=committee_user, indicator=indicator)
    assert "排名测算结果使用了该指标" in exc.value.messages[0]
    assert Indicator.objects.filter(pk=indicator.pk).exists()


def test_delete_page_confirms_then_deletes_with_history(committee_user, system, login):
    indicator = system.indicators.get(code="awards")
    client = login(committee_user)
    url = reverse("scoring:indicator_delete", args=[indicator.pk])
    page = client.get(url)
    assert "确定删除" in page.text
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    client.post(url)
    assert not Indicator.objects.filter(pk=indicator.pk).exists()
    history = client.get(reverse("scoring:system_history", args=[system.pk])).text
    assert "指标：表彰奖励加分" in history and "删除" in history


def test_delete_page_refuses_a_used_indicator(committee_user, system, side_a, login):
    indicator = system.indicators.get(code="hotline-12345")
    ManualScore.objects.create(
        indicator=indicator, unit=side_a.unit, period_kind="year", period_key=str(YEAR), points=3, note="依据"
    )
    response = login(committee_user).post(reverse("scoring:indicator_delete", args=[indicator.pk]))
    assert response.status_code == 400
    assert "已有人工评分记录" in response.text
    assert Indicator.objects.filter(pk=indicator.pk).exists()


# --- pages -----------------------------------------------------------------------------------------------


def test_pages_explain_the_system(committee_user, system, login):
    client = login(committee_user)
    listing = client.get(reverse("scoring:systems")).text
    assert "现行版本" in listing
    detail = client.get(reverse("scoring:system_detail", args=[system.pk])).text
    assert "60%及以下0分，100%满分，之间按比例" in detail
    assert "达到100%得4分" in detail
    assert "否决后最高" in detail
    assert "data-base-ok" in detail
    system.indicators.filter(code="awards").update(method="manual")
    detail = client.get(reverse("scoring:system_detail", args=[system.pk])).text
    assert "data-base-warning" in detail and "105" in detail


def test_frozen_system_is_marked_and_offers_a_new_version(committee_user, system, login):
    system.frozen_at = timezone.now()
    system.save()
    client = login(committee_user)
    assert "冻结：该年度终评排名已发布" in client.get(reverse("scoring:systems")).text
    detail = client.get(reverse("scoring:system_detail", args=[system.pk])).text
    assert "新建版本" in detail and reverse("scoring:indicator_new", args=[system.pk]) not in detail
    indicator = system.indicators.first()
    response = client.post(reverse("scoring:indicator_edit", args=[indicator.pk]), {"name": "x"})
    assert FROZEN in response.text
    client.post(reverse("scoring:system_new_version", args=[system.pk]))
    assert IndicatorSystem.objects.filter(year=YEAR, version=2).exists()


def test_edit_through_the_page_is_in_the_history(committee_user, system, login):
    client = login(committee_user)
    indicator = system.indicators.get(code="hotline-12345")
    form = IndicatorForm(instance=indicator)
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data.update(name="12345热线办结率（改）", max_points="12")
    response = client.post(reverse("scoring:indicator_edit", args=[indicator.pk]), data)
    assert response.status_code == 302, response.text
    history = client.get(reverse("scoring:system_history", args=[system.pk])).text
    assert "指标名称" in history and str(committee_user) in history


def test_new_year_is_created_from_the_list(committee_user, system, login):
    response = login(committee_user).post(reverse("scoring:systems"), {"year": YEAR + 3})
    created = IndicatorSystem.objects.get(year=YEAR + 3)
    assert response.status_code == 302 and created.indicators.count() == system.indicators.count()
    response = login(committee_user).post(reverse("scoring:systems"), {"year": "abc"})
    assert IndicatorSystem.objects.filter(year__gt=YEAR + 3).count() == 0


def test_unit_secretary_reads_but_cannot_write(side_a, system, login):
    client = login(side_a.unit_secretary)
    assert client.get(reverse("scoring:systems")).status_code == 200
    detail = client.get(reverse("scoring:system_detail", args=[system.pk]))
    assert detail.status_code == 200 and reverse("scoring:indicator_new", args=[system.pk]) not in detail.text
    assert client.get(reverse("scoring:system_history", args=[system.pk])).status_code == 200
    indicator = system.indicators.first()
    for url in (
        reverse("scoring:system_edit", args=[system.pk]),
        reverse("scoring:indicator_new", args=[system.pk]),
        reverse("scoring:indicator_edit", args=[indicator.pk]),
        reverse("scoring:indicator_delete", args=[indicator.pk]),
        reverse("scoring:system_new_version", args=[system.pk]),
    ):
        assert client.post(url, {"name": "x"}).status_code == 403
    assert client.post(reverse("scoring:systems"), {"year": 2030}).status_code == 403
    assert not IndicatorSystem.objects.filter(year=2030).exists()


def test_branch_secretary_cannot_open_the_pages(side_a, system, login):
    client = login(side_a.branch_secretary)
    assert client.get(reverse("scoring:systems")).status_code == 403


def test_api_lists_systems_with_indicators_for_everyone(side_a, system, login):
    client = login(side_a.member_user)
    data = client.get(f"/api/scoring/systems/?year={YEAR}").json()
    assert data["results"][0]["year"] == YEAR
    assert any(i["code"] == "hotline-12345" for i in data["results"][0]["indicators"])
    indicators = client.get(f"/api/scoring/indicators/?system={system.pk}&method=manual").json()
    assert {i["method"] for i in indicators["results"]} == {"manual"}
    assert client.post("/api/scoring/indicators/", {}).status_code == 405
    assert client.get("/api/scoring/indicators/?look=nope").status_code == 400
