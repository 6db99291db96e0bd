"""Scoring metrics of party life (党内政治生活): what this app feeds into the "四看" indicators.

Each metric computes every unit of a period at once, as of an evaluation day —
`fn(period, *, today) -> {unit_id: Decimal}` — with a fixed number of grouped queries, whatever the
number of units, branches or changes to the tree. Records held after the evaluation day do not count.

| metric                                   | queries |
|------------------------------------------|---------|
| partylife.compliance_rate                | 3: units, stored years, stored verdicts (+1 when the store's day differs) |
| partylife.theme_day_completion           | 3       |
| partylife.evidence_completeness          | 1       |
| partylife.talk_reach                     | 2       |
| partylife.enterprise_problems_raised     | 1 (shared with the next in a ranking run) |
| partylife.enterprise_problems_solved     | 1 (shared with the previous)              |
| partylife.attendance_rate                | 1       |

Windows a unit is not judged in (before the platform's start, or the unit's later one: 未纳入) are
left out, as the engine leaves them out of its rates; a branch counts in the windows it existed at
the midpoint of (`orgs.tree`), dissolved and merged ones included up to their end. A unit missing
from a result has nothing to measure in the period (no records, no decided windows); scoring decides
what that is worth.

The compliance rate reads the stored verdicts (`compliance.store`); units the store cannot answer for (a year not
stored or being recomputed, an evaluation day before the store's with records held since — a ranking of a past
period) are evaluated by the engine, `evaluate_by_unit` (16 queries more, whatever their number).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from apps.core.metrics import percent, register, shared
from apps.core.periods import Period
from apps.orgs.models import Unit
from apps.orgs.tree import in_force_at_midpoint, judged_from_units

from ..compliance import store
from ..counting import counted
from ..models import Activity, Attendance, EnterpriseProblem
from . import records
from .scope import (
    THEME_DAY_CODE,
    attendance_counted,
    attendance_counts,
    judged_on,
    problem_solved,
    reaching_talks,
    submitted_in,
    talk_members,
    theme_months,
)

__all__ = ["THEME_DAY_CODE", "attendance_counts"]


def _percentages(rows, key: str, numerator: str, denominator: str) -> dict[int, Decimal]:
    out = {}
    for row in rows:
        value = percent(row[numerator], row[denominator])
        if value is not None:
            out[row[key]] = value
    return out


# --- compliance ----------------------------------------------------------------------------------


@register(
    "partylife.compliance_rate",
    label="组织生活落实率",
    unit="%",
    description="本期已到期的规则周期中已完成的比例（支部规则与单位规则合计；未到期的不计）。",
    records=records.compliance,
)
def compliance_rate(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    """Met windows out of decided windows (met + missed), over branch and unit rules, per unit."""
    units = list(Unit.objects.filter(active=True))
    counted = store.tallies(units, period, today=judged_on(today))
    return {unit_id: tally.rate for unit_id, tally in counted.units.items() if tally.rate is not None}


@register(
    "partylife.theme_day_completion",
    label="主题党日开展率",
    unit="%",
    description="支部·月中开展了主题党日（已提交且材料齐全）的比例；未结束的月份仅在已开展时计入，"
    "成立不足半月的支部该月不计。",
    records=records.theme_days,
)
def theme_day_completion(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    """Branch-months with a counted 主题党日 / applicable branch-months (three queries: `scope.theme_months`)."""
    tally: dict[int, list[int]] = {}
    for row in theme_months(period, today=today):
        counts = tally.setdefault(row.unit_id, [0, 0])
        counts[0] += row.met
        counts[1] += 1
    return {unit_id: percent(n, d) for unit_id, (n, d) in tally.items() if d}


# --- records -----------------------------------------------------------------------------------


@register(
    "partylife.evidence_completeness",
    label="组织生活材料齐全率",
    unit="%",
    description="本期已提交的记录中材料齐全（无“需补充”）的比例。",
    records=records.evidence,
)
def evidence_completeness(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    rows = (
        Activity.objects.filter(submitted_in(period, today))
        .values("unit_id")
        .annotate(total=Count("id"), complete=Count("id", filter=counted()))
    )
    return _percentages(rows, "unit_id", "complete", "total")


@register(
    "partylife.talk_reach",
    label="谈心谈话覆盖率",
    unit="%",
    description="本期在支部的党员（按组织关系）中，作为谈话人或谈话对象参加过已计入（已提交且材料齐全）的"
    "谈心谈话的比例；本期未纳入评判的单位不计。",
    records=records.talks,
)
def talk_reach(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    """Members of the unit's branches during the period (by membership) reached by a complete talk (two queries).

    The same talks and people as the engine's 谈心谈话 verdict: complete talks only, and whoever was a
    member during the period, whatever their roster status today.
    """
    memberships = talk_members(period, today)
    if memberships is None:
        return {}
    talks = reaching_talks(period, today).order_by()
    # Two uncorrelated sets (each a hashed subplan, read once) — not a subquery per membership with an OR
    # no index serves, which grew with members × talks.
    reached = Q(member_id__in=talks.values("talker_id")) | Q(member_id__in=talks.values("talkee_id"))
    rows = memberships.values("branch__unit_id").annotate(
        total=Count("member_id", distinct=True), reached=Count("member_id", filter=reached, distinct=True)
    )
    values = _percentages(rows, "branch__unit_id", "reached", "total")
    starts = judged_from_units(values)
    return {unit_id: value for unit_id, value in values.items() if in_force_at_midpoint(period, since=starts[unit_id])}


@shared
def _problem_counts(period: Period, today: dt.date) -> list[dict]:
    """Per unit, problems raised and solved (one query, read once by both metrics in a ranking run)."""
    return list(
        EnterpriseProblem.objects.filter(
            submitted_in(period, today, "activity__"), activity__activity_type__has_enterprise=True
        )
        .values("activity__unit_id")
        .annotate(raised=Count("id"), solved=Count("id", filter=problem_solved(today)))
    )


@register(
    "partylife.enterprise_problems_raised",
    label="联系企业反映问题数",
    unit="个",
    description="“万名干部联万企”已提交的走访记录中，企业反映的问题数。",
    records=records.problems_raised,
)
def enterprise_problems_raised(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    return {row["activity__unit_id"]: Decimal(row["raised"]) for row in _problem_counts(period, today)}


@register(
    "partylife.enterprise_problems_solved",
    label="帮助企业解决问题数",
    unit="个",
    description="“万名干部联万企”已提交的走访记录中，到评价日已解决的企业问题数。",
    records=records.problems_solved,
)
def enterprise_problems_solved(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    return {row["activity__unit_id"]: Decimal(row["solved"]) for row in _problem_counts(period, today)}


@register(
    "partylife.attendance_rate",
    label="组织生活出勤率",
    unit="%",
    description="已提交记录的出勤名单中，出席或缺席后到评价日已完成补学的比例。",
    records=records.attendance,
)
def attendance_rate(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    rows = (
        Attendance.objects.filter(submitted_in(period, today, "activity__"))
        .values("activity__unit_id")
        .annotate(total=Count("id"), counted=Count("id", filter=attendance_counted(today)))
    )
    return _percentages(rows, "activity__unit_id", "counted", "total")
