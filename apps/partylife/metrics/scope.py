"""What the party-life metrics count, shared by the values (`metrics`) and the records behind them (`records`).

One definition of "held in the period as of the evaluation day", of a counted attendance and of the
主题党日 branch-months, so that a unit's list of records and its number can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import TruncMonth

from apps.core.periods import Frequency, Period, local_date, local_tz
from apps.orgs.models import Branch, Membership
from apps.orgs.tree import in_force_at_midpoint, judged_from_units

from ..compliance import switched_off
from ..counting import counted, submitted
from ..models import Activity, Attendance

THEME_DAY_CODE = "theme_party_day"


def attendance_counts(attendance: Attendance) -> bool:
    """Whether one attendance counts: present, or absent with a done make-up (补学已完成, which feeds scoring)."""
    if attendance.present:
        return True
    makeup = getattr(attendance, "makeup", None)  # the reverse one-to-one raises when missing
    return bool(makeup is not None and makeup.done_at)


def judged_on(today: dt.date) -> dt.date:
    """The engine's day for a metric's evaluation day. A metric judges as of the *close* of its evaluation day
    (a ranking of March is evaluated on 31 March, and March's windows have ended by then); the engine's `today`
    is a day still in progress (a window ending on it is still due), so the engine is given the day after."""
    return today + dt.timedelta(days=1)


def day_end(today: dt.date) -> dt.datetime:
    """The first instant after the evaluation day (local midnight): what happened that day counts."""
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz())


def held_in(period: Period, today: dt.date, prefix: str = "") -> Q:
    """Records held in the period up to the end of the evaluation day, of active units."""
    start, end = period.bounds()
    end = min(end, day_end(today))
    return Q(**{f"{prefix}held_at__gte": start, f"{prefix}held_at__lt": end, f"{prefix}unit__active": True})


def submitted_in(period: Period, today: dt.date, prefix: str = "") -> Q:
    return submitted(prefix) & held_in(period, today, prefix)


def attendance_counted(today: dt.date) -> Q:
    """Attendance rows that count as of the evaluation day: present, or a 补学 done by its end."""
    return Q(present=True) | Q(makeup__done_at__lt=day_end(today))


def problem_solved(today: dt.date) -> Q:
    return Q(solved=True, solved_on__lte=today)


# --- 主题党日 ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeMonth:
    """One branch-month the 主题党日 rate counts: whether a counted one was held (and the first that was)."""

    unit_id: int
    branch_id: int
    branch_name: str
    month: Period
    activity_id: int | None  # the first counted 主题党日 of the month, None when none was held
    held_on: dt.date | None

    @property
    def met(self) -> bool:
        return self.activity_id is not None


def theme_months(period: Period, *, today: dt.date, unit_id: int | None = None) -> Iterator[ThemeMonth]:
    """The branch-months the 主题党日 rate counts (every unit, or one), three queries.

    Applicability is the engine's: a branch-month is judged when the month has ended (or the day
    was already held), the branch existed at the month's midpoint (founded by then, not yet dissolved
    or merged), the unit was judged by then (`orgs.tree.judged_from`) and has not switched the
    主题党日 rule off (`compliance.switched_off`).
    """
    months = period.windows(Frequency.MONTH)
    only = {} if unit_id is None else {"branch__unit_id": unit_id}
    held = (
        Activity.objects.filter(
            Q(activity_type__code=THEME_DAY_CODE) | Q(also_counts_as__code=THEME_DAY_CODE),
            counted(),
            held_in(period, today),
            branch__isnull=False,
            **only,
        )
        .annotate(month=TruncMonth("held_at", tzinfo=local_tz()))
        .values_list("branch_id", "month", "pk", "held_at")
        .order_by("held_at", "pk")
        .distinct()
    )
    done: dict[tuple[int, dt.date], tuple[int, dt.date]] = {}
    for branch_id, month, pk, held_at in held:
        done.setdefault((branch_id, local_date(month)), (pk, local_date(held_at)))
    branches = Branch.objects.filter(unit__active=True).existing_during(period.start, period.end)
    if unit_id is not None:
        branches = branches.filter(unit_id=unit_id)
    rows = list(
        branches.annotate(off=switched_off(activity_type__code=THEME_DAY_CODE))
        .order_by("order", "id")
        .values_list("pk", "unit_id", "name", "founded_on", "dissolved_on", "off")
    )
    starts = judged_from_units({row[1] for row in rows})
    for branch_id, branch_unit, name, founded_on, dissolved_on, off in rows:
        if off:
            continue  # 本单位不适用: the engine judges none of its months
        for month in months:
            found = done.get((branch_id, month.start))
            judged = in_force_at_midpoint(month, since=founded_on, until=dissolved_on) and in_force_at_midpoint(
                month, since=starts[branch_unit]
            )
            if found or (month.end < judged_on(today) and judged):
                pk, held_on = found or (None, None)
                yield ThemeMonth(branch_unit, branch_id, name, month, pk, held_on)


def reaching_talks(period: Period, today: dt.date):
    """The talks that reach their two people for the 谈心谈话 coverage: counted, held in the period."""
    return Activity.objects.filter(counted(), held_in(period, today), activity_type__has_talk_pair=True)


def talk_members(period: Period, today: dt.date):
    """Memberships of the period (up to the evaluation day) in active units' branches; None before it starts."""
    last = min(period.end, today)
    if last < period.start:
        return None
    return Membership.objects.during(period.start, last).filter(branch__unit__active=True)
