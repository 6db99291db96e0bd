"""Roster import (名册导入): read a secretary's .xlsx roster, check every row, then write all rows or none.

The sheet is the one secretaries already keep: 单位, 支部, 姓名, 性别, 出生日期, 入党日期,
党员状态 and an optional 职务, found by header text in the first row. A member is
identified by (branch, name, birth date), the natural key the database enforces.
One bad row imports nothing; the result lists every bad row with its Excel row number.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from apps.core.excel import cell_text, is_formula, parse_date_cell

from . import permissions
from .access import scope_for
from .models import Branch, Gender, Member, MemberStatus, Unit, User

# --- the sheet ---------------------------------------------------------------------------

COLUMN_UNIT = "单位"
COLUMN_BRANCH = "支部"
COLUMN_NAME = "姓名"
COLUMN_GENDER = "性别"
COLUMN_BIRTH = "出生日期"
COLUMN_JOIN = "入党日期"
COLUMN_STATUS = "党员状态"
COLUMN_POSITION = "职务"
COLUMNS = (
    COLUMN_UNIT,
    COLUMN_BRANCH,
    COLUMN_NAME,
    COLUMN_GENDER,
    COLUMN_BIRTH,
    COLUMN_JOIN,
    COLUMN_STATUS,
    COLUMN_POSITION,
)
REQUIRED_COLUMNS = COLUMNS[:-1]

# What each column means, for the import page (column, required, explanation).
COLUMN_HELP = (
    (COLUMN_UNIT, True, "单位全称或简称，须为平台中已有的单位"),
    (COLUMN_BRANCH, True, "支部全称，须为该单位已建立的党支部；没有的请先新建支部"),
    (COLUMN_NAME, True, "不超过 50 个字"),
    (COLUMN_GENDER, True, "男 或 女"),
    (COLUMN_BIRTH, True, "Excel 日期，或 1985-03-12、1985/3/12、1985年3月12日、19850312 等写法"),
    (COLUMN_JOIN, True, "写法同出生日期；不能晚于今天，入党时须年满十八周岁"),
    (COLUMN_STATUS, True, "正式党员 或 预备党员（也可写 正式、预备）"),
    (COLUMN_POSITION, False, "可不设此列：不设则不修改已登记党员的职务；设了此列而单元格为空，则清空职务"),
)

# The template's example row; a file that still carries it is told to delete it.
EXAMPLE_NAME = "张三（示例行，请删除）"
EXAMPLE_ROW = (
    "市XX局",
    "市XX局机关第一党支部",
    EXAMPLE_NAME,
    "男",
    dt.date(1985, 3, 12),
    dt.date(2010, 7, 1),
    "正式党员",
    "科员",
)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000  # member rows (blank rows not counted)
MAX_SHEET_ROWS = 50_000  # rows read at all, blank ones included: stops a sheet padded with a million empty rows
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # an .xlsx is a zip: refuse one that unpacks to something huge
MIN_JOIN_AGE = 18  # 党章第一条：年满十八岁
NAME_MAX = Member._meta.get_field("name").max_length
POSITION_MAX = Member._meta.get_field("position").max_length
CHANGE_REASON = "名册导入"
BATCH = 500  # rows per INSERT / UPDATE statement

_GENDERS = {label: value for value, label in Gender.choices}
_STATUSES = {
    "正式党员": MemberStatus.FULL,
    "正式": MemberStatus.FULL,
    "预备党员": MemberStatus.PROBATIONARY,
    "预备": MemberStatus.PROBATIONARY,
}
logger = logging.getLogger(__name__)

_UPDATABLE = ("gender", "join_date", "status", "position")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other old Office files)
_WHITESPACE = re.compile(r"\s+")
# Chinese rosters pad two-character names for alignment ("张　三"); such spaces are not part of the name.
_CJK_NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·•\s]+$")


@dataclass
class RowError:
    """One bad row: its Excel row number, the name in it, and every problem found."""

    row: int
    name: str
    problems: list[str]

    def __str__(self):
        who = f"（{self.name}）" if self.name else ""
        return f"第 {self.row} 行{who}：{'；'.join(self.problems)}"


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a failed import, would do)."""

    dry_run: bool = False
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        return f"新增 {self.created} 人，更新 {self.updated} 人，未变化 {self.unchanged} 人"


class _FileError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


@dataclass
class _Row:
    number: int
    unit_text: str
    branch_text: str
    name: str
    gender: str | None = None
    birth_date: dt.date | None = None
    join_date: dt.date | None = None
    status: str | None = None
    position: str | None = None  # None: the sheet has no 职务 column
    example: bool = False  # the template's example row, left in
    problems: list[str] = field(default_factory=list)
    place_problems: list[str] = field(default_factory=list)  # unit and branch: listed first
    unit: Unit | None = None
    branch: Branch | None = None

    @property
    def all_problems(self) -> list[str]:
        return self.place_problems + self.problems


def can_import(user) -> bool:
    """The committee and unit secretaries import rosters; branch secretaries and members do not."""
    return permissions.may_keep_rosters(scope_for(user))


def roster_import(*, actor: User, file, dry_run: bool = False) -> ImportResult:
    """Import members from an uploaded .xlsx roster, all rows or none.

    Every row is checked first (cells, unit and branch, the actor's right to the
    unit, duplicates in the file, the member already on the roster, the model's
    own validation). If any row is bad, or the file itself is, nothing is written
    and the result lists every problem. Otherwise new members are created and
    changed ones updated in bulk, each with a history row (history_user = actor);
    identical members are not touched. `dry_run` checks and counts, writes nothing.

    Raises PermissionDenied for anyone but the committee and unit secretaries.
    """
    if not can_import(actor):
        raise PermissionDenied("只有工委管理员和单位党务干部可以导入名册。")
    scope = scope_for(actor)
    result = ImportResult(dry_run=dry_run)
    try:
        rows, has_position = _read_file(file)
    except _FileError as exc:
        result.file_errors.append(str(exc))
        return result
    result.rows = len(rows)
    try:
        with transaction.atomic():
            to_create, to_update, changed_fields, unchanged = _check_rows(rows, scope=scope, has_position=has_position)
            result.row_errors = [RowError(r.number, r.name, r.all_problems) for r in rows if r.all_problems]
            if result.row_errors:
                return result
            result.created, result.updated, result.unchanged = len(to_create), len(to_update), unchanged
            if not dry_run:
                _write(actor=actor, to_create=to_create, to_update=to_update, changed_fields=changed_fields)
    except IntegrityError:
        # Someone else added one of these members between our check and our write.
        logger.warning("roster import by %s hit a concurrent change", actor.pk, exc_info=True)
        result.created = result.updated = result.unchanged = 0
        result.file_errors.append("名册正被他人同时修改，本次未导入任何数据，请稍后重新导入。")
    return result


# --- reading the file ------------------------------------------------------------------------


def _read_file(file) -> tuple[list[_Row], bool]:
    """Open the upload as an .xlsx and turn its first sheet into rows; raise _FileError if it cannot be."""
    filename = (getattr(file, "name", "") or "").strip()
    if not filename.lower().endswith(".xlsx"):
        if filename.lower().endswith(".xls"):
            raise _FileError("不支持旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后再导入。")
        raise _FileError("只能导入 Excel 的 .xlsx 文件，请下载模板填写后上传。")
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise _FileError(f"文件过大（{_size(size)}），不能超过 {_size(MAX_FILE_BYTES)}，请分批导入。")
    file.seek(0)
    head = file.read(len(_OLE2_MAGIC))
    file.seek(0)
    if head == _OLE2_MAGIC:
        raise _FileError(
            "这是旧版 Excel（.xls）文件，只是扩展名改成了 .xlsx；请在 Excel 中“另存为” .xlsx 格式后再导入。"
        )
    if not zipfile.is_zipfile(file):
        raise _FileError(
            "文件不是有效的 .xlsx 格式（可能已损坏，或由其他类型的文件改名而来），请用 Excel 另存为 .xlsx 后再导入。"
        )
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise _FileError("文件内容过大，请分批导入。")
    file.seek(0)
    try:
        # Formulas as written (not their cached results), so that the rows can refuse them.
        workbook = load_workbook(file, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key, value errors) for a broken file
        raise _FileError(
            "无法读取该文件，它可能不是有效的 Excel .xlsx 文件，请用 Excel 另存为 .xlsx 后再导入。"
        ) from exc
    try:
        return _read_sheet(workbook.worksheets[0])
    except _FileError:
        raise
    except Exception as exc:
        raise _FileError("读取文件内容时出错，文件可能已损坏，请用 Excel 另存为 .xlsx 后再导入。") from exc
    finally:
        workbook.close()


def _read_sheet(sheet) -> tuple[list[_Row], bool]:
    # Some writers store a wrong sheet size; without this openpyxl would stop at it silently.
    sheet.reset_dimensions()
    lines = sheet.iter_rows(values_only=True)
    header = next(lines, None)
    columns = _find_columns(header or ())
    rows: list[_Row] = []
    for number, values in enumerate(lines, start=2):
        if number > MAX_SHEET_ROWS:
            raise _FileError(
                f"工作表超过 {MAX_SHEET_ROWS} 行（含空行），"
                f"请删除表格末尾多余的空行，或分批导入（每次不超过 {MAX_ROWS} 人）。"
            )
        cells = {name: (values[i] if i < len(values) else None) for name, i in columns.items()}
        if all(cell_text(v) == "" for v in cells.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise _FileError(f"每次最多导入 {MAX_ROWS} 人，该文件超出（第 {number} 行起），请分批导入。")
        rows.append(_parse_row(number, cells, has_position=COLUMN_POSITION in columns))
    if not rows:
        raise _FileError("文件中没有党员数据：表头下面都是空行。")
    return rows, COLUMN_POSITION in columns


def _find_columns(header) -> dict[str, int]:
    """Map each known column to its index by the header text of the first row."""
    columns: dict[str, int] = {}
    repeated: list[str] = []
    for i, value in enumerate(header):
        text = _WHITESPACE.sub("", cell_text(value))
        if text in COLUMNS:
            if text in columns:
                repeated.append(text)
            columns.setdefault(text, i)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise _FileError(
            f"缺少必需的列：{'、'.join(missing)}。第一行须为表头，列名为：{'、'.join(COLUMNS)}（职务可省略），建议下载模板填写。"
        )
    if repeated:
        raise _FileError(f"表头中以下列出现了不止一次：{'、'.join(dict.fromkeys(repeated))}，请只保留一列。")
    return columns


def _parse_row(number: int, cells: dict, *, has_position: bool) -> _Row:
    """Read one line's cells into a row, noting every problem that needs no database."""
    formulas = [column for column, value in cells.items() if is_formula(value)]
    if formulas:
        # A roster holds typed text: a formula (or text Excel would run as one) is refused, never read.
        row = _Row(number=number, unit_text="", branch_text="", name="")
        row.problems.extend(f"{column}不能是公式，也不能以 =、+、-、@ 开头，请改为直接填写内容" for column in formulas)
        return row
    row = _Row(
        number=number,
        unit_text=cell_text(cells[COLUMN_UNIT]),
        branch_text=cell_text(cells[COLUMN_BRANCH]),
        name=_clean_name(cell_text(cells[COLUMN_NAME])),
    )
    problems = row.problems
    if row.name == EXAMPLE_NAME:
        row.example = True
        problems.append("这是模板中的示例行，请删除后再导入")
        return row
    if not row.unit_text:
        problems.append("单位未填写")
    if not row.branch_text:
        problems.append("支部未填写")
    if not row.name:
        problems.append("姓名未填写")
    elif len(row.name) > NAME_MAX:
        problems.append(f"姓名不能超过 {NAME_MAX} 个字")

    gender = cell_text(cells[COLUMN_GENDER])
    if not gender:
        problems.append("性别未填写")
    elif gender not in _GENDERS:
        problems.append(f"性别须填写“男”或“女”（现为“{gender}”）")
    else:
        row.gender = _GENDERS[gender]

    today = timezone.localdate()
    row.birth_date = _date(cells[COLUMN_BIRTH], COLUMN_BIRTH, problems)
    if row.birth_date and row.birth_date > today:
        problems.append("出生日期不能晚于今天")
    row.join_date = _date(cells[COLUMN_JOIN], COLUMN_JOIN, problems)
    if row.join_date and row.join_date > today:
        problems.append("入党日期不能晚于今天")
    if row.birth_date and row.join_date:
        if row.join_date <= row.birth_date:
            problems.append("入党日期必须晚于出生日期")
        elif row.join_date < _add_years(row.birth_date, MIN_JOIN_AGE):
            problems.append(f"入党时未满十八周岁（出生于 {row.birth_date:%Y-%m-%d}，入党于 {row.join_date:%Y-%m-%d}）")

    status = _WHITESPACE.sub("", cell_text(cells[COLUMN_STATUS]))
    if not status:
        problems.append("党员状态未填写")
    elif status not in _STATUSES:
        problems.append(f"党员状态须填写“正式党员”或“预备党员”（现为“{status}”）")
    else:
        row.status = _STATUSES[status]

    if has_position:
        row.position = cell_text(cells[COLUMN_POSITION])
        if len(row.position) > POSITION_MAX:
            problems.append(f"职务不能超过 {POSITION_MAX} 个字")
    return row


def _date(value, column: str, problems: list[str]) -> dt.date | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 10_000 <= value < 100_000:
        # An Excel date pasted as a plain number (serial 32214 = 1988-03-12). Five digits are
        # never another way of writing a date: a year has four, 198803 six, 19880312 eight.
        value = from_excel(value)
    if not isinstance(value, dt.date):
        value = cell_text(value)  # 19850312 typed as a number arrives as an int
    try:
        day = parse_date_cell(value)
    except ValueError:
        problems.append(f"{column}“{cell_text(value)}”无法识别，请填写如 1985-03-12 的日期")
        return None
    if day is None:
        problems.append(f"{column}未填写")
    elif day.year < 1900:
        problems.append(f"{column}“{day:%Y-%m-%d}”早于 1900 年，请检查")
        return None
    return day


def _clean_name(text: str) -> str:
    return _WHITESPACE.sub("", text) if _CJK_NAME.match(text) else text


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # born 29 February: of age on 1 March
        return dt.date(day.year + years, 3, 1)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


# --- checking against the roster ----------------------------------------------------------------


def _check_rows(rows: list[_Row], *, scope, has_position: bool):
    """Resolve units and branches, find each row's member, and sort rows into create / update / unchanged.

    Notes problems on the rows in place. Locks the existing members of the units
    concerned (select_for_update), so the write that follows acts on what was checked.
    """
    units_by_text = _units_by_text({r.unit_text for r in rows if r.unit_text})
    for row in rows:
        if not row.unit_text or row.example:
            continue
        matches = units_by_text.get(row.unit_text, [])
        if not matches:
            row.place_problems.append(f"找不到单位“{row.unit_text}”，请填写平台中已有单位的全称或简称")
        elif len(matches) > 1:
            row.place_problems.append(f"单位简称“{row.unit_text}”对应多个单位，请填写单位全称")
        elif not scope.manages_unit(matches[0].pk):
            row.place_problems.append("无权导入其他单位的党员")
        elif not matches[0].active:
            row.place_problems.append(f"单位“{matches[0].name}”已停用")
        else:
            row.unit = matches[0]

    # Only branches of units the actor manages are ever looked at.
    unit_ids = {r.unit.pk for r in rows if r.unit}
    branches = {(b.unit_id, b.name): b for b in Branch.objects.filter(unit_id__in=unit_ids).select_related("unit")}
    branch_by_pk = {b.pk: b for b in branches.values()}
    for row in rows:
        if row.unit is None or not row.branch_text:
            continue
        branch = branches.get((row.unit.pk, row.branch_text))
        if branch is None:
            row.place_problems.append(
                f"单位“{row.unit.name}”没有名为“{row.branch_text}”的党支部，请先在平台中新建该支部后再导入"
            )
        elif not branch.active:
            row.place_problems.append(f"党支部“{branch.name}”已停用")
        else:
            row.branch = branch

    # Every member of those units, locked: matched by the natural key, and checked
    # for the same person already on another branch of the unit.
    existing: dict[tuple, Member] = {}
    in_unit: dict[tuple, list[Member]] = {}
    for member in Member.objects.select_for_update().filter(branch_id__in=branch_by_pk).order_by("pk"):
        existing[(member.branch_id, member.name, member.birth_date)] = member
        if member.active:
            unit_id = branch_by_pk[member.branch_id].unit_id
            in_unit.setdefault((unit_id, member.name, member.birth_date), []).append(member)

    to_create: list[Member] = []
    to_update: list[Member] = []
    changed_fields: set[str] = set()
    unchanged = 0
    first_seen: dict[tuple, int] = {}
    for row in rows:
        if row.branch is None or not row.name or row.birth_date is None:
            continue
        key = (row.branch.pk, row.name, row.birth_date)
        if key in first_seen:
            row.problems.append(f"与第 {first_seen[key]} 行重复（单位、支部、姓名、出生日期均相同）")
            continue
        first_seen[key] = row.number
        member = existing.get(key)
        if member is None:
            other = next(
                (m for m in in_unit.get((row.branch.unit_id, row.name, row.birth_date), []) if m.branch_id != key[0]),
                None,
            )
            if other is not None:
                row.problems.append(
                    f"该党员已登记在本单位“{branch_by_pk[other.branch_id].name}”，如需调整支部请在党员名册中修改"
                )
                continue
        elif not member.active:
            row.problems.append("该党员已离册，请先在名册中恢复")
            continue
        if row.problems:
            continue
        if member is None:
            member = Member(
                branch=row.branch,
                name=row.name,
                gender=row.gender,
                birth_date=row.birth_date,
                join_date=row.join_date,
                status=row.status,
                position=row.position or "",
            )
            if _full_clean(member, row):
                to_create.append(member)
            continue
        changed = [
            name
            for name in _UPDATABLE
            if (name != "position" or has_position) and getattr(member, name) != getattr(row, name)
        ]
        if not changed:
            unchanged += 1
            continue
        for name in changed:
            setattr(member, name, getattr(row, name))
        if _full_clean(member, row):
            to_update.append(member)
            changed_fields.update(changed)
    return to_create, to_update, changed_fields, unchanged


def _units_by_text(texts: set[str]) -> dict[str, list[Unit]]:
    """Each text's units: by full name if one has it, otherwise by short name (which may match several)."""
    found: dict[str, list[Unit]] = {}
    if not texts:
        return found
    units = list(Unit.objects.filter(Q(name__in=texts) | Q(short_name__in=texts)).order_by("pk"))
    for text in texts:
        by_name = [u for u in units if u.name == text]
        found[text] = by_name or [u for u in units if u.short_name == text]
    return found


def _full_clean(member: Member, row: _Row) -> bool:
    """Run the model's own validation (fields, choices, check constraints); note failures on the row in Chinese.

    The branch was just read from the database and the natural key is checked
    above, so neither costs a query per row here.
    """
    try:
        member.full_clean(exclude=["branch"], validate_unique=False, validate_constraints=False)
        _check_constraints(member)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            label = "" if name == NON_FIELD_ERRORS else f"{Member._meta.get_field(name).verbose_name}："
            row.problems.extend(f"{label}{m.rstrip('。')}" for m in messages)
        return False
    return True


def _check_constraints(member: Member) -> None:
    """The model's check constraints, in Python: Django's validate_constraints runs a query per constraint per row."""
    if not member.join_date > member.birth_date:
        raise ValidationError({"join_date": "入党日期必须晚于出生日期。"})
    if not (member.active or member.left_on):
        raise ValidationError({"left_on": "离册党员须有离册日期。"})


# --- writing -----------------------------------------------------------------------------------------


def _write(*, actor: User, to_create: list[Member], to_update: list[Member], changed_fields: set[str]) -> None:
    """Create and update in bulk; simple_history's bulk helpers add one history row per member."""
    now = timezone.now()
    if to_create:
        bulk_create_with_history(
            to_create,
            Member,
            batch_size=BATCH,
            default_user=actor,
            default_change_reason=CHANGE_REASON,
            default_date=now,
        )
    if to_update:
        for member in to_update:
            member.updated_at = now  # bulk_update skips auto_now
        bulk_update_with_history(
            to_update,
            Member,
            fields=sorted(changed_fields | {"updated_at"}),
            batch_size=BATCH,
            default_user=actor,
            default_change_reason=CHANGE_REASON,
            default_date=now,
        )
