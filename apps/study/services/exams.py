"""学法用法考试 writes: the question bank, exams and their publication, and (re-exported) attempts and the import.

Every write here belongs to the committee (`permissions.can_configure`). A member's attempt is written by
`exam_attempts` (start, save an answer, submit, close an expired one); the bank's Excel import is in
`exam_import`. Callers write `services.exams.<function>(...)`: the names at the bottom are the surface.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.dates import validate_record_date
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import Unit, User

from .. import permissions
from ..models import Exam, KnowledgeItem, Question, QuestionKind
from ..selectors.exams import OPTION_LETTERS as LETTERS
from ..selectors.exams import exam_pool_size, exam_targets, questions_in_scope
from .exam_attempts import (
    GRACE,
    NOT_DRAWN,
    AnswerInput,
    AttemptClosed,
    attempt_answer_save,
    attempt_close_if_expired,
    attempt_start,
    attempt_submit,
    attempts_allowed,
    close_expired_attempts,
    grade_answer,
    is_expired,
    score_of,
    start_refusal,
)
from .exam_import import (
    IMPORT_COLUMNS,
    IMPORT_EXAMPLE_ROW,
    QuestionImportResult,
    question_import,
)

CONFIGURE_DENIED = "只有工委管理员可以维护题库和考试。"
JUDGE_OPTIONS = ["正确", "错误"]
MIN_OPTIONS, MAX_OPTIONS = 2, 6
OPTION_MAX = 200
#: What may be written for 判断题: each text → the index of 正确 (0) or 错误 (1).
JUDGE_WORDS = {"正确": 0, "对": 0, "√": 0, "是": 0, "错误": 1, "错": 1, "×": 1, "否": 1}
_SEPARATORS = re.compile(r"[\s,，、;；/]+")

QUESTION_FIELDS = ("kind", "stem", "options", "answer", "explanation")
EXAM_FIELDS = (
    "title",
    "description",
    "opens_at",
    "closes_at",
    "duration_minutes",
    "question_count",
    "pass_score",
    "partial_credit",
    "allow_retake",
    "max_attempts",
)
#: What decides the draw and the grade: frozen once anybody has started the exam.
EXAM_FROZEN_FIELDS = ("duration_minutes", "question_count", "pass_score", "partial_credit")


# --- answers as people write them ----------------------------------------------------------------


def answer_from_text(kind: str, text: str, option_count: int) -> list[int]:
    """Read an answer as typed ("B", "ACD", "A、C", 正确/错误/对/错) into sorted 0-based indexes.

    Raises ValueError with a Chinese message.
    """
    text = (text or "").strip()
    if not text:
        raise ValueError("答案未填写")
    if kind == QuestionKind.JUDGE:
        if text in JUDGE_WORDS:
            return [JUDGE_WORDS[text]]
        if text.upper() in ("A", "B"):
            return [LETTERS.index(text.upper())]
        raise ValueError(f"判断题答案须填写“正确”或“错误”（也可写 对/错），现为“{text}”")
    letters = _SEPARATORS.sub("", text).upper()
    bad = sorted({c for c in letters if c not in LETTERS[:option_count]})
    if bad:
        last = LETTERS[option_count - 1] if option_count else "A"
        raise ValueError(f"答案“{text}”中的 {'、'.join(bad)} 不是本题的选项（本题选项为 A–{last}）")
    return sorted({LETTERS.index(c) for c in letters})


def answer_text(question: Question) -> str:
    """The key as people read it: B, ACD, 正确."""
    if question.kind == QuestionKind.JUDGE:
        return "".join(JUDGE_OPTIONS[i] for i in question.answer if i < len(JUDGE_OPTIONS))
    return "".join(LETTERS[i] for i in question.answer if i < len(LETTERS))


def check_question(question: Question) -> None:
    """Shape and check a question in place: 判断题 options fixed, options trimmed, the key fits the type.

    Raises ValidationError keyed by field, in Chinese.
    """
    errors: dict[str, list[str]] = {}
    question.stem = (question.stem or "").strip()
    question.explanation = (question.explanation or "").strip()
    if question.kind == QuestionKind.JUDGE:
        question.options = list(JUDGE_OPTIONS)
    else:
        options = [str(o).strip() for o in (question.options or [])]
        while options and not options[-1]:
            options.pop()
        if any(not o for o in options):
            errors.setdefault("options", []).append("选项中间不能有空项，请按 A、B、C… 依次填写")
        elif not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            errors.setdefault("options", []).append(
                f"选择题须有 {MIN_OPTIONS}–{MAX_OPTIONS} 个选项（现有 {len(options)} 个）"
            )
        elif any(len(o) > OPTION_MAX for o in options):
            errors.setdefault("options", []).append(f"每个选项不超过 {OPTION_MAX} 个字")
        elif len(set(options)) != len(options):
            errors.setdefault("options", []).append("选项不能重复")
        question.options = options
    answer = question.answer
    if not isinstance(answer, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in answer):
        errors.setdefault("answer", []).append("答案格式有误")
    elif "options" not in errors:
        answer = sorted(set(answer))
        if any(not 0 <= i < len(question.options) for i in answer):
            errors.setdefault("answer", []).append("答案不是本题的选项")
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.JUDGE) and len(answer) != 1:
            errors.setdefault("answer", []).append(f"{QuestionKind(question.kind).label}只能有一个正确答案")
        elif question.kind == QuestionKind.MULTIPLE and len(answer) < 2:
            errors.setdefault("answer", []).append("多选题至少应有两个正确答案（只有一个的请设为单选题）")
        question.answer = answer
    if errors:
        raise ValidationError(errors)
    question.full_clean()


# --- the question bank ---------------------------------------------------------------------------------


def _require_configure(actor: User) -> None:
    require(permissions.can_configure(scope_for(actor)), CONFIGURE_DENIED)


def _active_items(items: Iterable[KnowledgeItem] | None) -> list[KnowledgeItem]:
    items = list(items or [])
    inactive = [i.title for i in items if not i.active]
    if inactive:
        raise ValidationError({"items": f"应知应会条目已不在清单中：{'、'.join(inactive)}"})
    return items


@transaction.atomic
def question_create(*, actor: User, fields: dict, items: Iterable[KnowledgeItem] | None = None) -> Question:
    """Add a question to the bank (committee); `fields` are QUESTION_FIELDS, `items` its 应知应会 tags."""
    _require_configure(actor)
    question = Question(**{name: fields[name] for name in QUESTION_FIELDS if name in fields})
    check_question(question)
    tags = _active_items(items)
    question.save()
    question.items.set(tags)
    return question


@transaction.atomic
def question_update(
    *, actor: User, question: Question, fields: dict, items: Iterable[KnowledgeItem] | None = None
) -> Question:
    """Change a question (committee). Attempts already submitted keep their grades."""
    _require_configure(actor)
    question = Question.objects.select_for_update().get(pk=question.pk)
    for name in QUESTION_FIELDS:
        if name in fields:
            setattr(question, name, fields[name])
    check_question(question)
    question.save()
    if items is not None:
        question.items.set(_active_items(items))
    return question


@transaction.atomic
def question_set_active(*, actor: User, question: Question, active: bool) -> Question:
    """停用 (or 启用) a question: a stopped one is never drawn again; attempts that drew it keep it."""
    _require_configure(actor)
    question = Question.objects.select_for_update().get(pk=question.pk)
    question.active = active
    question.save(update_fields=["active", "updated_at"])
    return question


# --- exams ---------------------------------------------------------------------------------------------------


def _check_pool(exam: Exam, item_ids: list[int]) -> None:
    available = questions_in_scope(item_ids).count()
    if available < exam.question_count:
        where = "所选考查范围内" if item_ids else "题库中"
        raise ValidationError(
            {
                "question_count": f"{where}启用的试题只有 {available} 道，少于抽题数量 {exam.question_count} 道，"
                "不能发布。请补充试题、扩大考查范围或减少抽题数量。"
            }
        )


def _check_exam(exam: Exam, units: list[Unit]) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("opens_at", "closes_at"):
        try:
            validate_record_date(getattr(exam, name))
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    if exam.opens_at and exam.closes_at and exam.closes_at <= exam.opens_at:
        errors.setdefault("closes_at", []).append("截止时间须晚于开始时间。")
    inactive = [u.name for u in units if not u.active]
    if inactive:
        errors.setdefault("units", []).append(f"单位已停用：{'、'.join(inactive)}")
    if errors:
        raise ValidationError(errors)
    exam.full_clean(exclude=["created_by"])


def _apply(exam: Exam, fields: dict) -> None:
    for name in EXAM_FIELDS:
        if name in fields:
            setattr(exam, name, fields[name])
    exam.title = (exam.title or "").strip()
    exam.description = (exam.description or "").strip()


@transaction.atomic
def exam_create(
    *,
    actor: User,
    fields: dict,
    items: Iterable[KnowledgeItem] | None = None,
    units: Iterable[Unit] | None = None,
) -> Exam:
    """Create an exam as a draft (committee); members see it once it is published."""
    _require_configure(actor)
    exam = Exam(created_by=actor)
    _apply(exam, fields)
    units, items = list(units or []), _active_items(items)
    _check_exam(exam, units)
    exam.save()
    exam.items.set(items)
    exam.units.set(units)
    return exam


@transaction.atomic
def exam_update(
    *,
    actor: User,
    exam: Exam,
    fields: dict,
    items: Iterable[KnowledgeItem] | None = None,
    units: Iterable[Unit] | None = None,
) -> Exam:
    """Change an exam (committee). Once anybody has started it, the draw and the grading rules are frozen
    (EXAM_FROZEN_FIELDS and the 考查范围); a published exam must still have enough questions in scope."""
    _require_configure(actor)
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    before = {name: getattr(exam, name) for name in EXAM_FROZEN_FIELDS}
    before_items = set(exam.items.values_list("pk", flat=True))
    _apply(exam, fields)
    new_items = _active_items(items) if items is not None else None
    new_units = list(units) if units is not None else list(exam.units.all())
    _check_exam(exam, new_units)
    item_ids = [i.pk for i in new_items] if new_items is not None else sorted(before_items)
    if exam.attempts.exists():
        frozen = {
            name: "已有党员开始作答，不能再修改（抽题、时长和计分规则须对每个人相同）。"
            for name in EXAM_FROZEN_FIELDS
            if getattr(exam, name) != before[name]
        }
        if set(item_ids) != before_items:
            frozen["items"] = "已有党员开始作答，不能再修改考查范围。"
        if frozen:
            raise ValidationError(frozen)
    if exam.published:
        _check_pool(exam, item_ids)
    exam.save()
    if new_items is not None:
        exam.items.set(new_items)
    exam.units.set(new_units)
    return exam


@transaction.atomic
def exam_publish(*, actor: User, exam: Exam, now: dt.datetime) -> Exam:
    """发布: members of the targeted units see the exam and may start it in its window.

    Refused when the window has already closed, or when the bank has fewer active questions in the
    exam's scope than it draws.
    """
    _require_configure(actor)
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    if exam.published:
        raise ValidationError("该考试已发布。")
    if exam.closes_at <= now:
        raise ValidationError({"closes_at": "截止时间已过，不能发布。请先修改考试时间。"})
    _check_pool(exam, list(exam.items.values_list("pk", flat=True)))
    exam.published = True
    exam.save(update_fields=["published", "updated_at"])
    return exam


@transaction.atomic
def exam_unpublish(*, actor: User, exam: Exam) -> Exam:
    """撤回发布, while nobody has started the exam."""
    _require_configure(actor)
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    if not exam.published:
        raise ValidationError("该考试尚未发布。")
    if exam.attempts.exists():
        raise ValidationError("已有党员开始作答，不能撤回发布。")
    exam.published = False
    exam.save(update_fields=["published", "updated_at"])
    return exam


__all__ = [
    "CONFIGURE_DENIED",
    "EXAM_FIELDS",
    "EXAM_FROZEN_FIELDS",
    "GRACE",
    "IMPORT_COLUMNS",
    "IMPORT_EXAMPLE_ROW",
    "JUDGE_OPTIONS",
    "LETTERS",
    "NOT_DRAWN",
    "QUESTION_FIELDS",
    "AnswerInput",
    "AttemptClosed",
    "QuestionImportResult",
    "answer_from_text",
    "answer_text",
    "attempt_answer_save",
    "attempts_allowed",
    "start_refusal",
    "attempt_close_if_expired",
    "attempt_start",
    "attempt_submit",
    "check_question",
    "close_expired_attempts",
    "exam_create",
    "exam_pool_size",
    "exam_publish",
    "exam_targets",
    "exam_unpublish",
    "exam_update",
    "grade_answer",
    "is_expired",
    "question_create",
    "question_import",
    "question_set_active",
    "question_update",
    "questions_in_scope",
    "score_of",
]
