"""Grading (评分): each question type, partial credit for multiple choice, the score out of 100, the pass mark."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.study.models import AttemptAnswer, QuestionKind
from apps.study.services import exams as services
from tests.study.exams_factories import aware, exam, question

pytestmark = pytest.mark.django_db
NOW = aware(2026, 5, 10, 9)


def grade(q, chosen, partial=False):
    return services.grade_answer(q, chosen, partial_credit=partial)


def test_single_and_judge_are_all_or_nothing():
    single = question(QuestionKind.SINGLE, answer=[1])
    judge = question(QuestionKind.JUDGE, answer=[1])
    assert grade(single, [1]) == (True, Decimal(1))
    assert grade(single, [0]) == (False, Decimal(0))
    assert grade(single, []) == (False, Decimal(0))
    assert grade(judge, [1]) == (True, Decimal(1))
    assert grade(judge, [0]) == (False, Decimal(0))
    # partial credit never applies to them
    assert grade(single, [0], partial=True) == (False, Decimal(0))


def test_multiple_is_all_or_nothing_unless_partial_credit():
    multiple = question(QuestionKind.MULTIPLE, answer=[0, 2, 3])
    assert grade(multiple, [0, 2, 3]) == (True, Decimal(1))
    assert grade(multiple, [3, 0, 2]) == (True, Decimal(1))  # order does not matter
    assert grade(multiple, [0, 2]) == (False, Decimal(0))  # 少选, no partial credit
    # partial credit: the share of correct options chosen; any wrong option scores 0
    correct, share = grade(multiple, [0, 2], partial=True)
    assert correct is False and share == Decimal(2) / Decimal(3)
    assert grade(multiple, [0, 1], partial=True) == (False, Decimal(0))  # 错选
    assert grade(multiple, [], partial=True) == (False, Decimal(0))
    assert grade(multiple, [0, 1, 2, 3], partial=True) == (False, Decimal(0))


def test_score_is_out_of_100_with_one_decimal():
    assert services.score_of([Decimal(1)] * 3, 3) == Decimal("100.0")
    assert services.score_of([Decimal(1), Decimal(0), Decimal(0)], 3) == Decimal("33.3")
    assert services.score_of([Decimal(1), Decimal(1), Decimal(0)], 3) == Decimal("66.7")
    assert services.score_of([Decimal(2) / Decimal(3), Decimal(0)], 2) == Decimal("33.3")
    assert services.score_of([], 0) == Decimal("0.0")


def _fixed_attempt(side, questions, **exam_fields):
    """An attempt whose draw is exactly `questions`, in that order."""
    e = exam(now=NOW, question_count=len(questions), **exam_fields)
    attempt, created = services.attempt_start(actor=side.member_user, exam=e, now=NOW)
    assert created
    attempt.question_ids = [q.pk for q in questions]
    attempt.save()
    return attempt


def answers(*pairs):
    return [services.AnswerInput(question_id=q.pk, chosen=tuple(chosen)) for q, chosen in pairs]


def test_submission_graded_on_the_server_each_question_worth_100_over_n(side_a):
    single = question(QuestionKind.SINGLE, answer=[1])
    judge = question(QuestionKind.JUDGE, answer=[0])
    multiple = question(QuestionKind.MULTIPLE, answer=[0, 2, 3])
    none = question(QuestionKind.SINGLE, answer=[2])
    attempt = _fixed_attempt(side_a, [single, judge, multiple, none], pass_score=Decimal("50"))

    done = services.attempt_submit(
        actor=side_a.member_user,
        attempt=attempt,
        answers=answers((single, [1]), (judge, [0]), (multiple, [0, 2])),  # 少选, and `none` left blank
        now=NOW + dt.timedelta(minutes=5),
    )

    assert done.score == Decimal("50.0") and done.passed is True
    rows = {a.question_id: a for a in AttemptAnswer.objects.filter(attempt=done)}
    assert set(rows) == {single.pk, judge.pk, multiple.pk, none.pk}  # the blank one is recorded as wrong
    assert (rows[single.pk].correct, rows[single.pk].points) == (True, Decimal("25.00"))
    assert (rows[multiple.pk].correct, rows[multiple.pk].points) == (False, Decimal("0.00"))
    assert (rows[none.pk].correct, rows[none.pk].chosen) == (False, [])


def test_partial_credit_exam_gives_the_share_of_a_multiple_choice(side_a):
    multiple = question(QuestionKind.MULTIPLE, answer=[0, 2, 3])
    single = question(QuestionKind.SINGLE, answer=[1])
    attempt = _fixed_attempt(side_a, [multiple, single], partial_credit=True, pass_score=Decimal("60"))

    done = services.attempt_submit(
        actor=side_a.member_user, attempt=attempt, answers=answers((multiple, [0, 2]), (single, [0])), now=NOW
    )

    # 2 of 3 correct options of a 50-point question: 33.33 points; the single is wrong
    assert done.score == Decimal("33.3") and done.passed is False
    answer = AttemptAnswer.objects.get(attempt=done, question=multiple)
    assert answer.correct is False and answer.points == Decimal("33.33")


def test_pass_mark_is_inclusive(side_a):
    qs = [question(QuestionKind.SINGLE, answer=[1]) for _ in range(5)]
    attempt = _fixed_attempt(side_a, qs, pass_score=Decimal("60"))
    done = services.attempt_submit(
        actor=side_a.member_user, attempt=attempt, answers=answers(*((q, [1]) for q in qs[:3])), now=NOW
    )
    assert done.score == Decimal("60.0") and done.passed is True
