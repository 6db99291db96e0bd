"""A unit secretary's home: the unit's score card and history (stored snapshots), and one to-do list (待办).

Everything starts from the secretary's own units (`scope.unit_ids`, `scope.filter`): another unit's score,
rectifications, reports or records never reach the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from apps.core.periods import Frequency, Period
from apps.discipline.models import DutyReport, Rectification, RectificationStatus, ReportStatus
from apps.orgs.access import Scope
from apps.partylife.compliance import Status
from apps.partylife.models import Activity, ActivityStatus
from apps.scoring.models import RunStatus, UnitResult
from apps.study.models import UnitStudySnapshot

from .ranking import TIER_CLASSES, kind_order, run_label


def _own_results(scope: Scope):
    return scope.filter(
        UnitResult.objects.filter(unit_id__in=scope.unit_ids, run__status=RunStatus.DONE)
    ).select_related("run")


def score_card(scope: Scope) -> UnitResult | None:
    """The unit's row in the latest finished run (a quarter's before a year's or a month's of the same day);
    a secretary sees their own unit's row in any run (scoring.permissions.can_see_breakdown). One query."""
    result = (
        _own_results(scope)
        .annotate(kind_order=kind_order("run__period_kind"))
        .order_by("-run__evaluated_on", "kind_order", "-run__finished_at", "-run_id")
        .first()
    )
    if result is not None:
        result.run_label = run_label(result.run)
        result.tier_class = TIER_CLASSES.get(result.tier, "tier-none")
    return result


def _short(period: Period) -> str:
    return f"{period.year}Q{period.index}"


def score_history(scope: Scope, *, latest: UnitResult | None) -> dict:
    """Rank and total over the published quarter runs, plus the latest finished quarter run when it is newer
    and not published (shown as provisional). One query."""
    published = (
        _own_results(scope)
        .filter(run__period_kind=Frequency.QUARTER, scored=True)
        .exclude(run__published_at=None)
        .order_by("run__period_key", "unit_id")
    )
    points = [
        {"period": _short(r.run.period), "total": float(r.total or 0), "rank": r.rank, "note": "已发布"}
        for r in published
    ]
    if (
        latest is not None
        and latest.run.period_kind == Frequency.QUARTER
        and not latest.run.is_published
        and latest.scored
        and latest.run.period_key not in {r.run.period_key for r in published}
    ):
        points.append(
            {
                "period": _short(latest.run.period),
                "total": float(latest.total or 0),
                "rank": latest.rank,
                "note": latest.run_label,
            }
        )
    return {"points": points}


# --- 待办 ----------------------------------------------------------------------------------------------------


@dataclass
class Todo:
    kind: str  # rule, rectification, report, record, study
    label: str  # the badge
    title: str
    url: str
    due: dt.date | None = None
    overdue: bool = False
    note: str = ""

    @property
    def urgency(self) -> tuple:
        """Overdue first, then by due day, then those without one."""
        return (not self.overdue, self.due is None, self.due or dt.date.max, self.kind)


def rule_todos(branches, *, today: dt.date) -> list[Todo]:
    """The party-life rules of this month / quarter / year not met yet, one item per rule and window naming the
    branches still to hold it (from the cells the branch cards already hold: no query)."""
    grouped: dict[tuple, list] = {}
    for branch in branches:
        for cell in getattr(branch, "month_cells", []):
            if cell.status == Status.DUE:
                key = (cell.window.end, cell.rule.rule.activity_type.name, cell.window.key)
                grouped.setdefault(key, []).append((branch, cell))
    todos = []
    for (end, name, _), pairs in grouped.items():
        cell = pairs[0][1]
        names = "、".join(b.name for b, _ in pairs[:5]) + (f"等 {len(pairs)} 个支部" if len(pairs) > 5 else "")
        url = (
            f"{reverse('partylife:activity_new')}?branch={pairs[0][0].pk}"
            if len(pairs) == 1
            else reverse("partylife:unit_overview")
        )
        todos.append(
            Todo(
                kind="rule",
                label=f"{cell.rule.frequency_label}组织生活",
                title=f"{name}（{cell.window.label}）：{len(pairs)} 个支部待完成",
                url=url,
                due=end,
                note=f"{cell.rule.requirement}：{names}",
            )
        )
    return todos


def rectification_todos(scope: Scope, *, today: dt.date) -> list[Todo]:
    """The unit's rectifications still to do: 待整改 and 退回 (已提交 waits for the committee). One query."""
    rows = scope.filter(
        Rectification.objects.filter(
            unit_id__in=scope.unit_ids, status__in=[RectificationStatus.OPEN, RectificationStatus.RETURNED]
        )
    ).select_related("finding")
    return [
        Todo(
            kind="rectification",
            label="整改" if r.status == RectificationStatus.OPEN else "整改被退回",
            title=r.requirement,
            url=r.get_absolute_url(),
            due=r.deadline,
            overdue=r.deadline < today,
        )
        for r in rows
    ]


def report_todos(scope: Scope, *, today: dt.date) -> list[Todo]:
    """履责报告 the committee returned for revision. One query."""
    rows = scope.filter(
        DutyReport.objects.filter(unit_id__in=scope.unit_ids, status=ReportStatus.RETURNED)
    ).select_related("round")
    return [
        Todo(
            kind="report",
            label="履责报告被退回",
            title=str(r.round),
            url=reverse("discipline:report_detail", args=[r.pk]),
            due=r.round.due_on,
            overdue=r.round.due_on < today,
            note=r.review_comment,
        )
        for r in rows
    ]


def record_todos(scope: Scope) -> list[Todo]:
    """Party-life records the committee returned (a draft again, with the reason) in the unit. One query."""
    rows = scope.filter(
        Activity.objects.filter(unit_id__in=scope.unit_ids, status=ActivityStatus.DRAFT).exclude(return_reason="")
    ).select_related("activity_type", "branch")
    return [
        Todo(
            kind="record",
            label="记录被退回",
            title=f"{a.activity_type.name}：{a.topic}",
            url=a.get_absolute_url(),
            note=a.return_reason,
        )
        for a in rows
    ]


def study_todos(scope: Scope, *, today: dt.date) -> list[Todo]:
    """Members behind on the year's study, from the study app's stored unit figures. One query."""
    rows = scope.filter(
        UnitStudySnapshot.objects.filter(unit_id__in=scope.unit_ids, year=today.year, behind__gt=0)
    ).select_related("unit")
    return [
        Todo(
            kind="study",
            label="学习进度",
            title=f"{s.unit.name}有 {s.behind} 名党员学习进度落后",
            url=f"{reverse('study:progress_table')}?unit={s.unit_id}",
            note=f"统计截至{s.as_of:%m月%d日}",
        )
        for s in rows
    ]


def unit_todos(scope: Scope, branches, *, today: dt.date | None = None) -> list[Todo]:
    """Every source of the unit's to-dos in one list, most urgent first."""
    today = today or timezone.localdate()
    todos = [
        *rule_todos(branches, today=today),
        *rectification_todos(scope, today=today),
        *report_todos(scope, today=today),
        *record_todos(scope),
        *study_todos(scope, today=today),
    ]
    return sorted(todos, key=lambda t: t.urgency)


def member_upcoming(scope: Scope, member, *, today: dt.date, month_cells) -> dict:
    """What the member's branch still has to hold now (the engine's cells of their one branch) and its records
    dated after now (one query)."""
    now = timezone.now()
    records = (
        Activity.objects.filter(branch_id=member.branch_id, held_at__gt=now)
        .select_related("activity_type")
        .order_by("held_at")[:10]
    )
    due = [c for c in month_cells if c.status == Status.DUE]
    return {"due": due, "records": list(records)}
