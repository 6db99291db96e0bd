"""Party life at scale (`manage.py seed_scale`): every branch's and unit's records for the years loaded.

Per unit (one transaction, COPY): for each branch within its life (founded, dissolved, the unit's joining day)
支委会 and 主题党日 monthly, 党小组会 monthly per group, 党员大会 and 党课 quarterly, 组织生活会 in the fourth
quarter (most also counted as 民主评议党员, the others with a 民主评议 of their own), 谈心谈话 through the year,
支部联基层, 岗位建功 and 调查研究; for the unit 中心组学习 monthly (领学人, 研讨发言) and 第一议题 once or twice
a month; 万名干部联万企 visits by its leading cadres with the enterprises' problems. Attendance lists the members
of the branch on the day (committee members for 支委会, the group for 党小组会, the leaders for unit records);
absentees of 党员大会/党课/主题党日 owe a 补学, most done. A photo type's record carries one or two photos (a
few lack them: 需补充), some a sign-in sheet; recent records are sometimes still drafts. Missed soft windows
of closed months carry a 未开展原因 a third of the time; a twentieth of the units have a stricter 党课 rule
(an override); every month up to two months ago is closed (关账).

Shapes: whether a window is kept follows the unit's diligence (`context.diligence`, with each branch's own
noise), and the less diligent a branch, the closer to the window's end it holds its meeting (the bursts before
month, quarter and year ends). Each branch draws from its own generator: no two branches share a calendar.

Rows per preset (three years, measured): city 484,000 records, 4.6 million attendance rows, 407,000 evidence
rows, 105,000 补学, 14,000 未开展原因; small a tenth, province about ten times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from apps.core.periods import local_tz
from apps.core.scale import ScaleContext, reset_sequences
from apps.orgs.demo.scale import BranchInfo, UnitTree, units

from ..models import (
    Activity,
    ActivitySpeech,
    ActivityStatus,
    ActivityType,
    Attendance,
    ComplianceRule,
    EnterpriseProblem,
    Evidence,
    EvidenceKind,
    MakeupTask,
    MissedReason,
    PeriodLock,
    RuleOverride,
    Strength,
)
from ..services import MAKEUP_DAYS
from . import texts as t
from .files import write_files

HOURS = (9, 10, 14, 15, 16)


def _month_starts(start: dt.date, today: dt.date) -> list[dt.date]:
    months, m = [], start.replace(day=1)
    while m <= today:
        months.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return months


def _next_month(m: dt.date) -> dt.date:
    return (m + dt.timedelta(days=32)).replace(day=1)


def _window_key(m: dt.date, frequency: str) -> str:
    if frequency == "month":
        return f"{m:%Y-%m}"
    if frequency == "quarter":
        return f"{m.year}-Q{(m.month - 1) // 3 + 1}"
    return str(m.year)


class _Writer:
    """The copiers of party life and the one function that writes a record with its attendance and evidence."""

    def __init__(self, context: ScaleContext):
        self.context = context
        self.tz = local_tz()
        self.types = {a.code: a for a in ActivityType.objects.all()}
        self.rules = {r.activity_type.code: r for r in ComplianceRule.objects.select_related("activity_type")}
        files = write_files()
        self.files = {kind: [f for f in files if f.kind == kind] for kind in EvidenceKind.values}
        c = context.copier
        stamp = ("created_at", "updated_at")
        self.activities = c(
            Activity,
            (
                "id",
                "activity_type_id",
                "unit_id",
                "branch_id",
                "party_group_id",
                "topic",
                "held_at",
                "place",
                "host",
                "lead_by_id",
                "minutes",
                "lesson_topic",
                "film_title",
                "practice_summary",
                "meeting_name",
                "material",
                "talker_id",
                "talkee_id",
                "enterprise_name",
                "cadre_id",
                "status",
                "evidence_complete",
                "submitted_at",
                "created_by_id",
                "return_reason",
                *stamp,
            ),
        )
        self.attendance = c(Attendance, ("id", "activity_id", "member_id", "present", "absence_reason"))
        self.makeup = c(MakeupTask, ("attendance_id", "member_id", "due_on", "done_at", "note", "confirmed_by_id"))
        self.evidence = c(
            Evidence,
            (
                "activity_id",
                "kind",
                "file",
                "original_name",
                "content_type",
                "size",
                "uploaded_by_id",
                "uploaded_at",
            ),
        )
        self.also = c(Activity.also_counts_as.through, ("activity_id", "activitytype_id"))
        self.speeches = c(ActivitySpeech, ("activity_id", "speaker_id", "summary", "order"))
        self.problems = c(
            EnterpriseProblem, ("activity_id", "category", "description", "solved", "solved_on", "solution")
        )
        self.reasons = c(
            MissedReason, ("rule_id", "unit_id", "branch_id", "window", "reason", "created_by_id", "created_at")
        )
        self.overrides = c(
            RuleOverride, ("rule_id", "unit_id", "frequency", "min_count", "strength", "applies", "coverage", "note")
        )
        self.records = 0

    def at(self, day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=self.tz)

    def record(
        self,
        rng,
        code: str,
        day: dt.date,
        *,
        unit: UnitTree,
        branch_id: int | None,
        by: int | None,
        topic: str,
        attendees: list[int] = (),
        presence: float = 0.95,
        group_id: int | None = None,
        place: str = "",
        **extra,
    ) -> int | None:
        """Write one record; returns its id (None when nobody could have attended it)."""
        kind = self.types[code]
        if kind.needs_attendance and not attendees:
            return None
        context = self.context
        held = self.at(day, rng.choice(HOURS))
        age = (context.today - day).days
        draft = age < 45 and rng.random() < 0.12
        complete = True
        if kind.needs_photo and rng.random() < 0.03:
            complete = False  # 需补充: the photo was never uploaded
        submitted = None if draft else min(held + dt.timedelta(days=rng.randint(0, 5), hours=3), context.now)
        aid = self.activities.new_id()
        fields = {
            "lead_by_id": None,
            "lesson_topic": "",
            "film_title": "",
            "practice_summary": "",
            "meeting_name": "",
            "material": "",
            "talker_id": None,
            "talkee_id": None,
            "enterprise_name": "",
            "cadre_id": None,
            **extra,
        }
        stamp = submitted or held
        self.activities.add(
            aid,
            kind.pk,
            unit.id,
            branch_id,
            group_id,
            topic,
            held,
            place,
            "",
            fields["lead_by_id"],
            f"{topic}。会议按议程进行，与会人员充分讨论，形成一致意见。",
            fields["lesson_topic"],
            fields["film_title"],
            fields["practice_summary"],
            fields["meeting_name"],
            fields["material"],
            fields["talker_id"],
            fields["talkee_id"],
            fields["enterprise_name"],
            fields["cadre_id"],
            ActivityStatus.DRAFT if draft else ActivityStatus.SUBMITTED,
            complete,
            submitted,
            by,
            "",
            stamp,
            stamp,
        )
        self.records += 1
        makeup = kind.makeup_on_absence and not draft
        for member_id in attendees:
            present = rng.random() < presence
            att_id = self.attendance.new_id()
            reason = "" if present else rng.choice(t.ABSENCE_REASONS)
            self.attendance.add(att_id, aid, member_id, present, reason)
            if makeup and not present:
                done = age > 7 and rng.random() < (0.92 if age > MAKEUP_DAYS else 0.5)
                done_at = (
                    min(held + dt.timedelta(days=rng.randint(1, min(age, MAKEUP_DAYS - 1))), context.now)
                    if done
                    else None
                )
                self.makeup.add(
                    att_id,
                    member_id,
                    day + dt.timedelta(days=MAKEUP_DAYS),
                    done_at,
                    rng.choice(t.MAKEUP_NOTES) if done else "",
                    by if done else None,
                )
        if kind.needs_photo and complete:
            for n in range(rng.choice((1, 1, 2))):
                self._file(rng, aid, EvidenceKind.PHOTO, f"{day:%Y%m%d}{kind.name}现场照片{n + 1}", by, stamp)
        if kind.needs_attendance and rng.random() < 0.3:
            self._file(rng, aid, EvidenceKind.SIGNIN, f"{day:%Y%m%d}{kind.name}签到表", by, stamp)
        return aid

    def _file(self, rng, aid: int, kind: str, label: str, by, when) -> None:
        f = rng.choice(self.files[kind])
        ext = f.name.rsplit(".", 1)[-1]
        self.evidence.add(aid, kind, f.name, f"{label}.{ext}", f.content_type, f.size, by, when)


def _day(rng, a: dt.date, b: dt.date, keen: float) -> dt.date:
    """A day in [a, b): anywhere for a diligent branch, bunched towards the end for one that is behind."""
    span = (b - a).days
    if span <= 1:
        return a
    exponent = 1.0 if keen > 0.92 else 0.6 if keen > 0.75 else 0.3
    return a + dt.timedelta(days=min(span - 1, int(rng.random() ** exponent * span)))


def scale(context: ScaleContext) -> str:
    """Write the party life of every unit in the database; returns the summary."""
    w = _Writer(context)
    total = context.preset.units
    stricter = 0
    for n, unit in enumerate(units(context), start=1):
        with context.batch():
            stricter += _unit(context, w, unit)
        if n % max(1, total // 10) == 0:
            context.progress(f"  组织生活：{n}/{total} 个单位")
    with context.batch():
        locks = _locks(context)
    reset_sequences([Activity, Attendance])
    written = context.written
    return (
        f"组织生活记录 {w.records} 条，出勤 {written[Attendance._meta.db_table]} 条，"
        f"佐证材料 {written[Evidence._meta.db_table]} 份，补学 {written[MakeupTask._meta.db_table]} 个，"
        f"未开展原因 {written[MissedReason._meta.db_table]} 条，规则调整 {stricter} 个单位，关账月份 {locks} 个"
    )


def _unit(context: ScaleContext, w: _Writer, unit: UnitTree) -> int:
    rng = context.rng("partylife", unit.id)
    keen = context.diligence(unit.id)
    start = max(context.start, unit.joined_on or context.start)
    today = context.today
    stricter = rng.random() < 0.05
    if stricter:  # a stricter 党课 rule for this unit: twice a quarter
        rule = w.rules[t.LECTURE]
        w.overrides.add(rule.pk, unit.id, "quarter", 2, Strength.LOCAL, True, 100, "本单位要求每季度至少两次党课")
    for branch in unit.branches:
        _branch(context, w, unit, branch, keen, start, lectures=2 if stricter else 1)
    _unit_records(context, w, unit, keen, start, today)
    return int(stricter)


def _secretary_user(unit: UnitTree, branch: BranchInfo) -> int | None:
    for member_id, _s, _e in branch.spans:
        info = unit.members[member_id]
        if info.user_id and info.committee:
            return info.user_id
    return unit.secretary_user_id


def _branch(context, w: _Writer, unit: UnitTree, branch: BranchInfo, keen: float, start, *, lectures: int) -> None:
    rng = context.rng("partylife", "branch", branch.id)
    keen = min(1.0, max(0.3, keen + rng.gauss(0, 0.05)))
    today = context.today
    lo = max(start, branch.founded_on)
    hi = min(today, branch.dissolved_on) if branch.dissolved_on else today
    if lo >= hi:
        return
    by = _secretary_user(unit, branch)
    members = unit.members
    places = t.RETIRED_PLACES if branch.kind == "retired" else t.PLACES
    presence = 0.86 + 0.12 * keen
    fixed_day = rng.randint(8, 25)  # 主题党日: "每月相对固定1天"

    def rec(code, day, topic, attendees=(), **extra):
        if lo <= day < hi:
            return w.record(
                rng,
                code,
                day,
                unit=unit,
                branch_id=branch.id,
                by=by,
                topic=topic,
                attendees=attendees,
                presence=presence,
                place=rng.choice(places),
                **extra,
            )
        return None

    def everyone(day):
        return branch.members_on(day)

    def committee(day):
        return [m for m in branch.members_on(day) if members[m].committee]

    def missed(code: str, window_start: dt.date, frequency: str):
        """A missed soft window of a closed month: a 未开展原因 a third of the time."""
        rule = w.rules.get(code)
        closed_before = (today.replace(day=1) - dt.timedelta(days=32)).replace(day=1)
        if rule and rule.strength == Strength.SOFT and window_start < closed_before and rng.random() < 0.33:
            w.reasons.add(
                rule.pk,
                unit.id,
                branch.id,
                _window_key(window_start, frequency),
                rng.choice(t.MISSED_REASONS),
                by,
                context.now,
            )

    for m in _month_starts(lo, hi):
        end = _next_month(m)
        a, b = max(m, lo), min(end, hi)
        if a >= b:
            continue
        # 支委会, monthly (now and then a second one)
        if rng.random() < keen:
            for _ in range(2 if rng.random() < 0.1 else 1):
                day = _day(rng, a, end, keen)
                topic = t.COMMITTEE_Q4_TOPIC if m.month == 11 and rng.random() < 0.5 else rng.choice(t.COMMITTEE_TOPICS)
                rec(t.COMMITTEE, day, topic, committee(day))
        elif end <= hi:
            missed(t.COMMITTEE, m, "month")
        # 主题党日, monthly on the branch's fixed day (or late in the month when behind)
        if rng.random() < keen:
            day = m.replace(day=min(28, fixed_day + rng.randint(-3, 3))) if keen > 0.8 else _day(rng, a, end, keen)
            theme = t.THEME_BY_MONTH[m.month].format(party_age=m.year - 1921)
            rec(
                t.THEME_DAY,
                day,
                theme,
                everyone(day),
                lesson_topic=rng.choice(t.LESSONS),
                film_title=rng.choice(t.FILMS),
                practice_summary=rng.choice(t.PRACTICES),
            )
        elif end <= hi:
            missed(t.THEME_DAY, m, "month")
        # 党小组会, monthly per group in force
        for gid, founded, dissolved in branch.groups:
            if rng.random() < keen - 0.03:
                day = _day(rng, a, end, keen)
                if founded <= day and (dissolved is None or day < dissolved):
                    group = [x for x in branch.members_on(day) if members[x].group_id == gid]
                    rec(t.GROUP, day, rng.choice(t.GROUP_TOPICS), group, group_id=gid)
        # Quarterly: 党员大会 and 党课, decided in the quarter's first month, held late when behind
        if m.month % 3 == 1 or m == lo.replace(day=1):
            q_start = m.replace(month=(m.month - 1) // 3 * 3 + 1)
            q_end = _next_month(_next_month(_next_month(q_start)))
            qa = max(q_start, lo)
            if rng.random() < keen:
                day = _day(rng, qa, q_end, keen)
                topic = rng.choice(t.GENERAL_TOPICS[(q_start.month - 1) // 3 + 1])
                rec(t.GENERAL, day, topic, everyone(day))
            elif q_end <= hi:
                missed(t.GENERAL, q_start, "quarter")
            for _ in range(lectures):
                if rng.random() < keen:
                    day = _day(rng, qa, q_end, keen)
                    rec(t.LECTURE, day, rng.choice(t.LECTURES), everyone(day))
        # The year: 组织生活会 (with 民主评议) in Q4, 谈心谈话 through the year, practice activities
        if m.month == 1 or m == lo.replace(day=1):
            _year(rng, rec, everyone, committee, branch, m.year, keen, lo, hi, w)


def _year(rng, rec: Callable, everyone, committee, branch: BranchInfo, year: int, keen, lo, hi, w: _Writer) -> None:
    if rng.random() < min(1.0, keen + 0.12):
        day = _day(rng, dt.date(year, 11, 1), dt.date(year + 1, 1, 1), keen)
        aid = rec(t.ORG_LIFE, day, f"{year}年度组织生活会", everyone(day))
        if aid is not None:
            if rng.random() < 0.85:
                w.also.add(aid, w.types[t.APPRAISAL].pk)
            else:
                rec(t.APPRAISAL, day + dt.timedelta(days=rng.randint(1, 6)), f"{year}年度民主评议党员", everyone(day))
    # 谈心谈话: about one talk for every two members, bunched before the 组织生活会 when behind
    mid = max(lo, min(hi - dt.timedelta(days=1), dt.date(year, 6, 30)))
    people, leaders = everyone(mid), committee(mid)
    for _ in range(int(len(people) * keen * 0.55)):
        day = _day(rng, max(lo, dt.date(year, 1, 1)), dt.date(year + 1, 1, 1), keen * 0.95)
        here = everyone(day)
        if len(here) < 2:
            continue
        talker = rng.choice(leaders) if leaders and rng.random() < 0.7 else rng.choice(here)
        talkee = rng.choice([x for x in here if x != talker] or here)
        if talker == talkee:
            continue
        rec(t.TALK, day, rng.choice(t.TALK_TOPICS), talker_id=talker, talkee_id=talkee)
    if branch.kind == "retired":
        return
    for _ in range(rng.choice((1, 2, 2))):
        if rng.random() < keen:
            day = _day(rng, dt.date(year, 1, 1), dt.date(year + 1, 1, 1), 1.0)
            here = everyone(day)
            rec(t.LINKS, day, rng.choice(t.LINK_TOPICS), rng.sample(here, min(len(here), 8)) if here else [])
    if rng.random() < keen:
        day = _day(rng, dt.date(year, 1, 1), dt.date(year + 1, 1, 1), 1.0)
        rec(t.MERIT, day, rng.choice(t.MERIT_TOPICS))
    if rng.random() < keen:
        day = _day(rng, dt.date(year, 1, 1), dt.date(year + 1, 1, 1), 1.0)
        rec(t.RESEARCH, day, rng.choice(t.RESEARCH_TOPICS))


def _unit_records(context, w: _Writer, unit: UnitTree, keen: float, lo: dt.date, today: dt.date) -> None:
    """中心组学习 and 第一议题 monthly, and the leading cadres' 万名干部联万企 visits."""
    rng = context.rng("partylife", "unit-records", unit.id)
    by = unit.secretary_user_id
    leaders = unit.leaders()

    def present_leaders(day):
        here = set(unit.members_on(day))
        return [x for x in leaders if x in here]

    for m in _month_starts(lo, today):
        end = _next_month(m)
        if rng.random() < keen:
            day = _day(rng, m, end, keen)
            if day < today:
                attendees = present_leaders(day)
                topic = rng.choice(t.CENTER_TOPICS)
                aid = w.record(
                    rng,
                    t.CENTER,
                    day,
                    unit=unit,
                    branch_id=None,
                    by=by,
                    topic=topic,
                    attendees=attendees,
                    place=rng.choice(t.UNIT_PLACES),
                    lead_by_id=attendees[0] if attendees else None,
                )
                if aid is not None:
                    for order, speaker in enumerate(rng.sample(attendees, min(3, len(attendees)))):
                        text = rng.choice(t.SPEECH_SUMMARIES).format(topic=topic)
                        w.speeches.add(aid, speaker, text, order)
        for _ in range(rng.choice((1, 1, 2)) if rng.random() < min(1.0, keen + 0.1) else 0):
            day = _day(rng, m, end, 1.0)
            if day < today:
                w.record(
                    rng,
                    t.FIRST_TOPIC,
                    day,
                    unit=unit,
                    branch_id=None,
                    by=by,
                    topic="“第一议题”学习",
                    attendees=present_leaders(day),
                    place=rng.choice(t.UNIT_PLACES),
                    meeting_name="党组会议",
                    material=rng.choice(t.FIRST_TOPIC_MATERIALS),
                )
    # 万名干部联万企: each leading cadre visits their enterprise about twice a year
    categories = list(t.PROBLEM_WEIGHTS)
    weights = list(t.PROBLEM_WEIGHTS.values())
    for cadre in leaders[:6]:
        enterprise = f"{rng.choice(t.ENTERPRISE_PREFIXES)}{rng.choice(t.ENTERPRISE_TRADES)}有限公司"
        for _ in range(2 * context.years):
            if rng.random() >= keen:
                continue
            day = _day(rng, lo, today, 1.0)
            aid = w.record(
                rng,
                t.ENTERPRISE,
                day,
                unit=unit,
                branch_id=None,
                by=by,
                topic=f"走访联系企业{enterprise}",
                enterprise_name=enterprise,
                cadre_id=cadre,
            )
            for _ in range(rng.choice((0, 1, 1, 2))):
                category = rng.choices(categories, weights)[0]
                description, solution = rng.choice(t.PROBLEMS[category])
                solved_on = day + dt.timedelta(days=rng.randint(7, 90))
                solved = solved_on < today and rng.random() < 0.5 + 0.4 * keen
                w.problems.add(
                    aid, category, description, solved, solved_on if solved else None, solution if solved else ""
                )


def _locks(context: ScaleContext) -> int:
    """关账: every month up to two months ago, closed early in the month after the next."""
    closed = set(PeriodLock.objects.values_list("month", flat=True))
    last = (context.today.replace(day=1) - dt.timedelta(days=32)).replace(day=1)
    locks = context.copier(PeriodLock, ("month", "closed_by_id", "closed_at"))
    from apps.orgs.models import User

    committee = User.objects.filter(user_permissions__codename="committee").values_list("pk", flat=True).first()
    tz = local_tz()
    n = 0
    for m in _month_starts(context.start, last):
        if m in closed:
            continue
        when = _next_month(_next_month(m)) + dt.timedelta(days=2)
        locks.add(m, committee, dt.datetime(when.year, when.month, when.day, 17, tzinfo=tz))
        n += 1
    return n
