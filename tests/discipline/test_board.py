"""The committee's board (overdue first, constant queries) and a unit's own supervision page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.discipline.models import (
    Card,
    DutyReport,
    Finding,
    Inspection,
    Rectification,
    RectificationStatus,
    ReportRound,
    ReportStatus,
)
from tests.orgs.factories import UnitFactory

pytestmark = pytest.mark.django_db


def rectification(unit, deadline, status=RectificationStatus.OPEN):
    inspection = Inspection.objects.create(kind="open", title="督查", held_on=dt.date(2026, 1, 5))
    finding = Finding.objects.create(inspection=inspection, unit=unit, description=f"{unit.name}问题")
    return Rectification.objects.create(
        finding=finding, unit=unit, requirement="改", required_evidence="报告", deadline=deadline, status=status
    )


def test_board_puts_overdue_first_and_counts_what_is_owed(committee_user, side_a, side_b, login):
    today = timezone.localdate()
    rectification(side_a.unit, today + dt.timedelta(days=5))
    rectification(side_b.unit, today - dt.timedelta(days=9))
    rectification(side_b.unit, today - dt.timedelta(days=1), RectificationStatus.ACCEPTED)
    Card.objects.create(unit=side_a.unit, colour="red", reason="x", issued_on=today, deduction=10)
    rnd = ReportRound.objects.create(
        kind="half",
        title="上半年履责报告",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 6, 30),
        due_on=today + dt.timedelta(days=10),
        opened_at=timezone.now(),
    )
    DutyReport.objects.create(round=rnd, unit=side_b.unit, status=ReportStatus.SUBMITTED)
    client = login(committee_user)
    page = client.get(reverse("discipline:board"))
    rows = page.context["rows"]
    assert [r.unit for r in rows] == [side_b.unit, side_a.unit]
    assert (rows[0].open_count, rows[0].overdue_count, rows[0].oldest_overdue_days) == (1, 1, 9)
    assert rows[0].reports_missing == [] and rows[1].reports_missing == [rnd]
    assert (rows[1].red, rows[1].deduction) == (1, 10)
    assert client.get(reverse("discipline:board_export")).status_code == 200
    api = client.get("/api/discipline/board/").json()
    assert [r["unit"] for r in api] == [side_b.unit.pk, side_a.unit.pk]
    client.force_login(side_a.unit_secretary)
    assert client.get(reverse("discipline:board")).status_code == 403
    assert client.get("/api/discipline/board/").status_code == 403


def test_board_query_count_is_constant(committee_user, side_a, login, assert_constant_queries):
    today = timezone.localdate()
    rectification(side_a.unit, today - dt.timedelta(days=3))
    client = login(committee_user)

    def grow():
        for i in range(4):
            unit = UnitFactory()
            rectification(unit, today - dt.timedelta(days=i))
            Card.objects.create(unit=unit, colour="yellow", reason="x", issued_on=today, deduction=3)

    assert_constant_queries(lambda: client.get(reverse("discipline:board")), grow=grow, expected=12)


def test_unit_page_shows_the_units_own_and_nothing_of_others(side_a, side_b, login):
    today = timezone.localdate()
    mine = rectification(side_a.unit, today - dt.timedelta(days=2))
    theirs = rectification(side_b.unit, today + dt.timedelta(days=2))
    client = login(side_a.unit_secretary)
    page = client.get(reverse("discipline:unit_page"))
    assert page.context["unit"] == side_a.unit
    assert page.context["rectifications"] == [mine] and page.context["overdue_count"] == 1
    probe = client.get(reverse("discipline:unit_page"), {"unit": side_b.unit.pk})
    assert probe.context["unit"] == side_a.unit and theirs not in probe.context["rectifications"]
    client.force_login(side_a.branch_secretary)
    assert client.get(reverse("discipline:unit_page")).status_code == 403


def test_unit_page_lists_every_open_round_the_unit_owes_however_far_its_due_day(committee_user, side_a, login):
    today = timezone.localdate()
    far = ReportRound.objects.create(
        kind="year",
        title="年度履责报告",
        starts_on=today.replace(month=1, day=1),
        ends_on=today.replace(month=12, day=31),
        due_on=today + dt.timedelta(days=60),  # beyond the board's 30 days
        opened_at=timezone.now(),
    )
    DutyReport.objects.create(round=far, unit=side_a.unit)
    page = login(side_a.unit_secretary).get(reverse("discipline:unit_page"))
    assert [item["round"] for item in page.context["reports_due"]] == [far]
    board = login(committee_user).get(reverse("discipline:board"))
    assert not any(row.reports_missing for row in board.context["rows"])  # the board looks 30 days ahead only
