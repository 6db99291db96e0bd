"""Closed windows keep their rules (关账后规则不溯及): which rule judges which window.

ComplianceRule and RuleOverride carry no dates: the committee edits them in place. So that an edit does
not rewrite the verdicts of months already closed (关账), a window whose last month is closed is judged by
the rule and the unit's override **as they were when that month was closed** (`PeriodLock.closed_at`, read
from their django-simple-history rows); every other window by today's. A window is closed when its last
month is: a quarter when its third month is, a year when December is.

When a rule's frequency changed after a close, the closed windows keep the old frequency and the open ones
take the new; a window of today's frequency that overlaps a closed window is not judged (its months were
judged when they closed). A rule switched off or deactivated after a close keeps its closed windows; a rule
added after a close has none there. Reopening a month (the committee's logged unlock) lets today's rules
judge it again; closing it again takes the rules of that moment.

Reads: one query for the closed months of the period's year; when one is closed, one for the rules' history
and one for the overrides' history up to the last close. The count does not grow with windows, closes or
subjects.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from apps.core.periods import Frequency, Period
from apps.core.request_cache import request_cached

from ..models import ComplianceRule, Level, PeriodLock, RuleOverride
from .verdicts import EffectiveRule


def effective_rule(rule: ComplianceRule, override: RuleOverride | None) -> EffectiveRule:
    """A rule as it applies to a unit: the rule's own terms, or the unit's override of it."""
    if override is None:
        return EffectiveRule(rule, rule.frequency, rule.min_count, rule.strength, coverage=rule.coverage)
    return EffectiveRule(
        rule,
        override.frequency,
        override.min_count,
        override.strength,
        applies=override.applies,
        override_note=override.note or "本单位调整",
        coverage=override.coverage,
    )


def _as_of(versions: list[tuple[dt.datetime, object]], when: dt.datetime):
    """The version in force at `when` (None before the first one, or after a deletion)."""
    i = bisect.bisect_right([at for at, _ in versions], when)
    return versions[i - 1][1] if i else None


@dataclass(frozen=True)
class _RuleVersions:
    """A rule's history: (from, the rule as it was, or None once deleted), and whether it begins with its creation."""

    versions: list[tuple[dt.datetime, ComplianceRule | None]]
    created: bool  # the first row is the rule's creation (else the rule predates its history)


@dataclass
class Closures:
    """The closed months of a period's year and the rules' and overrides' history up to the last close."""

    closed_at: dict[dt.date, dt.datetime] = field(default_factory=dict)
    rules: dict[int, _RuleVersions] = field(default_factory=dict)
    overrides: dict[tuple[int, int], list[tuple[dt.datetime, RuleOverride | None]]] = field(default_factory=dict)
    current: dict[int, ComplianceRule] = field(default_factory=dict)  # today's rules in force (set by rule_book)

    def when(self, window: Period) -> dt.datetime | None:
        """When the window was closed (its last month's 关账), or None while it is open."""
        return self.closed_at.get(window.end.replace(day=1))

    def rule_at(self, rule_id: int, when: dt.datetime) -> ComplianceRule | None:
        """The rule as it was at `when`, if it was in force then (active, its type active).

        A rule with no history (seeded by a data migration, never edited since) was then as it is now; one
        whose history begins with a change rather than its creation (edited before baselines were written,
        `services.compliance.rule_update`) is taken as its oldest known version.
        """
        known = self.rules.get(rule_id)
        if known is None:
            rule = self.current.get(rule_id)
        elif when < known.versions[0][0] and not known.created:
            rule = known.versions[0][1]
        else:
            rule = _as_of(known.versions, when)
        if rule is None or not rule.active or not rule.activity_type.active:
            return None
        return rule

    def effective_at(self, unit_id: int, rule_id: int, when: dt.datetime) -> EffectiveRule | None:
        rule = self.rule_at(rule_id, when)
        if rule is None:
            return None
        return effective_rule(rule, _as_of(self.overrides.get((unit_id, rule_id), []), when))

    def rules_in_force(self, level: str, rule_ids: list[int] | None) -> list[ComplianceRule]:
        """The rules in force at some close (their version at the last such close), of the level asked."""
        out: dict[int, ComplianceRule] = {}
        for when in sorted(self.closed_at.values()):
            for rule_id in self.rules.keys() | self.current.keys():
                rule = self.rule_at(rule_id, when)
                if rule is not None and (rule_ids is None or rule_id in rule_ids) and _of_level(rule, level):
                    out[rule_id] = rule
        return list(out.values())


def _of_level(rule: ComplianceRule, level: str) -> bool:
    unit_level = rule.activity_type.level == Level.UNIT
    return unit_level if level == Level.UNIT else not unit_level


def load(period: Period, unit_ids: Iterable[int], rule_ids: list[int] | None = None) -> Closures:
    """Closed months of the period's year (every window of the period lies in it) and the history to judge them.

    Read once per GET request for the same year, units and rules (a unit overview judges its branches and
    the unit itself by the same closes); callers only read the `Closures`.
    """
    rules = None if rule_ids is None else tuple(sorted(set(rule_ids)))
    return _load(period.year, frozenset(unit_ids), rules)


@request_cached
def _load(year_number: int, unit_ids: frozenset[int], rule_ids: tuple[int, ...] | None) -> Closures:
    year = Period(year_number, Frequency.YEAR)
    locks = PeriodLock.objects.filter(month__gte=year.start, month__lte=year.end)
    closures = Closures(closed_at=dict(locks.values_list("month", "closed_at")))
    if not closures.closed_at:
        return closures
    last = max(closures.closed_at.values())
    rules = ComplianceRule.history.select_related("activity_type")  # all of it: whether it begins with a creation
    if rule_ids is not None:
        rules = rules.filter(id__in=rule_ids)
    versions = defaultdict(list)
    for row in rules.order_by("history_date", "history_id"):
        rule = None
        if row.history_type != "-":
            rule = row.instance
            rule.activity_type = row.activity_type  # today's type (types are not edited in the portal)
        versions[row.id].append((row.history_date, rule, row.history_type))
    closures.rules = {
        pk: _RuleVersions([(at, rule) for at, rule, _ in rows], created=rows[0][2] == "+")
        for pk, rows in versions.items()
    }
    overrides = RuleOverride.history.filter(history_date__lte=last, unit_id__in=sorted(set(unit_ids)))
    if rule_ids is not None:
        overrides = overrides.filter(rule_id__in=rule_ids)
    by_pair = defaultdict(list)
    for row in overrides.order_by("history_date", "history_id"):
        by_pair[(row.unit_id, row.rule_id)].append((row.history_date, None if row.history_type == "-" else row))
    closures.overrides = dict(by_pair)
    return closures


# --- which rule judges which window ----------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    """One window to judge and the rule that judges it; `note` says when it is the rule as it was at the close."""

    window: Period
    rule: EffectiveRule
    note: str = ""


def _overlaps(a: Period, b: Period) -> bool:
    return a.start <= b.end and b.start <= a.end


def plan(period: Period, now: EffectiveRule | None, unit_id: int, rule_id: int, closures: Closures) -> list[Judged]:
    """The windows of one rule for one subject over the period, each with the rule that judges it."""
    if not closures.closed_at:
        return [Judged(w, now) for w in period.windows(now.frequency)] if now is not None else []
    frozen = []
    for frequency in Frequency.values:
        for window in period.windows(frequency):
            when = closures.when(window)
            then = closures.effective_at(unit_id, rule_id, when) if when is not None else None
            if then is not None and then.frequency == frequency:
                frozen.append((window, then))
    chosen: list[Judged] = []
    for window, then in sorted(frozen, key=lambda pair: (pair[0].end, pair[0].start)):  # earliest close first
        if not any(_overlaps(window, j.window) for j in chosen):
            note = "" if then == now else f"{window.label}已关账，按关账时的规则判定（{then.requirement}）"
            chosen.append(Judged(window, then, note))
    if now is not None:
        for window in period.windows(now.frequency):
            if closures.when(window) is None and not any(_overlaps(window, j.window) for j in chosen):
                chosen.append(Judged(window, now))
    return sorted(chosen, key=lambda j: (j.window.start, j.window.end))


@dataclass
class RuleBook:
    """Every rule with a window to judge in the period and, per subject's unit, the windows and their rules."""

    rules: list[ComplianceRule]
    plans: dict[tuple[int, int], list[Judged]]

    def windows(self, unit_id: int, rule_id: int) -> list[Judged]:
        return self.plans.get((unit_id, rule_id), [])

    def in_force(self) -> list[EffectiveRule]:
        return [j.rule for judged in self.plans.values() for j in judged]


def rule_book(
    period: Period,
    current: list[ComplianceRule],
    now: dict[int, dict[int, EffectiveRule]],
    closures: Closures,
    *,
    level: str,
    rule_ids: list[int] | None,
) -> RuleBook:
    """Today's rules (`current`, `now` per unit) and those in force at the period's closes, planned per unit."""
    closures.current = {r.pk: r for r in current}
    by_id = {r.pk: r for r in closures.rules_in_force(level, rule_ids)} | closures.current
    rules = sorted(by_id.values(), key=lambda r: (r.order, r.pk))
    plans = {
        (unit_id, rule.pk): plan(period, per_rule.get(rule.pk), unit_id, rule.pk, closures)
        for unit_id, per_rule in now.items()
        for rule in rules
    }
    return RuleBook(rules, plans)
