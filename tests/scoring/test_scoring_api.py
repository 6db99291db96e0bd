"""The scoring API by role: runs (the committee's every run, everyone else's published ones; POST and publish are
the committee's), results (published rows, and a unit's own rows in any run), lines and records (only where the
breakdown may be opened), and the schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.core.metrics import MetricRecord
from apps.scoring.models import RankingRun, UnitResult

from .test_results_factory import FAKE_METRIC, add_result, fake_metric, make_run, platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(side_a, side_b, committee_user):
    platform()
    draft = make_run(period="2026-Q2")
    published = make_run(period="2026-Q1", published=True)
    for run in (draft, published):
        add_result(run, side_a.unit, rank=1, total="90")
        add_result(run, side_b.unit, rank=2, total="80", tier="较好")
    return {"a": side_a, "b": side_b, "committee": committee_user, "draft": draft, "published": published}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- runs --------------------------------------------------------------------------------------------------------


def test_runs_are_scoped(world):
    assert _ids(api(world["committee"]).get("/api/scoring/runs/")) == {world["draft"].pk, world["published"].pk}
    for user in (world["a"].unit_secretary, world["a"].branch_secretary, world["a"].member_user):
        client = api(user)
        assert _ids(client.get("/api/scoring/runs/")) == {world["published"].pk}
        assert client.get(f"/api/scoring/runs/{world['draft'].pk}/").status_code == 404


def test_runs_filter_and_bad_parameters(world):
    client = api(world["committee"])
    assert _ids(client.get("/api/scoring/runs/", {"published": "no"})) == {world["draft"].pk}
    response = client.get("/api/scoring/runs/", {"status": "bogus"})
    assert response.status_code == 400


def test_only_the_committee_starts_a_run(world):
    before = RankingRun.objects.count()
    response = api(world["a"].unit_secretary).post("/api/scoring/runs/", {"period": "2026-Q1"}, format="json")
    assert response.status_code == 403 and "工委" in response.json()["detail"]
    assert RankingRun.objects.count() == before


@pytest.mark.parametrize(
    ("period", "message"),
    [("2024-Q2", "不评分、不排名"), ("2026-13", "月份"), ("abc", "期间格式"), ("2099", "尚未开始")],
)
def test_a_bad_period_is_400_in_chinese(world, period, message):
    before = RankingRun.objects.count()
    response = api(world["committee"]).post("/api/scoring/runs/", {"period": period}, format="json")
    assert response.status_code == 400
    assert message in str(response.json())
    assert RankingRun.objects.count() == before


def test_the_committee_starts_a_run(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world["committee"]).post("/api/scoring/runs/", {"period": "2026-Q1"}, format="json")
    assert response.status_code == 201
    run = RankingRun.objects.get(pk=response.json()["id"])
    assert run.period_key == "2026-Q1" and run.requested_by == world["committee"]


def test_publish_action(world):
    provisional = make_run(period="2026-Q3", provisional=True)
    committee = api(world["committee"])
    response = committee.post(f"/api/scoring/runs/{provisional.pk}/publish/")
    assert response.status_code == 400 and "临时排名不能发布" in str(response.json())
    assert api(world["a"].unit_secretary).post(f"/api/scoring/runs/{world['draft'].pk}/publish/").status_code in (
        403,
        404,
    )
    response = committee.post(f"/api/scoring/runs/{world['draft'].pk}/publish/")
    assert response.status_code == 200 and response.json()["is_published"] is True


# --- results, lines, records -------------------------------------------------------------------------------------


def _row(run, unit) -> UnitResult:
    return UnitResult.objects.get(run=run, unit=unit)


def test_results_of_a_draft_show_a_unit_only_its_own_row(world):
    a, b = world["a"], world["b"]
    client = api(a.unit_secretary)
    assert _ids(client.get("/api/scoring/results/", {"run": world["draft"].pk})) == {_row(world["draft"], a.unit).pk}
    published = _ids(client.get("/api/scoring/results/", {"run": world["published"].pk}))
    assert published == {_row(world["published"], a.unit).pk, _row(world["published"], b.unit).pk}
    rows = {r["unit"]: r for r in client.get("/api/scoring/results/", {"run": world["published"].pk}).json()["results"]}
    assert rows[a.unit.pk]["breakdown"] is True and rows[b.unit.pk]["breakdown"] is False
    member = api(a.member_user)
    assert _ids(member.get("/api/scoring/results/", {"run": world["draft"].pk})) == set()
    assert client.get("/api/scoring/results/", {"run": "x"}).status_code == 400


def test_lines_only_where_the_breakdown_opens(world):
    a, b = world["a"], world["b"]
    client = api(a.unit_secretary)
    own, other = _row(world["draft"], a.unit), _row(world["published"], b.unit)
    response = client.get(f"/api/scoring/results/{own.pk}/lines/")
    assert response.status_code == 200 and len(response.json()) == own.lines.count()
    assert {"indicator_name", "points", "max_points", "status"} <= set(response.json()[0])
    assert client.get(f"/api/scoring/results/{other.pk}/lines/").status_code == 404
    line = other.lines.first()
    assert client.get(f"/api/scoring/lines/{line.pk}/").status_code == 404
    assert client.get(f"/api/scoring/lines/{line.pk}/records/").status_code == 404
    assert api(a.member_user).get(f"/api/scoring/lines/{own.lines.first().pk}/").status_code == 404
    assert api(world["committee"]).get(f"/api/scoring/results/{other.pk}/lines/").status_code == 200


def test_records_of_a_line(world, monkeypatch):
    fake_metric(monkeypatch, [MetricRecord(label="履责报告", url="/discipline/reports/1/", note="按时")])
    own = _row(world["draft"], world["a"].unit)
    line = own.lines.filter(indicator__method="auto").first()
    type(line.indicator).objects.filter(pk=line.indicator_id).update(metric_key=FAKE_METRIC)
    body = api(world["a"].unit_secretary).get(f"/api/scoring/lines/{line.pk}/records/").json()
    assert body["metric_label"] == "测试数据指标" and body["count"] == 1
    assert body["results"][0] == {"label": "履责报告", "day": None, "url": "/discipline/reports/1/", "note": "按时"}


def test_schema_names_the_scoring_endpoints(world):
    response = api(world["committee"]).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/scoring/runs/",
        "/api/scoring/runs/{id}/publish/",
        "/api/scoring/results/",
        "/api/scoring/results/{id}/lines/",
        "/api/scoring/lines/{id}/records/",
    ):
        assert path in paths, path
