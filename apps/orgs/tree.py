"""The tree as it was (组织沿革): which branches, party groups and members existed on a day or in a window.

Every verdict is judged by the tree as it was in its window (ARCHITECTURE rule 9), so
the engine, the metrics, the attendance pickers and the history pages ask here rather
than reading today's `Member.branch` or "not dissolved":

- a branch or party group *counts in a window* when it existed at the window's midpoint
  (founded on or before it, not yet dissolved) — the same policy for a branch founded
  mid-quarter, a group dissolved mid-month, and the platform's start date;
- the members of a branch on a day are those whose `Membership` was in force that day.

Every function here runs a fixed number of queries, however many branches it is given.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet, Subquery

from apps.core.periods import Period
from apps.core.request_cache import request_cached

from .models import Member, Membership, Platform, Unit


def platform_start() -> dt.date:
    """The city's platform start date (平台启用日期)."""
    return Platform.start()


def judged_from(unit: Unit, start: dt.date | None = None) -> dt.date:
    """The first day a unit's party life is judged: the platform's start, or the unit's own later one."""
    return unit.judged_from(start or platform_start())


def judged_from_units(unit_ids: Iterable[int]) -> dict[int, dt.date]:
    """Per unit, the first day its party life is judged (`judged_from`), for many units in one query
    (once per GET request for the same units: the home page's widgets all ask)."""
    return dict(_judged_from_units(frozenset(unit_ids)))


@request_cached
def _judged_from_units(unit_ids: frozenset[int]) -> tuple[tuple[int, dt.date], ...]:
    platform = Subquery(Platform.objects.filter(pk=1).values("start_on")[:1])
    rows = Unit.objects.filter(pk__in=sorted(unit_ids)).annotate(platform=platform)
    out = []
    for pk, joined_on, start in rows.values_list("pk", "joined_on", "platform"):
        start = start or settings.PORTAL_PLATFORM_START
        out.append((pk, max(start, joined_on) if joined_on else start))
    return tuple(out)


def in_force_at_midpoint(window: Period, *, since: dt.date, until: dt.date | None = None) -> bool:
    """Whether something that began on `since` and ended on `until` (exclusive; None: still going)
    counts in a window: it was there at the window's midpoint."""
    middle = window.midpoint
    return since <= middle and (until is None or until > middle)


def members_on(branch_ids: Iterable[int], day: dt.date) -> QuerySet[Member]:
    """The members of these branches on a day (by their memberships), whatever their roster status today."""
    in_force = Membership.objects.on(day).filter(branch_id__in=list(branch_ids)).values("member_id")
    return Member.objects.filter(pk__in=in_force)


def memberships_during(branch_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, list[Membership]]:
    """Per branch, the memberships in force on some day of [start, end] (one query)."""
    out: dict[int, list[Membership]] = defaultdict(list)
    rows = Membership.objects.during(start, end).filter(branch_id__in=list(branch_ids)).order_by("branch_id", "pk")
    for membership in rows.only("pk", "member_id", "branch_id", "start_on", "end_on"):
        out[membership.branch_id].append(membership)
    return out
