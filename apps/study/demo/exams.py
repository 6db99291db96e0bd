"""The demo's question bank and two exams (演示数据·学法用法考试): one finished last month, one open now.

The finished exam was sat by most members of every unit (fewer, and with lower marks, in the weak unit),
each attempt a random draw of the bank in a random order, graded as the exams area grades: every question
is worth 100 ÷ n points, a multiple-choice question only when every right option and no other is chosen.
The open exam closes in two weeks: a few members have sat it, `dangyuan` has not. `dangyuan` passed the
finished one with two questions wrong, so the progress page suggests the items behind them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..models import AttemptAnswer, Exam, ExamAttempt, KnowledgeItem, Question, QuestionKind
from .texts import FINISHED_EXAM, OPEN_EXAM, PARTY, QUESTIONS, SEED
from .world import World
from .write import insert_rows, link, with_history

QUESTIONS_PER_EXAM = 10
FINISHED_TURNOUT, WEAK_TURNOUT, OPEN_TURNOUT = 0.93, 0.7, 0.02


@dataclass
class Summary:
    questions: int = 0
    attempts: int = 0
    passed: int = 0
    open_attempts: int = 0


def write_bank(items: dict[str, KnowledgeItem]) -> list[Question]:
    """The bank, each question tagged with its items (`q.titles`: their titles, for the draws below)."""
    questions = [
        Question(kind=kind, stem=stem, options=list(options), answer=list(answer))
        for kind, stem, options, answer, _ in QUESTIONS
    ]
    for q, (*_, titles) in zip(questions, QUESTIONS, strict=True):
        q.full_clean()
        q.titles = titles
    with_history(questions, Question)
    link(
        Question,
        "items",
        [(q.pk, items[t].pk) for q, (*_, titles) in zip(questions, QUESTIONS, strict=True) for t in titles],
    )
    return questions


def _window(w: World) -> tuple[dt.datetime, dt.datetime, dt.datetime, dt.datetime]:
    """(finished opens, closes, open opens, closes): last month's 1st–20th; from a week ago to two weeks on."""
    last_month = (w.today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    open_from = max(w.at(w.start, 0), w.now - dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    return (
        w.at(last_month, 9),
        w.at(last_month.replace(day=20), 18),
        open_from,
        w.at(w.today + dt.timedelta(days=14), 18),
    )


def write_exams(w: World, questions: list[Question], items: dict[str, KnowledgeItem]) -> Summary:
    summary = Summary(questions=len(questions))
    finished_opens, finished_closes, open_opens, open_closes = _window(w)
    creator = w.users.get("gongwei")
    finished = Exam(
        title=FINISHED_EXAM.format(year=finished_opens.year),
        description="全市党员参加；考查应知应会清单中的党内法规和国家法律。",
        opens_at=finished_opens,
        closes_at=finished_closes,
        duration_minutes=30,
        question_count=QUESTIONS_PER_EXAM,
        pass_score=Decimal("60"),
        published=True,
        created_by=creator,
    )
    current = Exam(
        title=OPEN_EXAM.format(year=w.year),
        description="全市党员参加；考查应知应会清单中的党内法规。请在截止时间前完成。",
        opens_at=open_opens,
        closes_at=open_closes,
        duration_minutes=20,
        question_count=QUESTIONS_PER_EXAM,
        pass_score=Decimal("60"),
        published=True,
        created_by=creator,
    )
    for exam in (finished, current):
        exam.full_clean()
    with_history([finished, current], Exam)
    party_items = [item for item in items.values() if item.category == PARTY]
    link(Exam, "items", [(current.pk, item.pk) for item in party_items])
    party_titles = {item.title for item in party_items}
    pools = {finished.pk: questions, current.pk: [q for q in questions if party_titles & set(q.titles)]}

    attempts, answers = [], []
    for member_id, member in w.members.items():
        if not member.active:
            continue
        rng = random.Random(f"{SEED}:exam:{member.name}:{member.birth_date}")
        weak = w.weak_unit is not None and member.branch.unit_id == w.weak_unit.pk
        ability = min(0.97, max(0.3, rng.gauss(0.58 if weak else 0.8, 0.12)))
        sat = rng.random() < (WEAK_TURNOUT if weak else FINISHED_TURNOUT) * (0.6 + 0.4 * w.diligence[member_id])
        if member == w.dangyuan or sat:
            wrong = 2 if member == w.dangyuan else None
            start = _start(rng, finished_opens, finished_closes, finished.duration_minutes)
            attempts.append(_attempt(rng, finished, member_id, pools[finished.pk], ability, start, answers, wrong))
        if member != w.dangyuan and rng.random() < OPEN_TURNOUT * (0.3 if weak else 1):
            start = _start(rng, open_opens, min(open_closes, w.now - dt.timedelta(hours=1)), current.duration_minutes)
            if start is not None:
                attempts.append(_attempt(rng, current, member_id, pools[current.pk], ability, start, answers, None))
    ExamAttempt.objects.bulk_create(attempts, batch_size=1000)
    rows = [(attempt.pk, question_id, chosen, right, points) for attempt, question_id, chosen, right, points in answers]
    insert_rows(AttemptAnswer, ("attempt", "question", "chosen", "correct", "points"), rows)
    summary.attempts = sum(a.exam_id == finished.pk for a in attempts)
    summary.passed = sum(a.exam_id == finished.pk and a.passed for a in attempts)
    summary.open_attempts = len(attempts) - summary.attempts
    return summary


def _start(rng: random.Random, opens: dt.datetime, closes: dt.datetime, minutes: int) -> dt.datetime | None:
    latest = closes - dt.timedelta(minutes=minutes)
    if latest <= opens:
        return None
    seconds = int((latest - opens).total_seconds())
    return (opens + dt.timedelta(seconds=rng.randint(0, seconds))).replace(second=0, microsecond=0)


def _attempt(rng, exam, member_id, pool, ability, start, answers, wrong) -> ExamAttempt:
    """One submitted, graded attempt; its answers are appended to `answers` as (attempt, question id, …)."""
    drawn = rng.sample(pool, min(exam.question_count, len(pool)))
    worth = Decimal(100) / len(drawn)
    misses = _misses(drawn, wrong) if wrong is not None else None
    score = Decimal(0)
    attempt = ExamAttempt(
        exam=exam,
        member_id=member_id,
        number=1,
        question_ids=[q.pk for q in drawn],
        started_at=start,
        deadline=start + dt.timedelta(minutes=exam.duration_minutes),
        submitted_at=start
        + dt.timedelta(minutes=rng.randint(6, exam.duration_minutes - 2), seconds=rng.randint(0, 59)),
    )
    for n, q in enumerate(drawn):
        right = (n not in misses) if misses is not None else rng.random() < ability
        chosen = list(q.answer) if right else _wrong_choice(rng, q)
        points = worth.quantize(Decimal("0.01")) if right else Decimal(0)
        score += worth if right else 0
        answers.append((attempt, q.pk, chosen, right, points))
    attempt.score = score.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    attempt.passed = attempt.score >= exam.pass_score
    return attempt


def _misses(drawn: list[Question], wrong: int) -> set[int]:
    """The first `wrong` drawn questions on items no earlier miss was on (so each suggests another item)."""
    misses, seen = set(), set()
    for n, q in enumerate(drawn):
        if len(misses) < wrong and not seen & set(q.titles):
            misses.add(n)
            seen |= set(q.titles)
    return misses


def _wrong_choice(rng: random.Random, q: Question) -> list[int]:
    """A plausible wrong answer: another option; of a multiple-choice question a right one missed or one too many."""
    options = range(len(q.options))
    if q.kind != QuestionKind.MULTIPLE:
        return [rng.choice([i for i in options if i not in q.answer])]
    right = list(q.answer)
    if len(right) > 1 and rng.random() < 0.6:
        right.remove(rng.choice(right))
        return sorted(right)
    extra = [i for i in options if i not in q.answer]
    return sorted([*right, rng.choice(extra)]) if extra else right[:-1]
