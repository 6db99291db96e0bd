"""Summaries of several windows (汇总): counts per status, done / due / behind, a unit's branches and the
committee's unit rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from apps.core.metrics import percent
from apps.core.periods import Period
from apps.orgs.models import Branch, Unit

from ..compliance import Cell, EffectiveRule, Status, SubjectResult
from .navigation import calendar_url, unit_overview_url

# How bad a status is when several windows are summed up: a decided miss outweighs a window still
# due, which outweighs a success (green only when everything required so far is done); windows that
# ask nothing yet (未到期, 未纳入, 不适用, 已撤销) come last.
STATUS_RANK = {
    Status.FAILURE: 7,
    Status.WARNING: 6,
    Status.DUE: 5,
    Status.MET: 4,
    Status.UPCOMING: 3,
    Status.NOT_JUDGED: 2,
    Status.NA: 1,
    Status.ENDED: 0,
}


def _status_count(status: str) -> property:
    return property(lambda self: self.counts[status])


@dataclass
class Summary:
    """Windows of one or more subjects summed up: counts per status, the worst one, done / due / behind."""

    counts: dict = field(default_factory=lambda: dict.fromkeys(Status.values, 0))
    incomplete: int = 0

    met = _status_count(Status.MET)
    due = _status_count(Status.DUE)
    upcoming = _status_count(Status.UPCOMING)
    warning = _status_count(Status.WARNING)
    failure = _status_count(Status.FAILURE)
    na = _status_count(Status.NA)
    not_judged = _status_count(Status.NOT_JUDGED)
    ended = _status_count(Status.ENDED)

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
    def behind(self) -> int:
        """Windows ended unmet (预警 + 不合格)."""
        return self.warning + self.failure

    @property
    def decided(self) -> int:
        return self.met + self.behind

    @property
    def required(self) -> int:
        """Windows asked of the subjects so far: decided ones and those still due."""
        return self.decided + self.due

    @property
    def rate(self):
        """落实率 as the pages show it: done out of what is asked so far, windows still due included,
        so a period in progress does not read 100 % while most of it is 待完成."""
        return percent(self.met, self.required)

    @property
    def decided_rate(self):
        """Done out of the decided windows only: what scoring ranks by (`SubjectResult.rate`)."""
        return percent(self.met, self.decided)

    @property
    def mark(self) -> tuple[str, str]:
        """(status, text) of a summary cell: a miss first; ✓ only when nothing asked so far is still due."""
        if self.failure:
            return Status.FAILURE, f"✗{self.failure}"
        if self.warning:
            return Status.WARNING, f"!{self.warning}"
        if self.due:
            return Status.DUE, f"待{self.due}"
        if self.met:
            return Status.MET, "✓"
        for status in (Status.UPCOMING, Status.NOT_JUDGED):
            if self.counts[status]:
                return status, Status(status).label
        return Status.NA, "–"

    @property
    def title(self) -> str:
        shown = [Status.MET, Status.DUE, Status.WARNING, Status.FAILURE, Status.UPCOMING, Status.NA]
        shown += [s for s in (Status.NOT_JUDGED, Status.ENDED) if self.counts[s]]
        text = "、".join(f"{_SHORT[s]}{self.counts[s]}" for s in shown)
        return text + (f"；{self.incomplete}条记录需补充" if self.incomplete else "")


_SHORT = {
    Status.MET: "完成",
    Status.DUE: "待完成",
    Status.UPCOMING: "未到期",
    Status.WARNING: "预警",
    Status.FAILURE: "不合格",
    Status.NA: "不适用",
    Status.NOT_JUDGED: "未纳入",
    Status.ENDED: "已撤销",
}


def summarise(cells) -> Summary:
    summary = Summary()
    for cell in cells:
        summary.add(cell)
    return summary


def days_left(cells) -> int | None:
    """Days to the nearest deadline among windows still due (None: nothing due)."""
    left = [c.days_left for c in cells if c.days_left is not None]
    return min(left) if left else None


BRANCH_SORTS = {
    "": lambda row: 0,  # the unit's order of branches
    "rate": lambda row: (row["total"].rate is None, row["total"].rate or 0),
    "days": lambda row: (row["days_left"] is None, row["days_left"] or 0),
}


def branch_rows(
    branches: list[Branch],
    results: dict[int, SubjectResult],
    rules: list[EffectiveRule],
    year: int,
    *,
    status: str | None = None,
    sort: str = "",
    as_of: dt.date | None = None,
) -> list[dict]:
    """A unit's branches over a period: per rule a Summary of the windows each counted in, the branch's total,
    days to its nearest deadline, a link to its calendar. Only branches with a window of `status`, when
    given; sorted by 落实率 (`sort="rate"`) or days left (`"days"`), else in the unit's order.

    A branch that counted in no window of the period (founded after it, or ended before) has no row.
    """
    rows = []
    for branch in branches:
        cells = results[branch.pk].rollup_cells()
        if not cells:
            continue
        by_rule: dict[int, list[Cell]] = {}
        for cell in cells:
            by_rule.setdefault(cell.rule.pk, []).append(cell)
        total = summarise(cells)
        if status and not total.counts[status]:
            continue
        rows.append(
            {
                "branch": branch,
                "summaries": [summarise(by_rule.get(rule.pk, [])) for rule in rules],
                "total": total,
                "days_left": days_left(cells),
                "url": calendar_url(branch, year, as_of),
            }
        )
    return sorted(rows, key=BRANCH_SORTS.get(sort, BRANCH_SORTS[""]))


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


def unit_rows(
    counted,
    units: list[Unit],
    terms: dict[int, dict[int, EffectiveRule]],
    rules,
    period: Period,
    *,
    status: str | None = None,
    as_of: dt.date | None = None,
) -> list[UnitRow]:
    """One row per unit (only those with a window of `status`, when given), worst compliance rate first.

    `counted` is `compliance.store.tallies(...)` (windows per status per unit and rule); `terms` the rules as they
    apply to each unit (`loading.effective`).
    """
    rows = []
    for unit in units:
        row = UnitRow(unit)
        tally = counted.units.get(unit.pk)
        if tally is not None:
            row.total = Summary(counts=dict(tally.counts), incomplete=tally.incomplete)
        for rule in rules:
            per_rule = counted.rules.get((unit.pk, rule.pk))
            if per_rule is None:
                continue
            row.per_rule[rule.pk] = Summary(counts=dict(per_rule.counts), incomplete=per_rule.incomplete)
            row.rules[rule.pk] = terms[unit.pk][rule.pk]
        if status and not row.total.counts[status]:
            continue
        row.cells = [(rule, row.per_rule.get(rule.pk)) for rule in rules]
        row.url = unit_overview_url(row.unit.pk, period, as_of)
        rows.append(row)
    rows.sort(key=lambda r: (r.total.rate is None, r.total.rate if r.total.rate is not None else 0, r.unit.order))
    return rows
