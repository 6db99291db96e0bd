"""Small builders for the progress tests: hours from a study session or 自学, exams and attempts, 应知应会 items."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from apps.study.models import (
    AttemptAnswer,
    Exam,
    ExamAttempt,
    KnowledgeItem,
    KnowledgeStudy,
    Question,
    QuestionKind,
    SelfStudy,
    SessionAttendance,
    SessionKind,
    StudySession,
)

_seq = itertools.count(1)


def hours(members, amount, *, day: dt.date, topic: str = "专题培训") -> StudySession:
    """A 专题培训 of the first member's unit worth `amount` 学时 that every member attended."""
    members = list(members)
    unit = members[0].branch.unit
    session = StudySession.objects.create(
        kind=SessionKind.TRAINING,
        unit=unit,
        topic=f"{topic}{next(_seq)}",
        held_on=day,
        hours=Decimal(str(amount)),
    )
    SessionAttendance.objects.bulk_create([SessionAttendance(session=session, member=m) for m in members])
    return session


def self_study(member, amount, *, day: dt.date, title: str = "读原著") -> SelfStudy:
    return SelfStudy.objects.create(member=member, studied_on=day, title=title, hours=Decimal(str(amount)))


def item(title: str | None = None, **kwargs) -> KnowledgeItem:
    return KnowledgeItem.objects.create(category="party", title=title or f"条例{next(_seq)}", **kwargs)


def studied(member, *items) -> None:
    KnowledgeStudy.objects.bulk_create([KnowledgeStudy(member=member, item=i) for i in items])


def exam(*, opens_at=None, closes_at=None, units=(), title: str | None = None, **kwargs) -> Exam:
    now = timezone.now()
    row = Exam.objects.create(
        title=title or f"学法用法考试{next(_seq)}",
        opens_at=opens_at or now - dt.timedelta(days=1),
        closes_at=closes_at or now + dt.timedelta(days=7),
        published=True,
        **kwargs,
    )
    if units:
        row.units.set(units)
    return row


def attempt(exam_row: Exam, member, *, passed: bool, wrong=(), submitted: bool = True) -> ExamAttempt:
    """A submitted attempt; `wrong` are 应知应会 items behind questions the member got wrong."""
    started = exam_row.opens_at + dt.timedelta(minutes=5)
    row = ExamAttempt.objects.create(
        exam=exam_row,
        member=member,
        started_at=started,
        deadline=started + dt.timedelta(minutes=30),
        submitted_at=started + dt.timedelta(minutes=20) if submitted else None,
        score=Decimal("90") if passed else Decimal("40"),
        passed=passed,
    )
    for knowledge in wrong:
        question = Question.objects.create(
            kind=QuestionKind.JUDGE, stem=f"判断题{next(_seq)}", options=["正确", "错误"], answer=[0]
        )
        question.items.add(knowledge)
        AttemptAnswer.objects.create(attempt=row, question=question, chosen=[1], correct=False)
    return row
