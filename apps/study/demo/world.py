"""The demo city as the study demo sees it (演示数据·理论学习·组织): units, branches, who was where on which day.

Loaded once in a fixed number of queries from the tree the org step wrote (and changed: a merged branch,
members who moved): each branch's life this year and its members' spans, each member's diligence (most
keen, a few slack), and the places the story needs — the weak unit (市发改委, as in party life), the demo
unit and branch, and the member `dangyuan`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from apps.core.periods import local_tz
from apps.orgs import demo_data as org_data
from apps.orgs import tree
from apps.orgs.models import Branch, BranchKind, Member, Membership, Unit, User

from .texts import SEED

SLACK_SHARE = 0.08  # members who hardly study beyond the party-life lessons
LOOSE_SHARE = 0.15  # branches that hold their 周学 less often


class Pace:
    MODEL = "model"  # 2–4 周学 a month
    LOOSE = "loose"  # 1–2
    WEAK = "weak"  # the weak unit: 0–2, fewer attend
    RETIRED = "retired"  # retirees' branches: about once a month


@dataclass
class Place:
    """A branch this year: from `since` to `until` (exclusive), and who was in it on which days."""

    branch: Branch
    since: dt.date
    until: dt.date
    spans: dict[int, list[tuple[dt.date, dt.date | None]]] = field(default_factory=dict)
    pace: str = Pace.MODEL

    def on(self, day: dt.date) -> list[int]:
        """The ids of its members on `day`."""
        return [
            member_id
            for member_id, spans in self.spans.items()
            if any(start <= day and (end is None or day < end) for start, end in spans)
        ]


class World:
    def __init__(self, *, today: dt.date, now: dt.datetime):
        self.today, self.now, self.tz = today, now, local_tz()
        self.year = today.year
        self.yesterday = today - dt.timedelta(days=1)
        self.start = dt.date(self.year, 1, 1)
        self.users = {u.username: u for u in User.objects.filter(username__in=org_data.DEMO_USERNAMES)}
        self.units = list(Unit.objects.filter(active=True).order_by("order", "id"))
        unit_since = tree.judged_from_units([u.pk for u in self.units])
        self.unit_since = {pk: max(day, self.start) for pk, day in unit_since.items()}
        by_name = {u.name: u for u in self.units}
        self.weak_unit = by_name.get(org_data.DEMO_UNIT_2)
        self.demo_unit = by_name.get(org_data.DEMO_UNIT)
        branches = (
            Branch.objects.existing_during(self.start, self.yesterday)
            .filter(unit__active=True)
            .select_related("unit")
            .order_by("unit__order", "unit_id", "order", "id")
        )
        self.places: list[Place] = []
        for b in branches:
            since = max(b.founded_on, self.unit_since.get(b.unit_id, self.start))
            until = min(b.dissolved_on or self.today, self.today)
            if since < until:
                self.places.append(Place(b, since, until))
        by_branch = {p.branch.pk: p for p in self.places}
        rows = Membership.objects.during(self.start, self.yesterday).filter(branch_id__in=list(by_branch))
        for member_id, branch_id, start, end in rows.values_list("member_id", "branch_id", "start_on", "end_on"):
            by_branch[branch_id].spans.setdefault(member_id, []).append((start, end))
        self.spans_of: dict[int, list[tuple[Place, list]]] = {}
        for p in self.places:
            for member_id, spans in p.spans.items():
                self.spans_of.setdefault(member_id, []).append((p, spans))
        ids = set(self.spans_of)
        self.members = {m.pk: m for m in Member.objects.filter(pk__in=ids).select_related("branch").order_by("pk")}
        self.dangyuan = next((m for m in self.members.values() if m.user_id == self._user_id("MEMBER_USER")), None)
        self.demo_place = next(
            (p for p in self.places if p.branch.unit == self.demo_unit and p.branch.name == org_data.DEMO_BRANCH),
            None,
        )
        self._paces()
        self.diligence = {pk: self._diligence(m) for pk, m in self.members.items()}

    def _user_id(self, role: str) -> int | None:
        user = self.users.get(getattr(org_data, role))
        return user.pk if user else None

    def _paces(self) -> None:
        rng = random.Random(f"{SEED}:paces")
        for p in self.places:
            if p.branch.kind == BranchKind.RETIRED:
                p.pace = Pace.RETIRED
            elif p.branch.unit == self.weak_unit:
                p.pace = Pace.WEAK
            elif p.branch.unit != self.demo_unit and rng.random() < LOOSE_SHARE:
                p.pace = Pace.LOOSE

    def _diligence(self, member: Member) -> float:
        """How much of what is offered a member takes up (0–1); the weak unit's people less."""
        rng = random.Random(f"{SEED}:member:{member.name}:{member.birth_date}:{member.join_date}")
        value = rng.uniform(0.05, 0.3) if rng.random() < SLACK_SHARE else rng.uniform(0.7, 1.0)
        if member.user_id is not None and member is not self.dangyuan:
            value = max(value, 0.8)  # the demo secretaries study
        return value * (0.75 if self.weak_unit and member.branch.unit_id == self.weak_unit.pk else 1.0)

    def is_weak(self, unit: Unit) -> bool:
        return self.weak_unit is not None and unit.pk == self.weak_unit.pk

    def roster_days(self, rng: random.Random, member_id: int, count: int) -> list[dt.date]:
        """`count` different days of the year up to yesterday on which the member was on a branch's roster."""
        spells = []
        for place, spans in self.spans_of.get(member_id, ()):
            for start, end in spans:
                first, stop = max(start, place.since), min(end or place.until, place.until, self.today)
                if first < stop:
                    spells.append((first, (stop - first).days))
        total = sum(length for _, length in spells)
        days = set()
        for offset in rng.sample(range(total), min(count, total)):
            for first, length in spells:
                if offset < length:
                    days.add(first + dt.timedelta(days=offset))
                    break
                offset -= length
        return sorted(days)

    def unit_on(self, unit: Unit, day: dt.date) -> list[int]:
        return [m for p in self.places if p.branch.unit_id == unit.pk for m in p.on(day)]

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def weekdays(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The working days in [start, end)."""
        days, day = [], start
        while day < end:
            if day.weekday() < 5:
                days.append(day)
            day += dt.timedelta(days=1)
        return days

    def months(self) -> list[tuple[dt.date, dt.date]]:
        """[first day, first day of the next month) of every month of the year up to today."""
        out, month = [], self.start
        while month <= self.yesterday:
            following = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
            out.append((month, following))
            month = following
        return out
