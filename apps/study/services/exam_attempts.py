"""A member's attempt at an exam (答卷): start (the draw), save an answer, submit (the grade), close when time is up.

The server keeps the time: an attempt's deadline is min(start + the exam's duration, the window's close),
and nothing is accepted after it (plus GRACE for the network). An attempt nobody submitted is closed
on its saved answers when next touched (`attempt_close_if_expired`) and by `close_expired_attempts`,
which a periodic task calls. Each drawn question is worth 100 / (number drawn): single choice and
true/false all or nothing; multiple choice all or nothing unless the exam gives partial credit (then any
wrong option scores 0, else the share of the correct options chosen).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from apps.core.periods import local_time_label
from apps.orgs.access import scope_for
from apps.orgs.models import Member, User

from ..models import AttemptAnswer, Exam, ExamAttempt, Question, QuestionKind
from ..selectors.exams import exam_targets, questions_in_scope

GRACE = dt.timedelta(seconds=30)  # a submission sent at the deadline may arrive a little after it
NOT_DRAWN = "题目不在本次抽取的试题中。"
ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)
_draw = random.SystemRandom()


@dataclass(frozen=True)
class AnswerInput:
    """One answer as sent: the question's id and the chosen options' 0-based indexes."""

    question_id: int
    chosen: tuple[int, ...]


# --- grading ---------------------------------------------------------------------------------------------------


def grade_answer(question: Question, chosen: Iterable[int], *, partial_credit: bool) -> tuple[bool, Decimal]:
    """(all correct, share of the question's points earned: 0–1)."""
    chosen, key = set(chosen), set(question.answer)
    if chosen == key:
        return True, Decimal(1)
    if question.kind == QuestionKind.MULTIPLE and partial_credit and chosen and chosen < key:
        return False, Decimal(len(chosen)) / Decimal(len(key))
    return False, Decimal(0)


def score_of(shares: Iterable[Decimal], count: int) -> Decimal:
    """Out of 100 with one decimal: each of `count` questions worth 100 / count."""
    if not count:
        return Decimal("0.0")
    return (sum(shares, Decimal(0)) * HUNDRED / Decimal(count)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _grade(attempt: ExamAttempt, *, submitted_at: dt.datetime) -> ExamAttempt:
    """Grade every drawn question on the answers saved (none saved: wrong), close the attempt."""
    exam = attempt.exam
    questions = Question.objects.in_bulk(attempt.question_ids)
    saved = {a.question_id: a for a in attempt.answers.all()}
    count = len(attempt.question_ids)
    worth = HUNDRED / Decimal(count) if count else Decimal(0)
    shares, to_create, to_update = [], [], []
    for question_id in attempt.question_ids:
        answer = saved.get(question_id) or AttemptAnswer(attempt=attempt, question_id=question_id, chosen=[])
        correct, share = grade_answer(questions[question_id], answer.chosen, partial_credit=exam.partial_credit)
        answer.correct = correct
        answer.points = (worth * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        shares.append(share)
        (to_update if answer.pk else to_create).append(answer)
    AttemptAnswer.objects.bulk_create(to_create)
    AttemptAnswer.objects.bulk_update(to_update, ["correct", "points"])
    attempt.score = score_of(shares, count)
    attempt.passed = attempt.score >= exam.pass_score
    attempt.submitted_at = submitted_at
    attempt.full_clean()
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    return attempt


def is_expired(attempt: ExamAttempt, now: dt.datetime) -> bool:
    return attempt.submitted_at is None and now > attempt.deadline + GRACE


# --- the member's own attempt -------------------------------------------------------------------------------


def _own(actor: User, attempt_pk: int) -> ExamAttempt:
    """The attempt, locked, if it is the actor's own (another member's answers 404, as its page does)."""
    member_id = scope_for(actor).member_id
    attempt = (
        ExamAttempt.objects.select_for_update(of=("self",))
        .select_related("exam")
        .filter(pk=attempt_pk, member_id=member_id)
        .first()
    )
    if member_id is None or attempt is None:
        raise Http404("没有找到该答卷。")
    return attempt


def attempts_allowed(exam: Exam) -> int:
    """How many attempts a member has: one, unless the exam allows retakes (then `max_attempts`)."""
    return exam.max_attempts if exam.allow_retake else 1


def start_refusal(exam: Exam, *, unit_id: int | None, attempts: list[ExamAttempt], now: dt.datetime) -> str | None:
    """Why a member of `unit_id` with these `attempts` (closed ones; an open one is resumed) may not start
    a new attempt now, in Chinese; None when they may. Asked by the pages (the button) and `attempt_start`."""
    if not exam.published:
        return "该考试尚未发布。"
    if now < exam.opens_at:
        return f"考试尚未开始，开始时间为 {local_time_label(exam.opens_at)}。"
    if now >= exam.closes_at:
        return f"考试已于 {local_time_label(exam.closes_at)} 截止。"
    if not exam_targets(exam, unit_id):
        return "本次考试不面向您所在的单位。"
    if any(a.passed for a in attempts):
        return "您已通过本次考试，无需再次作答。"
    allowed = attempts_allowed(exam)
    if len(attempts) >= allowed:
        if exam.allow_retake:
            return f"本次考试最多可作答 {allowed} 次，您已作答 {len(attempts)} 次，次数已用完。"
        return "本次考试只能作答一次，您已作答过。"
    return None


def attempt_start(*, actor: User, exam: Exam, now: dt.datetime) -> tuple[ExamAttempt, bool]:
    """Start (or resume) the actor's attempt; returns (attempt, created).

    An unfinished attempt still in time is resumed, never duplicated. A new one draws `question_count`
    active questions of the exam's scope at random, in a random order (SystemRandom), and gets its
    deadline: min(now + duration, the window's close). Refused in Chinese (ValidationError) when the exam
    is not published, not open yet, closed, not for the member's unit, already passed, or when the
    attempts are used up (one, unless the exam allows retakes: then `max_attempts`).
    """
    scope = scope_for(actor)
    if scope.member_id is None:
        raise PermissionDenied("只有在册党员可以参加考试。")
    # One that ran out of time is closed first, in its own transaction: a refusal below must not undo that.
    for attempt in ExamAttempt.objects.filter(exam=exam, member_id=scope.member_id, submitted_at__isnull=True):
        attempt_close_if_expired(attempt=attempt, now=now)
    with transaction.atomic():
        member = Member.objects.select_for_update().select_related("branch").get(pk=scope.member_id)
        exam = Exam.objects.prefetch_related("units", "items").get(pk=exam.pk)
        attempts = list(ExamAttempt.objects.select_for_update().filter(exam=exam, member=member).order_by("number"))
        for attempt in attempts:
            if attempt.submitted_at is None and not is_expired(attempt, now):
                return attempt, False
        refused = start_refusal(exam, unit_id=member.branch.unit_id, attempts=attempts, now=now)
        if refused:
            raise ValidationError(refused)
        pool = list(questions_in_scope(i.pk for i in exam.items.all()).values_list("pk", flat=True))
        if not pool:
            raise ValidationError("题库中暂无可用的试题，请联系工委。")
        drawn = _draw.sample(pool, min(exam.question_count, len(pool)))  # a random subset, in a random order
        deadline = min(now + dt.timedelta(minutes=exam.duration_minutes), exam.closes_at)
        attempt = ExamAttempt(
            exam=exam,
            member=member,
            number=len(attempts) + 1,
            question_ids=drawn,
            started_at=now,
            deadline=deadline,
        )
        attempt.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                attempt.save()
        except IntegrityError:  # a second tab started the same attempt at the same moment
            return ExamAttempt.objects.get(exam=exam, member=member, number=attempt.number), False
    return attempt, True


def _checked(attempt: ExamAttempt, answers: Iterable[AnswerInput]) -> dict[int, list[int]]:
    """Each answer checked against the drawn questions: {question id: sorted chosen indexes}."""
    answers = list(answers)
    drawn = set(attempt.question_ids)
    if any(a.question_id not in drawn for a in answers):
        raise ValidationError({"question": NOT_DRAWN})
    questions = Question.objects.in_bulk([a.question_id for a in answers])
    out: dict[int, list[int]] = {}
    for answer in answers:
        question = questions[answer.question_id]
        chosen = sorted(set(answer.chosen))
        if any(not 0 <= i < len(question.options) for i in chosen):
            raise ValidationError({"chosen": f"所选选项超出范围：本题只有 {len(question.options)} 个选项。"})
        if question.kind != QuestionKind.MULTIPLE and len(chosen) > 1:
            raise ValidationError({"chosen": f"{QuestionKind(question.kind).label}只能选择一个选项。"})
        out[answer.question_id] = chosen
    return out


def _store(attempt: ExamAttempt, answers: dict[int, list[int]]) -> None:
    existing = {a.question_id: a for a in AttemptAnswer.objects.filter(attempt=attempt, question_id__in=answers)}
    to_create, to_update = [], []
    for question_id, chosen in answers.items():
        row = existing.get(question_id)
        if row is None:
            to_create.append(AttemptAnswer(attempt=attempt, question_id=question_id, chosen=chosen))
        elif row.chosen != chosen:
            row.chosen = chosen
            to_update.append(row)
    AttemptAnswer.objects.bulk_create(to_create)
    AttemptAnswer.objects.bulk_update(to_update, ["chosen"])


class AttemptClosed(ValidationError):
    """The attempt was past its deadline: it has just been closed on its saved answers (the message says so)."""


def _late_message(attempt: ExamAttempt) -> str:
    return (
        f"已超过交卷截止时间（{local_time_label(attempt.deadline)}），本次提交未被接受；"
        "系统已按截止前保存的答案自动交卷并评分。"
    )


def _write_open(actor: User, attempt_pk: int, now: dt.datetime, write) -> ExamAttempt:
    """Run `write(attempt)` on the actor's open attempt; past its deadline close it and raise AttemptClosed."""
    with transaction.atomic():
        attempt = _own(actor, attempt_pk)
        if attempt.submitted_at is not None:
            raise ValidationError("该答卷已交卷，不能再次提交或修改答案。")
        late = is_expired(attempt, now)
        if late:
            _grade(attempt, submitted_at=attempt.deadline)
        else:
            write(attempt)
    if late:
        raise AttemptClosed(_late_message(attempt))
    return attempt


def attempt_answer_save(*, actor: User, attempt: ExamAttempt, answer: AnswerInput, now: dt.datetime) -> ExamAttempt:
    """Save (or change) the answer to one drawn question while the attempt is open."""
    return _write_open(actor, attempt.pk, now, lambda a: _store(a, _checked(a, [answer])))


def attempt_submit(
    *, actor: User, attempt: ExamAttempt, answers: Iterable[AnswerInput] | None = None, now: dt.datetime
) -> ExamAttempt:
    """交卷: store the answers sent (if any) over the saved ones, grade on the server, close the attempt.

    Refused (ValidationError, nothing stored) for an answer to a question not drawn or an option out of
    range, and for an attempt already submitted. After the deadline (+ GRACE) the answers sent are not
    taken: the attempt is closed on the answers saved before it, and AttemptClosed says so.
    """
    answers = list(answers or [])

    def submit(open_attempt: ExamAttempt) -> None:
        _store(open_attempt, _checked(open_attempt, answers))
        _grade(open_attempt, submitted_at=now)

    return _write_open(actor, attempt.pk, now, submit)


def attempt_close_if_expired(*, attempt: ExamAttempt, now: dt.datetime) -> ExamAttempt:
    """Close an attempt nobody submitted once its deadline (+ GRACE) has passed; otherwise leave it."""
    if not is_expired(attempt, now):
        return attempt
    with transaction.atomic():
        locked = ExamAttempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=attempt.pk)
        if is_expired(locked, now):
            _grade(locked, submitted_at=locked.deadline)
    attempt.refresh_from_db()
    return attempt


def close_expired_attempts(*, now: dt.datetime) -> int:
    """Close every attempt past its deadline that nobody submitted (graded on its saved answers); returns how many.

    Idempotent: a periodic task calls it; an attempt already closed is left alone.
    """
    closed = 0
    pending = ExamAttempt.objects.filter(submitted_at__isnull=True, deadline__lt=now - GRACE).values_list(
        "pk", flat=True
    )
    for pk in list(pending):
        with transaction.atomic():
            attempt = ExamAttempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=pk)
            if is_expired(attempt, now):
                _grade(attempt, submitted_at=attempt.deadline)
                closed += 1
    return closed
