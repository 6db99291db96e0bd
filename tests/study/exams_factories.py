"""Builders for the exam tests: a small bank with known keys, an exam around a given moment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.study.models import Exam, KnowledgeCategory, KnowledgeItem, Question, QuestionKind

EXPLANATION = "解析：依据党章第十条规定"


def item(title="中国共产党章程", **kwargs) -> KnowledgeItem:
    return KnowledgeItem.objects.create(category=KnowledgeCategory.PARTY_REGULATION, title=title, **kwargs)


def question(kind=QuestionKind.SINGLE, *, stem=None, options=None, answer=None, items=(), explanation="", active=True):
    if kind == QuestionKind.JUDGE:
        options, answer = ["正确", "错误"], answer if answer is not None else [0]
    else:
        options = options or ["甲选项", "乙选项", "丙选项", "丁选项"]
        answer = answer if answer is not None else ([1] if kind == QuestionKind.SINGLE else [0, 2, 3])
    q = Question.objects.create(
        kind=kind,
        stem=stem or f"{QuestionKind(kind).label}题干{Question.objects.count() + 1}",
        options=options,
        answer=answer,
        explanation=explanation,
        active=active,
    )
    q.items.set(items)
    return q


def bank(n=5, *, items=(), explanation=EXPLANATION) -> list[Question]:
    """n single-choice questions, key B (index 1), each with the same explanation text."""
    return [
        question(
            stem=f"单选题干第{i}号",
            options=["选项甲", "选项乙", "选项丙"],
            answer=[1],
            items=items,
            explanation=explanation,
        )
        for i in range(n)
    ]


def exam(*, now=None, opens=-1, closes=24, units=(), items=(), published=True, **fields) -> Exam:
    """An exam open from `opens` hours to `closes` hours around `now` (default: the wall clock)."""
    now = now or timezone.now()
    defaults = {
        "title": "2026年学法用法考试",
        "duration_minutes": 30,
        "question_count": 3,
        "pass_score": Decimal("60"),
    }
    defaults.update(fields)
    e = Exam.objects.create(
        opens_at=now + dt.timedelta(hours=opens),
        closes_at=now + dt.timedelta(hours=closes),
        published=published,
        **defaults,
    )
    e.units.set(units)
    e.items.set(items)
    return e


def aware(y, m, d, hh=9, mm=0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))
