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
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse

from apps.core.metrics import MetricRecord, register, shared
from apps.core.periods import Period, local_date, local_tz
from apps.orgs.models import Membership, Unit

from ..models import Exam, ExamAttempt
from ..selectors.exams import ExamCounts, exam_counts_by_unit, reference_day


def _day_end(today: dt.date) -> dt.datetime:
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz())


def exams_closed_in(period: Period, *, today: dt.date) -> Q:
    """Exams whose window closed within the period, no later than the end of the evaluation day."""
    start, next_start = period.bounds()
    return Q(closes_at__gte=start, closes_at__lt=min(next_start, _day_end(today)))


@shared
def unit_exam_counts(period: Period, *, today: dt.date) -> dict[int, ExamCounts]:
    """Per unit, the targeted / took / passed counts behind both metrics (four queries; once per ranking run)."""
    return exam_counts_by_unit(exams_closed_in(period, today=today), today=today)


@dataclass(frozen=True)
class Pair:
    """One (member, exam) pair the rates count for a unit."""

    exam: Exam
    member_name: str
    branch_name: str
    took: bool
    passed: bool


def unit_exam_pairs(period: Period, unit_id: int, *, today: dt.date) -> list[Pair]:
    """The (member, exam) pairs of one unit behind both rates, as `exam_counts_by_unit` counts them (four queries).

    The published exams closed in the period by `today`; for each, the members of the unit's branches on
    its reference day when it targeted the unit (or every unit); an attempt counts if submitted by `today`.
    """
    if not Unit.objects.filter(pk=unit_id, active=True).exists():
        return []
    exams = list(
        Exam.objects.filter(exams_closed_in(period, today=today), published=True, opens_at__lt=_day_end(today))
        .prefetch_related("units")
        .order_by("closes_at", "pk")
    )
    if not exams:
        return []
    days = {exam.pk: reference_day(exam, today) for exam in exams}
    memberships = list(
        Membership.objects.during(min(days.values()), max(days.values()))
        .filter(branch__unit_id=unit_id)
        .order_by("branch__order", "branch_id", "member__name", "member_id")
        .values_list("member_id", "member__name", "branch__name", "start_on", "end_on")
    )
    attempts = ExamAttempt.objects.filter(
        exam_id__in=days, member_id__in={row[0] for row in memberships}, submitted_at__lt=_day_end(today)
    )
    took: set[tuple[int, int]] = set()
    passed: set[tuple[int, int]] = set()
    for exam_id, member_id, ok in attempts.values_list("exam_id", "member_id", "passed").distinct():
        took.add((exam_id, member_id))
        if ok:
            passed.add((exam_id, member_id))
    pairs = []
    for exam in exams:
        day, units = days[exam.pk], {u.pk for u in exam.units.all()}
        if units and unit_id not in units:
            continue
        for member_id, name, branch, start_on, end_on in memberships:
            if start_on <= day and (end_on is None or end_on > day):
                key = (exam.pk, member_id)
                pairs.append(Pair(exam, name, branch, key in took, key in passed))
    return pairs


def _pair_record(pair: Pair, note: str) -> MetricRecord:
    return MetricRecord(
        label=f"{pair.exam.title} · {pair.member_name}（{pair.branch_name}）",
        day=local_date(pair.exam.closes_at),
        url=reverse("study:exam_results", args=[pair.exam.pk]),
        note=note,
    )


def participation_records(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """Every (member, exam) pair the 参考率 counts: those who did not take the exam first."""
    pairs = sorted(unit_exam_pairs(period, unit_id, today=today), key=lambda p: p.took)
    return [_pair_record(p, ("已参考，及格" if p.passed else "已参考，未及格") if p.took else "未参考") for p in pairs]


def pass_records(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """The pairs the 及格率 counts (those who took the exam): those who failed first."""
    pairs = sorted((p for p in unit_exam_pairs(period, unit_id, today=today) if p.took), key=lambda p: p.passed)
    return [_pair_record(p, "及格" if p.passed else "未及格") for p in pairs]


@register(
    "study.exam_participation",
    label="学法用法考试参考率",
    unit="%",
    description="本期截止（至评价日）的考试中，参考单位党员（按截止日的组织关系）已交卷的比例。",
    records=participation_records,
)
def exam_participation(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    counts = unit_exam_counts(period, today=today)
    return {unit_id: c.participation for unit_id, c in counts.items() if c.participation is not None}


@register(
    "study.exam_pass_rate",
    label="学法用法考试及格率",
    unit="%",
    description="本期截止（至评价日）的考试中，已交卷的党员有一次及格的比例。",
    records=pass_records,
)
def exam_pass_rate(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    counts = unit_exam_counts(period, today=today)
    return {unit_id: c.pass_rate for unit_id, c in counts.items() if c.pass_rate is not None}
