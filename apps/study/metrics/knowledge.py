"""Study metrics · knowledge (core metric registry): 应知应会完成率 per unit.

| metric                      | queries |
|-----------------------------|---------|
| study.knowledge_completion  | 1       |

As of the evaluation day (the period's end, or `today` when earlier), a unit's members are those
on a roster of its branches that day (`Membership.on`); the rate is the marks they had made by then,
of the items now on the list, over members × items. A unit without members, or a list without items,
has nothing to measure (left out).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, IntegerField, Q, Subquery, Value
from django.db.models.functions import Coalesce

from apps.core.metrics import percent, register
from apps.core.periods import Period, local_tz
from apps.orgs.models import Membership

from ..models import KnowledgeItem


@register(
    "study.knowledge_completion",
    label="应知应会完成率",
    unit="%",
    description="单位党员已学应知应会条目数 ÷（党员数 × 清单条目数），以期末（或评价日）的在册党员和当时的学习标记计。",
)
def knowledge_completion(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    as_of = min(period.end, today)
    until = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz())
    # The list's size as a scalar subquery (not correlated, so not grouped by): still one query.
    items = (
        KnowledgeItem.objects.filter(active=True)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pk"))
        .values("n")
    )
    marked = Q(member__knowledge_studies__item__active=True, member__knowledge_studies__studied_at__lt=until)
    rows = (
        Membership.objects.on(as_of)
        .filter(branch__unit__active=True)
        .values("branch__unit")
        .annotate(
            members=Count("member", distinct=True),
            done=Count("member__knowledge_studies", filter=marked, distinct=True),
            items=Coalesce(Subquery(items[:1], output_field=IntegerField()), 0),
        )
        .values_list("branch__unit", "members", "done", "items")
    )
    out = {}
    for unit_id, members, done, item_count in rows:
        value = percent(done, members * item_count)
        if value is not None:
            out[unit_id] = value
    return out
