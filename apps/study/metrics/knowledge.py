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
from django.urls import reverse
from django.utils.http import urlencode

from apps.core.metrics import MetricRecord, percent, register
from apps.core.periods import Period, local_tz
from apps.orgs.models import Membership

from ..models import KnowledgeItem


def _as_of(period: Period, today: dt.date) -> tuple[dt.date, dt.datetime]:
    """The roster day and the end of the marks that count: the period's end, or `today` when earlier."""
    as_of = min(period.end, today)
    return as_of, dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz())


def _marked(until: dt.datetime) -> Q:
    return Q(member__knowledge_studies__item__active=True, member__knowledge_studies__studied_at__lt=until)


def knowledge_records(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """Per member on the unit's rosters that day: items learned x/N, lowest first (two queries)."""
    as_of, until = _as_of(period, today)
    total = KnowledgeItem.objects.filter(active=True).count()
    if not total:
        return []
    rows = (
        Membership.objects.on(as_of)
        .filter(branch__unit_id=unit_id, branch__unit__active=True)
        .values("member_id", "member__name", "branch__name")
        .annotate(done=Count("member__knowledge_studies", filter=_marked(until), distinct=True))
        .order_by("done", "branch__name", "member__name", "member_id")
    )
    page = reverse("study:knowledge_progress")
    return [
        MetricRecord(
            label=f"{row['member__name']}（{row['branch__name']}）",
            url=f"{page}?{urlencode({'unit': unit_id, 'q': row['member__name']})}",
            note=f"已学 {row['done']} / {total} 条",
        )
        for row in rows
    ]


@register(
    "study.knowledge_completion",
    label="应知应会完成率",
    unit="%",
    description="单位党员已学应知应会条目数 ÷（党员数 × 清单条目数），以期末（或评价日）的在册党员和当时的学习标记计。",
    records=knowledge_records,
)
def knowledge_completion(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    as_of, until = _as_of(period, today)
    # The list's size as a scalar subquery (not correlated, so not grouped by): still one query.
    items = (
        KnowledgeItem.objects.filter(active=True)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pk"))
        .values("n")
    )
    marked = _marked(until)
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
