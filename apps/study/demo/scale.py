"""Study at scale (`manage.py seed_scale`): sessions, self-study, 应知应会 marks and exams for the years loaded.

Once: the year settings (学习年度设置) of each year, the 应知应会 list and the question bank of the demo
(`knowledge.write_items`, `exams.write_bank`), and two city-wide exams a year (the current year's second one
open now). Per unit (one transaction, COPY): 支部周学 about twice a month per branch (attendance: the branch's
members that day; 研讨发言 at a third of them), a 青年理论学习小组 of the unit's young members meeting about
monthly, two 专题培训 and a 读书班 a year (a share of the unit), each member's 自学 entries (more for the keen),
their 应知应会 marks, and their exam attempts with the ten answers of each.

A member's keenness is the unit's diligence (`context.diligence`) with their own noise: it sets how many
sessions they attend, how much they self-study, how much of the list they mark and how well they answer.

Rows per preset (three years, measured): city 174,000 sessions, 3.8 million session attendance rows, 1 million
自学, 860,000 应知应会 marks, 307,000 attempts with 3.1 million answers; small a tenth, province about ten times.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test.utils import override_settings

from apps.core.periods import local_tz
from apps.core.scale import ScaleContext, reset_sequences
from apps.orgs.demo.scale import UnitTree, units

from ..models import (
    AttemptAnswer,
    Exam,
    ExamAttempt,
    KnowledgeItem,
    KnowledgeStudy,
    Question,
    QuestionKind,
    SelfStudy,
    SessionAttendance,
    SessionKind,
    SessionSpeech,
    StudySession,
    StudyYear,
    YouthGroup,
)
from ..services.progress import refresh_snapshots
from . import texts as t
from .exams import write_bank
from .knowledge import write_items

QUESTIONS_PER_EXAM = 10


class _Writer:
    def __init__(self, context: ScaleContext):
        c = context.copier
        stamp = ("created_at", "updated_at")
        self.groups = c(YouthGroup, ("id", "unit_id", "name", "max_age", "active", *stamp))
        self.group_members = c(YouthGroup.members.through, ("youthgroup_id", "member_id"))
        self.sessions = c(
            StudySession,
            (
                "id",
                "kind",
                "unit_id",
                "branch_id",
                "youth_group_id",
                "topic",
                "held_on",
                "place",
                "materials",
                "leader_id",
                "hours",
                "same_as",
                "created_by_id",
                *stamp,
            ),
        )
        self.attendance = c(SessionAttendance, ("session_id", "member_id", "present", "absence_reason"))
        self.speeches = c(SessionSpeech, ("session_id", "speaker_id", "summary", "order"))
        self.self_study = c(
            SelfStudy, ("member_id", "studied_on", "title", "material", "link", "hours", "note", "created_at")
        )
        self.marks = c(KnowledgeStudy, ("member_id", "item_id", "studied_at"))
        self.attempts = c(
            ExamAttempt,
            (
                "id",
                "exam_id",
                "member_id",
                "number",
                "question_ids",
                "started_at",
                "deadline",
                "submitted_at",
                "score",
                "passed",
            ),
        )
        self.answers = c(AttemptAnswer, ("attempt_id", "question_id", "chosen", "correct", "points"))
        self.count = 0

    def session(
        self,
        rng,
        context,
        kind,
        unit: UnitTree,
        day,
        topic,
        attendees,
        *,
        branch_id=None,
        group_id=None,
        hours,
        by,
        keen,
    ):
        sid = self.sessions.new_id()
        leader = attendees[0] if attendees else None
        stamp = dt.datetime(day.year, day.month, day.day, 18, tzinfo=local_tz())
        self.sessions.add(
            sid,
            kind,
            unit.id,
            branch_id,
            group_id,
            topic,
            day,
            rng.choice(t.PLACES),
            rng.choice(t.WEEKLY_MATERIALS),
            leader,
            hours,
            "",
            by,
            stamp,
            stamp,
        )
        self.count += 1
        presence = 0.82 + 0.15 * keen
        for member_id in attendees:
            present = rng.random() < presence
            self.attendance.add(sid, member_id, present, "" if present else rng.choice(t.ABSENCE_REASONS))
        if attendees and rng.random() < 0.33:
            for order, speaker in enumerate(rng.sample(attendees, min(2, len(attendees)))):
                self.speeches.add(sid, speaker, rng.choice(t.SPEECHES), order)


def _exams(context: ScaleContext) -> list[tuple[Exam, list[Question]]]:
    """Two city-wide exams a year: spring and autumn; the current year's autumn one open now."""
    tz = local_tz()
    bank = list(Question.objects.filter(active=True).order_by("pk"))
    exams = []
    for year in range(context.start.year, context.today.year + 1):
        for n, (month, title) in enumerate(((5, t.FINISHED_EXAM), (11, t.OPEN_EXAM))):
            opens = dt.datetime(year, month, 10, 9, tzinfo=tz)
            closes = opens + dt.timedelta(days=20)
            if year == context.today.year and n == 1:
                opens = context.now - dt.timedelta(days=5)
                closes = context.now + dt.timedelta(days=10)
            if opens > context.now:
                continue
            exam = Exam.objects.create(
                title=title.format(year=year),
                opens_at=opens,
                closes_at=closes,
                question_count=QUESTIONS_PER_EXAM,
                published=True,
            )
            exams.append((exam, bank))
    return exams


def scale(context: ScaleContext) -> str:
    """Write the study records of every unit in the database; returns the summary."""
    today = context.today
    with context.batch():
        for year in range(context.start.year, today.year + 1):
            StudyYear.objects.get_or_create(year=year)
        if not KnowledgeItem.objects.exists():
            with override_settings(SIMPLE_HISTORY_ENABLED=True):  # the demo's writer links the m2m history rows
                write_bank(write_items())
        items = list(
            KnowledgeItem.objects.filter(active=True).order_by("category", "order", "pk").values_list("pk", flat=True)
        )
        exams = _exams(context)
    w = _Writer(context)
    total = context.preset.units
    for n, unit in enumerate(units(context), start=1):
        with context.batch():
            _unit(context, w, unit, items, exams)
        if n % max(1, total // 10) == 0:
            context.progress(f"  理论学习：{n}/{total} 个单位")
    reset_sequences([StudySession, YouthGroup, ExamAttempt])
    with context.batch():
        refresh_snapshots(year=today.year, today=today)  # the committee's overview reads these
    written = context.written
    return (
        f"集中学习 {w.count} 次，学习出勤 {written[SessionAttendance._meta.db_table]} 条，"
        f"自学 {written[SelfStudy._meta.db_table]} 条，应知应会学习记录 {written[KnowledgeStudy._meta.db_table]} 条，"
        f"考试 {len(exams)} 场，答卷 {written[ExamAttempt._meta.db_table]} 份"
    )


def _months(lo: dt.date, hi: dt.date):
    m = lo.replace(day=1)
    while m < hi:
        nxt = (m + dt.timedelta(days=32)).replace(day=1)
        yield m, nxt
        m = nxt


def _unit(context: ScaleContext, w: _Writer, unit: UnitTree, items: list[int], exams) -> None:
    rng = context.rng("study", unit.id)
    keen = context.diligence(unit.id)
    today = context.today
    lo = max(context.start, unit.joined_on or context.start)
    by = unit.secretary_user_id
    hours = (Decimal("1.0"), Decimal("1.5"), Decimal("2.0"))

    # 支部周学: about twice a month per branch
    for branch in unit.branches:
        b_lo = max(lo, branch.founded_on)
        b_hi = min(today, branch.dissolved_on) if branch.dissolved_on else today
        for m, nxt in _months(b_lo, b_hi):
            for _ in range(2):
                if rng.random() >= keen:
                    continue
                day = m + dt.timedelta(days=rng.randint(0, (nxt - m).days - 1))
                if b_lo <= day < b_hi:
                    w.session(
                        rng,
                        context,
                        SessionKind.WEEKLY,
                        unit,
                        day,
                        rng.choice(t.WEEKLY_TOPICS),
                        branch.members_on(day),
                        branch_id=branch.id,
                        hours=rng.choice(hours),
                        by=by,
                        keen=keen,
                    )

    # 青年理论学习小组: the unit's members aged ≤ 35 today
    youth_after = dt.date(today.year - 36, today.month, min(today.day, 28))
    young = sorted(m.id for m in unit.members.values() if m.birth_date > youth_after)
    if len(young) >= 3:
        gid = w.groups.new_id()
        w.groups.add(gid, unit.id, f"{unit.name[:80]}青年理论学习小组", 35, True, context.now, context.now)
        for member_id in young:
            w.group_members.add(gid, member_id)
        young_set = set(young)
        for m, nxt in _months(lo, today):
            if rng.random() < keen * 0.85:
                day = m + dt.timedelta(days=rng.randint(0, (nxt - m).days - 1))
                if day < today:
                    here = [x for x in unit.members_on(day) if x in young_set]
                    w.session(
                        rng,
                        context,
                        SessionKind.YOUTH,
                        unit,
                        day,
                        rng.choice(t.YOUTH_TOPICS),
                        here,
                        group_id=gid,
                        hours=Decimal("2.0"),
                        by=by,
                        keen=keen,
                    )

    # 专题培训 twice a year and a 读书班 once, for a share of the unit
    for year in range(lo.year, today.year + 1):
        plan = [(SessionKind.TRAINING, t.TRAININGS, 0.6, Decimal("4.0"))] * 2 + [
            (SessionKind.READING, t.READING_CLASSES, 0.3, Decimal("8.0"))
        ]
        for kind, topics, share, h in plan:
            day = dt.date(year, rng.randint(3, 11), rng.randint(1, 28))
            if lo <= day < today and rng.random() < 0.5 + 0.5 * keen:
                here = unit.members_on(day)
                w.session(
                    rng,
                    context,
                    kind,
                    unit,
                    day,
                    rng.choice(topics),
                    rng.sample(here, int(len(here) * share)),
                    hours=h,
                    by=by,
                    keen=keen,
                )

    # Each member: 自学, 应知应会 marks, exam attempts
    tz = local_tz()
    for member_id in sorted(unit.members):
        mr = context.rng("study", "member", member_id)
        own = min(1.0, max(0.1, keen + mr.gauss(0, 0.12)))
        for year in range(lo.year, today.year + 1):
            y_lo, y_hi = max(lo, dt.date(year, 1, 1)), min(today, dt.date(year + 1, 1, 1))
            if y_lo >= y_hi:
                continue
            for _ in range(int(mr.expovariate(1 / (8 * own)))):
                day = y_lo + dt.timedelta(days=mr.randint(0, (y_hi - y_lo).days - 1))
                title, material = mr.choice(t.SELF_STUDY)
                when = dt.datetime(day.year, day.month, day.day, 21, tzinfo=tz)
                w.self_study.add(
                    member_id, day, title, material, "", mr.choice(hours), mr.choice(t.SELF_STUDY_NOTES), when
                )
        span = max(1, (today - lo).days)
        for item in items[: round(len(items) * min(1.0, own * mr.uniform(0.7, 1.1)))]:
            day = lo + dt.timedelta(days=mr.randint(0, span - 1))
            w.marks.add(member_id, item, dt.datetime(day.year, day.month, day.day, 20, tzinfo=tz))
        for exam, bank in exams:
            if exam.opens_at.date() < lo or mr.random() >= 0.55 + 0.4 * own:
                continue
            _attempt(mr, w, context, exam, bank, member_id, own)


def _attempt(rng, w: _Writer, context, exam: Exam, bank: list[Question], member_id: int, own: float) -> None:
    window = (min(exam.closes_at, context.now) - exam.opens_at).total_seconds()
    started = exam.opens_at + dt.timedelta(seconds=rng.randint(0, max(0, int(window) - 3600)))
    deadline = started + dt.timedelta(minutes=exam.duration_minutes)
    drawn = rng.sample(bank, min(QUESTIONS_PER_EXAM, len(bank)))
    worth = Decimal(100) / len(drawn)
    aid = w.attempts.new_id()
    score = Decimal(0)
    rows = []
    for q in drawn:
        right = rng.random() < 0.5 + 0.45 * own
        if right:
            chosen = list(q.answer)
        else:
            wrong = [i for i in range(len(q.options)) if i not in q.answer] or [0]
            chosen = (
                [rng.choice(wrong)] if q.kind != QuestionKind.MULTIPLE else sorted({*q.answer[:-1], rng.choice(wrong)})
            )
        points = worth.quantize(Decimal("0.01")) if right else Decimal(0)
        score += worth if right else 0
        rows.append((aid, q.pk, chosen, right, points))
    score = score.quantize(Decimal("0.1"))
    submitted = started + dt.timedelta(minutes=rng.randint(8, exam.duration_minutes - 1))
    w.attempts.add(
        aid, exam.pk, member_id, 1, [q.pk for q in drawn], started, deadline, submitted, score, score >= exam.pass_score
    )
    for row in rows:
        w.answers.add(*row)
