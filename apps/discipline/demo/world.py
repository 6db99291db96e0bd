"""The demo city as the discipline demo sees it (演示数据·纪律监督·组织): units, accounts, dates, who was where.

Loaded in a fixed number of queries from the tree the org step wrote: the active units in order, the
demo accounts by role, each unit's first judged day, the card rules, and every membership of the
window (so a warning-education session lists the members of its unit on its day, as the tree was).
The story's places: the weak unit 市发改委 (DEMO_UNIT_2) and the demo unit 市财政局 (DEMO_UNIT).
"""

from __future__ import annotations

import datetime as dt
import random

from apps.core.periods import local_tz
from apps.orgs import demo_data as org_data
from apps.orgs import tree
from apps.orgs.models import BranchKind, Member, Membership, Unit, User

from ..models import CardRule
from .texts import SEED


class World:
    def __init__(self, *, today: dt.date, now: dt.datetime):
        self.today, self.now, self.tz = today, now, local_tz()
        self.year = today.year
        self.yesterday = today - dt.timedelta(days=1)
        # "This year" — or, in its first months, the last five months, so every state has room to happen.
        self.start = min(dt.date(self.year, 1, 1), today - dt.timedelta(days=150))
        self.users = {u.username: u for u in User.objects.filter(username__in=org_data.DEMO_USERNAMES)}
        self.units = list(Unit.objects.filter(active=True).order_by("order", "id"))
        self.unit_since = tree.judged_from_units([u.pk for u in self.units])
        by_name = {u.name: u for u in self.units}
        self.weak_unit = by_name.get(org_data.DEMO_UNIT_2)
        self.demo_unit = by_name.get(org_data.DEMO_UNIT)
        self.card_rules = {rule.colour: rule for rule in CardRule.objects.all()}
        unit_ids = [u.pk for u in self.units]
        rows = (
            Membership.objects.during(self.start, self.yesterday)
            .filter(branch__unit_id__in=unit_ids)
            .values_list("member_id", "branch__unit_id", "branch__kind", "start_on", "end_on")
            .order_by("member_id", "start_on")
        )
        self.spans: dict[int, list[tuple[int, bool, dt.date, dt.date | None]]] = {}
        for member_id, unit_id, kind, start, end in rows:
            self.spans.setdefault(unit_id, []).append((member_id, kind == BranchKind.RETIRED, start, end))
        self.leaders: dict[int, list[str]] = {}  # per unit, its leading cadres as "姓名（职务）"
        cadres = Member.objects.filter(active=True, is_leading_cadre=True, branch__unit_id__in=unit_ids)
        for unit_id, name, position in cadres.values_list("branch__unit_id", "name", "position").order_by("pk"):
            self.leaders.setdefault(unit_id, []).append(f"{name}（{position}）" if position else name)

    # --- who ---------------------------------------------------------------------------------------------

    def user_id(self, role: str) -> int | None:
        user = self.users.get(getattr(org_data, role))
        return user.pk if user else None

    @property
    def committee_id(self) -> int | None:
        return self.user_id("COMMITTEE_USER")

    def secretary_id(self, unit: Unit) -> int | None:
        """The unit's demo secretary account (市财政局 and 市发改委 have one), else None."""
        if unit == self.demo_unit:
            return self.user_id("UNIT_USER")
        if unit == self.weak_unit:
            return self.user_id("UNIT_USER_2")
        return None

    def members_on(self, unit: Unit, day: dt.date) -> list[tuple[int, bool]]:
        """(member id, retired) of the unit's members on `day` (ends exclusive), each once."""
        seen: dict[int, bool] = {}
        for member_id, retired, start, end in self.spans.get(unit.pk, ()):
            if start <= day and (end is None or day < end):
                seen.setdefault(member_id, retired)
        return list(seen.items())

    def is_story(self, unit: Unit) -> bool:
        return unit in (self.weak_unit, self.demo_unit)

    def others(self) -> list[Unit]:
        """The units that tell no scripted story, in order."""
        return [u for u in self.units if not self.is_story(u)]

    # --- when --------------------------------------------------------------------------------------------

    def rng(self, *parts: object) -> random.Random:
        return random.Random(":".join([SEED, *map(str, parts)]))

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def past(self, day: dt.date) -> dt.date:
        """`day`, or yesterday if it would be today or later (a record of the past)."""
        return min(day, self.yesterday)

    def workday(self, day: dt.date) -> dt.date:
        """`day`, or the Monday after if it falls on a weekend."""
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return day

    def in_window(self, fraction: float) -> dt.date:
        """The day at `fraction` of the window [start, yesterday]."""
        return self.start + dt.timedelta(days=round((self.yesterday - self.start).days * fraction))
