"""The records behind one unit's party-life metric (scoring opens them from a score line).

`fn(period, unit_id, *, today) -> [MetricRecord]`, each built from the same filters as the metric
(`scope`), so that the list explains the number: what counts and what does not, the failures first.
A fixed number of queries for the unit, whatever the number of rows.

| records of                               | queries |
|------------------------------------------|---------|
| partylife.compliance_rate                | unit 1, judged-from 1, branches 1; engine 7 + 4 |
| partylife.theme_day_completion           | 3       |
| partylife.evidence_completeness          | 3: records, their evidence, attendance                 |
| partylife.talk_reach                     | 3: judged-from, memberships, talks                      |
| partylife.enterprise_problems_raised     | 1       |
| partylife.enterprise_problems_solved     | 1       |
| partylife.attendance_rate                | 1       |
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from apps.core.metrics import MetricRecord
from apps.core.periods import Period, local_date
from apps.orgs.models import Unit
from apps.orgs.tree import in_force_at_midpoint, judged_from_units

from ..compliance import Status, evaluate_branches, evaluate_units, rollup_branches
from ..counting import missing_evidence
from ..models import Activity, Attendance, EnterpriseProblem
from ..presenters.navigation import cell_url
from .scope import day_end, judged_on, reaching_talks, submitted_in, talk_members, theme_months

#: The order a unit's windows are listed in: what failed first.
_VERDICT_ORDER = {Status.FAILURE: 0, Status.WARNING: 1, Status.MET: 2}


def _detail(pk: int) -> str:
    return reverse("partylife:activity_detail", args=[pk])


def _where(activity: Activity) -> str:
    return activity.branch.name if activity.branch_id else "本单位"


# --- compliance ------------------------------------------------------------------------------------------


def compliance(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """The unit's decided windows (met, warning, failure) of branch and unit rules, failures first.

    The engine's cells for this one unit, as `evaluate_by_unit` takes them (the unit's own cells and
    each branch's roll-up cells), keeping which branch each came from so that it can link its cell page.
    """
    unit = Unit.objects.filter(pk=unit_id, active=True).first()
    if unit is None:
        return []
    starts = judged_from_units([unit.pk])
    branches = list(rollup_branches([unit], period))
    by_branch = evaluate_branches(branches, period, today=judged_on(today), judged_from=starts)
    by_unit = evaluate_units([unit], period, today=judged_on(today), judged_from=starts)
    cells = [(cell, unit, "本单位") for cell in by_unit[unit.pk].cells]
    cells += [(cell, b, b.name) for b in branches for cell in by_branch[b.pk].rollup_cells()]
    decided = [row for row in cells if row[0].status in _VERDICT_ORDER]
    decided.sort(key=lambda row: (_VERDICT_ORDER[row[0].status], row[0].window.start, row[0].rule.name, row[2]))
    records = []
    for cell, subject, where in decided:
        note = cell.label if not cell.reason else f"{cell.label}（未开展原因：{cell.reason}）"
        records.append(
            MetricRecord(
                label=f"{cell.rule.name} · {where} · {cell.window.label}",
                day=cell.window.end,
                url=cell_url(cell, subject, as_of=today),
                note=note,
            )
        )
    return records


def theme_days(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """Per branch × month the rate counts: whether a 主题党日 was held (with its record), the months without first."""
    rows = sorted(theme_months(period, today=today, unit_id=unit_id), key=lambda r: (r.met, r.month.start))
    return [
        MetricRecord(
            label=f"{row.branch_name} · {row.month.label}",
            day=row.held_on or row.month.end,
            url=_detail(row.activity_id) if row.met else "",
            note="已开展" if row.met else "未开展",
        )
        for row in rows
    ]


# --- records -----------------------------------------------------------------------------------------------


def evidence(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """The unit's submitted records of the period: 材料齐全, or what each still lacks (需补充) — incomplete first."""
    activities = (
        Activity.objects.filter(submitted_in(period, today), unit_id=unit_id)
        .select_related("activity_type", "branch")
        .prefetch_related("evidence", "attendances")
        .order_by("evidence_complete", "held_at", "pk")
    )
    records = []
    for activity in activities:
        if activity.evidence_complete:
            note = "材料齐全"
        else:
            lacks = missing_evidence(
                activity.activity_type,
                minutes=activity.minutes,
                evidence_kinds=[e.kind for e in activity.evidence.all()],
                has_attendance=bool(activity.attendances.all()),
            )
            note = f"需补充：{'、'.join(lacks)}" if lacks else "需补充"
        records.append(
            MetricRecord(
                label=f"{_where(activity)} · {activity.activity_type.name}：{activity.topic}",
                day=local_date(activity.held_at),
                url=_detail(activity.pk),
                note=note,
            )
        )
    return records


def talks(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """The members the coverage counts: those not reached first, then each reached one with the talk that did."""
    memberships = talk_members(period, today)
    if memberships is None or not in_force_at_midpoint(period, since=judged_from_units([unit_id])[unit_id]):
        return []
    people: dict[int, tuple[str, str]] = {}
    rows = memberships.filter(branch__unit_id=unit_id).order_by("start_on", "pk")
    for member_id, name, branch in rows.values_list("member_id", "member__name", "branch__name"):
        people[member_id] = (name, branch)  # the latest branch of the period
    ids = list(people)
    reached: dict[int, tuple[int, dt.datetime, str, str]] = {}
    found = reaching_talks(period, today).filter(Q(talker_id__in=ids) | Q(talkee_id__in=ids)).order_by("held_at", "pk")
    for pk, held_at, talker_id, talkee_id, talker, talkee in found.values_list(
        "pk", "held_at", "talker_id", "talkee_id", "talker__name", "talkee__name"
    ):
        for member_id in (talker_id, talkee_id):
            if member_id in people:
                reached.setdefault(member_id, (pk, held_at, talker, talkee))
    order = sorted(people, key=lambda m: (m in reached, people[m][1], people[m][0], m))
    records = []
    for member_id in order:
        name, branch = people[member_id]
        talk = reached.get(member_id)
        records.append(
            MetricRecord(
                label=f"{name}（{branch}）",
                day=local_date(talk[1]) if talk else None,
                url=_detail(talk[0]) if talk else "",
                note=f"已谈：{talk[2]}与{talk[3]}" if talk else "未谈",
            )
        )
    return records


def _problems(period: Period, unit_id: int, today: dt.date):
    return (
        EnterpriseProblem.objects.filter(
            submitted_in(period, today, "activity__"),
            activity__activity_type__has_enterprise=True,
            activity__unit_id=unit_id,
        )
        .select_related("activity", "activity__branch")
        .order_by("activity__held_at", "activity_id", "pk")
    )


def _solved(problem: EnterpriseProblem, today: dt.date) -> bool:
    """`scope.problem_solved` on a row already read."""
    return bool(problem.solved and problem.solved_on and problem.solved_on <= today)


def _problem_record(problem: EnterpriseProblem, solved: bool) -> MetricRecord:
    activity = problem.activity
    enterprise = activity.enterprise_name or "未填写企业"
    if solved:
        note = f"已解决（{problem.solved_on:%Y-%m-%d}）"
    elif problem.solved:
        note = f"评价日后解决（{problem.solved_on:%Y-%m-%d}）"
    else:
        note = "未解决"
    return MetricRecord(
        label=f"{enterprise} · {problem.get_category_display()}：{problem.description}",
        day=local_date(activity.held_at),
        url=_detail(activity.pk),
        note=note,
    )


def problems_raised(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """Every problem the unit's submitted visits recorded, in the order of the visits, with its state."""
    return [_problem_record(p, _solved(p, today)) for p in _problems(period, unit_id, today)]


def problems_solved(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """The problems solved by the evaluation day (what the number counts), then the others (not counted)."""
    rows = [(p, _solved(p, today)) for p in _problems(period, unit_id, today)]
    rows.sort(key=lambda row: not row[1])
    return [_problem_record(p, solved) for p, solved in rows]


def attendance(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """Attendance rows of the unit's submitted records: those that do not count (absent, no 补学 done) first."""
    rows = (
        Attendance.objects.filter(submitted_in(period, today, "activity__"), activity__unit_id=unit_id)
        .select_related("member", "activity__activity_type", "activity__branch", "makeup")
        .order_by("activity__held_at", "activity_id", "pk")
    )
    made_up = day_end(today)
    listed = []
    for row in rows:
        makeup = getattr(row, "makeup", None)
        done = makeup is not None and makeup.done_at is not None and makeup.done_at < made_up
        if row.present:
            note = "出席"
        elif done:
            note = f"缺席，已完成补学（{local_date(makeup.done_at):%Y-%m-%d}）"
        else:
            reason = f"（{row.absence_reason}）" if row.absence_reason else ""
            note = f"缺席{reason}，补学未完成，不计入"
        counts = row.present or done
        activity = row.activity
        record = MetricRecord(
            label=f"{row.member.name} · {_where(activity)} · {activity.activity_type.name}：{activity.topic}",
            day=local_date(activity.held_at),
            url=_detail(activity.pk),
            note=note,
        )
        listed.append((counts, record))
    listed.sort(key=lambda item: item[0])
    return [record for _, record in listed]
