"""Manual points: the rules of an entry, its audit, the pages and API per role, the evidence file."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.scoring.models import ManualScore
from apps.scoring.services import manual as services
from apps.scoring.services.manual import DuplicateEntry
from apps.scoring.services.systems import FROZEN, system_for
from tests.orgs.factories import UnitFactory

YEAR = 2025
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def system(db):
    return system_for(YEAR)


@pytest.fixture
def hotline(system):
    return system.indicators.get(code="hotline-12345")  # manual, 12 points


def entry_fields(indicator, unit, **over):
    base = {
        "indicator": indicator,
        "unit": unit,
        "period_key": f"{YEAR}-Q3",
        "points": Decimal("8"),
        "note": "工单办结",
    }
    base.update(over)
    return base


def make_entry(actor, indicator, unit, **over):
    return services.manual_create(actor=actor, fields=entry_fields(indicator, unit, **over))


def messages_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


# --- services ------------------------------------------------------------------------------------------


def test_add_edit_delete_are_audited(committee_user, hotline, side_a):
    entry = make_entry(committee_user, hotline, side_a.unit)
    assert (entry.period_kind, entry.period_key, entry.entered_by) == ("quarter", f"{YEAR}-Q3", committee_user)
    services.manual_update(actor=committee_user, entry=entry, fields={"points": Decimal("10"), "note": "复核后"})
    entry.refresh_from_db()
    assert entry.points == 10
    services.manual_delete(actor=committee_user, entry=entry)
    assert not ManualScore.objects.exists()
    kinds = list(ManualScore.history.filter(id=entry.pk).values_list("history_type", "points", "history_user"))
    assert kinds == [
        ("-", Decimal("10.00"), committee_user.pk),
        ("~", Decimal("10.00"), committee_user.pk),
        ("+", Decimal("8.00"), committee_user.pk),
    ]


@pytest.mark.parametrize(
    ("over", "text"),
    [
        ({"points": Decimal("12.5")}, "分数应在 0 到 12"),
        ({"points": Decimal("-1")}, "分数应在 0 到 12"),
        ({"note": "  "}, "请填写依据说明"),
        ({"period_key": "2017-Q4"}, "平台启用日期之前的期间不评分"),
        ({"period_key": "2025-Q5"}, "期间格式"),
        ({"period_key": "2099"}, "尚未开始"),
        ({"period_key": "2024"}, "不属于2024年度现行的指标体系"),
    ],
)
def test_bad_entries_are_refused(committee_user, hotline, side_a, over, text):
    system_for(2024)
    with pytest.raises(ValidationError) as exc:
        make_entry(committee_user, hotline, side_a.unit, **over)
    assert text in messages_of(exc)
    assert not ManualScore.objects.exists()


def test_an_auto_indicator_is_not_entered_by_hand(committee_user, system, side_a):
    with pytest.raises(ValidationError) as exc:
        make_entry(committee_user, system.indicators.get(code="partylife-compliance"), side_a.unit)
    assert "不能人工录入" in messages_of(exc)


def test_veto_stores_zero_and_deduction_is_positive(committee_user, system, side_a):
    veto = make_entry(committee_user, system.indicators.get(code="veto"), side_a.unit, points=Decimal("3"))
    assert veto.points == 0
    deduction = make_entry(committee_user, system.indicators.get(code="violations"), side_a.unit, points=Decimal("2"))
    assert deduction.points == 2


def test_one_entry_per_indicator_unit_and_period(committee_user, hotline, side_a):
    first = make_entry(committee_user, hotline, side_a.unit)
    with pytest.raises(DuplicateEntry) as exc:
        make_entry(committee_user, hotline, side_a.unit, points=Decimal("1"))
    assert exc.value.existing == first and "已有一条记录" in messages_of(exc)
    make_entry(committee_user, hotline, side_a.unit, period_key=f"{YEAR}")  # its year is another entry


def test_a_frozen_year_refuses(committee_user, system, hotline, side_a):
    entry = make_entry(committee_user, hotline, side_a.unit)
    system.frozen_at = timezone.now()
    system.save()
    for write in (
        lambda: make_entry(committee_user, hotline, side_a.unit, period_key=f"{YEAR}-Q2"),
        lambda: services.manual_update(actor=committee_user, entry=entry, fields={"points": Decimal(1)}),
        lambda: services.manual_delete(actor=committee_user, entry=entry),
    ):
        with pytest.raises(ValidationError) as exc:
            write()
        assert FROZEN in messages_of(exc)
    assert ManualScore.objects.get().points == 8


def test_secretaries_cannot_write(hotline, side_a):
    with pytest.raises(PermissionDenied):
        make_entry(side_a.unit_secretary, hotline, side_a.unit)


# --- pages ---------------------------------------------------------------------------------------------


def test_page_adds_with_evidence_and_links_a_duplicate(committee_user, hotline, side_a, login):
    client = login(committee_user)
    data = {
        "indicator": hotline.pk,
        "unit": side_a.unit.pk,
        "period_kind": "quarter",
        "period_key": f"{YEAR}-Q3",
        "points": "7.5",
        "note": "12345工单按期办结",
        "evidence": SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf"),
    }
    response = client.post(reverse("scoring:manual_new"), data)
    assert response.status_code == 302, response.content.decode()
    entry = ManualScore.objects.get()
    assert entry.points == Decimal("7.5") and entry.evidence
    data.pop("evidence")
    again = client.post(reverse("scoring:manual_new"), {**data, "points": "3"})
    assert again.status_code == 400
    assert reverse("scoring:manual_edit", args=[entry.pk]) in again.text and "已有一条记录" in again.text
    mismatch = client.post(reverse("scoring:manual_new"), {**data, "period_kind": "month"})
    assert "所选期间与期间类型不一致" in mismatch.text
    assert ManualScore.objects.count() == 1


def test_page_edits_deletes_after_confirmation_and_shows_history(committee_user, hotline, side_a, login):
    entry = make_entry(committee_user, hotline, side_a.unit)
    client = login(committee_user)
    data = {
        "indicator": hotline.pk,
        "unit": side_a.unit.pk,
        "period_kind": "quarter",
        "period_key": f"{YEAR}-Q3",
        "points": "9",
        "note": "复核",
    }
    assert client.post(reverse("scoring:manual_edit", args=[entry.pk]), data).status_code == 302
    history = client.get(reverse("scoring:manual_history", args=[entry.pk])).text
    assert "分数" in history and "修改" in history and "复核" in history
    confirm = client.get(reverse("scoring:manual_delete", args=[entry.pk]))
    assert "确定删除" in confirm.text and ManualScore.objects.exists()
    assert client.post(reverse("scoring:manual_delete", args=[entry.pk])).status_code == 302
    assert not ManualScore.objects.exists()


def test_list_filters_and_export(committee_user, hotline, side_a, side_b, login):
    make_entry(committee_user, hotline, side_a.unit, note="甲单位说明")
    make_entry(committee_user, hotline, side_b.unit, period_key=f"{YEAR}", note="乙单位说明")
    client = login(committee_user)
    page = client.get(reverse("scoring:manual_list"), {"period": f"{YEAR}-Q3"}).text
    assert "甲单位说明" in page and "乙单位说明" not in page
    page = client.get(reverse("scoring:manual_list"), {"q": "乙单位", "look": "demands"}).text
    assert "乙单位说明" in page and "甲单位说明" not in page
    page = client.get(reverse("scoring:manual_list"), {"period": "2025-Q9", "unit": "99999", "year": "x"})
    assert page.status_code == 200 and "已忽略该条件" in page.text
    export = client.get(reverse("scoring:manual_export"), {"unit": side_a.unit.pk})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_list_query_count_is_constant(committee_user, hotline, side_a, login, assert_constant_queries):
    client = login(committee_user)
    units = [UnitFactory() for _ in range(30)]
    for unit in units[:3]:
        make_entry(committee_user, hotline, unit)

    def grow():
        for unit in units[3:]:
            make_entry(committee_user, hotline, unit)

    response = assert_constant_queries(lambda: client.get(reverse("scoring:manual_list")), grow=grow, expected=11)
    assert response.text.count("data-entry=") == 20


def test_secretaries_cannot_reach_the_pages(hotline, side_a, committee_user, login):
    entry = make_entry(committee_user, hotline, side_a.unit)
    for user in (side_a.unit_secretary, side_a.branch_secretary):
        client = login(user)
        for name, args in (
            ("manual_list", []),
            ("manual_new", []),
            ("manual_import", []),
            ("manual_template", []),
            ("manual_export", []),
            ("manual_edit", [entry.pk]),
            ("manual_delete", [entry.pk]),
            ("manual_history", [entry.pk]),
        ):
            assert client.get(reverse(f"scoring:{name}", args=args)).status_code == 403, name
        assert client.post(reverse("scoring:manual_delete", args=[entry.pk])).status_code == 403
    assert ManualScore.objects.exists()


def test_evidence_is_served_to_the_committee_and_that_units_secretary_only(
    committee_user, hotline, side_a, side_b, login
):
    upload = SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")
    entry = services.manual_create(actor=committee_user, fields=entry_fields(hotline, side_a.unit), evidence=upload)
    url = reverse("scoring:manual_evidence", args=[entry.pk])
    response = login(committee_user).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert login(side_a.unit_secretary).get(url).status_code == 200
    for user in (side_b.unit_secretary, side_a.branch_secretary, side_a.member_user):
        assert login(user).get(url).status_code == 404


def test_evidence_is_checked_by_content(committee_user, hotline, side_a):
    fake = SimpleUploadedFile("证明.pdf", b"MZ not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.manual_create(actor=committee_user, fields=entry_fields(hotline, side_a.unit), evidence=fake)
    assert "不是可接受的文件类型" in messages_of(exc)
    assert not ManualScore.objects.exists()


# --- API ----------------------------------------------------------------------------------------------


def test_api_committee_writes_through_the_services(committee_user, hotline, side_a, login):
    client = login(committee_user)
    body = {"indicator": hotline.pk, "unit": side_a.unit.pk, "period_key": f"{YEAR}-Q3", "points": "6", "note": "依据"}
    created = client.post("/api/scoring/manual-scores/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["period_kind"] == "quarter"
    duplicate = client.post("/api/scoring/manual-scores/", body, content_type="application/json")
    assert duplicate.status_code == 400 and "已有一条记录" in str(duplicate.json())
    bad = client.post(
        "/api/scoring/manual-scores/", {**body, "points": "99", "period_key": "2017"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert "平台启用日期之前的期间不评分" in str(bad.json())
    changed = client.patch(f"/api/scoring/manual-scores/{pk}/", {"points": "4"}, content_type="application/json")
    assert changed.status_code == 200 and ManualScore.objects.get().points == 4
    listed = client.get("/api/scoring/manual-scores/", {"period": f"{YEAR}-Q3"}).json()
    assert listed["count"] == 1
    assert client.get("/api/scoring/manual-scores/", {"period": "junk"}).status_code == 400
    assert client.delete(f"/api/scoring/manual-scores/{pk}/").status_code == 204
    assert not ManualScore.objects.exists()


def test_api_refuses_everyone_else(committee_user, hotline, side_a, login):
    entry = make_entry(committee_user, hotline, side_a.unit)
    body = {"indicator": hotline.pk, "unit": side_a.unit.pk, "period_key": f"{YEAR}-Q2", "points": "6", "note": "x"}
    for user in (side_a.unit_secretary, side_a.branch_secretary, side_a.member_user):
        client = login(user)
        assert client.get("/api/scoring/manual-scores/").status_code == 403
        response = client.post("/api/scoring/manual-scores/", body, content_type="application/json")
        assert response.status_code == 403 and "工委管理员" in str(response.json())
        assert client.delete(f"/api/scoring/manual-scores/{entry.pk}/").status_code == 403
    assert ManualScore.objects.count() == 1
