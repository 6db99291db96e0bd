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

from apps.core.metrics import percent, register
from apps.core.periods import Period
from apps.orgs.models import Unit

from ..ledger import Status, ledgers


@register(
    "study.hours_completion",
    label="学时达标率",
    unit="%",
    description="本期在册党员中，本期学时达到按在册天数折算的应完成学时（截至评价日）的比例；"
    "党员按其在本期最后所在的单位计入，本期没有在册天数的不计。",
)
def hours_completion(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    """Per unit, the share of its members whose hours in the period reach what was due by `today`."""
    if today < period.start:
        return {}
    active = set(Unit.objects.filter(active=True).values_list("pk", flat=True))
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for ledger in ledgers(period.year, today=today, start=period.start, end=period.end).values():
        if ledger.unit_id not in active or ledger.status == Status.EXEMPT:
            continue
        tally[ledger.unit_id][0] += ledger.total >= ledger.expected
        tally[ledger.unit_id][1] += 1
    return {unit_id: percent(met, total) for unit_id, (met, total) in tally.items() if total}
