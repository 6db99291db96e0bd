"""Reads of exams (the progress page and tables use the summaries below)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.core.metrics import percent
from apps.core.periods import local_date, local_tz
from apps.orgs.access import scope_for
from apps.orgs.models import Member, Membership

from ..filters.exams import ExamFilter, QuestionFilter, ResultFilter
from ..models import AttemptAnswer, Exam, ExamAttempt, KnowledgeItem, KnowledgeStudy, Question, QuestionKind


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


def missed_items(member: Member, year: int, *, unstudied: bool = False) -> list[KnowledgeItem]:
    """应知应会 items behind the questions the member got wrong in the year's submitted attempts
    (`unstudied`: only those the member has not marked studied yet — the suggestions; still one query)."""
    wrong = AttemptAnswer.objects.filter(
        attempt__member=member,
        attempt__submitted_at__isnull=False,
        attempt__exam__opens_at__year=year,
        correct=False,
    ).values("question_id")
    items = KnowledgeItem.objects.filter(active=True, questions__in=wrong)
    if unstudied:
        items = items.exclude(pk__in=KnowledgeStudy.objects.filter(member=member).values("item_id"))
    return list(items.distinct().order_by("category", "order"))


# --- the exams area's reads (pages, API, metrics) ------------------------------------------------------------


def questions_in_scope(item_ids: Iterable[int]) -> QuerySet[Question]:
    """The active questions an exam over these 应知应会 items draws from (no items: the whole bank)."""
    qs = Question.objects.filter(active=True)
    item_ids = list(item_ids)
    if item_ids:
        tagged = Question.items.through.objects.filter(knowledgeitem_id__in=item_ids).values("question_id")
        qs = qs.filter(pk__in=tagged)
    return qs


def exam_pool_size(exam: Exam) -> int:
    """How many active questions the exam's scope holds now."""
    return questions_in_scope(exam.items.values_list("pk", flat=True)).count()


def exam_targets(exam: Exam, unit_id: int | None) -> bool:
    """Whether members of this unit sit the exam (no 参考单位 chosen: every unit). Reads `exam.units` (prefetch it)."""
    unit_ids = [u.pk for u in exam.units.all()]
    return not unit_ids or unit_id in unit_ids


def exam_state(exam: Exam, now: dt.datetime) -> str:
    """draft / upcoming / open / closed (filters.EXAM_STATE_CHOICES)."""
    if not exam.published:
        return "draft"
    if now < exam.opens_at:
        return "upcoming"
    return "open" if now < exam.closes_at else "closed"


def question_filter(*, user, filters=None) -> QuestionFilter:
    scope = scope_for(user)
    qs = scope.visible(Question).prefetch_related("items").order_by("-id")
    return QuestionFilter(filters, qs, scope=scope)


def question_get(*, user, pk) -> Question | None:
    return scope_for(user).visible(Question).prefetch_related("items").filter(pk=pk).first()


def _submitted_members(**conditions) -> Subquery:
    rows = (
        ExamAttempt.objects.filter(exam=OuterRef("pk"), submitted_at__isnull=False, **conditions)
        .values("exam")
        .annotate(n=Count("member", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def exam_filter(*, user, filters=None) -> ExamFilter:
    """The committee's exam list: every exam with how many took and passed it."""
    scope = scope_for(user)
    units = Exam.units.through.objects.filter(exam=OuterRef("pk")).values("exam").annotate(n=Count("unit")).values("n")
    qs = (
        scope.visible(Exam)
        .select_related("created_by")
        .annotate(
            took=_submitted_members(),
            passed_count=_submitted_members(passed=True),
            unit_count=Coalesce(Subquery(units), 0),
        )
        .order_by("-opens_at", "-id")
    )
    return ExamFilter(filters, qs, scope=scope)


def exam_get(*, user, pk) -> Exam | None:
    """An exam for whoever opens it: the committee sees drafts too, everyone else published ones only."""
    scope = scope_for(user)
    qs = Exam.objects.prefetch_related("units", "items").filter(pk=pk)
    if not scope.is_committee:
        qs = qs.filter(published=True)
    return qs.first()


def targeted_exams(user) -> QuerySet[Exam]:
    """The exams a user may open in the API: every exam for the committee, else published ones for their unit."""
    scope = scope_for(user)
    if scope.is_committee:
        return Exam.objects.all()
    if scope.member_id is None:
        return Exam.objects.none()
    return Exam.objects.filter(pk__in=exams_for_unit(scope.member_unit_id).values("pk"))


def member_attempts(member_id: int | None, exam_ids: Iterable[int] | QuerySet | None = None) -> list[ExamAttempt]:
    """A member's attempts (newest first), optionally only at these exams; one query."""
    if member_id is None:
        return []
    qs = ExamAttempt.objects.filter(member_id=member_id)
    if exam_ids is not None:
        qs = qs.filter(exam_id__in=exam_ids)
    return list(qs.order_by("exam_id", "number"))


def my_exams(*, member_id: int | None, unit_id: int | None, now: dt.datetime, since: dt.datetime) -> dict:
    """我的考试: the published exams of the member's unit in three lists (open, upcoming, closed since `since`),
    each exam carrying `.my_attempts`; two queries (exams with their units, the member's attempts)."""
    exams = list(
        Exam.objects.filter(pk__in=exams_for_unit(unit_id).values("pk"), closes_at__gte=since)
        .prefetch_related("units")
        .order_by("closes_at", "id")
    )
    attempts: dict[int, list[ExamAttempt]] = {}
    for attempt in member_attempts(member_id, [e.pk for e in exams]):
        attempts.setdefault(attempt.exam_id, []).append(attempt)
    sections: dict[str, list[Exam]] = {"open": [], "upcoming": [], "closed": []}
    for exam in exams:
        exam.my_attempts = attempts.get(exam.pk, [])
        exam.state = exam_state(exam, now)
        sections[exam.state].append(exam)
    sections["closed"].reverse()  # the latest first
    return sections


def attempt_get(*, user, pk) -> ExamAttempt | None:
    """An attempt for its own member; the committee may read any (never continue it). Others: None (404)."""
    scope = scope_for(user)
    qs = ExamAttempt.objects.select_related("exam", "member__branch__unit").filter(pk=pk)
    if not scope.is_committee:
        if scope.member_id is None:
            return None
        qs = qs.filter(member_id=scope.member_id)
    return qs.first()


def own_attempts(user) -> QuerySet[ExamAttempt]:
    """The API's attempts: the user's own, whatever their role."""
    member_id = scope_for(user).member_id
    if member_id is None:
        return ExamAttempt.objects.none()
    return ExamAttempt.objects.filter(member_id=member_id)


OPTION_LETTERS = "ABCDEF"


@dataclass(frozen=True)
class Choice:
    index: int
    label: str  # A, B… (判断题: the option itself)
    text: str
    chosen: bool


@dataclass
class DrawnQuestion:
    """One drawn question as the attempt shows it: the question, its number, what the member chose."""

    number: int
    question: Question
    chosen: list[int]
    correct: bool = False
    points: Decimal = Decimal(0)
    items: list[KnowledgeItem] = field(default_factory=list)

    @property
    def choices(self) -> list[Choice]:
        """The options as the take page shows them: never the key."""
        judge = self.question.kind == QuestionKind.JUDGE
        return [
            Choice(index=i, label="" if judge else OPTION_LETTERS[i], text=text, chosen=i in self.chosen)
            for i, text in enumerate(self.question.options)
        ]

    def _letters(self, indexes) -> str:
        if self.question.kind == QuestionKind.JUDGE:
            return "、".join(self.question.options[i] for i in indexes if i < len(self.question.options))
        return "".join(OPTION_LETTERS[i] for i in indexes if i < len(OPTION_LETTERS))

    @property
    def chosen_text(self) -> str:
        return self._letters(self.chosen) or "未作答"

    @property
    def key_text(self) -> str:
        """The correct answer: for the result page once `key_released` allows it, never for the take page."""
        return self._letters(self.question.answer)


def attempt_questions(attempt: ExamAttempt) -> list[DrawnQuestion]:
    """The drawn questions in the member's order with the saved answers (three queries)."""
    questions = Question.objects.prefetch_related("items").in_bulk(attempt.question_ids)
    answers = {a.question_id: a for a in attempt.answers.all()}
    out = []
    for number, question_id in enumerate(attempt.question_ids, start=1):
        question = questions[question_id]
        answer = answers.get(question_id)
        out.append(
            DrawnQuestion(
                number=number,
                question=question,
                chosen=list(answer.chosen) if answer else [],
                correct=bool(answer and answer.correct),
                points=answer.points if answer else Decimal(0),
                items=[i for i in question.items.all() if i.active],
            )
        )
    return out


def key_released(exam: Exam, now: dt.datetime) -> bool:
    """Whether submitted attempts may show the answer key and explanations: once the exam has closed, or
    when nobody can sit it again (no retakes), so that a retake is never handed the key."""
    return now >= exam.closes_at or not exam.allow_retake


# --- results of one exam ----------------------------------------------------------------------------------------


def reference_day(exam: Exam, today: dt.date) -> dt.date:
    """The day whose roster an exam is measured against: its closing day, or today while it is still open."""
    return min(local_date(exam.closes_at), today)


def targeted_memberships(exam: Exam, *, today: dt.date) -> QuerySet[Membership]:
    """Who sat (or should have sat) the exam: the members of its units on the reference day, by membership,
    each with `best` (best score), `attempt_count`, `taken` and `passed` annotated."""
    day = reference_day(exam, today)
    qs = Membership.objects.on(day).filter(branch__unit__active=True)
    unit_ids = [u.pk for u in exam.units.all()]
    if unit_ids:
        qs = qs.filter(branch__unit_id__in=unit_ids)
    submitted = ExamAttempt.objects.filter(exam=exam, member=OuterRef("member_id"), submitted_at__isnull=False)
    counts = submitted.values("member").annotate(n=Count("id")).values("n")
    return qs.select_related("member", "branch__unit").annotate(
        best=Subquery(submitted.order_by("-score").values("score")[:1]),
        attempt_count=Coalesce(Subquery(counts), 0),
        taken=Exists(submitted),
        passed=Exists(submitted.filter(passed=True)),
    )


def result_filter(*, user, exam: Exam, today: dt.date, filters=None) -> ResultFilter:
    scope = scope_for(user)
    qs = scope.filter(targeted_memberships(exam, today=today)).order_by(
        "branch__unit__order", "branch__unit_id", "branch__order", "branch_id", "member__name", "member_id"
    )
    return ResultFilter(filters, qs, scope=scope)


def unit_participation(memberships: QuerySet[Membership]) -> list[dict]:
    """Per unit: targeted members, how many took the exam, how many passed, 参考率 and 及格率 (one query)."""
    rows = (
        memberships.order_by()
        .values("branch__unit_id", "branch__unit__name", "branch__unit__order")
        .annotate(
            total=Count("id"),
            took=Count("id", filter=Q(taken=True)),
            passed_n=Count("id", filter=Q(passed=True)),
        )
        .order_by("branch__unit__order", "branch__unit_id")
    )
    return [
        {
            "unit_id": r["branch__unit_id"],
            "unit": r["branch__unit__name"],
            "total": r["total"],
            "took": r["took"],
            "passed": r["passed_n"],
            "participation": percent(r["took"], r["total"]),
            "pass_rate": percent(r["passed_n"], r["took"]),
        }
        for r in rows
    ]


# --- per unit over many exams (the metrics, the progress snapshots) ------------------------------------------


@dataclass
class ExamCounts:
    """Of a unit's members targeted by some exams (member × exam): how many took them and passed."""

    targeted: int = 0
    took: int = 0
    passed: int = 0

    @property
    def participation(self) -> Decimal | None:
        return percent(self.took, self.targeted)

    @property
    def pass_rate(self) -> Decimal | None:
        return percent(self.passed, self.took)


def exam_counts_by_unit(exams: Q, *, today: dt.date) -> dict[int, ExamCounts]:
    """Per unit, over the published exams matching `exams`: (member, exam) pairs targeted, taken and passed.

    A member counts for the unit of the branch they belonged to on the exam's reference day (its closing
    day, or `today` if it is still open), whatever the roster says now; an attempt counts if it was
    submitted by the end of `today`. Four queries whatever the number of units, exams and members.
    """
    rows = list(Exam.objects.filter(exams, published=True, opens_at__lt=_day_end(today)).values_list("pk", "closes_at"))
    if not rows:
        return {}
    days = {pk: reference_day(Exam(closes_at=closes_at), today) for pk, closes_at in rows}
    targets: dict[int, set[int]] = {}
    for exam_id, unit_id in Exam.units.through.objects.filter(exam_id__in=days).values_list("exam_id", "unit_id"):
        targets.setdefault(exam_id, set()).add(unit_id)
    memberships = list(
        Membership.objects.during(min(days.values()), max(days.values()))
        .filter(branch__unit__active=True)
        .values_list("member_id", "branch__unit_id", "start_on", "end_on")
    )
    took: set[tuple[int, int]] = set()
    passed: set[tuple[int, int]] = set()
    attempts = ExamAttempt.objects.filter(exam_id__in=days, submitted_at__lt=_day_end(today))
    for exam_id, member_id, ok in attempts.values_list("exam_id", "member_id", "passed").distinct():
        took.add((exam_id, member_id))
        if ok:
            passed.add((exam_id, member_id))
    out: dict[int, ExamCounts] = {}
    for exam_id, day in days.items():
        units = targets.get(exam_id)
        for member_id, unit_id, start_on, end_on in memberships:
            if start_on <= day and (end_on is None or end_on > day) and (not units or unit_id in units):
                counts = out.setdefault(unit_id, ExamCounts())
                counts.targeted += 1
                counts.took += (exam_id, member_id) in took
                counts.passed += (exam_id, member_id) in passed
    return out


def _day_end(day: dt.date) -> dt.datetime:
    """The first instant after `day` (local midnight)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz())
