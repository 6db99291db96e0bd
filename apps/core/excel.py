"""Excel helpers: streaming exports (openpyxl write-only) and tolerant cell readers.

Cells from users are text, never formulas (CSV/formula injection): an export writes a
string that Excel would take for a formula (`=`, `+`, `-`, `@`, a tab or CR first) as a
quote-prefixed text cell, shown exactly as typed; an import refuses such cells
(`is_formula`), real formula cells included.
"""

import datetime as dt
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: What makes Excel (or LibreOffice) read typed text as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NOTES_SHEET = "说明"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other old Office files)


class SheetError(Exception):
    """An uploaded workbook that cannot be read as a whole; the message says why, in Chinese."""


def size_label(n: int) -> str:
    """A file size as people read it: 1 KB, 2.5 MB."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(n / 1024))} KB"


#: Cells an import reads at most (about 10,000 rows of a 20-column sheet): parsing costs per cell, and a small
#: file can hold millions of them (a 2 MB roster padded with 800 columns took a worker 40 s to read).
MAX_CELLS = 250_000


def _count_elements(archive: zipfile.ZipFile, tag: bytes) -> int:
    """How many `tag` elements the first worksheet holds, counted in its XML without parsing it (`<c `, `<c>` and
    prefixed `:c `), read a megabyte at a time."""
    sheets = sorted(
        (n for n in archive.namelist() if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")),
        key=lambda n: (len(n), n),
    )
    if not sheets:
        return 0
    needles = (b"<" + tag + b" ", b"<" + tag + b">", b":" + tag + b" ")
    keep = len(tag) + 1  # an element split between chunks is counted with the next one (needles are one longer)
    count, tail = 0, b""
    with archive.open(sheets[0]) as xml:
        while chunk := xml.read(1 << 20):
            data = tail + chunk
            count += sum(data.count(needle) for needle in needles)
            tail = data[-keep:]
    return count


def _sheet_cells(archive: zipfile.ZipFile) -> int:
    """How many cells the first worksheet holds."""
    return _count_elements(archive, b"c")


def sheet_row_count(file) -> int:
    """About how many rows the first sheet of an uploaded .xlsx holds (its `<row>` elements, counted without
    parsing), to decide whether an import runs in the background; 0 for a file that is not an .xlsx (the
    import then refuses it in the request, with its reason)."""
    try:
        file.seek(0)
        if not zipfile.is_zipfile(file):
            return 0
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            return _count_elements(archive, b"row")
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        return 0
    finally:
        file.seek(0)


@contextmanager
def xlsx_rows(
    file, *, max_bytes: int, max_unpacked_bytes: int, max_columns: int = 64, max_cells: int | None = None
) -> Iterator[Iterator[tuple]]:
    """The rows of an uploaded .xlsx's first sheet (tuples of values; formulas as written, so rows can refuse them).

    Every import reads its upload through here: the name must be .xlsx, the size at most `max_bytes`, the
    content a zip (not a renamed .xls) unpacking to at most `max_unpacked_bytes`, and openpyxl must open it.
    A sheet of more than `max_cells` cells (default MAX_CELLS) is refused before it is parsed, and only its first
    `max_columns` columns are read.
    Anything else — or a failure while the caller reads the rows — raises SheetError with a Chinese reason.
    """
    filename = (getattr(file, "name", "") or "").strip().lower()
    if not filename.endswith(".xlsx"):
        if filename.endswith(".xls"):
            raise SheetError("不支持旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后再导入。")
        raise SheetError("只能导入 Excel 的 .xlsx 文件，请下载模板填写后上传。")
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise SheetError(f"文件过大（{size_label(size)}），不能超过 {size_label(max_bytes)}，请分批导入。")
    file.seek(0)
    head = file.read(len(_OLE2_MAGIC))
    file.seek(0)
    if head == _OLE2_MAGIC:
        raise SheetError(
            "这是旧版 Excel（.xls）文件，只是扩展名改成了 .xlsx；请在 Excel 中“另存为” .xlsx 格式后再导入。"
        )
    if not zipfile.is_zipfile(file):
        raise SheetError(
            "文件不是有效的 .xlsx 格式（可能已损坏，或由其他类型的文件改名而来），请用 Excel 另存为 .xlsx 后再导入。"
        )
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > max_unpacked_bytes:
            raise SheetError("文件内容过大，请分批导入。")
        cells = _sheet_cells(archive)
    max_cells = MAX_CELLS if max_cells is None else max_cells
    if cells > max_cells:
        raise SheetError(
            f"表格的单元格过多（约 {cells:,} 个，最多 {max_cells:,} 个），远超导入所需；"
            "请只保留需要导入的列和行（删除多余的列和空行）后再导入，或分批导入。"
        )
    file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key, value errors) for a broken file
        raise SheetError(
            "无法读取该文件，它可能不是有效的 Excel .xlsx 文件，请用 Excel 另存为 .xlsx 后再导入。"
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong sheet size; openpyxl would stop at it silently
        yield sheet.iter_rows(values_only=True, max_col=max_columns)
    except SheetError:
        raise
    except Exception as exc:
        raise SheetError("读取文件内容时出错，文件可能已损坏，请用 Excel 另存为 .xlsx 后再导入。") from exc
    finally:
        workbook.close()


def is_formula(value) -> bool:
    """Whether a cell holds a formula, or text that a spreadsheet would run as one."""
    if isinstance(value, str):
        return value.startswith(FORMULA_PREFIXES)
    return isinstance(value, ArrayFormula | DataTableFormula)


@dataclass(frozen=True)
class Sheet:
    """One sheet of a download: its title, header row, rows and (optionally) column widths in characters.

    Without widths, each column is as wide as the longest of its header and its first `WIDTH_SAMPLE` rows
    (a CJK character counts two), between `MIN_WIDTH` and `MAX_WIDTH`."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int] = ()


MIN_WIDTH, MAX_WIDTH = 8, 60
WIDTH_SAMPLE = 200  # rows read ahead to size the columns (a write-only sheet takes widths before any row)


def text_width(value) -> int:
    """How many Latin characters wide a value shows in Excel: a CJK (wide) character counts two."""
    value = _plain(value)
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in longest)


def column_widths(headers: Sequence[str], sample: Sequence[Sequence]) -> list[int]:
    """Widths (in characters) of the columns of `headers`, from the header text and a sample of rows."""
    widths = [text_width(h) for h in headers]
    for row in sample:
        for i, value in enumerate(row):
            if i < len(widths):
                widths[i] = max(widths[i], text_width(value))
            else:
                widths.append(text_width(value))
    return [min(MAX_WIDTH, max(MIN_WIDTH, w + 2)) for w in widths]


def write_workbook(target, *, sheets: Sequence[Sheet], freeze_header: bool = True) -> None:
    """Write sheets in openpyxl's write-only mode (constant memory: rows are streamed, never held) to `target`,
    a path or a binary file. Headers are bold and (by default) frozen, columns sized (given widths, or
    measured), every string written as text (never a formula)."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        rows = iter(sheet.rows)
        widths = list(sheet.widths)
        if not widths:
            sample = list(itertools.islice(rows, WIDTH_SAMPLE))
            rows = itertools.chain(sample, rows)
            widths = column_widths(sheet.headers, sample)
        if freeze_header and sheet.headers:
            ws.freeze_panes = "A2"
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        if sheet.headers:  # a sheet of notes has none
            header_cells = []
            for h in sheet.headers:
                cell = WriteOnlyCell(ws, value=h)
                cell.font = bold
                header_cells.append(cell)
            ws.append(header_cells)
        for row in rows:
            ws.append([_cell(ws, v) for v in row])
    wb.save(target)


def download_name(filename: str, *, fallback: str = "export") -> tuple[str, str]:
    """The (ASCII fallback, full) names of a download made now: 党员名册-20260501-0930.xlsx."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{fallback}-{stamp}.xlsx", f"{filename}-{stamp}.xlsx"


def attachment_header(ascii_name: str, full_name: str) -> str:
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(full_name)}"


def workbook_response(
    *, filename: str, sheets: Sequence[Sheet], freeze_header: bool = True, fallback: str = "export"
) -> HttpResponse:
    """An .xlsx download of several sheets (see `write_workbook`); the filename may be Chinese (`fallback`
    names it for clients that read only the ASCII one)."""
    response = HttpResponse(content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_header(*download_name(filename, fallback=fallback))
    write_workbook(response, sheets=sheets, freeze_header=freeze_header)
    return response


def export_sheets(
    *, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence], notes: Sequence[str] = ()
) -> list[Sheet]:
    """The sheets of a one-sheet export: the rows, and the notes (e.g. ignored filter conditions) on "说明"."""
    sheets = [Sheet(title=sheet_title, headers=headers, rows=rows)]
    if notes:
        sheets.append(Sheet(title=NOTES_SHEET, headers=(), rows=[[n] for n in notes], widths=(80,)))
    return sheets


def xlsx_response(
    *,
    filename: str,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    notes: Sequence[str] = (),
) -> HttpResponse:
    """Build an .xlsx download of one sheet; the filename may be Chinese.

    The header row is frozen and the columns sized; every string is written as text (never a formula).
    `notes` (e.g. the filter conditions that were ignored) go on a second sheet, "说明".
    """
    sheets = export_sheets(sheet_title=sheet_title, headers=headers, rows=rows, notes=notes)
    return workbook_response(filename=filename, sheets=sheets)


def _cell(ws, value):
    """A row value as openpyxl should write it: text that looks like a formula becomes a quoted text cell."""
    value = _plain(value)
    if not (isinstance(value, str) and is_formula(value)):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # openpyxl would make "=…" a formula
    cell.quotePrefix = True  # Excel shows it as typed and keeps it text when edited
    return cell


def _plain(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")]


def parse_date_cell(value) -> dt.date | None:
    """Read a date the way secretaries type it: a real Excel date, 1985-03-12,
    1985/3/12, 1985.03.12, 1985年3月12日, 19850312, or a month (1985.03 → the 1st).

    Returns None for an empty cell; raises ValueError for anything else.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(text)
        if m:
            return dt.date(int(m[1]), int(m[2]), 1)
    raise ValueError(text)


def cell_text(value) -> str:
    """A cell as trimmed text ('' for empty); whole floats lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def data_rows(
    lines, columns: dict[str, int], *, max_rows: int, max_sheet_rows: int, noun: str = "条"
) -> Iterator[tuple[int, dict]]:
    """An import's data lines below the header: (row number, {column: raw value}) for the `columns` found in the
    header (name → index), blank lines skipped. SheetError past `max_sheet_rows` lines (blank ones included) or
    `max_rows` data rows, or when there is no data at all."""
    found = 0
    for number, values in enumerate(lines, start=2):
        if number > max_sheet_rows:
            raise SheetError(f"工作表超过 {max_sheet_rows} 行（含空行），请删除多余的空行或分批导入。")
        cells = {column: (values[i] if i < len(values) else None) for column, i in columns.items()}
        if all(cell_text(v) == "" for v in cells.values()):
            continue
        if found >= max_rows:
            raise SheetError(f"每次最多导入 {max_rows} {noun}，请分批导入。")
        found += 1
        yield number, cells
    if not found:
        raise SheetError("文件中没有数据：表头下面都是空行。")
