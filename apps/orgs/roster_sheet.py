"""Reading a roster sheet (名册表格): the columns secretaries keep, and each line as a checked row.

`read_file` opens an upload as an .xlsx, finds the columns by the header text of the first
row and turns every non-blank line into a `RosterRow`, noting each problem that needs no
database (a missing cell, a bad date, a formula). A file that cannot be read at all raises
`SheetError` with the reason in Chinese. `roster_import` checks the rows against the roster.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone
from openpyxl.utils.datetime import from_excel

from apps.core.excel import SheetError, cell_text, is_formula, parse_date_cell, xlsx_rows

from .models import Branch, Gender, Member, MemberStatus, Unit, join_date_problem

# --- the sheet ---------------------------------------------------------------------------

COLUMN_UNIT = "单位"
COLUMN_BRANCH = "支部"
COLUMN_NAME = "姓名"
COLUMN_GENDER = "性别"
COLUMN_BIRTH = "出生日期"
COLUMN_JOIN = "入党日期"
COLUMN_STATUS = "党员状态"
COLUMN_POSITION = "职务"
COLUMN_SINCE = "转入日期"
COLUMNS = (
    COLUMN_UNIT,
    COLUMN_BRANCH,
    COLUMN_NAME,
    COLUMN_GENDER,
    COLUMN_BIRTH,
    COLUMN_JOIN,
    COLUMN_STATUS,
    COLUMN_POSITION,
    COLUMN_SINCE,
)
REQUIRED_COLUMNS = COLUMNS[:7]
# What secretaries type into an optional cell to say "none": read as blank.
BLANK_MARKS = frozenset({"-", "--", "—", "——", "/", "无"})

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
    (
        COLUMN_SINCE,
        False,
        "转入该支部的日期，写法同出生日期，不能晚于今天、不能早于入党日期和支部成立日期；"
        "不填则为入党日期与支部成立日期中较晚的一天。本单位其他支部已登记的党员填写此日期，即为自该日起转入本支部（组织关系转接）",
    ),
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
    None,  # 转入日期: blank for most people
)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000  # member rows (blank rows not counted)
MAX_SHEET_ROWS = 50_000  # rows read at all, blank ones included: stops a sheet padded with a million empty rows
MAX_UNPACKED_BYTES = 40 * 1024 * 1024  # an .xlsx is a zip (a 10,000-member roster unpacks to about 5 MB)
NAME_MAX = Member._meta.get_field("name").max_length
POSITION_MAX = Member._meta.get_field("position").max_length
_GENDERS = {label: value for value, label in Gender.choices}
_STATUSES = {
    "正式党员": MemberStatus.FULL,
    "正式": MemberStatus.FULL,
    "预备党员": MemberStatus.PROBATIONARY,
    "预备": MemberStatus.PROBATIONARY,
}
_WHITESPACE = re.compile(r"\s+")
# Chinese rosters pad two-character names for alignment ("张　三"); such spaces are not part of the name.
_CJK_NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·•\s]+$")


@dataclass
class RosterRow:
    """One line of the sheet: what it says, what it resolves to, what is wrong with it."""

    number: int
    unit_text: str
    branch_text: str
    name: str
    gender: str | None = None
    birth_date: dt.date | None = None
    join_date: dt.date | None = None
    status: str | None = None
    position: str | None = None  # None: the sheet has no 职务 column
    since: dt.date | None = None  # 转入日期: None when blank or the sheet has no such column
    example: bool = False  # the template's example row, left in
    problems: list[str] = field(default_factory=list)
    place_problems: list[str] = field(default_factory=list)  # unit and branch: listed first
    unit: Unit | None = None
    branch: Branch | None = None

    @property
    def all_problems(self) -> list[str]:
        return self.place_problems + self.problems


# --- reading the file ------------------------------------------------------------------------


def read_file(file) -> tuple[list[RosterRow], bool]:
    """Open the upload as an .xlsx and turn its first sheet into rows; raise SheetError if it cannot be."""
    with xlsx_rows(file, max_bytes=MAX_FILE_BYTES, max_unpacked_bytes=MAX_UNPACKED_BYTES) as lines:
        return _read_sheet(lines)


def _read_sheet(lines) -> tuple[list[RosterRow], bool]:
    header = next(lines, None)
    columns = _find_columns(header or ())
    rows: list[RosterRow] = []
    for number, values in enumerate(lines, start=2):
        if number > MAX_SHEET_ROWS:
            raise SheetError(
                f"工作表超过 {MAX_SHEET_ROWS} 行（含空行），"
                f"请删除表格末尾多余的空行，或分批导入（每次不超过 {MAX_ROWS} 人）。"
            )
        cells = {name: (values[i] if i < len(values) else None) for name, i in columns.items()}
        if all(cell_text(v) == "" for v in cells.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise SheetError(f"每次最多导入 {MAX_ROWS} 人，该文件超出（第 {number} 行起），请分批导入。")
        rows.append(_parse_row(number, cells, has_position=COLUMN_POSITION in columns))
    if not rows:
        raise SheetError("文件中没有党员数据：表头下面都是空行。")
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
        raise SheetError(
            f"缺少必需的列：{'、'.join(missing)}。第一行须为表头，列名为：{'、'.join(COLUMNS)}"
            f"（{'、'.join(COLUMNS[len(REQUIRED_COLUMNS) :])}可省略），建议下载模板填写。"
        )
    if repeated:
        raise SheetError(f"表头中以下列出现了不止一次：{'、'.join(dict.fromkeys(repeated))}，请只保留一列。")
    return columns


def _parse_row(number: int, cells: dict, *, has_position: bool) -> RosterRow:
    """Read one line's cells into a row, noting every problem that needs no database."""
    for column in (COLUMN_POSITION, COLUMN_SINCE):
        if column in cells and cell_text(cells[column]) in BLANK_MARKS:
            cells = {**cells, column: None}  # “-” typed for “none” is blank, not a formula
    formulas = [column for column, value in cells.items() if is_formula(value)]
    if formulas:
        # A roster holds typed text: a formula (or text Excel would run as one) is refused, never read.
        row = RosterRow(number=number, unit_text="", branch_text="", name="")
        row.problems.extend(f"{column}不能是公式，也不能以 =、+、-、@ 开头，请改为直接填写内容" for column in formulas)
        return row
    row = RosterRow(
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
    if problem := join_date_problem(row.birth_date, row.join_date):
        problems.append(problem)

    status = _WHITESPACE.sub("", cell_text(cells[COLUMN_STATUS]))
    if not status:
        problems.append("党员状态未填写")
    elif status not in _STATUSES:
        problems.append(f"党员状态须填写“正式党员”或“预备党员”（现为“{status}”）")
    else:
        row.status = _STATUSES[status]

    if cell_text(cells.get(COLUMN_SINCE)):
        row.since = _date(cells[COLUMN_SINCE], COLUMN_SINCE, problems)
        if row.since and row.since > today:
            problems.append("转入日期不能晚于今天")
        elif row.since and row.join_date and row.since < row.join_date:
            problems.append(f"转入日期不能早于入党日期（{row.join_date:%Y-%m-%d}）")

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
