"""The 大屏 and its JSON: the committee's only, its own dark page, the shape the screen redraws from."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.dashboards.snapshots import add_result, make_run
from tests.orgs.factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["unit_secretary", "branch_secretary", "member_user"])
@pytest.mark.parametrize("name", ["dashboards:bigscreen", "dashboards:bigscreen_data"])
def test_only_the_committee(login, side_a, who, name):
    response = login(getattr(side_a, who)).get(reverse(name))
    assert response.status_code == 403
    assert "大屏仅供工委管理员使用" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("dashboards:bigscreen_data"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_has_no_navbar_and_vendored_assets_only(login, committee_user):
    body = login(committee_user).get(reverse("dashboards:bigscreen")).content.decode()
    assert 'class="bigscreen"' in body and "portal-navbar" not in body
    assert 'id="bigscreen-data"' in body and reverse("dashboards:bigscreen_data") in body
    assert "/static/vendor/echarts/echarts.min.js" in body and "/static/js/dashboards.js" in body
    assert "http://" not in body and "https://" not in body
    assert "<script>" not in body  # data via json_script only, no inline code


def test_data_without_runs(login, committee_user):
    data = login(committee_user).get(reverse("dashboards:bigscreen_data")).json()
    assert data["ready"] is False and data["message"] == "尚无排名测算，请在“排名测算”中发起"


def test_data_shape(login, committee_user):
    run = make_run("2026-Q3", published=True)
    units = [UnitFactory() for _ in range(12)]
    for i, unit in enumerate(units, start=1):
        add_result(run, unit, total=100 - i * 3, rank=i, previous_rank=i + 1 if i % 2 else None, compliance=80)
    month = make_run("2026-09", evaluated_on=dt.date(2026, 9, 30))
    add_result(month, units[0], total=90, rank=1, compliance=75)
    response = login(committee_user).get(reverse("dashboards:bigscreen_data"))
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["ready"] is True and data["period"] == "2026年第3季度" and data["label"] == "已发布"
    assert {"now", "as_of", "headline", "top", "bottom", "radar", "heatmap"} <= set(data)
    assert [r["rank"] for r in data["top"]] == list(range(1, 11))
    assert [r["rank"] for r in data["bottom"]] == [12, 11, 10, 9, 8]
    assert data["top"][0] == {"name": units[0].name, "rank": 1, "total": 97.0, "tier": "好", "change": 1}
    assert data["top"][1]["change"] is None
    assert [t["name"] for t in data["headline"]["tiers"]] == ["好", "较好", "一般", "差"]
    assert len(data["radar"]["average"]) == 4 and [i["name"] for i in data["radar"]["indicators"]][0] == "政治生态"
    assert data["heatmap"]["cells"] == [[8, 0, 75.0]] and data["heatmap"]["units"] == [units[0].name]
