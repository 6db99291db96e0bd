"""题库导入: read the committee's .xlsx of questions, check every row, then write all rows or none.

Columns (found by header text in the first row, any order): 题型 | 题干 | 选项A … 选项F | 答案 | 解析 |
应知应会条目. 题型 is 单选/多选/判断 (题 optional); 答案 is the option letters ("B", "ACD") or, for 判断题,
正确/错误 (对/错); 应知应会条目 lists titles of the list separated by ；or ;, each of which must exist.
A question whose 题干 is already in the bank is updated, not added twice. Formula cells are refused.
One bad row imports nothing; the result lists every bad row with its Excel row number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from apps.core.excel import SheetError, cell_text, data_rows, is_formula, xlsx_rows
from apps.core.imports import ImportResult, RowError
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import User

from .. import permissions
from ..models import KnowledgeItem, Question, QuestionKind

COLUMN_KIND, COLUMN_STEM, COLUMN_ANSWER, COLUMN_EXPLANATION, COLUMN_ITEMS = (
    "题型",
    "题干",
    "答案",
    "解析",
    "应知应会条目",
)
OPTION_COLUMNS = tuple(f"选项{letter}" for letter in "ABCDEF")
IMPORT_COLUMNS = (COLUMN_KIND, COLUMN_STEM, *OPTION_COLUMNS, COLUMN_ANSWER, COLUMN_EXPLANATION, COLUMN_ITEMS)
REQUIRED_COLUMNS = (COLUMN_KIND, COLUMN_STEM, COLUMN_ANSWER)
EXAMPLE_STEM = "（示例行，请删除）党的最高领导机关是："
IMPORT_EXAMPLE_ROW = (
    "单选",
    EXAMPLE_STEM,
    "党的全国代表大会和它所产生的中央委员会",
    "中央政治局",
    "中央纪律检查委员会",
    "",
    "",
    "",
    "A",
    "党章第十条：党的最高领导机关，是党的全国代表大会和它所产生的中央委员会。",
    "中国共产党章程",
)
COLUMN_HELP = (
    (COLUMN_KIND, True, "单选、多选 或 判断（也可写 单选题、多选题、判断题）"),
    (COLUMN_STEM, True, "题目内容；与题库中已有试题题干完全相同的，按本文件更新该题"),
    ("选项A…选项F", False, "选择题依次填写 2–6 个选项，中间不留空；判断题不填（选项固定为 正确、错误）"),
    (COLUMN_ANSWER, True, "选项字母，如 B 或 ACD（多选题至少两个）；判断题填 正确 或 错误（也可写 对、错）"),
    (COLUMN_EXPLANATION, False, "答案解析，考试结束后向考生展示，不超过 500 字"),
    (COLUMN_ITEMS, False, "关联的应知应会条目名称，多个用 ；或 ; 分隔，须为清单中已有的条目"),
)
KINDS = {
    "单选": QuestionKind.SINGLE,
    "单选题": QuestionKind.SINGLE,
    "单项选择题": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE,
    "多选题": QuestionKind.MULTIPLE,
    "多项选择题": QuestionKind.MULTIPLE,
    "判断": QuestionKind.JUDGE,
    "判断题": QuestionKind.JUDGE,
}
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
MAX_SHEET_ROWS = 20_000
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
_WHITESPACE = re.compile(r"\s+")
_ITEM_SEPARATORS = re.compile(r"[；;]")


@dataclass
class QuestionImportResult(ImportResult):
    measure = "道"

    def summary(self) -> str:
        return f"新增 {self.created} 道，更新 {self.updated} 道"


@dataclass
class _Row:
    number: int
    question: Question | None = None
    item_titles: list[str] = field(default_factory=list)
    items: list[KnowledgeItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def question_import(*, actor: User, file, dry_run: bool = False) -> QuestionImportResult:
    """Import questions from an uploaded .xlsx, all rows or none (committee). `dry_run` checks and counts only."""
    require(permissions.can_configure(scope_for(actor)), "只有工委管理员可以导入题库。")
    result = QuestionImportResult(dry_run=dry_run)
    try:
        lines = _read(file)
    except SheetError as exc:
        result.file_errors.append(str(exc))
        return result
    result.rows = len(lines)
    with transaction.atomic():
        rows = [_parse(number, cells) for number, cells in lines]
        _resolve(rows)
        result.row_errors = [
            RowError(r.number, r.question.stem[:30] if r.question else "", r.problems) for r in rows if r.problems
        ]
        if result.row_errors:
            return result
        result.created = sum(1 for r in rows if r.question.pk is None)
        result.updated = len(rows) - result.created
        if not dry_run:
            for row in rows:
                row.question.save()
                row.question.items.set(row.items)
    return result


# --- reading ----------------------------------------------------------------------------------------------------


def _read(file) -> list[tuple[int, dict]]:
    with xlsx_rows(file, max_bytes=MAX_FILE_BYTES, max_unpacked_bytes=MAX_UNPACKED_BYTES) as lines:
        columns = _columns(next(lines, None) or ())
        return list(data_rows(lines, columns, max_rows=MAX_ROWS, max_sheet_rows=MAX_SHEET_ROWS, noun="道试题"))


def _columns(header) -> dict[str, int]:
    columns: dict[str, int] = {}
    for i, value in enumerate(header):
        text = _WHITESPACE.sub("", cell_text(value))
        if text in IMPORT_COLUMNS and text not in columns:
            columns[text] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise SheetError(
            f"缺少必需的列：{'、'.join(missing)}。第一行须为表头，列名为：{'、'.join(IMPORT_COLUMNS)}，建议下载模板填写。"
        )
    return columns


def _parse(number: int, cells: dict) -> _Row:
    """One line into a row with an unsaved Question, noting each problem that needs no database."""
    from .exams import answer_from_text, check_question  # the bank's own rules (exams imports this module)

    row = _Row(number=number)
    formulas = [column for column, value in cells.items() if is_formula(value)]
    if formulas:
        row.problems.extend(f"{c}不能是公式，也不能以 =、+、-、@ 开头，请改为直接填写内容" for c in formulas)
        return row
    kind_text = _WHITESPACE.sub("", cell_text(cells.get(COLUMN_KIND)))
    stem = cell_text(cells.get(COLUMN_STEM))
    if stem == EXAMPLE_STEM:
        row.problems.append("这是模板中的示例行，请删除后再导入")
        return row
    kind = KINDS.get(kind_text)
    if not kind_text:
        row.problems.append("题型未填写")
    elif kind is None:
        row.problems.append(f"题型须填写“单选”“多选”或“判断”（现为“{kind_text}”）")
    if not stem:
        row.problems.append("题干未填写")
    options = [cell_text(cells.get(c)) for c in OPTION_COLUMNS]
    question = Question(
        kind=kind or "", stem=stem, options=options, explanation=cell_text(cells.get(COLUMN_EXPLANATION))
    )
    row.question = question
    if kind is None:
        return row
    while options and not options[-1]:
        options.pop()
    if kind != QuestionKind.JUDGE and len(options) < 2:
        row.problems.append("选择题须至少填写选项A、选项B")
        return row
    count = 2 if kind == QuestionKind.JUDGE else len(options)
    try:
        question.answer = answer_from_text(kind, cell_text(cells.get(COLUMN_ANSWER)), count)
    except ValueError as exc:
        row.problems.append(str(exc))
        return row
    row.item_titles = [t.strip() for t in _ITEM_SEPARATORS.split(cell_text(cells.get(COLUMN_ITEMS))) if t.strip()]
    if not row.problems:
        try:
            check_question(question)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                label = "" if name == NON_FIELD_ERRORS else f"{_label(name)}："
                row.problems.extend(f"{label}{m.rstrip('。')}" for m in messages)
    return row


def _label(name: str) -> str:
    return {"options": "选项", "answer": "答案", "stem": "题干", "explanation": "解析", "kind": "题型"}.get(name, name)


def _resolve(rows: list[_Row]) -> None:
    """Tie rows to the bank (same 题干 → update) and to the 应知应会 list; find repeated 题干 in the file."""
    stems = {r.question.stem for r in rows if r.question and r.question.stem}
    existing = {q.stem: q for q in Question.objects.select_for_update().filter(stem__in=stems).order_by("pk")}
    titles = {t for r in rows for t in r.item_titles}
    items = {i.title: i for i in KnowledgeItem.objects.filter(title__in=titles)}
    first_seen: dict[str, int] = {}
    for row in rows:
        if row.question is None:
            continue
        stem = row.question.stem
        if stem in first_seen:
            row.problems.append(f"与第 {first_seen[stem]} 行题干相同")
        elif stem:
            first_seen[stem] = row.number
        missing = [t for t in row.item_titles if t not in items]
        inactive = [t for t in row.item_titles if t in items and not items[t].active]
        if missing:
            row.problems.append(f"应知应会清单中没有条目“{'”“'.join(missing)}”，请核对名称")
        if inactive:
            row.problems.append(f"应知应会条目“{'”“'.join(inactive)}”已不在清单中")
        row.items = [items[t] for t in row.item_titles if t in items]
        old = existing.get(stem)
        if old is not None and not row.problems:
            for name in ("kind", "options", "answer", "explanation"):
                setattr(old, name, getattr(row.question, name))
            row.question = old
