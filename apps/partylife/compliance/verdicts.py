"""What the engine says (结论): the statuses, one rule as it applies to a unit, one window's cell, a subject's result.

Plain data: nothing here runs a query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models

from apps.core.metrics import percent
from apps.core.periods import Frequency, Period

from ..models import ComplianceRule, Strength


class Status(models.TextChoices):
    MET = "met", "已完成"
    DUE = "due", "待完成"
    UPCOMING = "upcoming", "未到期"
    WARNING = "warning", "未完成（预警）"
    FAILURE = "failure", "未完成（不合格）"
    NA = "na", "不适用"
    NOT_JUDGED = "not_judged", "未纳入"
    ENDED = "ended", "已撤销"


#: Ended unmet: the misses a unit is judged by.
FINISHED_UNMET = {Status.WARNING, Status.FAILURE}
#: Statuses a page may filter by (已撤销 windows belong to no roll-up).
FILTER_STATUSES = [(value, label) for value, label in Status.choices if value != Status.ENDED]


@dataclass(frozen=True)
class EffectiveRule:
    """A rule as it applies to one unit: the committee's default or the unit's override."""

    rule: ComplianceRule
    frequency: str
    min_count: int
    strength: str
    applies: bool = True
    override_note: str | None = None  # set when a unit override is in force
    coverage: int = 100  # 谈心谈话: the share of each group of people to reach (%)

    @property
    def pk(self) -> int:
        return self.rule.pk

    @property
    def name(self) -> str:
        return self.rule.name

    @property
    def level(self) -> str:
        return self.rule.activity_type.level

    @property
    def by_coverage(self) -> bool:
        """谈心谈话 (第十九条) is judged by whom the talks reached, not by how many there were."""
        return self.rule.activity_type.has_talk_pair

    @property
    def strength_label(self) -> str:
        return Strength(self.strength).label

    @property
    def frequency_label(self) -> str:
        return Frequency(self.frequency).label

    @property
    def requirement(self) -> str:
        if self.by_coverage:
            return f"{self.frequency_label}三类谈话各覆盖{self.coverage}%"
        return f"{self.frequency_label}至少{self.min_count}次"


#: How many names of people not yet reached a cell's note lists before “等N人”.
NAMES_SHOWN = 12


@dataclass(frozen=True)
class Reach:
    """谈心谈话 coverage of one kind of pair (委员之间 …): who had to be reached, who was."""

    label: str  # 支部委员之间 / 支部委员与党员之间 / 党员之间
    noun: str  # 名委员 / 名党员
    total: int
    reached: int
    missing: tuple[str, ...]  # names not reached yet
    required: int  # %

    @property
    def met(self) -> bool:
        return self.total == 0 or self.reached * 100 >= self.required * self.total

    @property
    def text(self) -> str:
        return f"{self.label}：{self.reached} / {self.total} {self.noun}已谈"

    @property
    def sentence(self) -> str:
        """The coverage and, when short of everyone, who is still to reach."""
        if not self.missing:
            return self.text
        names = "、".join(self.missing[:NAMES_SHOWN])
        more = f"等{len(self.missing)}人" if len(self.missing) > NAMES_SHOWN else ""
        return f"{self.text}（未谈：{names}{more}）"


@dataclass
class Cell:
    """One rule × one window for one subject (branch, or unit for unit-level rules)."""

    rule: EffectiveRule
    window: Period
    status: str
    count: int = 0  # complete submitted records in the window
    incomplete: int = 0  # submitted records still 需补充
    notes: list[str] = field(default_factory=list)  # why the window is (not) judged as it is, in Chinese
    reason: str = ""  # 未开展原因, for missed soft rules
    groups_met: int | None = None  # 党小组会: how many groups met
    groups_total: int | None = None
    groups_met_names: list[str] = field(default_factory=list)
    groups_missed_names: list[str] = field(default_factory=list)
    reach: list[Reach] = field(default_factory=list)  # 谈心谈话: coverage per kind of pair
    in_tree: bool = True  # the subject counted in the window (existed at its midpoint)
    today: dt.date | None = None  # the evaluation day (set by the engine)

    @property
    def details(self) -> list[str]:
        """What the verdict rests on, in Chinese: the party groups that met and did not, 谈心谈话 coverage."""
        out = []
        if self.groups_total:
            out.append(f"{self.groups_met}/{self.groups_total} 个党小组已完成")
            if self.groups_met_names:
                out.append(f"已开会：{'、'.join(self.groups_met_names)}")
            if self.groups_missed_names:
                out.append(f"未开会：{'、'.join(self.groups_missed_names)}")
        out += [line.sentence for line in self.reach]
        return out

    @property
    def note(self) -> str:
        """Everything the cell says about itself in one line: its details, then its notes."""
        return "；".join([*self.details, *self.notes])

    @property
    def label(self) -> str:
        return Status(self.status).label

    @property
    def clause(self) -> str:
        return self.rule.rule.source

    @property
    def is_future(self) -> bool:
        return self.today is not None and self.window.start > self.today

    @property
    def is_current(self) -> bool:
        return self.today is not None and self.window.contains(self.today)

    @property
    def days_left(self) -> int | None:
        """Days until the deadline of a window still due (0: today is the last day)."""
        if self.status != Status.DUE or self.today is None:
            return None
        return (self.window.end - self.today).days

    @property
    def in_rollup(self) -> bool:
        """Whether the cell belongs in a unit's roll-up: the subject counted in the window, or met it anyway."""
        return self.in_tree or self.status == Status.MET


def verdict(rule: EffectiveRule, window: Period, met: bool, today: dt.date) -> str:
    """Met; else still open (the window containing today), not yet begun, or ended unmet (soft or hard)."""
    if met:
        return Status.MET
    if window.start > today:
        return Status.UPCOMING
    if window.end >= today:
        return Status.DUE
    return Status.FAILURE if rule.strength == Strength.HARD else Status.WARNING


@dataclass
class SubjectResult:
    """Everything the engine says about one branch or unit for a period."""

    subject: object  # Branch | Unit
    cells: list[Cell] = field(default_factory=list)

    def by_rule(self) -> dict[int, list[Cell]]:
        out: dict[int, list[Cell]] = defaultdict(list)
        for cell in self.cells:
            out[cell.rule.pk].append(cell)
        return out

    def rollup_cells(self) -> list[Cell]:
        """The cells a unit's roll-up takes: none before the branch was founded or after it ended."""
        return [cell for cell in self.cells if cell.in_rollup]

    def tally(self) -> dict[str, int]:
        counts = dict.fromkeys(Status.values, 0)
        for cell in self.cells:
            counts[cell.status] += 1
        return counts

    @property
    def rate(self):
        """Compliance rate: met windows out of the windows that are decided (met or ended unmet).

        Windows still due or not yet begun, not applicable, not judged (未纳入) or after a branch's end
        are left out: what scoring ranks units by.
        """
        t = self.tally()
        return percent(t[Status.MET], t[Status.MET] + t[Status.WARNING] + t[Status.FAILURE])
