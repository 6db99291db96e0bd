"""The demo's 典型案例 and 警示教育 (演示数据·纪律监督·警示教育).

Four cases published this year to every unit, read by most (the weak unit misses some; the demo unit
has the latest still to read). One warning-education session per unit (2 学时), on a working day after
the unit's platform start, with most of the members of its branches that day present (as the tree was:
a member who moved attends where they were); these hours reach the study ledger through the
discipline study-hours source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..models import Case, CaseReceipt, WarningAttendance, WarningKind, WarningSession
from .texts import ABSENCE_REASONS, CASES, SESSION_CONTENT, SESSION_PLACES, SESSION_TITLES
from .world import World
from .write import insert, link, stamp

DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
HOURS = Decimal("2")


@dataclass
class EducationSummary:
    cases: int = 0
    receipts: int = 0
    sessions: int = 0
    present: int = 0
    attendance: int = 0


def write_education(w: World) -> EducationSummary:
    committee = w.committee_id
    cases = []
    for n, (title, category, summary, lesson) in enumerate(CASES):
        when = w.at(w.past(w.workday(w.in_window(0.08 + 0.25 * n))), 10)
        case = Case(
            title=title, category=category, summary=summary, lesson=lesson, published_at=when, created_by_id=committee
        )
        draft = when - DAY
        cases.append(
            stamp(
                case, draft, by=committee, versions=[(draft, committee, {"published_at": None}), (when, committee, {})]
            )
        )
    insert(Case, cases)

    receipts = []
    for unit in w.units:
        rng = w.rng("receipts", unit.name)
        share = 0.5 if unit == w.weak_unit else 0.9
        for n, case in enumerate(cases):
            if unit == w.demo_unit:
                reads = n < len(cases) - 1
            else:
                reads = rng.random() < share
            if reads:
                read_at = min(case.published_at + rng.randint(0, 10) * DAY + rng.randint(0, 6) * HOUR, w.now - HOUR)
                receipts.append(stamp(CaseReceipt(case=case, unit=unit, read_by_id=w.secretary_id(unit)), read_at))
    insert(CaseReceipt, receipts)

    sessions, attendance = [], []
    for unit in w.units:
        rng = w.rng("warning", unit.name)
        first = max(w.start, w.unit_since[unit.pk])
        day = first + dt.timedelta(days=round((w.yesterday - first).days * rng.uniform(0.25, 0.95)))
        day = w.workday(day)
        while day > w.yesterday or day.weekday() >= 5:  # a working day of the past
            day -= DAY
        people = w.members_on(unit, day)
        if not people:
            continue
        studied = [c for c in cases if c.published_at.date() < day][-1:]
        kind = WarningKind.NEARBY if rng.random() < 0.25 else WarningKind.WARNING
        title = SESSION_TITLES[2] if kind == WarningKind.NEARBY else SESSION_TITLES[rng.randrange(2)]
        session = WarningSession(
            unit=unit,
            kind=kind,
            title=title,
            held_on=day,
            place=SESSION_PLACES[rng.randrange(len(SESSION_PLACES))],
            content=SESSION_CONTENT,
            hours=HOURS,
            created_by_id=w.secretary_id(unit),
        )
        session._demo_cases = studied
        sessions.append(stamp(session, min(w.at(day, 17), w.now - HOUR), by=w.secretary_id(unit)))
        weak = unit == w.weak_unit
        for member_id, retired in people:
            present = rng.random() < (0.6 if retired else 0.75 if weak else 0.93)
            reason = "" if present else ABSENCE_REASONS[rng.randrange(len(ABSENCE_REASONS))]
            attendance.append(
                WarningAttendance(session=session, member_id=member_id, present=present, absence_reason=reason)
            )
    insert(WarningSession, sessions)
    link(WarningSession, "cases", sessions, lambda s: [c.pk for c in s._demo_cases])
    WarningAttendance.objects.bulk_create(attendance, batch_size=1000)
    return EducationSummary(
        cases=len(cases),
        receipts=len(receipts),
        sessions=len(sessions),
        present=sum(a.present for a in attendance),
        attendance=len(attendance),
    )
