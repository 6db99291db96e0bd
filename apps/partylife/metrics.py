"""Scoring metrics of party life (党内政治生活): what this app feeds into the "四看" indicators.

Each metric computes every unit of a period at once — `fn(period) -> {unit_id: Decimal}` —
with a fixed number of grouped queries, whatever the number of units:

| metric                                   | queries |
|------------------------------------------|---------|
| partylife.compliance_rate                | 13 (2 + the engine's 6 for branches, 5 for units) |
| partylife.theme_day_completion           | 2       |
| partylife.evidence_completeness          | 1       |
| partylife.talk_reach                     | 1       |
| partylife.enterprise_problems_raised     | 1       |
| partylife.enterprise_problems_solved     | 1       |
| partylife.attendance_rate                | 1       |

A unit missing from a result has nothing to measure in the period (no records, no
decided windows); scoring decides what that is worth.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.core.metrics import percent, register
from apps.core.periods import Frequency, Period, local_tz
from apps.orgs.models import Branch, Member, Unit

from .compliance import evaluate_by_unit, founded_in_time, month_start, switched_off
from .counting import counted, submitted
from .models import Activity, Attendance, EnterpriseProblem

THEME_DAY_CODE = "theme_party_day"

# 补学 feeds scoring here: an absence whose make-up is done counts like presence.
COUNTED_ATTENDANCE = Q(present=True) | Q(makeup__done_at__isnull=False)


def attendance_counts(attendance: Attendance) -> bool:
    """Whether one attendance counts: present, or absent with a done make-up (补学已完成)."""
    if attendance.present:
        return True
    makeup = getattr(attendance, "makeup", None)  # the reverse one-to-one raises when missing
    return bool(makeup is not None and makeup.done_at)


def _submitted_in(period: Period, prefix: str = "") -> Q:
    start, end = period.bounds()
    return submitted(prefix) & Q(
        **{f"{prefix}held_at__gte": start, f"{prefix}held_at__lt": end, f"{prefix}unit__active": True}
    )


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
)
def compliance_rate(period: Period, *, today: dt.date | None = None) -> dict[int, Decimal]:
    """Met windows out of decided windows (met + missed), over branch and unit rules, per unit."""
    units = list(Unit.objects.filter(active=True))
    results = evaluate_by_unit(units, period, today=today or timezone.localdate())
    return {unit_id: result.rate for unit_id, result in results.items() if result.rate is not None}


@register(
    "partylife.theme_day_completion",
    label="主题党日开展率",
    unit="%",
    description="支部·月中开展了主题党日（已提交且材料齐全）的比例；未结束的月份仅在已开展时计入，"
    "成立不足半月的支部该月不计。",
)
def theme_day_completion(period: Period, *, today: dt.date | None = None) -> dict[int, Decimal]:
    """Branch-months with a counted 主题党日 / applicable branch-months (two queries).

    Applicability is the engine's: a branch-month is judged when the month has ended (or the day
    was already held), the branch existed by the month's midpoint (`compliance.founded_in_time`)
    and its unit has not switched the 主题党日 rule off (`compliance.switched_off`).
    """
    today = today or timezone.localdate()
    months = period.windows(Frequency.MONTH)
    start, end = period.bounds()
    held = (
        Activity.objects.filter(
            Q(activity_type__code=THEME_DAY_CODE) | Q(also_counts_as__code=THEME_DAY_CODE),
            counted(),
            held_at__gte=start,
            held_at__lt=end,
            branch__isnull=False,
        )
        .annotate(month=TruncMonth("held_at", tzinfo=local_tz()))
        .values_list("branch_id", "month")
        .distinct()
    )
    done = {(branch_id, month_start(month)) for branch_id, month in held}
    branches = (
        Branch.objects.current()
        .filter(unit__active=True)
        .annotate(off=switched_off(activity_type__code=THEME_DAY_CODE))
        .values_list("pk", "unit_id", "founded_on", "off")
    )
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for branch_id, unit_id, founded_on, off in branches:
        if off:
            continue  # 本单位不适用: the engine judges none of its months
        for month in months:
            met = (branch_id, month.start) in done
            if met or (month.end < today and founded_in_time(founded_on, month)):
                tally[unit_id][0] += met
                tally[unit_id][1] += 1
    return {unit_id: percent(n, d) for unit_id, (n, d) in tally.items() if d}


# --- records -----------------------------------------------------------------------------------


@register(
    "partylife.evidence_completeness",
    label="组织生活材料齐全率",
    unit="%",
    description="本期已提交的记录中材料齐全（无“需补充”）的比例。",
)
def evidence_completeness(period: Period) -> dict[int, Decimal]:
    rows = (
        Activity.objects.filter(_submitted_in(period))
        .values("unit_id")
        .annotate(total=Count("id"), complete=Count("id", filter=counted()))
    )
    return _percentages(rows, "unit_id", "complete", "total")


@register(
    "partylife.talk_reach",
    label="谈心谈话覆盖率",
    unit="%",
    description="在册党员中，本期作为谈话人或谈话对象参加过已提交的谈心谈话的比例。",
)
def talk_reach(period: Period) -> dict[int, Decimal]:
    talks = Activity.objects.filter(_submitted_in(period), activity_type__has_talk_pair=True)
    reached = Exists(talks.filter(Q(talker_id=OuterRef("pk")) | Q(talkee_id=OuterRef("pk"))))
    rows = (
        Member.objects.filter(active=True, branch__dissolved_on__isnull=True, branch__unit__active=True)
        .values("branch__unit_id")
        .annotate(total=Count("id"), reached=Count("id", filter=Q(reached)))
    )
    return _percentages(rows, "branch__unit_id", "reached", "total")


def _problem_counts(period: Period):
    return (
        EnterpriseProblem.objects.filter(
            _submitted_in(period, "activity__"), activity__activity_type__has_enterprise=True
        )
        .values("activity__unit_id")
        .annotate(raised=Count("id"), solved=Count("id", filter=Q(solved=True)))
    )


@register(
    "partylife.enterprise_problems_raised",
    label="联系企业反映问题数",
    unit="个",
    description="“万名干部联万企”已提交的走访记录中，企业反映的问题数。",
)
def enterprise_problems_raised(period: Period) -> dict[int, Decimal]:
    return {row["activity__unit_id"]: Decimal(row["raised"]) for row in _problem_counts(period)}


@register(
    "partylife.enterprise_problems_solved",
    label="帮助企业解决问题数",
    unit="个",
    description="“万名干部联万企”已提交的走访记录中，已解决的企业问题数。",
)
def enterprise_problems_solved(period: Period) -> dict[int, Decimal]:
    return {row["activity__unit_id"]: Decimal(row["solved"]) for row in _problem_counts(period)}


@register(
    "partylife.attendance_rate",
    label="组织生活出勤率",
    unit="%",
    description="已提交记录的出勤名单中，出席或缺席后已完成补学的比例。",
)
def attendance_rate(period: Period) -> dict[int, Decimal]:
    rows = (
        Attendance.objects.filter(_submitted_in(period, "activity__"))
        .values("activity__unit_id")
        .annotate(total=Count("id"), counted=Count("id", filter=COUNTED_ATTENDANCE))
    )
    return _percentages(rows, "activity__unit_id", "counted", "total")
