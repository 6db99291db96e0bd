"""How the compliance pages draw the engine's verdicts (组织生活落实情况的展示): grid cells and rows,
summaries of several windows, the committee's unit rows, links and period navigation.

Display only: everything here works on what the engine (`compliance`) already computed and
runs no query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from apps.core.metrics import percent
from apps.core.periods import Frequency, Period
from apps.orgs.models import Branch, Unit

from .compliance import FIRST_YEAR, LAST_YEAR, Cell, EffectiveRule, Status, SubjectResult

# How bad a status is when several windows are summed up: a decided miss outweighs a success,
# and a success outweighs a window still open (a branch on track shows green, not grey).
STATUS_RANK = {Status.FAILURE: 4, Status.WARNING: 3, Status.MET: 2, Status.DUE: 1, Status.NA: 0}
MONTH_LABELS = [f"{m}月" for m in range(1, 13)]


# --- links ------------------------------------------------------------------------------------------------


def cell_url(cell: Cell, subject: Branch | Unit) -> str:
    """The page of one cell: its records, clause and 未开展原因."""
    key = "unit" if isinstance(subject, Unit) else "branch"
    query = urlencode({key: subject.pk, "rule": cell.rule.pk, "window": cell.window.key})
    return f"{reverse('partylife:cell')}?{query}"


def calendar_url(branch: Branch, year: int) -> str:
    """A branch's year calendar."""
    return f"{reverse('partylife:calendar')}?{urlencode({'branch': branch.pk, 'year': year})}"


def unit_overview_url(unit_id: int, period: Period | int) -> str:
    """A unit's view of its branches for a period (or a year)."""
    key = period.key if isinstance(period, Period) else period
    return f"{reverse('partylife:unit_overview')}?{urlencode({'unit': unit_id, 'period': key})}"


def querystring(params: QueryDict, **changes) -> str:
    """The page's query string with some parameters changed (None drops one)."""
    params = params.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return params.urlencode()


def year_links(params: QueryDict, year: int, key: str = "year") -> dict:
    """Links to the neighbouring years, none beyond FIRST_YEAR–LAST_YEAR (`prev_qs`/`next_qs` None there)."""
    return {
        "prev_qs": querystring(params, **{key: year - 1}) if year > FIRST_YEAR else None,
        "next_qs": querystring(params, **{key: year + 1}) if year < LAST_YEAR else None,
        "prev_year": year - 1,
        "next_year": year + 1,
    }


def period_nav(params: QueryDict, period: Period) -> dict:
    """A period <select> for one year (全年, 4 quarters, 12 months) and links to the years around it."""
    y = period.year
    options = [(str(y), f"{y}年全年")]
    options += [(f"{y}-Q{q}", f"{y}年第{q}季度") for q in range(1, 5)]
    options += [(f"{y}-{m:02d}", f"{y}年{m}月") for m in range(1, 13)]
    return {"options": options, "value": period.key, **year_links(params, y, "period")}


# --- the year grid ------------------------------------------------------------------------------------------


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
        if self.cell.status == Status.DUE and self.cell.is_future:
            classes.append("cs-future")
        if self.cell.window.contains(self.today):
            classes.append("cs-current")
        return " ".join(classes)

    @property
    def text(self) -> str:
        c = self.cell
        if c.status == Status.MET:
            return f"✓ {c.count}次"
        if c.status == Status.DUE:
            return "" if c.is_future else "待完成"
        return {Status.WARNING: "! 预警", Status.FAILURE: "✗ 不合格"}.get(c.status, "不适用")

    @property
    def sub(self) -> str:
        c = self.cell
        if c.incomplete and c.status != Status.NA:
            return f"需补充 {c.incomplete}"
        if c.groups_total and c.status != Status.NA and not c.is_future:
            return f"{c.groups_met}/{c.groups_total}组"
        if c.status == Status.DUE and not c.is_future and c.rule.min_count > 1:
            return f"{c.count}/{c.rule.min_count}次"
        if c.status == Status.WARNING:
            return "已说明原因" if c.reason else "未开展"
        if c.status == Status.FAILURE:
            return "未开展"
        return ""

    @property
    def symbol(self) -> str:
        c = self.cell
        symbols = {Status.MET: "✓", Status.WARNING: "!", Status.FAILURE: "✗", Status.NA: "–"}
        if c.status in symbols:
            return symbols[c.status]
        return "补" if c.incomplete else ("·" if not c.is_future else "")

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


def grid_rows(result: SubjectResult, today: dt.date) -> list[GridRow]:
    """The engine's result for one branch or unit as rows of the year grid."""
    return [
        GridRow(cells[0].rule, [GridCell(c, cell_url(c, result.subject), today) for c in cells])
        for cells in result.by_rule().values()
    ]


def todo_cells(rows: list[GridRow], today: dt.date) -> list[GridCell]:
    """What is still open in the windows running today (本月/本季度/本年 还需完成)."""
    return [g for row in rows for g in row.cells if g.cell.status == Status.DUE and g.cell.window.contains(today)]


# --- summaries ----------------------------------------------------------------------------------------------


def _status_count(status: str) -> property:
    return property(lambda self: self.counts[status])


@dataclass
class Summary:
    """Windows of one or more subjects summed up: counts per status and the worst one."""

    counts: dict = field(default_factory=lambda: dict.fromkeys(Status.values, 0))
    incomplete: int = 0

    met = _status_count(Status.MET)
    due = _status_count(Status.DUE)
    warning = _status_count(Status.WARNING)
    failure = _status_count(Status.FAILURE)
    na = _status_count(Status.NA)

    def add(self, cell: Cell) -> None:
        self.counts[cell.status] += 1
        self.incomplete += cell.incomplete

    def merge(self, other: Summary) -> None:
        for status, n in other.counts.items():
            self.counts[status] += n
        self.incomplete += other.incomplete

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def worst(self) -> str:
        present = [s for s, n in self.counts.items() if n]
        return max(present, key=lambda s: STATUS_RANK[s]) if present else Status.NA

    @property
    def decided(self) -> int:
        return self.met + self.warning + self.failure

    @property
    def rate(self):
        return percent(self.met, self.decided)

    @property
    def title(self) -> str:
        return f"完成{self.met}、待完成{self.due}、预警{self.warning}、不合格{self.failure}、不适用{self.na}" + (
            f"；{self.incomplete}条记录需补充" if self.incomplete else ""
        )


def summarise(cells) -> Summary:
    summary = Summary()
    for cell in cells:
        summary.add(cell)
    return summary


def branch_rows(branches: list[Branch], results: dict[int, SubjectResult], rules: list[EffectiveRule], year: int):
    """A unit's branches: per rule a Summary of its windows, the branch's total, a link to its calendar."""
    rows = []
    for branch in branches:
        by_rule = results[branch.pk].by_rule()
        rows.append(
            {
                "branch": branch,
                "summaries": [summarise(by_rule.get(rule.pk, [])) for rule in rules],
                "total": summarise(results[branch.pk].cells),
                "url": calendar_url(branch, year),
            }
        )
    return rows


@dataclass
class UnitRow:
    """One unit on the committee's overview: a Summary per rule and in total."""

    unit: Unit
    per_rule: dict[int, Summary] = field(default_factory=dict)
    rules: dict[int, EffectiveRule] = field(default_factory=dict)
    total: Summary = field(default_factory=Summary)
    cells: list = field(default_factory=list)  # (rule, Summary | None) in column order
    url: str = ""

    def add(self, cell: Cell) -> None:
        self.per_rule.setdefault(cell.rule.pk, Summary()).add(cell)
        self.rules.setdefault(cell.rule.pk, cell.rule)
        self.total.add(cell)


def unit_rows(results: dict[int, SubjectResult], rules, period: Period, *, status: str | None = None) -> list[UnitRow]:
    """One row per unit (only those with a window of `status`, when given), worst compliance rate first."""
    rows = []
    for result in results.values():
        row = UnitRow(result.subject)
        for cell in result.cells:
            row.add(cell)
        if status and not row.total.counts[status]:
            continue
        row.cells = [(rule, row.per_rule.get(rule.pk)) for rule in rules]
        row.url = unit_overview_url(row.unit.pk, period)
        rows.append(row)
    rows.sort(key=lambda r: (r.total.rate is None, r.total.rate if r.total.rate is not None else 0, r.unit.order))
    return rows


# --- 关账 ----------------------------------------------------------------------------------------------------


def lock_months(year: int, locks, counts: dict[dt.date, int], today: dt.date) -> list[dict]:
    """The twelve months of the 关账 page: its lock (or None), its record count, past, current or future."""
    by_month = {lock.month: lock for lock in locks}
    this_month = today.replace(day=1)
    return [
        {
            "first": first,
            "key": f"{year}-{first.month:02d}",
            "label": f"{year}年{first.month}月",
            "lock": by_month.get(first),
            "is_future": first > this_month,
            "is_current": first == this_month,
            "count": counts.get(first, 0),
        }
        for first in Period(year, Frequency.YEAR).month_starts()
    ]
