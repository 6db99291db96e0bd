"""The demo tree's history (演示数据·组织沿革): what changed this year, written through the services.

The platform starts on the first day of last year's fourth quarter (the demo's data starts there);
one unit joined on 1 January; mid-year a branch of 市发改委 merged into a sibling, a party group of
市财政局 was dissolved and a handful of members moved branch. Each change goes through the service a
secretary would use, so memberships, party groups and history rows are exactly what the pages make.
The days depend on today only: the demo is the same for a given day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import demo_data as data
from .. import services
from ..models import Branch, BranchEnd, Member, MemberStatus, PartyGroup, Unit, User


@dataclass(frozen=True)
class HistoryDays:
    """The days of the demo tree's changes, for a given today (none after it)."""

    platform_start: dt.date
    joined_on: dt.date
    merged_on: dt.date
    group_dissolved_on: dt.date
    transfers: tuple[dt.date, ...]


def history_days(today: dt.date) -> HistoryDays:
    """Mid-year, as far as the year has gone.

    The merge falls on a quarter's first day (1 July once the year is that far), so that the merged
    branch's months and quarters end with it; the party group ends on the first day of the month
    halfway through the year so far; the transfers are spread over the year so far.
    """
    jan_1 = dt.date(today.year, 1, 1)
    merged_on = max(q for q in (jan_1, jan_1.replace(month=4), jan_1.replace(month=7)) if q <= today)
    halfway = jan_1 + (today - jan_1) / 2
    spread = tuple(jan_1 + (today - jan_1) * (k + 1) / (len(data.TRANSFERS) + 1) for k in range(len(data.TRANSFERS)))
    return HistoryDays(
        platform_start=dt.date(today.year - 1, 10, 1),
        joined_on=jan_1,
        merged_on=merged_on,
        group_dissolved_on=halfway.replace(day=1),
        transfers=spread,
    )


def write_history(*, today: dt.date, actor: User) -> str:
    """Make this year's changes as the committee (`actor`); return the summary clause."""
    days = history_days(today)
    services.platform_update(actor=actor, start_on=days.platform_start)
    joined = Unit.objects.get(name=data.JOINED_UNIT)
    services.unit_update(actor=actor, unit=joined, data={"joined_on": days.joined_on})

    merged = Branch.objects.get(unit__name=data.DEMO_UNIT_2, name=data.MERGED_BRANCH)
    successor = Branch.objects.get(unit__name=data.DEMO_UNIT_2, name=data.MERGE_SUCCESSOR)
    services.branch_dissolve(
        actor=actor, branch=merged, on=days.merged_on, reason=BranchEnd.MERGED, successor=successor
    )
    group = PartyGroup.objects.get(
        branch__unit__name=data.DEMO_UNIT, branch__name=data.GROUP_BRANCH, name=data.DISSOLVED_GROUP
    )
    services.party_group_dissolve(actor=actor, group=group, on=days.group_dissolved_on)

    for (unit, source, target), on in zip(data.TRANSFERS, days.transfers, strict=True):
        member = (
            Member.objects.filter(
                branch__unit__name=unit,
                branch__name=source,
                status=MemberStatus.FULL,
                is_branch_committee=False,
                is_leading_cadre=False,
                user__isnull=True,
            )
            .order_by("-pk")
            .first()
        )
        to_branch = Branch.objects.get(unit__name=unit, name=target)
        services.member_transfer(actor=actor, member=member, to_branch=to_branch, on=on)
    return (
        f"平台启用日期 {days.platform_start:%Y-%m-%d}，{joined.short_name}{days.joined_on:%Y-%m-%d}纳入，"
        f"{merged.name}{days.merged_on:%Y-%m-%d}并入{successor.name}，"
        f"撤销党小组 1 个，转接组织关系 {len(data.TRANSFERS)} 人"
    )
