"""The evaluation (评判): every rule × window of branches or units, judged as of an evaluation day by the tree
as it was in each window.

A subject counts in a window when it was there at the window's midpoint (`orgs.tree.in_force_at_midpoint`):
a branch from its founding until its end, a party group likewise, a unit from the day it is judged
(`orgs.tree.judged_from`: the platform's start, or the unit's own later one). Where it did not count,
the window is not judged unless it was met anyway: 不适用 before a branch's founding, 已撤销 after its end,
未纳入 before the platform's start. A window that contains the founding, end or start says in its note
which way the midpoint policy went, with the dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from apps.core.periods import Frequency, Period
from apps.orgs.models import Branch, Unit
from apps.orgs.tree import in_force_at_midpoint, judged_from_units

from ..models import Level
from . import closing, coverage, loading
from .closing import Closures, Judged, RuleBook
from .loading import Counts, Lifespan, Person, Talk
from .verdicts import FINISHED_UNMET, Cell, EffectiveRule, Status, SubjectResult, verdict


def _book(
    period: Period, level: str, rule_ids: list[int] | None, unit_ids: set[int], closures: Closures | None
) -> RuleBook:
    """The rules to judge the period by: today's for open windows, those at the close for closed ones."""
    rules = [r for r in loading.active_rules(level=level) if rule_ids is None or r.pk in rule_ids]
    closures = closures if closures is not None else closing.load(period, unit_ids, rule_ids)
    now = loading.effective(rules, unit_ids)
    return closing.rule_book(period, rules, now, closures, level=level, rule_ids=rule_ids)


def _closed_note(cell: Cell, judged: Judged) -> Cell:
    if judged.note:
        cell.notes.append(judged.note)
    return cell


def _day(day: dt.date) -> str:
    return f"{day:%Y-%m-%d}"


# --- the midpoint policy, said in the cell ----------------------------------------------------------------


def founded_in_time(founded_on: dt.date, window: Period) -> bool:
    """Whether a window is judged for a branch founded on this day: it existed by the window's midpoint."""
    return in_force_at_midpoint(window, since=founded_on)


def _begins(what: str, day: dt.date, window: Period, counted: bool) -> str:
    """Why a window in which something began (a branch's founding, the platform's start) is or is not judged."""
    middle = _day(window.midpoint)
    if counted:
        return f"{what}{_day(day)}，不晚于本周期中点{middle}，本周期须完成"
    return f"{what}{_day(day)}，晚于本周期中点{middle}，本周期不作要求"


def _ends(what: str, day: dt.date, window: Period, counted: bool) -> str:
    middle = _day(window.midpoint)
    if counted:
        return f"{what}{_day(day)}，晚于本周期中点{middle}，本周期仍须完成"
    return f"{what}{_day(day)}，不晚于本周期中点{middle}，本周期起不再评判"


def _inside(day: dt.date | None, window: Period) -> bool:
    """Whether a change on `day` falls inside the window (after its first day)."""
    return day is not None and window.start < day <= window.end


def _apply_tree(cell: Cell, window: Period, *, judged_from: dt.date, branch: Branch | None = None) -> Cell:
    """Mark a window the subject did not count in (not judged unless met), and explain a partial one."""
    founded, ended = (branch.founded_on, branch.dissolved_on) if branch else (None, None)
    exists = branch is None or in_force_at_midpoint(window, since=founded, until=ended)
    judged = in_force_at_midpoint(window, since=judged_from)
    cell.in_tree = exists
    if branch is not None and _inside(founded, window):
        cell.notes.append(_begins("支部成立于", founded, window, founded_in_time(founded, window)))
    if branch is not None and _inside(ended, window):
        reason = branch.get_end_reason_display() or "撤销"
        cell.notes.append(_ends(f"支部{reason}于", ended, window, exists))
    if _inside(judged_from, window):
        cell.notes.append(_begins("平台评判自", judged_from, window, judged))
    if cell.status == Status.MET:
        return cell
    if branch is not None and ended is not None and not exists and ended <= window.midpoint:
        cell.status = Status.ENDED
        if not _inside(ended, window):
            cell.notes.append(f"支部已于{_day(ended)}{branch.get_end_reason_display() or '撤销'}，本周期不再评判")
    elif not exists:
        cell.status = Status.NA
        if not _inside(founded, window):
            cell.notes.append(f"支部成立于{_day(founded)}，本周期尚未成立，不作要求")
    elif not judged and cell.status != Status.NA:  # 不适用 (switched off, no group, no member) says more
        cell.status = Status.NOT_JUDGED
        if not _inside(judged_from, window):
            cell.notes.append(f"平台自{_day(judged_from)}起评判，本周期未纳入")
    return cell


# --- branches -----------------------------------------------------------------------------------------------


@dataclass
class _BranchData:
    """What one evaluation of branches read: a fixed number of queries, whatever their number."""

    today: dt.date
    counts: Counts
    reasons: dict[tuple, str]
    groups: dict[int, list[Lifespan]]
    people: dict[int, list[Person]]
    talks: dict[tuple, set[Talk]]
    judged_from: dict[int, dt.date]


def evaluate_branches(
    branches: list[Branch],
    period: Period,
    *,
    today: dt.date | None = None,
    rule_ids: list[int] | None = None,
    judged_from: dict[int, dt.date] | None = None,
    closures: Closures | None = None,
) -> dict[int, SubjectResult]:
    """Branch-level (and party-group-level) rules for each branch over the period, as of `today`.

    Every window of the period gets a cell, those outside the branch's life included (不适用 before its
    founding, 已撤销 after its end); a unit's roll-up leaves those out (`SubjectResult.rollup_cells`).
    `judged_from` (per unit, from `orgs.tree.judged_from_units`) saves its query when the caller has it.
    """
    today = today or timezone.localdate()
    results = {b.pk: SubjectResult(b) for b in branches}
    if not branches:
        return results
    unit_ids = {b.unit_id for b in branches}
    book = _book(period, Level.BRANCH, rule_ids, unit_ids, closures)
    if not book.rules:
        return results
    starts = judged_from if judged_from is not None else judged_from_units(unit_ids)
    branch_ids = sorted(results)
    in_force = book.in_force()
    start, end = loading.span(period, in_force, today)
    first, last = start.date(), end.date()
    talk_types = sorted({e.rule.activity_type_id for e in in_force if e.by_coverage and e.applies})
    subjects = {"branch_id__in": branch_ids}
    data = _BranchData(
        today=today,
        counts=loading.month_counts(subjects, "branch_id", start, end),
        reasons=loading.reasons(subjects),
        groups=loading.party_groups(branch_ids, first, last),
        people=loading.people(branch_ids, first, last) if talk_types else {},
        talks=loading.talks(branch_ids, talk_types, start, end) if talk_types else {},
        judged_from=starts,
    )
    for branch in branches:
        for rule in book.rules:
            for judged in book.windows(branch.unit_id, rule.pk):
                cell = _branch_cell(judged.rule, judged.window, branch, data)
                results[branch.pk].cells.append(_closed_note(cell, judged))
    return results


def _branch_cell(eff: EffectiveRule, window: Period, branch: Branch, data: _BranchData) -> Cell:
    if not eff.applies:
        cell = _switched_off(eff, window, data.today)
    elif eff.level == Level.PARTY_GROUP:
        cell = _group_cell(eff, window, branch, data)
    elif eff.by_coverage:
        cell = _coverage_cell(eff, window, branch, data)
    else:
        done, todo = data.counts.total(window, branch.pk, eff.rule.activity_type_id)
        cell = Cell(eff, window, verdict(eff, window, done >= eff.min_count, data.today), done, todo, today=data.today)
    _apply_tree(cell, window, judged_from=data.judged_from[branch.unit_id], branch=branch)
    if cell.status in FINISHED_UNMET:
        cell.reason = data.reasons.get((eff.pk, branch.pk, window.key), "")
    return cell


def _group_cell(eff: EffectiveRule, window: Period, branch: Branch, data: _BranchData) -> Cell:
    """党小组会: every party group in force at the window's midpoint must meet; the cell names who did and did not."""
    type_id = eff.rule.activity_type_id
    groups = [
        g
        for g in data.groups.get(branch.pk, [])
        if in_force_at_midpoint(window, since=g.founded_on, until=g.dissolved_on)
    ]
    if not groups:
        return Cell(eff, window, Status.NA, notes=["本周期本支部未设党小组"], today=data.today)
    met, missed = [], []
    total_done = total_todo = 0
    for group in groups:
        done, todo = data.counts.total(window, branch.pk, type_id, group.pk, per_group=True)
        total_done, total_todo = total_done + done, total_todo + todo
        (met if done >= eff.min_count else missed).append(group.name)
    cell = Cell(
        eff,
        window,
        verdict(eff, window, not missed, data.today),
        total_done,
        total_todo,
        groups_met=len(met),
        groups_total=len(groups),
        groups_met_names=met,
        groups_missed_names=missed,
        today=data.today,
    )
    return cell


def _coverage_cell(eff: EffectiveRule, window: Period, branch: Branch, data: _BranchData) -> Cell:
    """谈心谈话: met when each kind of pair reached the required share of its people (`coverage`)."""
    type_id = eff.rule.activity_type_id
    done, todo = data.counts.total(window, branch.pk, type_id)
    talks = set().union(*(data.talks.get((branch.pk, type_id, month), set()) for month in window.month_starts()))
    people = data.people.get(branch.pk, [])
    lines = coverage.reach(people, talks, window, required=eff.coverage)
    if not lines:
        return Cell(eff, window, Status.NA, done, todo, notes=["本周期本支部没有党员"], today=data.today)
    met = all(line.met for line in lines)
    cell = Cell(eff, window, verdict(eff, window, met, data.today), done, todo, reach=lines, today=data.today)
    if not any(p.committee and p.in_branch_during(window) for p in people):
        cell.notes.append("本支部未登记支部委员")
    return cell


def _switched_off(eff: EffectiveRule, window: Period, today: dt.date) -> Cell:
    return Cell(eff, window, Status.NA, notes=[f"本单位不适用：{eff.override_note}"], today=today)


# --- units --------------------------------------------------------------------------------------------------


def evaluate_units(
    units: list[Unit],
    period: Period,
    *,
    today: dt.date | None = None,
    rule_ids: list[int] | None = None,
    judged_from: dict[int, dt.date] | None = None,
    closures: Closures | None = None,
) -> dict[int, SubjectResult]:
    """Unit-level rules (中心组学习, 第一议题) for each unit over the period, as of `today`."""
    today = today or timezone.localdate()
    results = {u.pk: SubjectResult(u) for u in units}
    if not units:
        return results
    book = _book(period, Level.UNIT, rule_ids, set(results), closures)
    if not book.rules:
        return results
    starts = judged_from if judged_from is not None else judged_from_units(results)
    unit_ids = sorted(results)
    start, end = loading.span(period, book.in_force(), today)
    subjects = {"unit_id__in": unit_ids, "branch__isnull": True}  # the unit's own records, not its branches'
    counts, reasons = loading.month_counts(subjects, "unit_id", start, end), loading.reasons(subjects)
    for unit in units:
        for rule in book.rules:
            for judged in book.windows(unit.pk, rule.pk):
                eff, window = judged.rule, judged.window
                if eff.applies:
                    done, todo = counts.total(window, unit.pk, eff.rule.activity_type_id)
                    met = done >= eff.min_count
                    cell = Cell(eff, window, verdict(eff, window, met, today), done, todo, today=today)
                else:
                    cell = _switched_off(eff, window, today)
                _apply_tree(cell, window, judged_from=starts[unit.pk])
                if cell.status in FINISHED_UNMET:
                    cell.reason = reasons.get((eff.pk, None, window.key), "")
                results[unit.pk].cells.append(_closed_note(cell, judged))
    return results


def rollup_branches(units: list[Unit], period: Period):
    """The branches a unit's roll-up may take for the period: those that existed on some day of its year,
    dissolved and merged ones included (whether each counts in a window is the engine's to say)."""
    year = Period(period.year, Frequency.YEAR)
    return Branch.objects.filter(unit__in=units).existing_during(year.start, year.end).order_by("order", "id")


def evaluate_by_unit(
    units: list[Unit], period: Period, *, today: dt.date | None = None, rule_ids: list[int] | None = None
) -> dict[int, SubjectResult]:
    """Per unit, the cells of every branch that counted in each window and of the unit itself, in one SubjectResult.

    What the committee's overview, its home page and the scoring metric all rank units by; `tally()` and
    `rate` then give the unit's totals. A branch dissolved or merged counts up to its end and not after,
    so a past period's roll-up does not change when the tree does. A constant number of queries.
    """
    today = today or timezone.localdate()
    units = list(units)
    starts = judged_from_units(u.pk for u in units)
    branches = list(rollup_branches(units, period))
    closures = closing.load(period, [u.pk for u in units], rule_ids)  # read once for branches and units
    shared = {"today": today, "rule_ids": rule_ids, "judged_from": starts, "closures": closures}
    by_branch = evaluate_branches(branches, period, **shared)
    by_unit = evaluate_units(units, period, **shared)
    for branch in branches:
        by_unit[branch.unit_id].cells.extend(by_branch[branch.pk].rollup_cells())
    return by_unit
