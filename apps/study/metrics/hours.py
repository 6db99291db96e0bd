"""Study metrics · hours (core metric registry): 学时达标率.

| metric                  | queries                                                              |
|-------------------------|----------------------------------------------------------------------|
| study.hours_completion  | active units 1; the ledger of everyone: settings 1, members 1,       |
|                         | memberships 1, platform start 1, one per hours source query          |

With the sources registered today (party life's branch and unit lessons 2, study sessions 2 (+1 when
a session is linked to another app's record), 自学 1) that is 10 queries, whatever the number of units
and members. Units no longer active are left out, as party life's metrics leave them out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.urls import reverse
from django.utils.http import urlencode

from apps.core.metrics import MetricRecord, percent, register
from apps.core.periods import Period
from apps.orgs.models import Branch, Member, Membership, Unit

from ..ledger import Status, ledgers


def _counted(ledger, active: set[int]) -> bool:
    """Whether a member's ledger counts for the rate (an active unit, not exempt)."""
    return ledger.unit_id in active and ledger.status != Status.EXEMPT


def hours_records(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """The unit's members the rate counts: those below what was due by `today` first, then those who met it.

    The same ledgers as the metric, asked for the members who were in the unit's branches during the
    period (a member counts for the unit they were last in): active unit 1, names 2, the ledger's queries.
    """
    if today < period.start or not Unit.objects.filter(pk=unit_id, active=True).exists():
        return []
    members = Member.objects.filter(
        pk__in=Membership.objects.during(period.start, period.end).filter(branch__unit_id=unit_id).values("member_id")
    )
    found = ledgers(period.year, today=today, members=members, start=period.start, end=period.end)
    rows = [ledger for ledger in found.values() if _counted(ledger, {unit_id})]
    names = dict(members.values_list("pk", "name"))
    branches = dict(Branch.objects.filter(unit_id=unit_id).values_list("pk", "name"))
    rows.sort(
        key=lambda ledger: (
            ledger.total >= ledger.expected,
            branches.get(ledger.branch_id, ""),
            names[ledger.member_id],
        )
    )
    table = reverse("study:progress_table")
    records = []
    for ledger in rows:
        name = names[ledger.member_id]
        met = ledger.total >= ledger.expected
        query = urlencode({"unit": unit_id, "year": period.year, "q": name})
        records.append(
            MetricRecord(
                label=f"{name}（{branches.get(ledger.branch_id, '')}）",
                url=f"{table}?{query}",
                note=f"{ledger.total} / {ledger.expected} 学时（{'已达标' if met else '未达标'}）",
            )
        )
    return records


@register(
    "study.hours_completion",
    label="学时达标率",
    unit="%",
    description="本期在册党员中，本期学时达到按在册天数折算的应完成学时（截至评价日）的比例；"
    "党员按其在本期最后所在的单位计入，本期没有在册天数的不计。",
    records=hours_records,
)
def hours_completion(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    """Per unit, the share of its members whose hours in the period reach what was due by `today`."""
    if today < period.start:
        return {}
    active = set(Unit.objects.filter(active=True).values_list("pk", flat=True))
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for ledger in ledgers(period.year, today=today, start=period.start, end=period.end).values():
        if not _counted(ledger, active):
            continue
        tally[ledger.unit_id][0] += ledger.total >= ledger.expected
        tally[ledger.unit_id][1] += 1
    return {unit_id: percent(met, total) for unit_id, (met, total) in tally.items() if total}
