"""应知应会清单 import (Excel): check every row, then write all rows or none; an item is found by its title.

The sheet's first row is its header; columns are found by their text (order free, others ignored):
类别 (党内法规 / 国家法律), 名称 (required), and optionally 分类, 发布机关, 发布日期, 学习要点, 原文链接,
排序, 是否在清单中 (是 / 否). A title already on the list updates that item; a new title adds one.
One bad row imports nothing; the result lists every bad row with its Excel row number.
A dry run (预览) checks and counts and writes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.core.excel import SheetError, cell_text, data_rows, is_formula, parse_date_cell, xlsx_rows
from apps.core.imports import ImportResult, RowError
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import User

from .. import permissions
from ..models import KnowledgeCategory, KnowledgeItem
from .knowledge import CONFIGURE_DENIED, KNOWLEDGE_FIELDS

# column → model field
COLUMNS = {
    "类别": "category",
    "分类": "subcategory",
    "名称": "title",
    "发布机关": "issued_by",
    "发布日期": "issued_on",
    "学习要点": "summary",
    "原文链接": "link",
    "排序": "order",
    "是否在清单中": "active",
}
REQUIRED = ("类别", "名称")
COLUMN_HELP = (
    ("类别", True, "党内法规 或 国家法律"),
    ("名称", True, "法规或法律的全称，不超过 200 字；清单中已有同名条目的，按本行更新该条目"),
    ("分类", False, "例如 党章、准则、条例；宪法相关法、行政法"),
    ("发布机关", False, "例如 中共中央、全国人民代表大会常务委员会"),
    ("发布日期", False, "发布或最近修订日期：Excel 日期，或 2019-01-31、2019/1/31、2019年1月31日"),
    ("学习要点", False, "不超过 500 字"),
    ("原文链接", False, "以 http:// 或 https:// 开头的网址"),
    ("排序", False, "整数，数字小的排在前面；不填为 100"),
    ("是否在清单中", False, "是 或 否；不填为 是"),
)
TEMPLATE_HEADERS = tuple(COLUMNS)
EXAMPLE_TITLE = "中国共产党章程（示例行，请删除）"
EXAMPLE_ROW = (
    "党内法规",
    "党章",
    EXAMPLE_TITLE,
    "中国共产党全国代表大会",
    dt.date(2022, 10, 22),
    "党的性质、宗旨、指导思想和党员的权利义务",
    "https://www.12371.cn/",
    1,
    "是",
)
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
MAX_SHEET_ROWS = 20_000
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
_CATEGORIES = {label: value for value, label in KnowledgeCategory.choices}
_YES = {"是": True, "在": True, "否": False, "停用": False}


def knowledge_import(*, actor: User, file, dry_run: bool = False) -> ImportResult:
    """Import items from an uploaded .xlsx, all rows or none (the committee only; 403 otherwise)."""
    require(permissions.can_configure(scope_for(actor)), CONFIGURE_DENIED)
    result = ImportResult(dry_run=dry_run)
    try:
        rows = read_file(file)
    except SheetError as exc:
        result.file_errors.append(str(exc))
        return result
    result.rows = len(rows)
    try:
        with transaction.atomic():
            existing = {
                item.title: item
                for item in KnowledgeItem.objects.select_for_update().filter(title__in=[r[1] for r in rows if r[1]])
            }
            seen: dict[str, int] = {}
            to_create, to_update = [], []
            for number, title, values, problems in rows:
                if title and title in seen:
                    problems.append(f"与第 {seen[title]} 行的名称重复")
                elif title:
                    seen[title] = number
                if problems:
                    result.row_errors.append(RowError(number, title, problems))
                    continue
                item = existing.get(title)
                target = item or KnowledgeItem()
                before = {name: getattr(target, name) for name in KNOWLEDGE_FIELDS} if item else None
                for name, value in values.items():
                    setattr(target, name, value)
                try:
                    target.full_clean(validate_unique=item is None)
                except ValidationError as exc:
                    result.row_errors.append(RowError(number, title, _messages(exc)))
                    continue
                if item is None:
                    to_create.append(target)
                elif before != {name: getattr(target, name) for name in KNOWLEDGE_FIELDS}:
                    to_update.append(target)
                else:
                    result.unchanged += 1
            if result.row_errors:
                result.unchanged = 0
                return result
            result.created, result.updated = len(to_create), len(to_update)
            if not dry_run:
                for item in [*to_create, *to_update]:
                    item.save()  # one by one: each change keeps its history row (留痕)
    except IntegrityError:
        result.created = result.updated = result.unchanged = 0
        result.file_errors.append("清单正被他人同时修改，本次未导入任何数据，请稍后重新导入。")
    return result


def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    labels = {f.name: str(f.verbose_name) for f in KnowledgeItem._meta.fields}
    return [
        f"{labels.get(name, name)}：{message}"
        for name, errors in exc.error_dict.items()
        for e in errors
        for message in e.messages
    ]


# --- reading the file -------------------------------------------------------------------------------


def read_file(file) -> list[tuple[int, str, dict, list[str]]]:
    """Open the upload as an .xlsx and read its first sheet: (row number, title, values, problems) per line."""
    with xlsx_rows(file, max_bytes=MAX_FILE_BYTES, max_unpacked_bytes=MAX_UNPACKED_BYTES) as lines:
        return _read_sheet(lines)


def _read_sheet(lines) -> list[tuple[int, str, dict, list[str]]]:
    header = [cell_text(v).replace(" ", "") for v in (next(lines, None) or ())]
    columns = {text: i for i, text in reversed(list(enumerate(header))) if text in COLUMNS}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise SheetError(f"缺少必需的列：{'、'.join(missing)}。第一行须为表头，建议下载模板填写。")
    return [
        _parse_row(number, cells)
        for number, cells in data_rows(lines, columns, max_rows=MAX_ROWS, max_sheet_rows=MAX_SHEET_ROWS)
    ]


def _parse_row(number: int, cells: dict) -> tuple[int, str, dict, list[str]]:
    problems: list[str] = []
    formulas = [column for column, value in cells.items() if is_formula(value)]
    if formulas:
        problems.extend(f"{column}不能是公式，也不能以 =、+、-、@ 开头，请直接填写内容" for column in formulas)
        return number, "", {}, problems
    title = cell_text(cells["名称"])
    if title == EXAMPLE_TITLE:
        return number, title, {}, ["这是模板中的示例行，请删除后再导入"]
    values: dict = {"title": title}
    if not title:
        problems.append("名称未填写")
    category = cell_text(cells["类别"])
    if not category:
        problems.append("类别未填写")
    elif category not in _CATEGORIES:
        problems.append(f"类别须填写“党内法规”或“国家法律”（现为“{category}”）")
    else:
        values["category"] = _CATEGORIES[category]
    for column in ("分类", "发布机关", "学习要点", "原文链接"):
        if column in cells:
            values[COLUMNS[column]] = cell_text(cells[column])
    if "发布日期" in cells:
        try:
            values["issued_on"] = parse_date_cell(cells["发布日期"])
        except (ValueError, TypeError):
            problems.append(f"发布日期“{cell_text(cells['发布日期'])}”无法识别，请写成 2019-01-31")
    if "排序" in cells and cell_text(cells["排序"]):
        text = cell_text(cells["排序"])
        if text.isascii() and text.isdecimal() and int(text) <= 100_000:
            values["order"] = int(text)
        else:
            problems.append(f"排序须为不超过 100000 的整数（现为“{text}”）")
    if "是否在清单中" in cells and cell_text(cells["是否在清单中"]):
        text = cell_text(cells["是否在清单中"])
        if text in _YES:
            values["active"] = _YES[text]
        else:
            problems.append(f"是否在清单中须填写“是”或“否”（现为“{text}”）")
    return number, title, values, problems
