"""What the engine reads (数据读取): rules in force per unit, records counted per month, 未开展原因, the tree as it
was (party groups, memberships), talks, and the day each unit's judging starts.

Each function is one query for all subjects; none grows with the number of branches or windows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef
from django.db.models.functions import TruncMonth

from apps.core.periods import Period, local_date, local_tz
from apps.core.request_cache import request_cached
from apps.orgs.models import Membership, PartyGroup

from ..counting import counted, meets_requirements, submitted
from ..models import Activity, ComplianceRule, Level, MissedReason, RuleOverride
from .closing import effective_rule
from .verdicts import EffectiveRule


def active_rules(level: str | None = None) -> list[ComplianceRule]:
    """The rules in use (of one level: unit, or branch and party group), in order. One query, once per GET
    request: a page that judges branches and its unit reads them once."""
    rules = _active_rules()
    if level == Level.UNIT:
        return [r for r in rules if r.activity_type.level == Level.UNIT]
    if level is not None:
        return [r for r in rules if r.activity_type.level != Level.UNIT]
    return list(rules)


@request_cached
def _active_rules() -> tuple[ComplianceRule, ...]:
    qs = ComplianceRule.objects.filter(active=True, activity_type__active=True).select_related("activity_type")
    return tuple(qs.order_by("order", "id"))


def effective(rules: list[ComplianceRule], unit_ids: set[int]) -> dict[int, dict[int, EffectiveRule]]:
    """Per unit, per rule id: the rule in force today (one query for all overrides).

    Windows already closed are judged by the rules as they were then (`closing`).
    """
    overrides = {
        (o.unit_id, o.rule_id): o for o in RuleOverride.objects.filter(unit_id__in=sorted(unit_ids), rule__in=rules)
    }
    return {
        unit_id: {rule.pk: effective_rule(rule, overrides.get((unit_id, rule.pk))) for rule in rules}
        for unit_id in unit_ids
    }


def span(period: Period, rules: list[EffectiveRule], today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The datetimes covering every window of every rule for the period, up to the end of the evaluation day.

    Records held after the evaluation day do not count: a past day's verdicts are what they were then.
    """
    windows = [w for r in rules for w in period.windows(r.frequency)] or [period]
    start = min(w.start for w in windows)
    end = min(max(w.next_start for w in windows), today + dt.timedelta(days=1))
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


def month_counts(filters: dict, key: str, start: dt.datetime, end: dt.datetime) -> Counts:
    """Count submitted records per subject, party group, type and local month: one query (two grouped arms).

    Records count for their own type when they count at all (`counting.counted`), and for a type they
    “also count as” only when they carry that type's evidence too (`counting.meets_requirements`):
    a 党员大会 without the photo a 组织生活会 needs is no 组织生活会. `done` are the ones that count.
    """

    def grouped(qs, prefix: str, type_field: str, done):
        return (
            qs.order_by()
            .values(
                subject_id=F(f"{prefix}{key}"),
                group_id=F(f"{prefix}party_group_id"),
                type_id=F(type_field),
                month=TruncMonth(f"{prefix}held_at", tzinfo=local_tz()),
            )
            .annotate(done=Count("id", filter=done), todo=Count("id", filter=~done))
        )

    window = {"held_at__gte": start, "held_at__lt": end, **filters}
    own = Activity.objects.filter(submitted(), **window)
    also = Activity.also_counts_as.through.objects.filter(
        submitted("activity__"), **{f"activity__{k}": v for k, v in window.items()}
    )
    also_done = counted("activity__") & meets_requirements(activity="activity__", activity_type="activitytype__")
    counts = Counts()
    rows = grouped(own, "", "activity_type_id", counted()).union(
        grouped(also, "activity__", "activitytype_id", also_done), all=True
    )
    for row in rows:
        counts.add(**(row | {"month": local_date(row["month"])}))
    return counts


def reasons(filters: dict) -> dict[tuple, str]:
    """未开展原因 filed for the subjects (the same `filters` as their counts), by (rule, branch, window)."""
    return {(r.rule_id, r.branch_id, r.window): r.reason for r in MissedReason.objects.filter(**filters)}


def switched_off(*, unit=None, **rule_lookup) -> Exists:
    """Whether the unit's override switches a rule off (本单位不适用), as a subquery.

    `unit` defaults to the outer row's `unit_id` (annotate branches with it); `rule_lookup`
    names the rule (`activity_type__code="theme_party_day"`).
    """
    rule_lookup = {f"rule__{name}": value for name, value in rule_lookup.items()}
    unit = OuterRef("unit_id") if unit is None else unit
    return Exists(RuleOverride.objects.filter(unit=unit, applies=False, **rule_lookup))


# --- the tree as it was ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lifespan:
    """A party group (or any node) from its founding to its end (exclusive; None: still there)."""

    pk: int
    name: str
    founded_on: dt.date
    dissolved_on: dt.date | None


def party_groups(branch_ids: list[int], start: dt.date, end: dt.date) -> dict[int, list[Lifespan]]:
    """Per branch, the party groups that existed on some day of [start, end], dissolved ones included (one query)."""
    out: dict[int, list[Lifespan]] = defaultdict(list)
    rows = PartyGroup.objects.filter(branch_id__in=branch_ids).existing_during(start, end).order_by("name", "pk")
    for pk, branch_id, name, founded_on, dissolved_on in rows.values_list(
        "pk", "branch_id", "name", "founded_on", "dissolved_on"
    ):
        out[branch_id].append(Lifespan(pk, name, founded_on, dissolved_on))
    return out


@dataclass(frozen=True)
class Person:
    """A member's time in one branch, as 谈心谈话 coverage needs it."""

    member_id: int
    name: str
    committee: bool
    start_on: dt.date
    end_on: dt.date | None

    def in_branch_during(self, window: Period) -> bool:
        return self.start_on <= window.end and (self.end_on is None or self.end_on > window.start)


def people(branch_ids: list[int], start: dt.date, end: dt.date) -> dict[int, list[Person]]:
    """Per branch, its members on some day of [start, end] by their memberships (one query)."""
    out: dict[int, list[Person]] = defaultdict(list)
    rows = Membership.objects.during(start, end).filter(branch_id__in=branch_ids).order_by("member__name", "pk")
    for branch_id, *person in rows.values_list(
        "branch_id", "member_id", "member__name", "member__is_branch_committee", "start_on", "end_on"
    ):
        out[branch_id].append(Person(*person))
    return out


@dataclass(frozen=True)
class Talk:
    talker_id: int
    talkee_id: int
    talker_committee: bool
    talkee_committee: bool


def talks(
    branch_ids: list[int], type_ids: list[int], start: dt.datetime, end: dt.datetime
) -> dict[tuple[int, int, dt.date], set[Talk]]:
    """Complete 谈心谈话 per (branch, type, month): who talked with whom (one query)."""
    out: dict[tuple[int, int, dt.date], set[Talk]] = defaultdict(set)
    rows = (
        Activity.objects.filter(
            counted(),
            branch_id__in=branch_ids,
            activity_type_id__in=type_ids,
            held_at__gte=start,
            held_at__lt=end,
            talker__isnull=False,
            talkee__isnull=False,
        )
        .annotate(month=TruncMonth("held_at", tzinfo=local_tz()))
        .values_list(
            "branch_id",
            "activity_type_id",
            "month",
            "talker_id",
            "talkee_id",
            "talker__is_branch_committee",
            "talkee__is_branch_committee",
        )
        .distinct()
    )
    for branch_id, type_id, month, *talk in rows:
        out[(branch_id, type_id, local_date(month))].add(Talk(*talk))
    return out


def year_range(today: dt.date) -> tuple[int, int]:
    """The years the compliance pages may show: from the platform's start year to the current one."""
    from apps.orgs.tree import platform_start

    return min(platform_start().year, today.year), today.year
