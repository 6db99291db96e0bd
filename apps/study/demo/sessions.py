"""The demo's study sessions and 自学 (演示数据·集中学习、自学).

- 支部周学: every branch, two to four a month (a loose branch one or two, the weak unit's branches
  hardly one, retirees about one), on working days up to yesterday, the branch's members of that day
  listed, most present (as keen as each member is), a 支委 leading, some 研讨发言.
- The demo branch held its 周学 as part of its 党课 on the days it had one: those sessions name the party-life
  record (`same_as`, offered by `apps.core.study_hours.events_on`), so nobody counts them twice.
- 青年理论学习小组 in the units with the most young members (the weak unit's meets every other month).
- A 专题培训 in every unit (two in the demo unit) and a few 读书班 for the leaders, with speeches.
- 自学 for many members, one entry a day at most and never over the year's caps.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from apps.core import study_hours

from ..models import SelfStudy, SessionKind, StudySession, YouthGroup
from . import texts
from .world import Pace, Place, World

H = Decimal
PER_MONTH = {Pace.MODEL: (2, 3, 3, 4), Pace.LOOSE: (1, 2, 2), Pace.WEAK: (0, 0, 1, 1, 2), Pace.RETIRED: (1, 1, 2)}
TURNOUT = {Pace.MODEL: 0.97, Pace.LOOSE: 0.85, Pace.WEAK: 0.75, Pace.RETIRED: 0.8}
YOUTH_UNITS = 8
DAILY_CAP, YEARLY_CAP = H("2"), H("12")


@dataclass
class Planned:
    session: StudySession
    attendance: dict[int, tuple[bool, str]] = field(default_factory=dict)  # member id → (present, absence reason)
    speeches: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Summary:
    sessions: dict[str, int] = field(default_factory=dict)
    linked: int = 0
    attendance: int = 0
    speeches: int = 0
    youth_groups: int = 0
    self_study: int = 0


class Sessions:
    """Draws every session and 自学 entry in memory (`draw`), then writes them (`write`)."""

    def __init__(self, w: World):
        self.w = w
        self.planned: list[Planned] = []
        self.self_study: list[SelfStudy] = []
        self.groups: list[tuple[YouthGroup, list[int]]] = []

    # --- one session ---------------------------------------------------------------------------------
    def session(self, rng, kind, *, unit, day, topic, hours, attendees, turnout, branch=None, group=None, **extra):
        w = self.w
        plan = Planned(
            StudySession(
                kind=kind,
                unit=unit,
                branch=branch,
                youth_group=group,
                topic=topic,
                held_on=day,
                place=extra.pop("place", rng.choice(texts.PLACES)),
                materials=extra.pop("materials", rng.choice(texts.WEEKLY_MATERIALS)),
                hours=hours,
                created_by=extra.pop("created_by", None),
                **extra,
            )
        )
        for member_id in attendees:
            if rng.random() < min(0.98, w.diligence[member_id] * turnout):
                plan.attendance[member_id] = (True, "")
            else:
                plan.attendance[member_id] = (False, rng.choice(texts.ABSENCE_REASONS))
        present = [m for m, (here, _) in plan.attendance.items() if here]
        if not present:
            return None
        leaders = [m for m in present if w.members[m].is_branch_committee or w.members[m].is_leading_cadre]
        plan.session.leader = w.members[rng.choice(leaders or present)]
        self.planned.append(plan)
        return plan

    def speak(self, rng, plan: Planned, count: int) -> None:
        speakers = [m for m, (here, _) in plan.attendance.items() if here and m != plan.session.leader.pk]
        for member_id in rng.sample(speakers, min(count, len(speakers))):
            plan.speeches.append((member_id, rng.choice(texts.SPEECHES)))

    # --- 支部周学 -----------------------------------------------------------------------------------------
    def weekly(self, place: Place, linked_days: dict[dt.date, tuple[str, str]]) -> None:
        w, b = self.w, place.branch
        rng = random.Random(f"{texts.SEED}:weekly:{b.unit.name}:{b.name}")
        for first, following in w.months():
            full = len(w.weekdays(first, following))
            days = [d for d in w.weekdays(max(first, place.since), min(following, place.until)) if d < w.today]
            days = [d for d in days if d not in linked_days]
            per_month = (2,) if place is w.demo_place else PER_MONTH[place.pace]  # the demo branch: every other week
            count = round(rng.choice(per_month) * len(days) / full) if full else 0
            for day in sorted(rng.sample(days, min(count, len(days)))):
                plan = self.session(
                    rng,
                    SessionKind.WEEKLY,
                    unit=b.unit,
                    branch=b,
                    day=day,
                    topic=rng.choice(texts.WEEKLY_TOPICS),
                    hours=H("0.5") if place is w.demo_place or rng.random() < 0.4 else H("1.0"),
                    attendees=place.on(day),
                    turnout=TURNOUT[place.pace],
                )
                if plan and rng.random() < 0.35:
                    self.speak(rng, plan, rng.randint(1, 2))
        for day, (ref, label) in sorted(linked_days.items()):
            plan = self.session(
                rng,
                SessionKind.WEEKLY,
                unit=b.unit,
                branch=b,
                day=day,
                topic=label.split("：", 1)[-1],
                hours=H("2.0"),
                attendees=place.on(day),
                turnout=1.0,
                materials="与支部党课合并开展",
                same_as=ref,
            )
            if plan:
                self.speak(rng, plan, 2)

    def lesson_days(self, place: Place, *, wanted: int = 2) -> dict[dt.date, tuple[str, str]]:
        """The latest days (up to `wanted`) the branch held a 党课 in party life, with that record's reference:
        working days from yesterday back, one query a day, until found."""
        found, day = {}, min(place.until, self.w.today) - dt.timedelta(days=1)
        while day >= place.since and len(found) < wanted:
            if day.weekday() < 5:
                for ref, label in study_hours.events_on(place.branch.unit_id, place.branch.pk, day):
                    if " 党课：" in label:
                        found[day] = (ref, label)
            day -= dt.timedelta(days=1)
        return found

    # --- 青年理论学习小组 -----------------------------------------------------------------------------------
    def youth(self) -> None:
        w, today = self.w, self.w.today
        limit = settings.PORTAL_YOUTH_MAX_AGE

        def young(member) -> bool:
            b = member.birth_date
            return today.year - b.year - ((today.month, today.day) < (b.month, b.day)) <= limit

        by_unit: dict[int, list[int]] = {}
        for member_id, member in w.members.items():
            if member.active and young(member) and member is not w.dangyuan:
                by_unit.setdefault(member.branch.unit_id, []).append(member_id)
        ranked = sorted(w.units, key=lambda u: (-len(by_unit.get(u.pk, ())), u.order, u.pk))
        chosen = [u for u in ranked if len(by_unit.get(u.pk, ())) >= 5][:YOUTH_UNITS]
        chosen += [u for u in (w.demo_unit, w.weak_unit) if u is not None and u not in chosen and by_unit.get(u.pk)]
        for unit in chosen:
            rng = random.Random(f"{texts.SEED}:youth:{unit.name}")
            group = YouthGroup(unit=unit, name=f"{unit.short_name or unit.name}青年理论学习小组")
            members = by_unit[unit.pk]
            self.groups.append((group, members))
            for n, (first, following) in enumerate(w.months()):
                if w.is_weak(unit) and n % 2:
                    continue
                days = w.weekdays(max(first, w.unit_since.get(unit.pk, first)), min(following, w.today))
                if not days:
                    continue
                day = days[min(len(days) - 1, rng.randint(len(days) // 3, len(days) - 1))]
                there = set(w.unit_on(unit, day))
                plan = self.session(
                    rng,
                    SessionKind.YOUTH,
                    unit=unit,
                    group=group,
                    day=day,
                    topic=rng.choice(texts.YOUTH_TOPICS),
                    hours=rng.choice((H("1.5"), H("2.0"), H("2.0"))),
                    attendees=[m for m in members if m in there],
                    turnout=0.75 if w.is_weak(unit) else 0.92,
                )
                if plan:
                    self.speak(rng, plan, rng.randint(2, 3))

    # --- 专题培训, 读书班 -----------------------------------------------------------------------------------
    def trainings(self) -> None:
        w = self.w
        for n, unit in enumerate(w.units):
            demo = unit == w.demo_unit
            rng = random.Random(f"{texts.SEED}:training:{unit.name}")
            for k in range(2 if demo else 1):
                self._event(rng, unit, SessionKind.TRAINING, texts.TRAININGS[(n + k) % len(texts.TRAININGS)], H("4.0"))
            if demo or n % 9 == 0:
                self._event(
                    rng, unit, SessionKind.READING, texts.READING_CLASSES[n % len(texts.READING_CLASSES)], H("8.0")
                )

    def _event(self, rng, unit, kind, topic, hours) -> None:
        w = self.w
        since = w.unit_since.get(unit.pk, w.start)
        days = w.weekdays(since, w.today)
        if not days:
            return
        day = rng.choice(days)
        everyone = w.unit_on(unit, day)
        key = [m for m in everyone if w.members[m].is_leading_cadre or w.members[m].is_branch_committee]
        others = [m for m in everyone if m not in set(key)]
        invited = key + (rng.sample(others, len(others) // 4) if kind == SessionKind.TRAINING else [])
        plan = self.session(
            rng,
            kind,
            unit=unit,
            day=day,
            topic=f"{w.year}年{topic}" if kind == SessionKind.TRAINING else topic,
            hours=hours,
            attendees=invited,
            turnout=0.75 if w.is_weak(unit) else 1.0,
            place="机关大楼八楼会议室" if kind == SessionKind.TRAINING else "市委党校",
            materials="专题辅导报告；相关文件汇编" if kind == SessionKind.TRAINING else "指定书目原著",
        )
        if plan:
            self.speak(rng, plan, 3)

    # --- 自学 ------------------------------------------------------------------------------------------------
    def entries(self, rng, member_id: int, count: int, hours: list[Decimal] | None = None) -> None:
        """`count` 自学 entries on different days the member was on a roster, within the daily and yearly caps."""
        w = self.w
        total = H(0)
        for n, day in enumerate(w.roster_days(rng, member_id, count)):
            value = hours[n] if hours else rng.choice((H("0.5"), H("1.0"), H("1.0"), H("1.5"), H("2.0")))
            value = min(value, DAILY_CAP, YEARLY_CAP - total)
            if value < H("0.5"):
                break
            total += value
            title, material = rng.choice(texts.SELF_STUDY)
            entry = SelfStudy(
                member_id=member_id,
                studied_on=day,
                title=title,
                material=material,
                hours=value,
                note=rng.choice(texts.SELF_STUDY_NOTES),
            )
            self.self_study.append(entry)

    def self_studies(self) -> None:
        w = self.w
        for member_id, member in w.members.items():
            if not member.active or member is w.dangyuan:
                continue
            rng = random.Random(f"{texts.SEED}:self:{member.name}:{member.birth_date}")
            share = (0.35 if w.is_weak(member.branch.unit) else 0.7) * w.diligence[member_id]
            if rng.random() < share:
                self.entries(rng, member_id, rng.randint(2, 9))
