"""The study-hours ledger (学时台账): every source's hours per member against a pro-rated target.

The ledger is not a table. For a window of days it asks every source registered in
`apps.core.study_hours` (one grouped query each) and sets each member's total against the
target of their role for the year, pro-rated to the days they were on a roster the
platform judges:

    target   = year's target × (days on a roster in the year, from the unit's platform start) / days in the year
    expected = year's target × (those days up to the evaluation day) / days in the year

A member on a roster all year has the whole target (32 or 56 学时); one who joined the party,
came into the city or whose unit joined the platform on 1 July has about half. A transfer between
branches does not cut the target (the member was on a roster every day). A member is behind
(进度落后) when their hours are below `expected`: the share of the year's target due by today.
Role: 支部委员 (a branch secretary is one) have the leaders' target (56), everyone else the members'.

Queries, whatever the number of members: settings 1, members 1, memberships 1, platform start 1,
then one for every source (`study_hours.hours_by_source`: one UNION ALL; the study app's sessions take
one more when some session is linked to another app's record). `today` is the only clock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from apps.core import study_hours
from apps.orgs.models import Member, Membership
from apps.orgs.tree import judged_from_units

from .models import StudyYear

ZERO = Decimal("0")
TENTH = Decimal("0.1")


class Status:
    DONE = "done"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    EXEMPT = "exempt"

    LABELS = {DONE: "已完成", ON_TRACK: "进度正常", BEHIND: "进度落后", EXEMPT: "不计"}
    COLOURS = {DONE: "success", ON_TRACK: "primary", BEHIND: "danger", EXEMPT: "secondary"}


PRORATION_NOTE = (
    "年度目标按在册天数折算：目标 × 本年在册天数 ÷ 全年天数（年中入党、转入本市或单位年中纳入平台的党员相应减少；"
    "在本市支部之间转接不影响）。“应完成”是截至今天应达到的学时，低于它即为进度落后。"
)


def _round(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class Ledger:
    member_id: int
    year: int
    is_leader: bool
    base_target: Decimal
    target: Decimal  # the year's target, pro-rated to the days on a roster
    expected: Decimal  # the part of it due by the evaluation day
    covered_days: int
    unit_id: int | None = None  # where the member was last in the window (up to the evaluation day)
    branch_id: int | None = None
    by_source: dict[str, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.by_source.values(), ZERO)

    @property
    def status(self) -> str:
        if self.target <= 0:
            return Status.EXEMPT
        if self.total >= self.target:
            return Status.DONE
        return Status.BEHIND if self.total < self.expected else Status.ON_TRACK

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def status_colour(self) -> str:
        return Status.COLOURS[self.status]

    @property
    def percent(self) -> int:
        """Hours as a share of the target, 0–100 (for a bar)."""
        if self.target <= 0:
            return 100
        return min(100, int(self.total * 100 / self.target))

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.target - self.total)

    @property
    def shortfall(self) -> Decimal:
        """How far below what is due by today (0 when not behind)."""
        return max(ZERO, self.expected - self.total)


def ledgers(
    year: int,
    *,
    today: dt.date,
    members: QuerySet[Member] | Iterable[int] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    settings: StudyYear | None = None,
    leaders: dict[int, bool] | None = None,
) -> dict[int, Ledger]:
    """Every member's ledger for a year (or a window inside it), as of `today`.

    `members`: a Member queryset (kept as a subquery), ids, or None for every member on a roster
    in the window. Hours count from `start` (default 1 January) to `end` (default 31 December),
    never after `today`; the target is the year's, pro-rated to the roster days in [start, end].
    `settings`: the year's `StudyYear` when the caller already read it (else it is read here).
    `leaders`: {member id: is_branch_committee} of exactly the members asked, when the caller holds them
    (the member's own page), which saves reading them.
    """
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    start = max(start or year_start, year_start)
    end = min(end or year_end, year_end)
    days_in_year = (year_end - year_start).days + 1
    settings = settings or StudyYear.for_year(year)

    member_filter = _member_subquery(members)
    if leaders is None:
        people = Member.objects.all()
        if member_filter is not None:
            people = people.filter(pk__in=member_filter)
        leaders = dict(people.values_list("pk", "is_branch_committee"))

    memberships = Membership.objects.during(start, end)
    if member_filter is not None:
        memberships = memberships.filter(member_id__in=member_filter)
    rows = list(memberships.values_list("member_id", "branch_id", "branch__unit_id", "start_on", "end_on"))
    starts = judged_from_units({row[2] for row in rows})

    covered: dict[int, int] = defaultdict(int)
    covered_to_date: dict[int, int] = defaultdict(int)
    last: dict[int, tuple[dt.date, int, int]] = {}
    for member_id, branch_id, unit_id, begins, ends in rows:
        first = max(begins, start, starts.get(unit_id, begins))
        stop = min(ends - dt.timedelta(days=1) if ends else end, end)  # inclusive last day
        if stop >= first:
            covered[member_id] += (stop - first).days + 1
            to_date = min(stop, today)
            if to_date >= first:
                covered_to_date[member_id] += (to_date - first).days + 1
        if begins <= today and (member_id not in last or begins >= last[member_id][0]):
            last[member_id] = (begins, branch_id, unit_id)

    hours_end = min(end, today)
    hours = study_hours.hours_by_source(start, hours_end, member_ids=member_filter) if hours_end >= start else {}

    out = {}
    for member_id, is_leader in leaders.items():
        if member_id not in covered and member_id not in hours:
            continue
        base = settings.leader_target if is_leader else settings.member_target
        place = last.get(member_id)
        out[member_id] = Ledger(
            member_id=member_id,
            year=year,
            is_leader=is_leader,
            base_target=base,
            target=_round(base * covered.get(member_id, 0) / days_in_year),
            expected=_round(base * covered_to_date.get(member_id, 0) / days_in_year),
            covered_days=covered.get(member_id, 0),
            unit_id=place[2] if place else None,
            branch_id=place[1] if place else None,
            by_source=_capped(hours.get(member_id, {}), settings),
        )
    return out


def ledger_for(member: Member, year: int, *, today: dt.date) -> Ledger:
    """One member's ledger (the progress page)."""
    found = ledgers(year, today=today, members=[member.pk])
    if member.pk in found:
        return found[member.pk]
    settings = StudyYear.for_year(year)
    base = settings.leader_target if member.is_branch_committee else settings.member_target
    return Ledger(member.pk, year, member.is_branch_committee, base, ZERO, ZERO, 0)


def _capped(by_source: dict[str, Decimal], settings: StudyYear) -> dict[str, Decimal]:
    """自学 beyond the year's cap does not count (the cap may have been lowered after it was logged)."""
    key = SELF_STUDY_SOURCE
    if key in by_source and by_source[key] > settings.self_study_yearly_cap:
        return {**by_source, key: settings.self_study_yearly_cap}
    return by_source


def _member_subquery(members):
    if members is None:
        return None
    if isinstance(members, QuerySet):
        return members.values("pk")
    return sorted(set(members))


SESSIONS_SOURCE = "study.sessions"
SELF_STUDY_SOURCE = "study.self"
