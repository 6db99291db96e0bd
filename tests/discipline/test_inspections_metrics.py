"""What supervision feeds scoring (整改按时完成率, 约谈提醒次数: one grouped query each, records behind a unit's
value) and the rectification reminders (due in 7 days, overdue, the committee's digest), never sent twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.core import metrics
from apps.core.models import Notification
from apps.core.periods import Frequency, Period
from apps.discipline.models import TalkKind
from apps.discipline.reminders import inspections as reminders
from apps.discipline.services import inspections as services
from apps.discipline.services import talks as talk_services
from tests.discipline.test_rectifications_support import finding, png, submitted

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
Q2 = Period(2026, Frequency.QUARTER, 2)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def _accepted(committee, side, *, deadline, on):
    rect = submitted(committee, side, deadline=deadline)
    return services.rectification_accept(actor=committee, rectification=rect, now=_at(on))


def test_rectification_on_time_rate(committee_user, side_a, side_b, django_assert_num_queries):
    _accepted(committee_user, side_a, deadline=dt.date(2026, 4, 30), on=dt.date(2026, 4, 30))  # on time (the day)
    _accepted(committee_user, side_a, deadline=dt.date(2026, 5, 10), on=dt.date(2026, 5, 11))  # late
    finding(committee_user, side_a.unit, deadline=dt.date(2026, 5, 20))  # never accepted: not on time
    finding(committee_user, side_a.unit, deadline=dt.date(2026, 6, 25))  # after the evaluation day: not yet
    finding(committee_user, side_a.unit, deadline=dt.date(2026, 3, 31))  # before the period
    _accepted(committee_user, side_b, deadline=dt.date(2026, 6, 1), on=dt.date(2026, 5, 30))
    metric = metrics.get("discipline.rectification_on_time")
    with django_assert_num_queries(1):
        values = metric.compute(Q2, today=dt.date(2026, 6, 10))
    assert values == {side_a.unit.pk: Decimal("33.3"), side_b.unit.pk: Decimal("100.0")}
    records = metric.records(Q2, side_a.unit.pk, today=dt.date(2026, 6, 10))
    assert [(r.day, r.note) for r in records] == [
        (dt.date(2026, 4, 30), "按时销号（2026-04-30）"),
        (dt.date(2026, 5, 10), "逾期销号（2026-05-11）"),
        (dt.date(2026, 5, 20), "未按期销号（待整改）"),
    ]
    assert all(r.url.startswith("/discipline/rectifications/") for r in records)
    # evaluated earlier, the May deadlines are not due yet
    assert metric.compute(Q2, today=dt.date(2026, 5, 1))[side_a.unit.pk] == Decimal("100.0")


def test_talks_held(committee_user, side_a, side_b, django_assert_num_queries):
    def talk(unit, day):
        return talk_services.talk_create(
            actor=committee_user,
            fields={
                "unit": unit,
                "kind": TalkKind.ADMONITION,
                "talked_with": "局长",
                "talked_by": "工委书记",
                "reason": f"{day}的约谈",
                "held_on": day,
            },
        )

    talk(side_a.unit, dt.date(2026, 4, 2))
    talk(side_a.unit, dt.date(2026, 6, 9))
    talk(side_a.unit, dt.date(2026, 6, 20))  # after the evaluation day
    talk(side_a.unit, dt.date(2026, 3, 30))  # before the period
    talk(side_b.unit, dt.date(2026, 5, 5))
    metric = metrics.get("discipline.talks_held")
    with django_assert_num_queries(1):
        values = metric.compute(Q2, today=dt.date(2026, 6, 10))
    assert values == {side_a.unit.pk: Decimal(2), side_b.unit.pk: Decimal(1)}
    records = metric.records(Q2, side_a.unit.pk, today=dt.date(2026, 6, 10))
    assert [r.day for r in records] == [dt.date(2026, 4, 2), dt.date(2026, 6, 9)]
    assert records[0].label == "约谈：局长" and records[0].url.startswith("/discipline/talks/")


def test_reminders_due_overdue_and_digest_never_twice(committee_user, side_a, side_b, django_assert_max_num_queries):
    today = dt.date(2026, 6, 10)
    due = finding(committee_user, side_a.unit, deadline=dt.date(2026, 6, 17)).rectification  # 7 days: due
    finding(committee_user, side_a.unit, deadline=dt.date(2026, 6, 18))  # 8 days: not yet
    late = finding(committee_user, side_b.unit, deadline=dt.date(2026, 6, 9)).rectification  # overdue
    waiting = finding(committee_user, side_b.unit, deadline=dt.date(2026, 6, 1)).rectification
    services.rectification_submit(
        actor=side_b.unit_secretary, rectification=waiting, measures="已整改", files=[png()], now=_at(today, 8)
    )  # submitted: the unit is not reminded; the committee's digest counts it
    now = _at(today, 9)
    with django_assert_max_num_queries(8):
        sent = reminders.send(today=today, now=now)
    assert sent == 3
    got = {(n.user_id, n.dedupe_key) for n in Notification.objects.all()}
    assert got == {
        (side_a.unit_secretary.pk, f"discipline-rect-due:{due.pk}"),
        (side_b.unit_secretary.pk, f"discipline-rect-overdue:{late.pk}"),
        (committee_user.pk, "discipline-rect-submitted:2026-06-10"),
    }
    assert "还剩 7 天" in Notification.objects.get(user=side_a.unit_secretary).body
    assert reminders.send(today=today, now=now) == 0  # never twice
    # the due one, once overdue, is told again (a new key), once
    assert reminders.send(today=dt.date(2026, 6, 18), now=_at(dt.date(2026, 6, 18))) == 2
    assert reminders.send(today=dt.date(2026, 6, 18), now=_at(dt.date(2026, 6, 18))) == 0
    keys = set(Notification.objects.filter(user=side_a.unit_secretary).values_list("dedupe_key", flat=True))
    assert f"discipline-rect-overdue:{due.pk}" in keys


def test_accepted_ones_are_not_reminded(committee_user, side_a):
    rect = submitted(committee_user, side_a, deadline=dt.date(2026, 6, 12))
    services.rectification_accept(actor=committee_user, rectification=rect, now=_at(dt.date(2026, 6, 1)))
    assert reminders.send(today=dt.date(2026, 6, 20), now=_at(dt.date(2026, 6, 20))) == 0
