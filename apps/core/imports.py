"""Excel imports (导入): what every import reports — the bad rows, the counts — and how its page says it.

An import reads its upload with `apps.core.excel.xlsx_rows`, checks every row, and writes all rows or none;
a dry run (校验) checks and counts only. Its result is an `ImportResult` (an app's subclass words `summary`),
and its page tells the user with `report_import`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages


@dataclass
class RowError:
    """One bad row: its Excel row number, what names it (a member, an item, a question), every problem found."""

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

    #: The measure word of the summary: 人, 条, 道.
    measure = "条"

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        m = self.measure
        return f"新增 {self.created} {m}，更新 {self.updated} {m}，未变化 {self.unchanged} {m}"


def report_import(request, result: ImportResult, *, things: str = "数据") -> None:
    """Tell the user what the import did: the file refused, rows to fix, a dry run passed, or the rows written."""
    if result.file_errors:
        messages.error(request, f"导入失败，未导入任何{things}：" + "；".join(result.file_errors))
    elif result.row_errors:
        messages.error(request, f"发现 {len(result.row_errors)} 行有问题，未导入任何{things}。请按下表修改后重新上传。")
    elif result.dry_run:
        messages.info(request, f"校验通过，共 {result.rows} 行，尚未导入。导入后将{result.summary()}。")
    else:
        messages.success(request, f"导入完成：{result.summary()}。")
