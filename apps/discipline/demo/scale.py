"""Supervision at scale (`manage.py seed_scale`): duty lists, reports, talks, inspections, cards, education.

Once: the committee's duty-list template (published), the report rounds of the years loaded (half-year and
year; the current year's annual round open now), four inspections a year and four typical cases a year.
Per unit (one transaction, COPY): its adopted duty list; its report for each round (on time, late, returned
and submitted again, or still a draft in the open round); talks (more for units behind); the findings the
inspections made there (more for units behind), each with its 整改 in every state — accepted on time or late,
submitted, returned, open and overdue — and the 整改's log; a yellow card for some units with an overdue
serious finding, now and then a red one, some lifted; its receipts of the cases; one or two warning-education
sessions a year with the attendance of its members that day.

Rows per preset (three years, measured): city 1,770 reports, 944 findings with their 整改, 1,040 warning
sessions with 194,000 attendance rows; small a tenth, province about ten times.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.core.periods import local_tz
from apps.core.scale import ScaleContext, reset_sequences
from apps.orgs.demo.scale import UnitTree, units
from apps.orgs.models import User

from ..models import (
    Card,
    CardColour,
    CardRule,
    Case,
    CaseReceipt,
    DutyReport,
    DutyTemplate,
    DutyTemplateItem,
    Finding,
    Inspection,
    Rectification,
    RectificationEvent,
    RectificationStatus,
    ReportReview,
    ReportRound,
    ReportStatus,
    RoundKind,
    Talk,
    UnitDutyItem,
    UnitDutyList,
    WarningAttendance,
    WarningKind,
    WarningSession,
)
from . import texts as t


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=local_tz())


class _Writer:
    def __init__(self, context: ScaleContext, committee: int | None):
        self.committee = committee
        c = context.copier
        stamp = ("created_at", "updated_at")
        self.lists = c(
            UnitDutyList, ("id", "unit_id", "version", "template_id", "adopted_at", "adopted_by_id", "note", *stamp)
        )
        self.list_items = c(
            UnitDutyItem, ("duty_list_id", "source_id", "category", "content", "owner_position", "order")
        )
        self.reports = c(
            DutyReport,
            (
                "id",
                "round_id",
                "unit_id",
                "content",
                "status",
                "first_submitted_at",
                "submitted_at",
                "reviewed_at",
                "review_comment",
                *stamp,
            ),
        )
        self.reviews = c(ReportReview, ("report_id", "action", "comment", "by_id", "at"))
        self.talks = c(
            Talk,
            (
                "unit_id",
                "kind",
                "talked_with",
                "talked_by",
                "reason",
                "held_on",
                "outcome",
                "follow_up",
                "follow_up_due",
                "follow_up_done_on",
                "created_by_id",
                *stamp,
            ),
        )
        self.findings = c(Finding, ("id", "inspection_id", "unit_id", "description", "severity", *stamp))
        self.rectifications = c(
            Rectification,
            (
                "id",
                "finding_id",
                "unit_id",
                "requirement",
                "required_evidence",
                "deadline",
                "status",
                "measures",
                "submitted_at",
                "accepted_at",
                "accepted_on",
                *stamp,
            ),
        )
        self.events = c(RectificationEvent, ("rectification_id", "from_status", "to_status", "comment", "by_id", "at"))
        self.cards = c(
            Card,
            (
                "unit_id",
                "colour",
                "reason",
                "issued_on",
                "issued_by_id",
                "deduction",
                "caps_tier",
                "tier_cap",
                "lifted_on",
                "lifted_by_id",
                "lift_note",
                *stamp,
            ),
        )
        self.receipts = c(CaseReceipt, ("case_id", "unit_id", "read_at", "read_by_id"))
        self.sessions = c(
            WarningSession,
            ("id", "unit_id", "kind", "title", "held_on", "place", "content", "hours", "created_by_id", *stamp),
        )
        self.attendance = c(WarningAttendance, ("session_id", "member_id", "present", "absence_reason"))


def _once(context: ScaleContext, committee: User | None):
    """The template, the rounds, the inspections and the cases: the committee's own rows (the ORM: a few dozen)."""
    today, tz = context.today, local_tz()
    template = DutyTemplate.objects.create(
        version=1, published_at=_at(context.start), created_by=committee, note=t.TEMPLATE_NOTES[0]
    )
    items = DutyTemplateItem.objects.bulk_create(
        [
            DutyTemplateItem(template=template, category=c, content=x, default_owner=o, order=n)
            for n, (c, x, o) in enumerate(t.TEMPLATE_V1)
        ]
    )
    rounds = []
    for year in range(context.start.year, today.year + 1):
        for kind, title, starts, ends, due in (
            (
                RoundKind.HALF_YEAR,
                f"{year}年上半年履责报告",
                dt.date(year, 1, 1),
                dt.date(year, 6, 30),
                dt.date(year, 7, 15),
            ),
            (
                RoundKind.YEAR,
                f"{year}年度履责报告",
                dt.date(year, 1, 1),
                dt.date(year, 12, 31),
                dt.date(year + 1, 1, 20),
            ),
        ):
            opened = ends - dt.timedelta(days=30)
            if opened <= today:
                rounds.append(
                    ReportRound.objects.create(
                        kind=kind,
                        title=title,
                        starts_on=starts,
                        ends_on=ends,
                        due_on=due,
                        opened_at=dt.datetime(opened.year, opened.month, opened.day, 9, tzinfo=tz),
                    )
                )
    inspections = []
    for year in range(context.start.year, today.year + 1):
        for n, (kind, title) in enumerate(t.INSPECTIONS[:4]):
            held = dt.date(year, 3 * n + 2, 15)
            if held < today:
                inspections.append(
                    Inspection.objects.create(
                        kind=kind,
                        title=title.format(year=year) if "{year}" in title else f"{year}年{title}",
                        held_on=held,
                        inspectors=t.INSPECTORS[n],
                        created_by=committee,
                    )
                )
    cases = []
    for year in range(context.start.year, today.year + 1):
        for n, (title, category, summary, lesson) in enumerate(t.CASES):
            published = _at(dt.date(year, 2 + 3 * n, 5))
            if published < context.now:
                cases.append(
                    Case.objects.create(
                        title=f"{title}（{year}）",
                        category=category,
                        summary=summary,
                        lesson=lesson,
                        published_at=published,
                        created_by=committee,
                    )
                )
    return items, rounds, inspections, cases


def scale(context: ScaleContext) -> str:
    """Write the supervision records of every unit in the database; returns the summary."""
    committee = User.objects.filter(user_permissions__codename="committee").first()
    with context.batch():
        items, rounds, inspections, cases = _once(context, committee)
    rules = {r.colour: r for r in CardRule.objects.all()}
    w = _Writer(context, committee.pk if committee else None)
    total = context.preset.units
    for n, unit in enumerate(units(context), start=1):
        with context.batch():
            _unit(context, w, unit, items, rounds, inspections, cases, rules)
        if n % max(1, total // 10) == 0:
            context.progress(f"  纪律监督：{n}/{total} 个单位")
    reset_sequences([UnitDutyList, DutyReport, Finding, Rectification, WarningSession])
    written = context.written
    return (
        f"履责报告 {written[DutyReport._meta.db_table]} 份，约谈 {written[Talk._meta.db_table]} 次，"
        f"检查 {len(inspections)} 次发现问题 {written[Finding._meta.db_table]} 个，"
        f"黄红牌 {written[Card._meta.db_table]} 张，"
        f"警示教育 {written[WarningSession._meta.db_table]} 次"
    )


def _unit(context, w: _Writer, unit: UnitTree, items, rounds, inspections, cases, rules) -> None:
    rng = context.rng("discipline", unit.id)
    keen = context.diligence(unit.id)
    today, now = context.today, context.now
    lo = max(context.start, unit.joined_on or context.start)
    by = unit.secretary_user_id
    committee = w.committee

    # 责任清单: adopted within a month of the template
    list_id = w.lists.new_id()
    adopted = _at(lo + dt.timedelta(days=rng.randint(5, 30)))
    w.lists.add(list_id, unit.id, 1, items[0].template_id, adopted, by, "", adopted, adopted)
    for item in items:
        w.list_items.add(list_id, item.pk, item.category, item.content, item.default_owner or "党组书记", item.order)

    # 履责报告
    for rnd in rounds:
        if rnd.ends_on < lo:
            continue
        rid = w.reports.new_id()
        body = t.REPORT_BODY.format(n=rng.randint(2, 4), m=rng.randint(3, 20))
        if rnd.due_on >= today and rng.random() < 0.6:  # the open round: not submitted yet
            w.reports.add(rid, rnd.pk, unit.id, body, ReportStatus.DRAFT, None, None, None, "", now, now)
            continue
        late = rng.random() > keen
        first = _at(rnd.due_on + dt.timedelta(days=rng.randint(1, 20) if late else -rng.randint(0, 10)), 16)
        first = min(first, now)
        w.reviews.add(rid, ReportStatus.SUBMITTED, "", by, first)
        status, submitted, reviewed, comment = ReportStatus.SUBMITTED, first, None, ""
        if first + dt.timedelta(days=10) < now:
            if rng.random() < 0.12:  # returned, then submitted again and accepted
                returned = first + dt.timedelta(days=rng.randint(2, 6))
                comment = rng.choice(t.RETURN_COMMENTS)
                w.reviews.add(rid, ReportStatus.RETURNED, comment, committee, returned)
                submitted = returned + dt.timedelta(days=rng.randint(2, 8))
                w.reviews.add(rid, ReportStatus.SUBMITTED, "", by, submitted)
            reviewed = submitted + dt.timedelta(days=rng.randint(1, 5))
            if reviewed < now:
                status = ReportStatus.ACCEPTED
                w.reviews.add(rid, ReportStatus.ACCEPTED, "", committee, reviewed)
            else:
                reviewed = None
        w.reports.add(
            rid, rnd.pk, unit.id, body, status, first, submitted, reviewed, comment, first, reviewed or submitted
        )

    # 约谈提醒: more where the unit is behind
    for _ in range(int(rng.expovariate(1 / (0.5 + 4 * (1 - keen))))):
        kind, reason, outcome, follow = rng.choice(t.TALKS)
        day = lo + dt.timedelta(days=rng.randint(0, max(0, (today - lo).days - 1)))
        due = day + dt.timedelta(days=30) if follow else None
        done = due if due and due < today and rng.random() < 0.8 else None
        w.talks.add(
            unit.id,
            kind,
            rng.choice(t.TALKED_WITH),
            rng.choice(t.TALKED_BY),
            reason,
            day,
            outcome,
            follow,
            due,
            done,
            committee,
            _at(day),
            _at(day),
        )

    # Findings of the inspections that visited the unit, each with its 整改
    overdue_serious = None
    for inspection in inspections:
        if inspection.held_on < lo or rng.random() >= 0.12 + 0.3 * (1 - keen):
            continue
        for _ in range(rng.choice((1, 1, 2, 3))):
            description, severity, requirement, evidence, measures = rng.choice(t.FINDINGS)
            fid = w.findings.new_id()
            stamp = _at(inspection.held_on, 17)
            w.findings.add(fid, inspection.pk, unit.id, description, severity, stamp, stamp)
            deadline = inspection.held_on + dt.timedelta(days=rng.choice((30, 45, 60)))
            status = _rectify(
                rng, w, fid, unit.id, requirement, evidence, measures, deadline, stamp, keen, by, committee, context
            )
            overdue = status != RectificationStatus.ACCEPTED and deadline < today
            if overdue and (severity != "general" or rng.random() < 0.4):
                overdue_serious = (inspection.held_on, deadline)

    # 黄红牌: for an overdue serious finding, sometimes
    if overdue_serious and rng.random() < 0.6:
        colour = CardColour.RED if rng.random() < 0.2 else CardColour.YELLOW
        rule = rules.get(colour)
        issued = overdue_serious[1] + dt.timedelta(days=rng.randint(3, 20))
        if issued < today and rule:
            w.cards.add(
                unit.id,
                colour,
                t.CARD_REASONS["in_force"],
                issued,
                committee,
                rule.deduction,
                rule.caps_tier,
                rule.tier_cap,
                None,
                None,
                "",
                _at(issued),
                _at(issued),
            )
    elif keen < 0.6 and rng.random() < 0.3:  # a card issued earlier and lifted
        rule = rules.get(CardColour.YELLOW)
        issued = lo + dt.timedelta(days=rng.randint(30, 200))
        lifted = issued + dt.timedelta(days=rng.randint(60, 150))
        if lifted < today and rule:
            w.cards.add(
                unit.id,
                CardColour.YELLOW,
                t.CARD_REASONS["lifted"],
                issued,
                committee,
                rule.deduction,
                False,
                "",
                lifted,
                committee,
                t.LIFT_NOTE,
                _at(issued),
                _at(lifted),
            )

    # 典型案例 receipts
    for case in cases:
        if case.published_at.date() >= lo and rng.random() < 0.6 + 0.4 * keen:
            read = min(case.published_at + dt.timedelta(days=rng.randint(0, 20), hours=2), now)
            w.receipts.add(case.pk, unit.id, read, by)

    # 警示教育: once or twice a year, the unit's members that day
    for year in range(lo.year, today.year + 1):
        for _ in range(rng.choice((1, 1, 2))):
            day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            if not (lo <= day < today) or rng.random() >= 0.5 + 0.5 * keen:
                continue
            sid = w.sessions.new_id()
            kind = WarningKind.NEARBY if rng.random() < 0.3 else WarningKind.WARNING
            w.sessions.add(
                sid,
                unit.id,
                kind,
                rng.choice(t.SESSION_TITLES),
                day,
                rng.choice(t.SESSION_PLACES),
                t.SESSION_CONTENT,
                Decimal("2"),
                by,
                _at(day, 18),
                _at(day, 18),
            )
            for member_id in unit.members_on(day):
                present = rng.random() < 0.85 + 0.12 * keen
                w.attendance.add(sid, member_id, present, "" if present else rng.choice(t.ABSENCE_REASONS))


def _rectify(
    rng, w: _Writer, fid, unit_id, requirement, evidence, measures, deadline, stamp, keen, by, committee, context
) -> str:
    """One 整改 and its log: submitted and accepted (on time for the keen), returned once, or still open."""
    today = context.today
    rid = w.rectifications.new_id()
    OPEN, S, A, R = (
        RectificationStatus.OPEN,
        RectificationStatus.SUBMITTED,
        RectificationStatus.ACCEPTED,
        RectificationStatus.RETURNED,
    )  # noqa: N806
    span = (deadline - stamp.date()).days
    late = rng.random() > keen
    submit_day = stamp.date() + dt.timedelta(
        days=int(span * rng.uniform(0.5, 0.95)) if not late else span + rng.randint(5, 60)
    )
    status, submitted, accepted, accepted_on, text = OPEN, None, None, None, ""
    if submit_day < today:
        submitted, text, status = _at(submit_day, 15), measures, S
        w.events.add(rid, OPEN, S, "", by, submitted)
        if rng.random() < 0.15:  # returned once
            back = submit_day + dt.timedelta(days=rng.randint(2, 7))
            if back < today:
                w.events.add(rid, S, R, rng.choice(t.RETURN_REASONS), committee, _at(back))
                status = R
                again = back + dt.timedelta(days=rng.randint(3, 20))
                if again < today:
                    submitted, status = _at(again, 15), S
                    w.events.add(rid, R, S, "", by, submitted)
        if status == S:
            accept_day = submitted.date() + dt.timedelta(days=rng.randint(1, 10))
            if accept_day < today:
                accepted, accepted_on, status = _at(accept_day, 11), accept_day, A
                w.events.add(rid, S, A, rng.choice(t.ACCEPT_NOTES), committee, accepted)
    w.rectifications.add(
        rid,
        fid,
        unit_id,
        requirement,
        evidence,
        deadline,
        status,
        text,
        submitted,
        accepted,
        accepted_on,
        stamp,
        accepted or submitted or stamp,
    )
    return status
