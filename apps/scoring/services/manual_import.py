"""Manual points from Excel (人工评分导入): check every row, then write all rows or none.

Columns (found by their header text): 单位名称, 指标编码, 期间（如 2026、2026-Q3、2026-03）, 分数, 依据说明.
Cells are read as text. An entry that exists for the same indicator, unit and period is updated (audited);
a dry run (仅检查) checks and counts and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.core.excel import SheetError, cell_text, data_rows, is_formula, xlsx_rows
from apps.core.imports import ImportResult, RowError
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import Unit

from .. import permissions
from ..models import Indicator, ManualScore
from .manual import MANAGE_DENIED, check_entry
from .systems import current_system

PERIOD_COLUMN = "期间（如 2026、2026-Q3、2026-03）"
COLUMNS = ("单位名称", "指标编码", PERIOD_COLUMN, "分数", "依据说明")
COLUMN_HELP = (
    ("单位名称", "单位全称或简称，须与平台中的单位一致"),
    ("指标编码", "该期间所在年度现行指标体系中、由工委人工录入的指标的编码（见指标体系页）"),
    (PERIOD_COLUMN, "年度写 2026，季度写 2026-Q3，月份写 2026-03；平台启用日期之前的期间不评分"),
    ("分数", "0 到该指标分值之间；扣分填正数（扣多少分）；一票否决填 0"),
    ("依据说明", f"必填，不超过 {ManualScore._meta.get_field('note').max_length} 字"),
)
EXAMPLE_ROW = ("市财政局", "hotline", "2026-Q3", "2.5", "12345热线工单按期办结（示例行，请删除）")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 2000
MAX_SHEET_ROWS = 20_000


def manual_import(*, actor, file, dry_run: bool = False, today: dt.date | None = None) -> ImportResult:
    require(permissions.can_manage(scope_for(actor)), MANAGE_DENIED)
    result = ImportResult(dry_run=dry_run)
    try:
        with xlsx_rows(file, max_bytes=MAX_FILE_BYTES, max_unpacked_bytes=MAX_UNPACKED_BYTES) as lines:
            rows = _read(lines)
    except SheetError as exc:
        result.file_errors.append(str(exc))
        return result
    result.rows = len(rows)
    all_units = list(Unit.objects.only("pk", "name", "short_name"))
    units = {u.short_name: u for u in all_units if u.short_name}
    units.update({u.name: u for u in all_units})  # a full name wins over another unit's short name
    systems: dict = {}
    indicators: dict[tuple[int, str], Indicator] = {}
    try:
        with transaction.atomic():
            seen: dict[tuple, int] = {}
            writes: list[ManualScore] = []
            for number, cells in rows:
                name = cells["单位名称"]
                problems = _formula_problems(cells)
                if problems:
                    result.row_errors.append(RowError(number, name, problems))
                    continue
                entry, problems = _entry(cells, units, systems, indicators, today)
                if entry is not None and not problems:
                    key = (entry.indicator_id, entry.unit_id, entry.period_key)
                    if key in seen:
                        problems.append(f"与第 {seen[key]} 行重复（同一单位、指标、期间）")
                    else:
                        seen[key] = number
                if problems:
                    result.row_errors.append(RowError(number, name, problems))
                    continue
                existing = ManualScore.objects.filter(
                    indicator_id=entry.indicator_id, unit_id=entry.unit_id, period_key=entry.period_key
                ).first()
                if existing is None:
                    result.created += 1
                    writes.append(entry)
                elif existing.points == entry.points and existing.note == entry.note:
                    result.unchanged += 1
                else:
                    existing.points, existing.note = entry.points, entry.note
                    result.updated += 1
                    writes.append(existing)
            if result.row_errors:
                result.created = result.updated = result.unchanged = 0
                return result
            if not dry_run:
                for entry in writes:
                    entry.entered_by = actor
                    entry._history_user = actor
                    entry.save()  # one by one: each change keeps its history row (留痕)
    except IntegrityError:
        result.created = result.updated = result.unchanged = 0
        result.file_errors.append("人工评分正被他人同时修改，本次未导入任何数据，请稍后重新导入。")
    return result


def _read(lines) -> list[tuple[int, dict]]:
    header = [cell_text(v).replace(" ", "") for v in (next(lines, None) or ())]
    wanted = {c.replace(" ", ""): c for c in COLUMNS}
    # the period column may be headed just “期间”
    columns = {}
    for i, text in enumerate(header):
        column = wanted.get(text) or (PERIOD_COLUMN if text == "期间" else None)
        if column and column not in columns:
            columns[column] = i
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise SheetError(f"缺少必需的列：{'、'.join(missing)}。第一行须为表头，建议下载模板填写。")
    rows = []
    for number, raw in data_rows(lines, columns, max_rows=MAX_ROWS, max_sheet_rows=MAX_SHEET_ROWS):
        cells = {c: cell_text(v) for c, v in raw.items()}
        period = raw[PERIOD_COLUMN]
        if isinstance(period, dt.date | dt.datetime):  # Excel read “2026-03” as a date
            cells[PERIOD_COLUMN] = f"{period.year}-{period.month:02d}"
        cells["_raw"] = raw
        rows.append((number, cells))
    return rows


def _formula_problems(cells: dict) -> list[str]:
    return [
        f"{column}不能是公式，也不能以 =、+、-、@ 开头，请直接填写内容"
        for column, value in cells["_raw"].items()
        if is_formula(value)
    ]


def _entry(cells, units, systems, indicators, today) -> tuple[ManualScore | None, list[str]]:
    problems: list[str] = []
    unit = units.get(cells["单位名称"])
    if not cells["单位名称"]:
        problems.append("单位名称未填写")
    elif unit is None:
        problems.append(f"没有名为“{cells['单位名称']}”的单位")
    text = cells["分数"]
    points = None
    if not text:
        problems.append("分数未填写")
    else:
        try:
            points = Decimal(text)
            if not points.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.append(f"分数“{text}”不是数字")
            points = None
    code = cells["指标编码"]
    period_key = cells[PERIOD_COLUMN]
    entry = ManualScore(unit=unit, period_key=period_key, points=points, note=cells["依据说明"])
    indicator = None
    if not code:
        problems.append("指标编码未填写")
    else:
        year = period_key[:4]
        if year.isascii() and year.isdigit():
            if int(year) not in systems:
                systems[int(year)] = current_system(int(year))
            system = systems[int(year)]
            if system is not None:
                if (system.pk, code) not in indicators:
                    indicators[(system.pk, code)] = system.indicators.filter(code=code).first()
                indicator = indicators[(system.pk, code)]
            if indicator is None:
                problems.append(f"{year}年度现行指标体系中没有编码为“{code}”的指标")
    if indicator is not None:
        entry.indicator = indicator
    try:
        check_entry(entry, today=today, systems=systems)
    except ValidationError as exc:
        problems.extend(m for field, errors in exc.error_dict.items() for e in errors for m in e.messages)
    limit = ManualScore._meta.get_field("note").max_length
    if len(entry.note) > limit:
        problems.append(f"依据说明不能超过 {limit} 字")
    return (entry if unit is not None and indicator is not None else None), problems
