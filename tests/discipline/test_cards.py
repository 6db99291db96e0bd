"""黄红牌: issue (the rule's weight copied), lift only after every rectification is accepted, the sensitivity
matrix over pages, export and API, metrics with the records behind them, and reminders sent once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.core import metrics
from apps.core.models import Notification
from apps.core.periods import Period
from apps.discipline.metrics.cards import tier_caps
from apps.discipline.models import Card, CardRule, Finding, Inspection, Rectification, RectificationStatus, Talk
from apps.discipline.reminders import cards as card_reminders
from apps.discipline.services import cards as services

TODAY = dt.date(2026, 6, 15)
pytestmark = pytest.mark.django_db


def finding_for(unit, *, status=RectificationStatus.OPEN, deadline=dt.date(2026, 6, 30), with_rectification=True):
    inspection = Inspection.objects.create(kind="open", title="作风督查", held_on=dt.date(2026, 5, 10))
    finding = Finding.objects.create(inspection=inspection, unit=unit, description=f"{unit.name}签到流于形式")
    if with_rectification:
        Rectification.objects.create(
            finding=finding,
            unit=unit,
            requirement="立行立改",
            required_evidence="整改报告",
            deadline=deadline,
            status=status,
        )
    return finding


def issue(committee, unit, colour="yellow", **kwargs):
    kwargs.setdefault("issued_on", dt.date(2026, 6, 1))
    return services.card_issue(actor=committee, unit=unit, colour=colour, reason="整改不力", today=TODAY, **kwargs)


def test_deduction_and_cap_are_copied_from_the_rule_at_issue_time(committee_user, side_a):
    red = issue(committee_user, side_a.unit, "red")
    assert (red.deduction, red.caps_tier, red.tier_cap) == (Decimal("10"), True, "一般")
    rule = CardRule.objects.get(colour="red")
    services.card_rule_update(actor=committee_user, rule=rule, deduction=Decimal("12"), caps_tier=True, tier_cap="差")
    red.refresh_from_db()
    assert (red.deduction, red.tier_cap) == (Decimal("10"), "一般")
    later = issue(committee_user, side_a.unit, "red")
    assert (later.deduction, later.tier_cap) == (Decimal("12"), "差")


def test_only_the_committee_issues_and_only_with_the_units_own_findings(committee_user, side_a, side_b):
    with pytest.raises(PermissionDenied):
        issue(side_a.unit_secretary, side_a.unit)
    other = finding_for(side_b.unit)
    talk_b = Talk.objects.create(unit=side_b.unit, talked_with="张三", talked_by="李四", reason="提醒", held_on=TODAY)
    with pytest.raises(ValidationError) as exc:
        issue(committee_user, side_a.unit, findings=[other], talks=[talk_b])
    assert set(exc.value.error_dict) == {"findings", "talks"}
    with pytest.raises(ValidationError) as exc:
        issue(committee_user, side_a.unit, issued_on=TODAY + dt.timedelta(days=1))
    assert "issued_on" in exc.value.error_dict
    assert not Card.objects.exists()


def test_lifting_is_refused_until_every_rectification_is_accepted(committee_user, side_a):
    open_one = finding_for(side_a.unit)
    done = finding_for(side_a.unit, status=RectificationStatus.ACCEPTED)
    card = issue(committee_user, side_a.unit, findings=[open_one, done])
    with pytest.raises(ValidationError) as exc:
        services.card_lift(actor=committee_user, card=card, note="", today=TODAY)
    assert "尚有整改未销号" in exc.value.messages[0] and "待整改" in exc.value.messages[0]
    card.refresh_from_db()
    assert card.in_force
    Rectification.objects.filter(finding=open_one).update(status=RectificationStatus.ACCEPTED)
    services.card_lift(actor=committee_user, card=card, note="整改到位", today=TODAY)
    card.refresh_from_db()
    assert (card.lifted_on, card.lifted_by, card.lift_note) == (TODAY, committee_user, "整改到位")
    with pytest.raises(ValidationError):
        services.card_lift(actor=committee_user, card=card, today=TODAY)


def test_a_finding_without_rectification_blocks_and_a_card_without_findings_needs_a_note(committee_user, side_a):
    card = issue(committee_user, side_a.unit, findings=[finding_for(side_a.unit, with_rectification=False)])
    with pytest.raises(ValidationError, match="尚未下达整改"):
        services.card_lift(actor=committee_user, card=card, today=TODAY)
    bare = issue(committee_user, side_a.unit)
    with pytest.raises(ValidationError) as exc:
        services.card_lift(actor=committee_user, card=bare, today=TODAY)
    assert "lift_note" in exc.value.error_dict
    with pytest.raises(PermissionDenied):
        services.card_lift(actor=side_a.unit_secretary, card=bare, note="x", today=TODAY)
    services.card_lift(actor=committee_user, card=bare, note="经研究予以解除", today=TODAY)
    assert not Card.objects.get(pk=bare.pk).in_force


def test_lift_page_shows_what_is_open_and_lifts_after_acceptance(committee_user, side_a, login):
    finding = finding_for(side_a.unit)
    card = issue(committee_user, side_a.unit, findings=[finding])
    client = login(committee_user)
    page = client.get(reverse("discipline:card_detail", args=[card.pk]))
    assert "尚有整改未销号" in page.content.decode()
    response = client.post(reverse("discipline:card_lift", args=[card.pk]), {"lift_note": "x"}, follow=True)
    assert "不能解除" in response.content.decode()
    assert Card.objects.get(pk=card.pk).in_force
    Rectification.objects.filter(finding=finding).update(status=RectificationStatus.ACCEPTED)
    client.post(reverse("discipline:card_lift", args=[card.pk]), {"lift_note": "整改到位"})
    assert not Card.objects.get(pk=card.pk).in_force


def test_issue_page_creates_a_card_with_the_units_findings(committee_user, side_a, login):
    finding = finding_for(side_a.unit)
    client = login(committee_user)
    page = client.get(reverse("discipline:card_create"), {"unit": side_a.unit.pk})
    assert finding.description in page.content.decode()
    response = client.post(
        reverse("discipline:card_create"),
        {
            "unit": side_a.unit.pk,
            "colour": "yellow",
            "reason": "会议签到造假",
            "issued_on": "2026-01-05",
            "findings": [finding.pk],
        },
    )
    card = Card.objects.get()
    assert response.status_code == 302 and list(card.findings.all()) == [finding]
    bad = client.post(reverse("discipline:card_create"), {"unit": side_a.unit.pk, "colour": "", "reason": ""})
    assert bad.status_code == 200 and Card.objects.count() == 1


def test_sensitivity_matrix_pages_export_and_api(committee_user, side_a, side_b, login, client):
    card = issue(committee_user, side_a.unit)
    detail = reverse("discipline:card_detail", args=[card.pk])
    api_detail = f"/api/discipline/cards/{card.pk}/"
    login(side_a.unit_secretary)
    assert client.get(detail).status_code == 200
    assert client.get(api_detail).status_code == 200
    assert card.reason in client.get(reverse("discipline:card_list")).content.decode()
    assert client.post(reverse("discipline:card_lift", args=[card.pk]), {"lift_note": "x"}).status_code == 403
    assert client.post(f"{api_detail}lift/", {"lift_note": "x"}).status_code == 403
    for user in (side_b.unit_secretary, side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        assert client.get(detail).status_code in (403, 404), user
        assert client.get(api_detail).status_code == 404, user
        assert client.get("/api/discipline/cards/").json()["count"] == 0, user
        listing = client.get(reverse("discipline:card_list"))
        assert listing.status_code == 403 or card.reason not in listing.content.decode(), user
        export = client.get(reverse("discipline:card_export"))
        assert export.status_code == 403 or card.reason.encode() not in export.content, user
    client.force_login(side_b.unit_secretary)
    export = client.get(reverse("discipline:card_export"))
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # the header only


def test_card_list_query_count_is_constant(committee_user, side_a, login, assert_constant_queries):
    issue(committee_user, side_a.unit, findings=[finding_for(side_a.unit)])
    client = login(committee_user)
    url = reverse("discipline:card_list")

    def grow():
        for _ in range(5):
            issue(committee_user, side_a.unit, "red", findings=[finding_for(side_a.unit)])

    response = assert_constant_queries(lambda: client.get(url), grow=grow, expected=10)
    assert response.status_code == 200


def test_api_issue_and_lift(committee_user, side_a, login):
    client = login(committee_user)
    finding = finding_for(side_a.unit)
    created = client.post(
        "/api/discipline/cards/",
        {"unit": side_a.unit.pk, "colour": "red", "reason": "x", "issued_on": "2026-01-05", "findings": [finding.pk]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["deduction"] == "10.0"
    pk = created.json()["id"]
    refused = client.post(f"/api/discipline/cards/{pk}/lift/", {}, content_type="application/json")
    assert refused.status_code == 400 and "尚有整改未销号" in str(refused.json())
    Rectification.objects.filter(finding=finding).update(status=RectificationStatus.ACCEPTED)
    lifted = client.post(f"/api/discipline/cards/{pk}/lift/", {"lift_note": "ok"}, content_type="application/json")
    assert lifted.status_code == 200 and lifted.json()["in_force"] is False
    rules = client.get("/api/discipline/card-rules/").json()
    assert {r["colour"] for r in rules} == {"yellow", "red"}


def test_metrics_values_records_and_tier_caps(committee_user, side_a, side_b, django_assert_num_queries):
    issue(committee_user, side_a.unit, "yellow", issued_on=dt.date(2026, 2, 1))
    red = issue(committee_user, side_a.unit, "red", issued_on=dt.date(2026, 3, 1))
    lifted = issue(committee_user, side_b.unit, "yellow", issued_on=dt.date(2026, 1, 10))
    services.card_lift(actor=committee_user, card=lifted, note="ok", lifted_on=dt.date(2026, 3, 31), today=TODAY)
    deduction, count = metrics.get("discipline.card_deduction"), metrics.get("discipline.cards_in_force")
    q1 = Period(2026, "quarter", 1)
    with django_assert_num_queries(1):
        assert deduction.compute(q1, today=TODAY) == {side_a.unit.pk: Decimal("13")}
    assert count.compute(q1, today=TODAY) == {side_a.unit.pk: Decimal("2")}
    # Before the red card, with the yellow of B still in force (evaluation day earlier than the period end).
    assert deduction.compute(q1, today=dt.date(2026, 2, 15)) == {
        side_a.unit.pk: Decimal("3"),
        side_b.unit.pk: Decimal("3"),
    }
    records = deduction.records(q1, side_a.unit.pk, today=TODAY)
    assert [r.day for r in records] == [dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert records[1].url == reverse("discipline:card_detail", args=[red.pk]) and "扣10" in records[1].note
    assert tier_caps(TODAY) == {side_a.unit.pk: "一般"}
    assert tier_caps(dt.date(2026, 2, 15)) == {}


def test_reminders_of_issue_and_lift_go_out_once(committee_user, side_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        card = issue(committee_user, side_a.unit)
    mine = Notification.objects.filter(user=side_a.unit_secretary)
    assert mine.filter(dedupe_key=f"discipline-card-issued:{card.pk}").count() == 1
    assert not Notification.objects.filter(user=side_a.branch_secretary).exists()
    now = dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC)
    assert card_reminders.send(today=TODAY, now=now) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.card_lift(actor=committee_user, card=card, note="ok", today=TODAY)
    assert card_reminders.send(today=TODAY, now=now) == 0
    assert mine.filter(dedupe_key=f"discipline-card-lifted:{card.pk}").count() == 1
    # A missed notice is caught up by the daily run, once.
    Notification.objects.all().delete()
    assert card_reminders.send(today=TODAY, now=now) == 2
    assert card_reminders.send(today=TODAY, now=now) == 0
