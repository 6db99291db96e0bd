"""Study metrics · 学法用法考试 (core metric registry): 参考率 and 及格率 per unit.

Which exams count for a period, as of the evaluation day `today`: the published exams whose window
**closed within the period, no later than the end of `today`** (an exam still open on `today` is not
measured yet; it counts in the period it closes in). For each such exam, the members it targeted are the
members of the branches of its 参考单位 (every active unit when none is named) **on its closing day**, by
membership (`Membership`, the tree as it was), whatever the roster says now; a member counts for the unit
of that branch. An attempt counts if it was submitted by the end of `today`.

| metric                   | value                                                       | queries |
|--------------------------|-------------------------------------------------------------|---------|
| study.exam_participation | (member, exam) pairs that took the exam / pairs targeted    | 4 (1 when no exam) |
| study.exam_pass_rate     | pairs with a passing attempt / pairs that took the exam     | 4 (1 when no exam) |

A unit absent from a result had nobody to measure (no targeted members; for the pass rate, nobody took).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q

from apps.core.metrics import register
from apps.core.periods import Period, local_tz

from ..selectors.exams import ExamCounts, exam_counts_by_unit


def exams_closed_in(period: Period, *, today: dt.date) -> Q:
    """Exams whose window closed within the period, no later than the end of the evaluation day."""
    start, next_start = period.bounds()
    day_end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz())
    return Q(closes_at__gte=start, closes_at__lt=min(next_start, day_end))


def unit_exam_counts(period: Period, *, today: dt.date) -> dict[int, ExamCounts]:
    """Per unit, the targeted / took / passed counts behind both metrics (four queries)."""
    return exam_counts_by_unit(exams_closed_in(period, today=today), today=today)


@register(
    "study.exam_participation",
    label="学法用法考试参考率",
    unit="%",
    description="本期截止（至评价日）的考试中，参考单位党员（按截止日的组织关系）已交卷的比例。",
)
def exam_participation(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    counts = unit_exam_counts(period, today=today)
    return {unit_id: c.participation for unit_id, c in counts.items() if c.participation is not None}


@register(
    "study.exam_pass_rate",
    label="学法用法考试及格率",
    unit="%",
    description="本期截止（至评价日）的考试中，已交卷的党员有一次及格的比例。",
)
def exam_pass_rate(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    counts = unit_exam_counts(period, today=today)
    return {unit_id: c.pass_rate for unit_id, c in counts.items() if c.pass_rate is not None}
