"""督促检查 pages and API: the committee records an inspection and its findings (each opening a rectification in
the same step), corrects them, and reads the list (query count pinned). Bad input never gives a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.discipline.models import Finding, Inspection, Rectification
from apps.discipline.models import RectificationStatus as S
from apps.discipline.services import inspections as services
from tests.discipline.test_rectifications_support import finding, inspection, png, submitted

pytestmark = pytest.mark.django_db


def test_the_committee_records_an_inspection_and_a_finding_through_the_pages(client, committee_user, side_a):
    client.force_login(committee_user)
    today = timezone.localdate()
    response = client.post(
        reverse("discipline:inspection_create"),
        {
            "kind": "unannounced",
            "title": "节前纪律作风明察暗访",
            "held_on": today.isoformat(),
            "inspectors": "工委督查组",
            "summary": "抽查5个单位",
        },
    )
    created = Inspection.objects.get()
    assert response.status_code == 302 and response.url == reverse("discipline:inspection_detail", args=[created.pk])
    assert created.created_by == committee_user
    deadline = today + dt.timedelta(days=30)
    response = client.post(
        reverse("discipline:finding_create", args=[created.pk]),
        {
            "unit": side_a.unit.pk,
            "description": "窗口工作人员上班时间玩手机",
            "severity": "general",
            "requirement": "开展作风整顿",
            "required_evidence": "整改报告、现场照片",
            "deadline": deadline.isoformat(),
            "action": "save",
        },
    )
    assert response.status_code == 302
    f = Finding.objects.get()
    assert (f.inspection, f.unit, f.rectification.unit, f.rectification.deadline) == (
        created,
        side_a.unit,
        side_a.unit,
        deadline,
    )
    detail = client.get(reverse("discipline:inspection_detail", args=[created.pk])).content.decode()
    assert "窗口工作人员上班时间玩手机" in detail and "待整改" in detail


def test_a_bad_finding_shows_chinese_errors_and_saves_nothing(client, committee_user, side_a):
    client.force_login(committee_user)
    insp = inspection(committee_user, held_on=timezone.localdate())
    url = reverse("discipline:finding_create", args=[insp.pk])
    response = client.post(
        url,
        {
            "unit": side_a.unit.pk,
            "description": "问题",
            "severity": "general",
            "requirement": "整改",
            "required_evidence": "报告",
            "deadline": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200 and "整改期限不能早于检查日期" in response.content.decode()
    response = client.post(url, {"unit": "abc", "description": "", "deadline": "9999-99-99"})
    assert response.status_code == 200
    assert not Finding.objects.exists() and not Rectification.objects.exists()


def test_a_finding_changes_unit_only_before_anything_was_submitted(committee_user, side_a, side_b):
    f = finding(committee_user, side_a.unit)
    services.finding_update(
        actor=committee_user, finding=f, fields={"unit": side_b.unit}, rectification={"requirement": "改为B局整改"}
    )
    f.refresh_from_db()
    assert f.unit == side_b.unit and f.rectification.unit == side_b.unit
    assert f.rectification.requirement == "改为B局整改"
    services.rectification_submit(
        actor=side_b.unit_secretary, rectification=f.rectification, measures="已改", files=[png()]
    )
    with pytest.raises(ValidationError) as exc:
        services.finding_update(actor=committee_user, finding=f, fields={"unit": side_a.unit}, rectification={})
    assert "unit" in exc.value.message_dict
    f.refresh_from_db()
    assert f.unit == side_b.unit


def test_an_accepted_finding_is_closed_to_edits(committee_user, side_a):
    rect = submitted(committee_user, side_a)
    services.rectification_accept(actor=committee_user, rectification=rect)
    with pytest.raises(ValidationError, match="已销号"):
        services.finding_update(
            actor=committee_user, finding=rect.finding, fields={"description": "改"}, rectification={}
        )


def test_units_cannot_write_inspections_or_findings(side_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.inspection_create(
            actor=side_a.unit_secretary, fields={"kind": "open", "title": "自查", "held_on": timezone.localdate()}
        )
    assert not Inspection.objects.exists()


def test_inspection_list_query_count_is_constant_and_bad_filters_are_messages(
    client, committee_user, side_a, side_b, assert_constant_queries
):
    insp = inspection(committee_user)
    finding(committee_user, side_a.unit, of=insp)
    client.force_login(committee_user)
    url = reverse("discipline:inspection_list")
    client.get(url)

    def grow():
        for i in range(5):
            other = inspection(committee_user, title=f"检查{i}")
            finding(committee_user, side_b.unit, of=other)

    response = assert_constant_queries(lambda: client.get(url), grow=grow, expected=9)
    assert response.context["page"].paginator.count == 6
    bad = client.get(url, {"date_from": "0001-01-01", "kind": "nope", "q": "a\x00b"})
    assert bad.status_code == 200 and len(bad.context["filter_messages"]) == 3


def test_the_api_creates_a_finding_with_its_rectification(client, committee_user, side_a):
    insp = inspection(committee_user)
    client.force_login(committee_user)
    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = client.post(
        "/api/discipline/findings/",
        {
            "inspection": insp.pk,
            "unit": side_a.unit.pk,
            "description": "会议室违规摆放桌签",
            "severity": "general",
            "requirement": "立即整改",
            "required_evidence": "现场照片",
            "deadline": deadline,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    rect = Rectification.objects.get()
    assert response.json()["rectification"] == rect.pk and rect.status == S.OPEN and rect.unit == side_a.unit
    missing = client.post(
        "/api/discipline/findings/",
        {"inspection": insp.pk, "unit": side_a.unit.pk, "description": "缺期限"},
        content_type="application/json",
    )
    assert missing.status_code == 400 and "deadline" in missing.json()
    client.force_login(side_a.unit_secretary)
    denied = client.post(
        "/api/discipline/inspections/",
        {"kind": "open", "title": "自己检查", "held_on": timezone.localdate().isoformat()},
        content_type="application/json",
    )
    assert denied.status_code == 403 and Inspection.objects.count() == 1


def test_the_schema_lists_the_supervision_endpoints(client, committee_user):
    client.force_login(committee_user)
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/discipline/talks/",
        "/api/discipline/inspections/",
        "/api/discipline/findings/",
        "/api/discipline/rectifications/",
        "/api/discipline/rectifications/{id}/submit/",
        "/api/discipline/rectifications/{id}/accept/",
        "/api/discipline/rectifications/{id}/return/",
    ):
        assert path in paths, path
