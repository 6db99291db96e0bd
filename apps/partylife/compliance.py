"""The compliance engine (组织生活落实情况): for branches or units and a period, each rule's verdict per window.

For every rule, the period is cut into the rule's windows (a year has 12 monthly
windows, 4 quarterly, 1 yearly; a month lies in one quarter and one year). Each
window gets one status:

- met (已完成): at least `min_count` submitted records with complete evidence;
- due (待完成): not met yet and the window has not ended (time remains);
- warning (未完成·预警): ended unmet, rule is soft (一般) or local (本地规定);
- failure (未完成·不合格): ended unmet, rule is hard;
- na (不适用): the rule is switched off for the unit, the branch has no party groups
  (党小组会), or the branch was founded after the window's midpoint (成立不足半个周期).

A record counts as `apps.partylife.counting` says (submitted, with complete evidence).
Counting runs in the database: one grouped query by (branch, party group, type,
month) for all subjects, one more for records that “also count as” other types.
The number of queries does not grow with the number of branches or windows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.core.metrics import percent
from apps.core.periods import Frequency, Period, local_tz
from apps.orgs.models import Branch, PartyGroup, Unit

from .counting import counted, submitted
from .models import Activity, ComplianceRule, Level, MissedReason, RuleOverride, Strength

#: The years a page may ask about (as `Period.parse` accepts them); year navigation stops at both ends.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class Status(models.TextChoices):
    MET = "met", "已完成"
    DUE = "due", "待完成"
    WARNING = "warning", "未完成（预警）"
    FAILURE = "failure", "未完成（不合格）"
    NA = "na", "不适用"


FINISHED_UNMET = {Status.WARNING, Status.FAILURE}


@dataclass(frozen=True)
class EffectiveRule:
    """A rule as it applies to one unit: the committee's default or the unit's override."""

    rule: ComplianceRule
    frequency: str
    min_count: int
    strength: str
    applies: bool = True
    override_note: str | None = None  # set when a unit override is in force

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
    def strength_label(self) -> str:
        return Strength(self.strength).label

    @property
    def requirement(self) -> str:
        return f"{Frequency(self.frequency).label}至少{self.min_count}次"


@dataclass
class Cell:
    """One rule × one window for one subject (branch, or unit for unit-level rules)."""

    rule: EffectiveRule
    window: Period
    status: str
    count: int = 0  # complete submitted records in the window
    incomplete: int = 0  # submitted records still 需补充
    note: str = ""
    reason: str = ""  # 未开展原因, for missed soft rules
    groups_met: int | None = None  # for 党小组会: how many groups met
    groups_total: int | None = None
    today: dt.date | None = None  # the evaluation's "today" (set by the engine)

    @property
    def label(self) -> str:
        return Status(self.status).label

    @property
    def clause(self) -> str:
        return self.rule.rule.source

    @property
    def is_future(self) -> bool:
        return self.window.start > (self.today or timezone.localdate())

    @property
    def is_current(self) -> bool:
        return self.window.contains(self.today or timezone.localdate())


@dataclass
class SubjectResult:
    """Everything the engine says about one branch or unit for a period."""

    subject: Branch | Unit
    cells: list[Cell] = field(default_factory=list)

    def by_rule(self) -> dict[int, list[Cell]]:
        out: dict[int, list[Cell]] = defaultdict(list)
        for cell in self.cells:
            out[cell.rule.pk].append(cell)
        return out

    def tally(self) -> dict[str, int]:
        counts = dict.fromkeys(Status.values, 0)
        for cell in self.cells:
            counts[cell.status] += 1
        return counts

    @property
    def rate(self):
        """Compliance rate: met windows out of the windows that are decided (met or ended unmet)."""
        t = self.tally()
        return percent(t[Status.MET], t[Status.MET] + t[Status.WARNING] + t[Status.FAILURE])


# --- loading -------------------------------------------------------------------------------------


def active_rules(level: str | None = None) -> list[ComplianceRule]:
    qs = ComplianceRule.objects.filter(active=True, activity_type__active=True).select_related("activity_type")
    if level == Level.UNIT:
        qs = qs.filter(activity_type__level=Level.UNIT)
    elif level is not None:
        qs = qs.exclude(activity_type__level=Level.UNIT)
    return list(qs.order_by("order", "id"))


def _effective(rules: list[ComplianceRule], unit_ids: set[int]) -> dict[int, dict[int, EffectiveRule]]:
    """Per unit, per rule id: the rule in force (one query for all overrides)."""
    overrides = {
        (o.unit_id, o.rule_id): o for o in RuleOverride.objects.filter(unit_id__in=sorted(unit_ids), rule__in=rules)
    }
    out: dict[int, dict[int, EffectiveRule]] = {}
    for unit_id in unit_ids:
        per_rule = {}
        for rule in rules:
            o = overrides.get((unit_id, rule.pk))
            if o is None:
                per_rule[rule.pk] = EffectiveRule(rule, rule.frequency, rule.min_count, rule.strength)
            else:
                per_rule[rule.pk] = EffectiveRule(
                    rule, o.frequency, o.min_count, o.strength, applies=o.applies, override_note=o.note or "本单位调整"
                )
        out[unit_id] = per_rule
    return out


def _span(period: Period, rules: list[EffectiveRule]) -> tuple[dt.datetime, dt.datetime]:
    """The datetimes covering every window of every rule for the period."""
    windows = [w for r in rules for w in period.windows(r.frequency)] or [period]
    start = min(w.start for w in windows)
    end = max(w.next_start for w in windows)
    tz = local_tz()
    return dt.datetime.combine(start, dt.time.min, tzinfo=tz), dt.datetime.combine(end, dt.time.min, tzinfo=tz)


@dataclass
class Counts:
    """Records per month: by (subject, type, month) and by (subject, party group, type, month)."""

    by_subject: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_group: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, subject_id, group_id, type_id, month, done, todo) -> None:
        for bucket in (
            self.by_subject[(subject_id, type_id, month)],
            self.by_group[(subject_id, group_id, type_id, month)],
        ):
            bucket[0] += done
            bucket[1] += todo

    def total(self, window: Period, subject_id, type_id, group_id=None, *, per_group=False) -> tuple[int, int]:
        """(complete, 需补充) records in the window; per_group counts one party group only."""
        done = todo = 0
        for month in window.month_starts():
            key = (subject_id, group_id, type_id, month) if per_group else (subject_id, type_id, month)
            d, t = (self.by_group if per_group else self.by_subject).get(key, (0, 0))
            done, todo = done + d, todo + t
        return done, todo


def _month_counts(filters: dict, key: str, start: dt.datetime, end: dt.datetime) -> Counts:
    """Count submitted records per subject, party group, type and local month: two grouped queries
    (records by their own type, and by the types they also count as); `done` are the ones that count."""

    def grouped(qs, prefix: str, type_field: str):
        return qs.values(
            subject_id=F(f"{prefix}{key}"),
            group_id=F(f"{prefix}party_group_id"),
            type_id=F(type_field),
            month=TruncMonth(f"{prefix}held_at", tzinfo=local_tz()),
        ).annotate(done=Count("id", filter=counted(prefix)), todo=Count("id", filter=~counted(prefix)))

    window = {"held_at__gte": start, "held_at__lt": end, **filters}
    own = Activity.objects.filter(submitted(), **window)
    also = Activity.also_counts_as.through.objects.filter(
        submitted("activity__"), **{f"activity__{k}": v for k, v in window.items()}
    )
    counts = Counts()
    for row in chain(grouped(own, "", "activity_type_id"), grouped(also, "activity__", "activitytype_id")):
        counts.add(**(row | {"month": month_start(row["month"])}))
    return counts


def month_start(value) -> dt.date:
    """The local first day of a month as a database's TruncMonth returns it (an aware datetime, or a date)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(local_tz()).date() if timezone.is_aware(value) else value.date()
    return value


def _verdict(rule: EffectiveRule, window: Period, count: int, today: dt.date) -> str:
    if count >= rule.min_count:
        return Status.MET
    if window.end >= today:
        return Status.DUE
    return Status.FAILURE if rule.strength == Strength.HARD else Status.WARNING


# --- applicability (不适用) -----------------------------------------------------------------------------


def founded_in_time(founded_on: dt.date, window: Period) -> bool:
    """Whether a window is judged for a branch founded on this day: it existed by the window's midpoint.

    A branch founded later is not asked for that window (成立不足半个周期), unless it met the rule anyway.
    """
    return founded_on <= window.midpoint


def switched_off(*, unit=None, **rule_lookup) -> Exists:
    """Whether the unit's override switches a rule off (本单位不适用), as a subquery.

    `unit` defaults to the outer row's `unit_id` (annotate branches with it); `rule_lookup`
    names the rule (`activity_type__code="theme_party_day"`).
    """
    rule_lookup = {f"rule__{name}": value for name, value in rule_lookup.items()}
    unit = OuterRef("unit_id") if unit is None else unit
    return Exists(RuleOverride.objects.filter(unit=unit, applies=False, **rule_lookup))


def _switched_off_cell(eff: EffectiveRule, window: Period) -> Cell:
    return Cell(eff, window, Status.NA, note=f"本单位不适用：{eff.override_note}")


# --- evaluation ------------------------------------------------------------------------------------


def _rules(level: str, rule_ids: list[int] | None) -> list[ComplianceRule]:
    return [r for r in active_rules(level=level) if rule_ids is None or r.pk in rule_ids]


def evaluate_branches(
    branches: list[Branch], period: Period, *, today: dt.date | None = None, rule_ids: list[int] | None = None
) -> dict[int, SubjectResult]:
    """Branch-level (and party-group-level) rules for each branch over the period."""
    today = today or timezone.localdate()
    rules = _rules(Level.BRANCH, rule_ids)
    results = {b.pk: SubjectResult(b) for b in branches}
    if not branches or not rules:
        return results
    effective = _effective(rules, {b.unit_id for b in branches})
    branch_ids = sorted(results)
    groups: dict[int, list[int]] = defaultdict(list)
    for g in PartyGroup.objects.filter(branch_id__in=branch_ids).current().values("pk", "branch_id"):
        groups[g["branch_id"]].append(g["pk"])
    start, end = _span(period, [e for per in effective.values() for e in per.values()])
    subjects = {"branch_id__in": branch_ids}
    counts, reasons = _month_counts(subjects, "branch_id", start, end), _reasons(subjects)
    for branch in branches:
        for rule in rules:
            eff = effective[branch.unit_id][rule.pk]
            for window in period.windows(eff.frequency):
                results[branch.pk].cells.append(
                    _branch_cell(eff, window, branch, groups.get(branch.pk, []), counts, reasons, today)
                )
    return _stamp(results, today)


def _branch_cell(eff, window, branch, group_ids, counts, reasons, today) -> Cell:
    type_id = eff.rule.activity_type_id
    if not eff.applies:
        return _switched_off_cell(eff, window)
    if eff.level == Level.PARTY_GROUP:
        if not group_ids:
            return Cell(eff, window, Status.NA, note="本支部未设党小组")
        met = 0
        total_done = total_todo = 0
        for gid in group_ids:
            done, todo = counts.total(window, branch.pk, type_id, gid, per_group=True)
            total_done, total_todo = total_done + done, total_todo + todo
            met += done >= eff.min_count
        status = Status.MET if met == len(group_ids) else _verdict(eff, window, 0, today)
        cell = Cell(eff, window, status, total_done, total_todo, groups_met=met, groups_total=len(group_ids))
        cell.note = f"{met}/{len(group_ids)} 个党小组已完成"
    else:
        done, todo = counts.total(window, branch.pk, type_id)
        cell = Cell(eff, window, _verdict(eff, window, done, today), done, todo)
    if cell.status != Status.MET and not founded_in_time(branch.founded_on, window):
        cell.status, cell.note = Status.NA, f"支部成立于{branch.founded_on:%Y-%m-%d}，成立不足半个周期，不作要求"
    if cell.status in FINISHED_UNMET:
        cell.reason = reasons.get((eff.pk, branch.pk, window.key), "")
    return cell


def evaluate_units(
    units: list[Unit], period: Period, *, today: dt.date | None = None, rule_ids: list[int] | None = None
) -> dict[int, SubjectResult]:
    """Unit-level rules (中心组学习, 第一议题) for each unit over the period."""
    today = today or timezone.localdate()
    rules = _rules(Level.UNIT, rule_ids)
    results = {u.pk: SubjectResult(u) for u in units}
    if not units or not rules:
        return results
    effective = _effective(rules, set(results))
    unit_ids = sorted(results)
    start, end = _span(period, [e for per in effective.values() for e in per.values()])
    subjects = {"unit_id__in": unit_ids, "branch__isnull": True}  # the unit's own records, not its branches'
    counts, reasons = _month_counts(subjects, "unit_id", start, end), _reasons(subjects)
    for unit in units:
        for rule in rules:
            eff = effective[unit.pk][rule.pk]
            for window in period.windows(eff.frequency):
                results[unit.pk].cells.append(_unit_cell(eff, window, unit, counts, reasons, today))
    return _stamp(results, today)


def _unit_cell(eff, window, unit, counts, reasons, today) -> Cell:
    if not eff.applies:
        return _switched_off_cell(eff, window)
    done, todo = counts.total(window, unit.pk, eff.rule.activity_type_id)
    cell = Cell(eff, window, _verdict(eff, window, done, today), done, todo)
    if cell.status in FINISHED_UNMET:
        cell.reason = reasons.get((eff.pk, None, window.key), "")
    return cell


def _stamp(results: dict[int, SubjectResult], today: dt.date) -> dict[int, SubjectResult]:
    for result in results.values():
        for cell in result.cells:
            cell.today = today
    return results


def evaluate_by_unit(
    units: list[Unit], period: Period, *, today: dt.date | None = None, rule_ids: list[int] | None = None
) -> dict[int, SubjectResult]:
    """Per unit, every cell of its active branches and of the unit itself, in one SubjectResult.

    What the committee's overview, its home page and the scoring metric all rank units by;
    `tally()` and `rate` then give the unit's totals. A constant number of queries.
    """
    today = today or timezone.localdate()
    branches = list(Branch.objects.filter(unit__in=units).current().order_by("order", "id"))
    by_branch = evaluate_branches(branches, period, today=today, rule_ids=rule_ids)
    by_unit = evaluate_units(units, period, today=today, rule_ids=rule_ids)
    for branch in branches:
        by_unit[branch.unit_id].cells.extend(by_branch[branch.pk].cells)
    return by_unit


def _reasons(filters: dict) -> dict[tuple, str]:
    """未开展原因 filed for the subjects (the same `filters` as their counts), by (rule, branch, window)."""
    return {(r.rule_id, r.branch_id, r.window): r.reason for r in MissedReason.objects.filter(**filters)}


def cell_records(*, subject: Branch | Unit, rule: ComplianceRule, window: Period, user):
    """The records behind one cell (those that satisfied it, and those still 需补充), scoped to the user."""
    from apps.orgs.access import scope_for

    start, end = window.bounds()
    type_filter = Q(activity_type_id=rule.activity_type_id) | Q(also_counts_as=rule.activity_type_id)
    qs = Activity.objects.filter(type_filter, held_at__gte=start, held_at__lt=end).distinct()
    if isinstance(subject, Branch):
        qs = qs.filter(branch=subject)
    else:
        qs = qs.filter(unit=subject, branch__isnull=True)
    return scope_for(user).filter(qs).select_related("activity_type", "branch", "party_group").order_by("held_at", "id")
