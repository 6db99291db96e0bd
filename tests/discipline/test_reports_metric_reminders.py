"""履责报告按时报送率 (metric and its records) and the report reminders (due within 7 days, returned; never twice)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from apps.core import metrics
from apps.core.models import Notification
from apps.core.periods import Frequency, Period
from apps.discipline.models import DutyReport
from apps.discipline.reminders import reports as reminders
from apps.discipline.services import reports as services
from tests.orgs.factories import UnitFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
YEAR = Period(2026, Frequency.YEAR)


def at(day: dt.date, hour=10, minute=0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SH)


def open_round(committee, units, due_on, title):
    return services.report_round_open(
        actor=committee,
        fields={
            "kind": "half",
            "title": title,
            "starts_on": dt.date(2026, 1, 1),
            "ends_on": dt.date(2026, 6, 30),
            "due_on": due_on,
        },
        units=units,
        now=at(dt.date(2026, 6, 1)),
    )


def submit(side, round_, when):
    report = DutyReport.objects.get(round=round_, unit=side.unit)
    report = services.report_save(actor=side.unit_secretary, report=report, fields={"content": "报告"})
    return services.report_submit(actor=side.unit_secretary, report=report, now=when)


@pytest.fixture
def rounds(side_a, side_b, committee_user):
    h1 = open_round(committee_user, [side_a.unit, side_b.unit], dt.date(2026, 7, 15), "上半年")
    h2 = open_round(committee_user, [side_a.unit, side_b.unit], dt.date(2026, 12, 20), "下半年")
    submit(side_a, h1, at(dt.date(2026, 7, 15), 23, 59))  # on time at the edge
    submit(side_b, h1, at(dt.date(2026, 7, 16), 0, 1))  # late by two minutes
    submit(side_a, h2, at(dt.date(2026, 12, 1)))
    return h1, h2


def test_report_on_time_rate_as_of_the_evaluation_day(side_a, side_b, rounds):
    metric = metrics.get("discipline.report_on_time")
    # Before the first deadline: nothing due yet
    assert metric.compute(YEAR, today=dt.date(2026, 7, 14)) == {}
    # After the first round: A on time, B late
    assert metric.compute(YEAR, today=dt.date(2026, 8, 1)) == {
        side_a.unit.pk: Decimal("100.0"),
        side_b.unit.pk: Decimal("0.0"),
    }
    # After the second round: B never reported the second one
    assert metric.compute(YEAR, today=dt.date(2026, 12, 31)) == {
        side_a.unit.pk: Decimal("100.0"),
        side_b.unit.pk: Decimal("0.0"),
    }
    # A quarter holding only the first round
    q3 = Period(2026, Frequency.QUARTER, 3)
    assert metric.compute(q3, today=dt.date(2026, 12, 31)) == {
        side_a.unit.pk: Decimal("100.0"),
        side_b.unit.pk: Decimal("0.0"),
    }


def test_report_records_list_the_rounds_behind_a_units_value(side_b, rounds):
    h1, h2 = rounds
    records = metrics.get("discipline.report_on_time").records(YEAR, side_b.unit.pk, today=dt.date(2026, 12, 31))
    report_1 = DutyReport.objects.get(round=h1, unit=side_b.unit)
    report_2 = DutyReport.objects.get(round=h2, unit=side_b.unit)
    assert [(r.label, r.day, r.note, r.url) for r in records] == [
        ("上半年", dt.date(2026, 7, 15), "逾期", reverse("discipline:report_detail", args=[report_1.pk])),
        ("下半年", dt.date(2026, 12, 20), "未报送（已逾期）", reverse("discipline:report_detail", args=[report_2.pk])),
    ]


def test_metric_query_count_does_not_grow(side_a, committee_user, rounds, django_assert_num_queries):
    metric = metrics.get("discipline.report_on_time")
    with django_assert_num_queries(2):
        first = metric.compute(YEAR, today=dt.date(2026, 12, 31))
    for i in range(5):
        open_round(committee_user, [UnitFactory(), side_a.unit], dt.date(2026, 9, 1 + i), f"专项{i}")
    with django_assert_num_queries(2):
        second = metric.compute(YEAR, today=dt.date(2026, 12, 31))
    assert len(second) == len(first) + 5
    assert second[side_a.unit.pk] == Decimal("28.6")  # 2 of 7


def test_due_reminder_goes_once_to_units_that_have_not_submitted(side_a, side_b, committee_user):
    round_ = open_round(committee_user, [side_a.unit, side_b.unit], dt.date(2026, 7, 15), "上半年")
    submit(side_a, round_, at(dt.date(2026, 7, 1)))
    # 8 days before: nothing
    assert reminders.send(today=dt.date(2026, 7, 7), now=at(dt.date(2026, 7, 7))) == 0
    assert reminders.send(today=dt.date(2026, 7, 8), now=at(dt.date(2026, 7, 8))) == 1
    note = Notification.objects.get(category=reminders.CATEGORY_DUE)
    assert note.user_id == side_b.unit_secretary.pk
    assert note.dedupe_key == f"discipline-report-due:{round_.pk}:{side_b.unit.pk}"
    assert "7天后" in note.body
    # Next days: never twice
    assert reminders.send(today=dt.date(2026, 7, 9), now=at(dt.date(2026, 7, 9))) == 0
    assert reminders.send(today=dt.date(2026, 7, 15), now=at(dt.date(2026, 7, 15))) == 0
    assert Notification.objects.filter(category=reminders.CATEGORY_DUE).count() == 1


def test_return_reminder_once_per_return(side_a, committee_user, django_assert_num_queries):
    round_ = open_round(committee_user, [side_a.unit], dt.date(2026, 7, 15), "上半年")
    now = at(dt.date(2026, 7, 20))
    report = submit(side_a, round_, at(dt.date(2026, 7, 1)))
    services.report_return(actor=committee_user, report=report, now=now, comment="请补充")
    assert reminders.send(today=now.date(), now=now) == 1
    assert reminders.send(today=now.date(), now=now) == 0
    # A second return is a new event: told again
    report = submit(side_a, round_, at(dt.date(2026, 7, 21)))
    services.report_return(actor=committee_user, report=report, now=now, comment="仍需补充")
    assert reminders.send(today=now.date(), now=now) == 1
    notes = list(Notification.objects.filter(category=reminders.CATEGORY_RETURNED).order_by("pk"))
    assert [n.user_id for n in notes] == [side_a.unit_secretary.pk] * 2
    assert "仍需补充" in notes[1].body
    # A branch secretary or member of the unit never hears of it
    assert not Notification.objects.filter(user__in=[side_a.branch_secretary, side_a.member_user]).exists()
