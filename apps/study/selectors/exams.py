"""Reads of exams (the progress page and tables use the summaries below)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from apps.orgs.models import Member

from ..models import AttemptAnswer, Exam, ExamAttempt, KnowledgeItem


@dataclass(frozen=True)
class ExamTally:
    taken: int = 0  # exams of the year with a submitted attempt
    passed: int = 0  # exams of the year with a passed attempt


def exams_for_unit(unit_id: int | None) -> QuerySet[Exam]:
    """Published exams a member of this unit sits: those for every unit, and those naming the unit."""
    return Exam.objects.filter(published=True).filter(Q(units__isnull=True) | Q(units=unit_id)).distinct()


def exams_of_year(year: int) -> Q:
    return Q(opens_at__year=year)


def due_exams(member: Member, *, now: dt.datetime) -> list[Exam]:
    """Exams still due for a member this year: published for their unit, not closed, not yet passed."""
    passed = ExamAttempt.objects.filter(member=member, passed=True).values("exam_id")
    return list(
        exams_for_unit(member.branch.unit_id)
        .filter(exams_of_year(now.year), closes_at__gt=now)
        .exclude(pk__in=passed)
        .order_by("closes_at")
    )


def exam_tallies(member_ids: Iterable[int] | QuerySet, year: int) -> dict[int, ExamTally]:
    """Per member, the exams of the year they took and passed (one query)."""
    rows = (
        ExamAttempt.objects.filter(member_id__in=member_ids, submitted_at__isnull=False, exam__opens_at__year=year)
        .values_list("member_id", "exam_id", "passed")
        .distinct()
    )
    taken: dict[int, set[int]] = {}
    passed: dict[int, set[int]] = {}
    for member_id, exam_id, ok in rows:
        taken.setdefault(member_id, set()).add(exam_id)
        if ok:
            passed.setdefault(member_id, set()).add(exam_id)
    return {m: ExamTally(taken=len(ids), passed=len(passed.get(m, ()))) for m, ids in taken.items()}


def missed_items(member: Member, year: int) -> list[KnowledgeItem]:
    """应知应会 items behind the questions the member got wrong in the year's submitted attempts."""
    wrong = AttemptAnswer.objects.filter(
        attempt__member=member,
        attempt__submitted_at__isnull=False,
        attempt__exam__opens_at__year=year,
        correct=False,
    ).values("question_id")
    return list(KnowledgeItem.objects.filter(active=True, questions__in=wrong).distinct().order_by("category", "order"))
