"""Runs pages by role: the committee's list, start form, progress, publication and export; everyone else sees
published rankings only (drafts are 404 through every URL); query counts stay constant with the number of units."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.core.notifications import Notification
from apps.scoring.models import RankingRun, RunStatus, UnitResult
from apps.scoring.selectors.runs import default_period
from tests.orgs.factories import UnitFactory

from .test_results_factory import add_result, make_run, platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(side_a, side_b, committee_user):
    platform()
    draft = make_run(period="2026-Q2")
    add_result(draft, side_a.unit, rank=1, total="95")
    add_result(draft, side_b.unit, rank=2, total="80", tier="较好")
    published = make_run(period="2026-Q1", published=True, by=committee_user)
    add_result(published, side_a.unit, rank=2, total="85", tier="较好", previous_rank=1)
    add_result(published, side_b.unit, rank=1, total="91", previous_rank=2)
    return {"a": side_a, "b": side_b, "committee": committee_user, "draft": draft, "published": published}


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- the committee's list and start form ----------------------------------------------------------------------------


def test_runs_list_is_the_committees(world, login):
    response = login(world["committee"]).get(reverse("scoring:runs"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026年第2季度" in body and "2026年第1季度" in body
    assert 'name="period_kind"' in body and "发起测算" in body
    for user in (world["a"].unit_secretary, world["a"].branch_secretary, world["a"].member_user):
        assert login(user).get(reverse("scoring:runs")).status_code == 403


def test_runs_list_filters_and_reports_bad_parameters(world, login):
    client = login(world["committee"])
    page = client.get(reverse("scoring:runs"), {"published": "yes"}).context["page"]
    assert [r.pk for r in page] == [world["published"].pk]
    response = client.get(reverse("scoring:runs"), {"status": "nonsense", "year": "x"})
    assert response.status_code == 200
    assert len(response.context["filter_messages"]) == 2
    assert len(response.context["page"]) == 2  # the bad conditions are ignored


def test_run_start_before_platform_start_is_refused_in_chinese(world, login):
    before = RankingRun.objects.count()
    response = login(world["committee"]).post(
        reverse("scoring:run_start"), {"period_kind": "quarter", "period": "2024-Q4"}, follow=True
    )
    assert "不评分、不排名" in _messages(response)
    assert RankingRun.objects.count() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period_kind": "quarter", "period": "2026-Q9"}, "期间格式"),
        ({"period_kind": "month", "period": "2026-Q1"}, "不一致"),
        ({"period_kind": "quarter", "period": "20\x0026"}, "空字符"),
        ({"period_kind": "decade", "period": "2026"}, "选择一个有效的选项"),
    ],
)
def test_run_start_bad_input_changes_nothing(world, login, data, message):
    before = RankingRun.objects.count()
    response = login(world["committee"]).post(reverse("scoring:run_start"), data, follow=True)
    assert response.status_code == 200
    assert message in _messages(response)
    assert RankingRun.objects.count() == before


def test_run_start_is_the_committees(world, login):
    response = login(world["a"].unit_secretary).post(
        reverse("scoring:run_start"), {"period_kind": "quarter", "period": "2026-Q1"}
    )
    assert response.status_code == 403


def test_run_start_computes_and_shows_the_table(world, login, django_capture_on_commit_callbacks):
    period = default_period(today=timezone.localdate())
    client = login(world["committee"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:run_start"), {"period_kind": "quarter", "period": period.key})
    run = RankingRun.objects.get(period_key=period.key, trigger="manual", status=RunStatus.DONE)
    assert response.status_code == 302 and response.url == reverse("scoring:run_detail", args=[run.pk])
    page = client.get(response.url)
    body = page.content.decode()
    assert "data-ranking" in body and world["a"].unit.name in body and world["b"].unit.name in body
    assert 'hx-trigger="every 2s"' not in body


# --- progress ----------------------------------------------------------------------------------------------------


def test_status_polls_while_running_and_stops_when_done(world, login):
    client = login(world["committee"])
    running = make_run(period="2026-Q3", status=RunStatus.RUNNING)
    partial = client.get(reverse("scoring:run_status", args=[running.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in partial and "40%" in partial
    detail = client.get(reverse("scoring:run_detail", args=[running.pk])).content.decode()
    assert "progress-bar" in detail and "data-ranking" not in detail
    RankingRun.objects.filter(pk=running.pk).update(status=RunStatus.FAILED, error="ZeroDivisionError: boom")
    response = client.get(reverse("scoring:run_status", args=[running.pk]), headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.content.decode() and "boom" in response.content.decode()


# --- visibility --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["unit_secretary", "branch_secretary", "member_user"])
def test_drafts_are_invisible_to_everyone_but_the_committee(world, login, role):
    client = login(getattr(world["a"], role))
    draft = world["draft"]
    for name in ("scoring:run_detail", "scoring:run_status", "scoring:run_export"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404, name
    assert client.get(reverse("scoring:run_publish", args=[draft.pk])).status_code == 403
    response = client.get(reverse("scoring:rankings"), {"run": draft.pk})
    assert response.context["run"] == world["published"]
    assert response.context["form_errors"]
    assert "2026年第2季度" not in response.content.decode()


def test_rankings_show_the_published_table_with_the_own_row_highlighted(world, login):
    a, b = world["a"], world["b"]
    response = login(a.unit_secretary).get(reverse("scoring:rankings"))
    assert response.status_code == 200
    body = response.content.decode()
    own = UnitResult.objects.get(run=world["published"], unit=a.unit)
    other = UnitResult.objects.get(run=world["published"], unit=b.unit)
    assert f'data-result="{own.pk}" class="table-warning scoring-own" data-own' in body
    assert reverse("scoring:unit_result", args=[own.pk]) in body
    assert reverse("scoring:unit_result", args=[other.pk]) not in body  # another unit's breakdown is not offered
    assert "↓1" in body and "↑1" in body
    assert 'text-bg-primary" data-tier>较好' in body


def test_rankings_filter_by_tier(world, login):
    response = login(world["committee"]).get(reverse("scoring:rankings"), {"tier": "好"})
    assert [row["r"].unit_id for row in response.context["rows"]] == [world["b"].unit.pk]


def test_rankings_without_any_published_run(side_a, login):
    response = login(side_a.unit_secretary).get(reverse("scoring:rankings"))
    assert response.status_code == 200 and "尚未发布任何排名" in response.content.decode()


# --- publication -------------------------------------------------------------------------------------------------


def test_publish_through_the_confirmation(world, login):
    client = login(world["committee"])
    draft = world["draft"]
    page = client.get(reverse("scoring:run_publish", args=[draft.pk]))
    assert page.status_code == 200 and "确认发布" in page.content.decode()
    response = client.post(reverse("scoring:run_publish", args=[draft.pk]), follow=True)
    assert "已发布" in _messages(response)
    draft.refresh_from_db()
    assert draft.is_published
    assert Notification.objects.filter(user=world["a"].unit_secretary).exists()
    # now everyone sees it
    assert login(world["b"].member_user).get(reverse("scoring:run_detail", args=[draft.pk])).status_code == 200


def test_a_provisional_run_is_refused(world, login):
    provisional = make_run(period="2026-Q3", provisional=True)
    client = login(world["committee"])
    assert "data-publish" not in client.get(reverse("scoring:run_detail", args=[provisional.pk])).content.decode()
    response = client.post(reverse("scoring:run_publish", args=[provisional.pk]), follow=True)
    assert "临时排名不能发布" in _messages(response)
    provisional.refresh_from_db()
    assert not provisional.is_published


def test_only_the_committee_publishes(world, login):
    response = login(world["a"].unit_secretary).post(reverse("scoring:run_publish", args=[world["draft"].pk]))
    assert response.status_code == 403
    world["draft"].refresh_from_db()
    assert not world["draft"].is_published


# --- export ------------------------------------------------------------------------------------------------------


def _workbook(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def test_run_export_has_the_ranking_and_the_indicator_sheets(world, login):
    wb = _workbook(login(world["committee"]).get(reverse("scoring:run_export", args=[world["draft"].pk])))
    assert wb.sheetnames == ["排名", "指标明细"]
    ranking, lines = wb["排名"], wb["指标明细"]
    assert ranking.freeze_panes == "A2" and lines.freeze_panes == "A2"
    assert ranking.column_dimensions["C"].width > 20
    assert ranking["A1"].value == "排名" and ranking["C2"].value == world["a"].unit.name
    units = {row[0] for row in lines.iter_rows(min_row=2, values_only=True)}
    assert units == {world["a"].unit.name, world["b"].unit.name}


def test_a_units_export_of_a_published_run_holds_only_its_own_lines(world, login):
    response = login(world["a"].unit_secretary).get(reverse("scoring:run_export", args=[world["published"].pk]))
    wb = _workbook(response)
    assert {row[2] for row in wb["排名"].iter_rows(min_row=2, values_only=True)} == {
        world["a"].unit.name,
        world["b"].unit.name,
    }
    assert {row[0] for row in wb["指标明细"].iter_rows(min_row=2, values_only=True)} == {world["a"].unit.name}


# --- query counts ------------------------------------------------------------------------------------------------


def _grow(run, n):
    def grow():
        for i in range(n):
            add_result(run, UnitFactory(), rank=10 + i, total="70", tier="一般", lines=False)

    return grow


def test_run_detail_queries_do_not_grow_with_units(world, login, assert_constant_queries):
    client = login(world["committee"])
    add_result(world["draft"], UnitFactory(), rank=3, total="70", tier="一般", lines=False)
    url = reverse("scoring:run_detail", args=[world["draft"].pk])
    response = assert_constant_queries(lambda: client.get(url), grow=_grow(world["draft"], 27), expected=10)
    assert len(response.context["rows"]) == 30


def test_rankings_queries_do_not_grow_with_units(world, login, assert_constant_queries):
    client = login(world["a"].unit_secretary)
    add_result(world["published"], UnitFactory(), rank=3, total="70", tier="一般", lines=False)
    url = reverse("scoring:rankings")
    response = assert_constant_queries(lambda: client.get(url), grow=_grow(world["published"], 27), expected=11)
    assert len(response.context["rows"]) == 30
