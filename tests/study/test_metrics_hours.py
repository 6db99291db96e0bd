"""study.hours_completion (学时达标率): per unit, members whose hours reach what was due, in fixed queries."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.core import metrics
from apps.core.periods import Frequency, Period
from apps.orgs.models import Membership
from tests.orgs.factories import BranchFactory, MemberFactory, UnitFactory
from tests.study.progress_factories import hours

pytestmark = pytest.mark.django_db

METRIC = metrics.get("study.hours_completion")
YEAR = Period(2025, Frequency.YEAR)
Q1 = Period(2025, Frequency.QUARTER, 1)


def test_values_on_two_units(side_a, side_b):
    a0, a1, a2 = side_a.members
    hours([a0, a1], "32", day=dt.date(2025, 3, 1))  # the whole year's target
    hours([a2], "8", day=dt.date(2025, 3, 1))  # Q1's share (32 × 90 / 365 = 7.9) but not the year's
    hours([side_b.member], "32", day=dt.date(2025, 5, 1))

    assert METRIC.compute(YEAR, today=dt.date(2025, 12, 31)) == {
        side_a.unit.pk: Decimal("50.0"),  # 2 of 4 (the second branch's member has nothing)
        side_b.unit.pk: Decimal("25.0"),  # 1 of 4
    }
    # A quarter: hours in it against its share of the year; B's May lesson is outside it.
    assert METRIC.compute(Q1, today=dt.date(2025, 12, 31)) == {
        side_a.unit.pk: Decimal("75.0"),
        side_b.unit.pk: Decimal("0.0"),
    }
    # As of mid-year, only what was due by then (16 学时) is asked for.
    assert METRIC.compute(YEAR, today=dt.date(2025, 7, 2)) == {
        side_a.unit.pk: Decimal("50.0"),
        side_b.unit.pk: Decimal("25.0"),
    }
    assert METRIC.compute(Period(2027, Frequency.YEAR), today=dt.date(2025, 12, 31)) == {}  # not begun
    side_b.unit.active = False
    side_b.unit.save()
    assert set(METRIC.compute(YEAR, today=dt.date(2025, 12, 31))) == {side_a.unit.pk}


def test_a_member_counts_where_they_were_last_in_the_period(side_a, side_b):
    mover = MemberFactory(branch=side_a.branch)
    hours([mover], "32", day=dt.date(2025, 2, 1))
    Membership.objects.filter(member=mover).update(end_on=dt.date(2025, 6, 1))
    Membership.objects.create(member=mover, branch=side_b.branch, start_on=dt.date(2025, 6, 1))
    values = METRIC.compute(YEAR, today=dt.date(2025, 12, 31))
    assert values[side_b.unit.pk] == Decimal("20.0")  # 1 of 5
    assert values[side_a.unit.pk] == Decimal("0.0")  # 0 of 4


# Active units, then the ledger of everyone: the year's settings, members, memberships, the platform start,
# then every hours source in one UNION ALL (party life's branch and unit lessons, study sessions and their links,
# 自学, discipline's 警示教育).
METRIC_QUERIES = 1 + 4 + 1


def test_query_count_does_not_grow_with_units(django_assert_num_queries):
    def grow(n):
        for _ in range(n):
            branch = BranchFactory(unit=UnitFactory())
            people = [MemberFactory(branch=branch) for _ in range(2)]
            hours(people, "5", day=dt.date(2025, 4, 1))

    grow(2)
    with django_assert_num_queries(METRIC_QUERIES):
        METRIC.compute(YEAR, today=dt.date(2025, 12, 31))
    grow(20)
    with django_assert_num_queries(METRIC_QUERIES):
        assert len(METRIC.compute(YEAR, today=dt.date(2025, 12, 31))) == 22
