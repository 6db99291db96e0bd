"""Exam metrics: 参考率 and 及格率 per unit, exams closed in the period by the evaluation day, the tree as it was."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.core import metrics as registry
from apps.core.periods import Frequency, Period
from apps.orgs.models import Membership
from apps.study.metrics import exams as metrics
from apps.study.models import ExamAttempt
from tests.study.exams_factories import aware, exam

pytestmark = pytest.mark.django_db
Q2 = Period(2026, Frequency.QUARTER, 2)


def took(e, member, *, passed, number=1, when=None):
    when = when or e.closes_at - dt.timedelta(hours=1)
    return ExamAttempt.objects.create(
        exam=e,
        member=member,
        number=number,
        question_ids=[],
        started_at=when - dt.timedelta(minutes=20),
        deadline=when,
        submitted_at=when,
        score=Decimal("80" if passed else "40"),
        passed=passed,
    )


def on(y, m, d):
    return aware(y, m, d, 12)


@pytest.fixture
def city(side_a, side_b):
    """Exam 1 for unit A closes 10 May; exam 2 for every unit closes 10 June; a member of B moves to A on 1 June."""
    first = exam(now=on(2026, 5, 1), opens=0, closes=24 * 9, units=[side_a.unit])
    took(first, side_a.members[0], passed=True)
    took(first, side_a.members[1], passed=False)
    took(first, side_a.members[1], passed=True, number=2)  # a retake that passed: one member, once
    second = exam(now=on(2026, 6, 1), opens=0, closes=24 * 9)
    moved = side_b.members[2]
    Membership.objects.filter(member=moved).update(end_on=dt.date(2026, 6, 1))
    Membership.objects.create(member=moved, branch=side_a.branch, start_on=dt.date(2026, 6, 1))
    took(second, side_a.members[0], passed=False)
    took(second, moved, passed=False)
    took(second, side_b.members[0], passed=True)
    took(second, side_b.members[1], passed=True)
    later = exam(now=on(2026, 6, 25), opens=0, closes=24 * 10)  # closes 5 July: the next quarter's
    took(later, side_b.other_branch_member, passed=True)
    draft = exam(now=on(2026, 5, 1), opens=0, closes=24, published=False)
    took(draft, side_b.other_branch_member, passed=True)
    return first, second


def test_values_per_unit(city, side_a, side_b):
    today = dt.date(2026, 6, 30)
    # A: exam 1 — 4 targeted, 2 took, 2 passed; exam 2 — 4 + the member who moved in, 2 took, 0 passed
    # B: exam 2 only — 3 targeted (one moved out before it closed), 2 took, 2 passed
    assert metrics.exam_participation(Q2, today=today) == {
        side_a.unit.pk: Decimal("44.4"),
        side_b.unit.pk: Decimal("66.7"),
    }
    assert metrics.exam_pass_rate(Q2, today=today) == {
        side_a.unit.pk: Decimal("50.0"),
        side_b.unit.pk: Decimal("100.0"),
    }


def test_only_exams_closed_by_the_evaluation_day_count(city, side_a):
    today = dt.date(2026, 5, 31)  # exam 2 is still to come
    assert metrics.exam_participation(Q2, today=today) == {side_a.unit.pk: Decimal("50.0")}
    assert metrics.exam_pass_rate(Q2, today=today) == {side_a.unit.pk: Decimal("100.0")}
    assert metrics.exam_participation(Period(2026, Frequency.QUARTER, 1), today=today) == {}


def test_registered_and_a_fixed_number_of_queries(city, django_assert_num_queries):
    assert registry.get("study.exam_participation").fn is metrics.exam_participation
    assert registry.get("study.exam_pass_rate").fn is metrics.exam_pass_rate
    with django_assert_num_queries(4):
        metrics.exam_participation(Q2, today=dt.date(2026, 6, 30))
    with django_assert_num_queries(4):
        metrics.exam_pass_rate(Period(2026, Frequency.YEAR), today=dt.date(2026, 12, 31))
    with django_assert_num_queries(1):
        metrics.exam_pass_rate(Period(2025, Frequency.YEAR), today=dt.date(2026, 12, 31))
