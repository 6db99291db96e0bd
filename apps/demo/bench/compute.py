"""The engine and the ranking, each beside one hand-written SQL statement over the same rows.

- Engine: `evaluate_by_unit` for every active unit over a year (every branch that existed in it, and the units'
  own rules) as the committee's overview computes it. Reference: one statement counting the records that count
  (`apps.partylife.counting`: submitted, evidence complete; for a type a record “also counts as”, that type's
  evidence too) per (branch or unit, rule, window) — the numbers every verdict rests on.
- Ranking: a ranking run (`run_request` + `run_execute`, in a transaction rolled back afterwards, so the database
  does not change) for a year and for a month. Reference: one statement reading the rows every metric reads —
  the engine reference's counts, then per unit: submitted records and their evidence, attendance, enterprise
  problems, self-study hours, study-session attendance and hours, 应知应会 marks, exam attempts and passes,
  rectifications due and on time, duty reports due and on time, talks, cards in force — one grouped pass each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from apps.core.periods import Frequency, Period, local_tz
from apps.orgs.models import Unit
from apps.partylife.compliance import evaluate_by_unit, store
from apps.scoring.models import RunStatus, Trigger
from apps.scoring.services.runs import run_execute, run_request

from .timing import Timing, measure, run_sql

ENGINE_SQL = r"""
WITH rec AS (
    SELECT a.branch_id, a.unit_id, a.held_at, a.activity_type_id AS type_id, a.evidence_complete AS done
    FROM partylife_activity a
    WHERE a.status = 'submitted' AND a.held_at >= %(start)s AND a.held_at < %(end)s
  UNION ALL
    SELECT a.branch_id, a.unit_id, a.held_at, x.activitytype_id,
           a.evidence_complete
           AND (NOT t.needs_minutes OR a.minutes ~ '\S' OR EXISTS (
                SELECT 1 FROM partylife_evidence e WHERE e.activity_id = a.id AND e.kind = 'minutes'))
           AND (NOT t.needs_photo OR EXISTS (
                SELECT 1 FROM partylife_evidence e WHERE e.activity_id = a.id AND e.kind = 'photo'))
           AND (NOT t.needs_attendance OR EXISTS (SELECT 1 FROM partylife_attendance p WHERE p.activity_id = a.id))
           AND (NOT t.needs_signin OR EXISTS (
                SELECT 1 FROM partylife_evidence e WHERE e.activity_id = a.id AND e.kind = 'signin'))
    FROM partylife_activity_also_counts_as x
    JOIN partylife_activity a ON a.id = x.activity_id
    JOIN partylife_activitytype t ON t.id = x.activitytype_id
    WHERE a.status = 'submitted' AND a.held_at >= %(start)s AND a.held_at < %(end)s
)
SELECT r.id AS rule_id,
       CASE WHEN t.level = 'unit' THEN rec.unit_id ELSE rec.branch_id END AS subject_id,
       date_trunc(r.frequency, rec.held_at AT TIME ZONE %(tz)s) AS window_start,
       count(*) FILTER (WHERE rec.done) AS done,
       count(*) FILTER (WHERE NOT rec.done) AS todo
FROM rec
JOIN partylife_compliancerule r ON r.activity_type_id = rec.type_id AND r.active
JOIN partylife_activitytype t ON t.id = r.activity_type_id AND t.active
WHERE (t.level = 'unit') = (rec.branch_id IS NULL)
GROUP BY 1, 2, 3
"""

RANKING_SQL = (
    "WITH counted AS ("
    + ENGINE_SQL
    + r"""),
engine AS (SELECT count(*) AS cells, sum(done) AS done FROM counted),
act AS (
    SELECT a.unit_id, count(*) AS n, count(*) FILTER (WHERE a.evidence_complete) AS complete
    FROM partylife_activity a
    WHERE a.status = 'submitted' AND a.held_at >= %(start)s AND a.held_at < %(end)s GROUP BY 1),
att AS (
    SELECT a.unit_id, count(*) AS n, count(*) FILTER (WHERE p.present) AS present
    FROM partylife_attendance p JOIN partylife_activity a ON a.id = p.activity_id
    WHERE a.status = 'submitted' AND a.held_at >= %(start)s AND a.held_at < %(end)s GROUP BY 1),
prob AS (
    SELECT a.unit_id, count(*) AS n, count(*) FILTER (WHERE q.solved AND q.solved_on <= %(today)s) AS solved
    FROM partylife_enterpriseproblem q JOIN partylife_activity a ON a.id = q.activity_id
    WHERE a.status = 'submitted' AND a.held_at >= %(start)s AND a.held_at < %(end)s GROUP BY 1),
self AS (
    SELECT b.unit_id, sum(s.hours) AS hours
    FROM study_selfstudy s JOIN orgs_member m ON m.id = s.member_id JOIN orgs_branch b ON b.id = m.branch_id
    WHERE s.studied_on BETWEEN %(first)s AND %(last)s GROUP BY 1),
sess AS (
    SELECT coalesce(s.unit_id, b.unit_id) AS unit_id, count(*) FILTER (WHERE p.present) AS present,
           sum(s.hours) FILTER (WHERE p.present) AS hours
    FROM study_sessionattendance p JOIN study_studysession s ON s.id = p.session_id
    LEFT JOIN orgs_branch b ON b.id = s.branch_id
    WHERE s.held_on BETWEEN %(first)s AND %(last)s GROUP BY 1),
know AS (
    SELECT b.unit_id, count(*) AS marks
    FROM study_knowledgestudy k JOIN orgs_member m ON m.id = k.member_id JOIN orgs_branch b ON b.id = m.branch_id
    WHERE k.studied_at < %(end)s GROUP BY 1),
exam AS (
    SELECT b.unit_id, count(*) AS attempts, count(*) FILTER (WHERE e.passed) AS passed
    FROM study_examattempt e JOIN orgs_member m ON m.id = e.member_id JOIN orgs_branch b ON b.id = m.branch_id
    WHERE e.submitted_at >= %(start)s AND e.submitted_at < %(end)s GROUP BY 1),
rect AS (
    SELECT r.unit_id, count(*) AS due, count(*) FILTER (WHERE r.accepted_on <= r.deadline) AS on_time
    FROM discipline_rectification r WHERE r.deadline BETWEEN %(first)s AND %(last)s GROUP BY 1),
rep AS (
    SELECT d.unit_id, count(*) AS due,
           count(*) FILTER (WHERE d.first_submitted_at < (o.due_on + 1)::timestamp AT TIME ZONE %(tz)s) AS on_time
    FROM discipline_dutyreport d JOIN discipline_reportround o ON o.id = d.round_id
    WHERE o.due_on BETWEEN %(first)s AND %(last)s GROUP BY 1),
talk AS (
    SELECT t.unit_id, count(*) AS n FROM discipline_talk t WHERE t.held_on BETWEEN %(first)s AND %(last)s GROUP BY 1),
card AS (
    SELECT c.unit_id, sum(c.deduction) AS deduction, count(*) AS n FROM discipline_card c
    WHERE c.issued_on <= %(last)s AND (c.lifted_on IS NULL OR c.lifted_on > %(last)s) GROUP BY 1)
SELECT u.id, act.n, act.complete, att.n, att.present, prob.n, prob.solved, self.hours, sess.present, sess.hours,
       know.marks, exam.attempts, exam.passed, rect.due, rect.on_time, rep.due, rep.on_time, talk.n, card.deduction,
       card.n, engine.cells, engine.done
FROM orgs_unit u CROSS JOIN engine
LEFT JOIN act ON act.unit_id = u.id LEFT JOIN att ON att.unit_id = u.id LEFT JOIN prob ON prob.unit_id = u.id
LEFT JOIN self ON self.unit_id = u.id LEFT JOIN sess ON sess.unit_id = u.id LEFT JOIN know ON know.unit_id = u.id
LEFT JOIN exam ON exam.unit_id = u.id LEFT JOIN rect ON rect.unit_id = u.id LEFT JOIN rep ON rep.unit_id = u.id
LEFT JOIN talk ON talk.unit_id = u.id LEFT JOIN card ON card.unit_id = u.id
WHERE u.active
"""
)


@dataclass
class Versus:
    """A measured piece of code beside its reference."""

    name: str
    code: Timing
    reference: Timing
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.code.seconds / self.reference.seconds if self.reference.seconds else float("inf")


def sql_params(period: Period, today: dt.date) -> dict:
    """The bounds of a period as the engine reads it: up to the end of the evaluation day at the latest."""
    tz = local_tz()
    last = min(period.end, today)
    return {
        "start": dt.datetime.combine(period.start, dt.time.min, tzinfo=tz),
        "end": dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        "first": period.start,
        "last": last,
        "today": today,
        "tz": str(tz),
    }


def engine_counted(period: Period, today: dt.date) -> tuple[int, int]:
    """(records counted in some window, cells) by the engine — what its reference must reproduce."""
    units = list(Unit.objects.filter(active=True))
    results = evaluate_by_unit(units, period, today=today)
    cells = [cell for result in results.values() for cell in result.cells]
    return sum(cell.count for cell in cells), len(cells)


def reference_counted(period: Period, today: dt.date) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(sum(done), 0) FROM ({ENGINE_SQL}) c", sql_params(period, today))  # noqa: S608
        return int(cursor.fetchone()[0])


def engine(period: Period, today: dt.date, runs: int) -> Versus:
    units = list(Unit.objects.filter(active=True))
    code = measure(lambda: evaluate_by_unit(units, period, today=today), runs)
    reference = measure(lambda: run_sql(ENGINE_SQL, sql_params(period, today)), runs)
    done, cells = engine_counted(period, today)
    note = (
        f"{len(units)} 个单位、{cells:,} 个判定格；引擎计入 {done:,} 条记录·周期，"
        f"参照 SQL 计入 {reference_counted(period, today):,} 条（参照不区分支部是否在该周期存续，故可略多）"
    )
    return Versus(f"合规引擎 · 全市一年（{period.label}）", code, reference, note)


def stored(period: Period, today: dt.date, runs: int) -> Versus:
    """What the overview and the compliance metric read instead of the engine: the stored verdicts' roll-up."""
    units = list(Unit.objects.filter(active=True))
    code = measure(lambda: store.tallies(units, period, today=today), runs)
    reference = measure(lambda: run_sql(ENGINE_SQL, sql_params(period, today)), runs)
    answered = store.read([u.pk for u in units], period, today=today)
    note = f"{len(units)} 个单位；由存储表作答 {len(answered.units)} 个，交回引擎 {len(answered.missing)} 个"
    return Versus(f"存储的评判结果 · 全市一年汇总（{period.label}）", code, reference, note)


class _Rollback(Exception):
    pass


def _ranking_once(period: Period, today: dt.date) -> None:
    """One ranking run of the period, rolled back: the database keeps no trace of it."""
    try:
        with transaction.atomic():
            run = run_request(period=period, trigger=Trigger.MANUAL, today=today, enqueue=False)
            done = run_execute(run_id=run.pk)
            if done is None or done.status != RunStatus.DONE:
                raise RuntimeError(f"排名测算未完成：{getattr(done, 'error', '') or '被其他进程占用'}")
            raise _Rollback
    except _Rollback:
        pass


def ranking(period: Period, today: dt.date, runs: int) -> Versus:
    code = measure(lambda: _ranking_once(period, today), runs)
    reference = measure(lambda: run_sql(RANKING_SQL, sql_params(period, today)), runs)
    return Versus(f"排名测算 · {period.label}", code, reference, "测算在事务中进行并回滚，不留数据")


def last_ended_month(today: dt.date) -> Period:
    return Period.containing(today.replace(day=1) - dt.timedelta(days=1), Frequency.MONTH)
