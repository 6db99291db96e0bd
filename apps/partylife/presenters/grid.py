"""The year grid (日历): one engine cell as the calendar draws it, the rows of rules, what is still open,
and why a record on a cell's page does (not) count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from apps.core.periods import Frequency

from ..compliance import Cell, EffectiveRule, Status, SubjectResult, missing_for
from .navigation import cell_url

MONTH_LABELS = [f"{m}月" for m in range(1, 13)]


# What a window's cell says in the grid (text), on a phone strip (symbol); `None`: see GridCell.
_TEXT = {
    Status.WARNING: "! 预警",
    Status.FAILURE: "✗ 不合格",
    Status.NA: "不适用",
    Status.NOT_JUDGED: "未纳入",
    Status.ENDED: "已撤销",
    Status.UPCOMING: "",
}
_SYMBOL = {
    Status.MET: "✓",
    Status.WARNING: "!",
    Status.FAILURE: "✗",
    Status.NA: "–",
    Status.NOT_JUDGED: "○",
    Status.ENDED: "撤",
    Status.UPCOMING: "",
}


@dataclass
class GridCell:
    """One engine cell as the calendar draws it."""

    cell: Cell
    url: str
    today: dt.date

    @property
    def status(self) -> str:
        return self.cell.status

    @property
    def span(self) -> int:
        return self.cell.window.months

    @property
    def css(self) -> str:
        classes = [f"cs-{self.cell.status}"]
        if self.cell.window.contains(self.today):
            classes.append("cs-current")
        return " ".join(classes)

    @property
    def text(self) -> str:
        c = self.cell
        if c.status == Status.MET:
            return f"✓ {c.count}次"
        if c.status == Status.DUE:
            return "待完成"
        return _TEXT[c.status]

    @property
    def sub(self) -> str:
        c = self.cell
        if c.status in (Status.NA, Status.NOT_JUDGED, Status.ENDED, Status.UPCOMING):
            return ""
        if c.incomplete:
            return f"需补充 {c.incomplete}"
        if c.groups_total:
            return f"{c.groups_met}/{c.groups_total}组"
        short = [line for line in c.reach if not line.met]
        if short:
            return f"已谈 {short[0].reached}/{short[0].total}"
        if c.status == Status.DUE and c.rule.min_count > 1:
            return f"{c.count}/{c.rule.min_count}次"
        if c.status == Status.WARNING:
            return "已说明原因" if c.reason else "未开展"
        if c.status == Status.FAILURE:
            return "未开展"
        return ""

    @property
    def symbol(self) -> str:
        c = self.cell
        if c.status == Status.DUE:
            return "补" if c.incomplete else "·"
        return _SYMBOL[c.status]

    @property
    def when(self) -> str:
        w = self.cell.window
        if w.kind == Frequency.MONTH:
            return str(w.index)
        if w.kind == Frequency.QUARTER:
            return f"Q{w.index}"
        return "全年"

    @property
    def title(self) -> str:
        c = self.cell
        parts = [f"{c.window.label} · {c.rule.name}：{c.label}", f"已完成{c.count}次（要求{c.rule.requirement}）"]
        if c.incomplete:
            parts.append(f"{c.incomplete}条记录需补充材料")
        if c.note:
            parts.append(c.note)
        if c.reason:
            parts.append(f"未开展原因：{c.reason}")
        return "；".join(parts)


@dataclass
class GridRow:
    """One rule's windows across the year."""

    rule: EffectiveRule
    cells: list[GridCell] = field(default_factory=list)

    @property
    def type_name(self) -> str:
        return self.rule.rule.activity_type.name


def grid_rows(result: SubjectResult, today: dt.date, as_of: dt.date | None = None) -> list[GridRow]:
    """The engine's result for one branch or unit as rows of the year grid."""
    return [
        GridRow(cells[0].rule, [GridCell(c, cell_url(c, result.subject, as_of), today) for c in cells])
        for cells in result.by_rule().values()
    ]


def todo_cells(rows: list[GridRow]) -> list[GridCell]:
    """What is still open in the windows running on the evaluation day (本月/本季度/本年 还需完成)."""
    return [g for row in rows for g in row.cells if g.cell.status == Status.DUE]


def record_notes(records, rule) -> None:
    """Mark each record of the cell page with why it does (not) count for the rule (display only, no query).

    A record of another type that “also counts as” the rule's type counts only with that type's
    evidence too: “缺现场照片：不计为组织生活会”. Needs the records' evidence and attendances prefetched.
    """
    for record in records:
        record.also = record.activity_type_id != rule.activity_type_id
        lacking = missing_for(record, rule) if record.also else []
        record.not_counted_as = f"缺{'、'.join(lacking)}：不计为{rule.activity_type.name}" if lacking else ""
