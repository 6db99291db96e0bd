"""Sensitivity of rectifications and their files (DOMAIN §3): the committee and the owner unit's secretary only.

Unit B's secretary, unit A's branch secretary and A's members get 403/404 through the pages, the export,
the API and the file URLs, and nothing changes. The list pages' query counts are pinned.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.discipline.models import RectificationStatus as S
from tests.discipline.test_rectifications_support import finding, png, submitted

pytestmark = pytest.mark.django_db


def _xlsx_rows(response) -> list[tuple]:
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    return list(wb.worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def rect_a(committee_user, side_a, side_b):
    return submitted(committee_user, side_a, description="A局公车私用")


def test_the_owner_unit_and_the_committee_see_it(client, committee_user, side_a, rect_a):
    for user in (committee_user, side_a.unit_secretary):
        client.force_login(user)
        assert client.get(reverse("discipline:rectification_list")).content.decode().count("A局公车私用") == 1
        page = client.get(rect_a.get_absolute_url())
        assert page.status_code == 200 and "A局公车私用" in page.content.decode()
        attachment = rect_a.files.get()
        served = client.get(reverse("discipline:rectification_file", args=[attachment.pk]))
        assert served.status_code == 200 and served["Content-Type"] == "image/png"
        assert served["X-Content-Type-Options"] == "nosniff"
        rows = _xlsx_rows(client.get(reverse("discipline:rectification_export")))
        assert any("A局公车私用" in str(row) for row in rows[1:])
        api = client.get("/api/discipline/rectifications/").json()
        assert [r["id"] for r in api["results"]] == [rect_a.pk]


@pytest.mark.parametrize("who", ["branch_a", "member_a"])
def test_branch_secretaries_and_members_get_403_everywhere(client, side_a, rect_a, who):
    user = side_a.branch_secretary if who == "branch_a" else side_a.member_user
    client.force_login(user)
    attachment = rect_a.files.get()
    urls = [
        reverse("discipline:rectification_list"),
        reverse("discipline:rectification_export"),
        rect_a.get_absolute_url(),
        reverse("discipline:rectification_file", args=[attachment.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.get("/api/discipline/rectifications/").json()["results"] == []
    assert client.get(f"/api/discipline/rectifications/{rect_a.pk}/").status_code == 404
    assert client.get("/api/discipline/findings/").json()["results"] == []
    assert client.post(f"/api/discipline/rectifications/{rect_a.pk}/accept/").status_code in (403, 404)


def test_another_units_secretary_sees_nothing_and_changes_nothing(client, committee_user, side_a, side_b, rect_a):
    own = finding(committee_user, side_b.unit, description="B局自己的问题").rectification
    attachment = rect_a.files.get()
    client.force_login(side_b.unit_secretary)
    listing = client.get(reverse("discipline:rectification_list")).content.decode()
    assert "B局自己的问题" in listing and "A局公车私用" not in listing
    assert client.get(rect_a.get_absolute_url()).status_code == 404
    assert client.get(reverse("discipline:rectification_file", args=[attachment.pk])).status_code == 404
    rows = _xlsx_rows(client.get(reverse("discipline:rectification_export")))
    assert not any("A局公车私用" in str(row) for row in rows) and any("B局自己的问题" in str(r) for r in rows)
    # a filter naming unit A is "not a valid choice", not a probe
    probe = client.get(reverse("discipline:rectification_list"), {"unit": side_a.unit.pk}).content.decode()
    assert "A局公车私用" not in probe
    assert client.get("/api/discipline/rectifications/", {"unit": side_a.unit.pk}).status_code == 400
    api = client.get("/api/discipline/rectifications/").json()
    assert [r["id"] for r in api["results"]] == [own.pk]
    for action in ("accept", "return", "submit"):
        assert client.post(f"/api/discipline/rectifications/{rect_a.pk}/{action}/", {"comment": "x"}).status_code == 404
    assert client.post(reverse("discipline:rectification_accept", args=[rect_a.pk])).status_code == 403
    assert client.post(rect_a.get_absolute_url(), {"measures": "越权提交", "files": [png()]}).status_code == 404
    assert client.post(reverse("discipline:rectification_file_delete", args=[attachment.pk])).status_code == 404
    assert client.get(f"/api/discipline/findings/{rect_a.finding_id}/").status_code == 404
    rect_a.refresh_from_db()
    assert rect_a.status == S.SUBMITTED and rect_a.events.count() == 2 and rect_a.files.count() == 1


def test_inspections_are_the_committees_alone(client, committee_user, side_a, rect_a):
    inspection = rect_a.finding.inspection
    for user in (side_a.unit_secretary, side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        for url in (
            reverse("discipline:inspection_list"),
            reverse("discipline:inspection_create"),
            reverse("discipline:inspection_detail", args=[inspection.pk]),
            reverse("discipline:finding_create", args=[inspection.pk]),
            reverse("discipline:finding_edit", args=[rect_a.finding_id]),
        ):
            assert client.get(url).status_code == 403, (user, url)
        assert client.get("/api/discipline/inspections/").status_code == 403
    client.force_login(committee_user)
    assert client.get(reverse("discipline:inspection_detail", args=[inspection.pk])).status_code == 200
    assert client.get("/api/discipline/inspections/").json()["count"] == 1


def test_the_unit_page_shows_what_is_owed_and_by_when(client, committee_user, side_a):
    today = timezone.localdate()
    finding(committee_user, side_a.unit, deadline=today + dt.timedelta(days=3), description="三天后到期")
    late = finding(committee_user, side_a.unit, deadline=today - dt.timedelta(days=2), description="已经逾期的问题")
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse("discipline:rectification_list"))
    owed = response.context["owed"]
    assert (owed.to_submit, owed.overdue, owed.due_soon, owed.awaiting) == (2, 1, 1, 0)
    assert owed.next_deadline == today + dt.timedelta(days=3)
    html = response.content.decode()
    assert response.context["title"] == "本单位整改"
    assert html.index("已经逾期的问题") < html.index("三天后到期")  # overdue first, in red
    assert f'data-rect="{late.rectification.pk}" class="table-danger"' in html


def test_rectification_list_query_count_is_constant(client, committee_user, side_a, side_b, assert_constant_queries):
    finding(committee_user, side_a.unit)
    finding(committee_user, side_b.unit)

    def grow():
        for i in range(6):
            finding(committee_user, side_a.unit if i % 2 else side_b.unit, description=f"问题{i}")

    for user, expected in ((committee_user, 10), (side_a.unit_secretary, 11)):  # the unit's adds its 2 summaries
        client.force_login(user)
        client.get(reverse("discipline:rectification_list"))  # the session's first request writes it once
        assert_constant_queries(
            lambda: client.get(reverse("discipline:rectification_list")), grow=grow, expected=expected
        )
