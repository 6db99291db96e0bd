"""Discipline metrics · cards (core metric registry): 黄红牌 in force and their deductions, per unit.

A card counts on a day when it was issued on or before it and not lifted by then (a card lifted on
day D is no longer in force on D). A period is judged on its last day, or on the evaluation day when
that comes first. Each metric is one grouped query for all units, the same for both (read once in a ranking
run: `core.metrics.shared`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse

from apps.core.metrics import TIERS, MetricRecord, register, register_tier_cap, shared
from apps.core.periods import Period

from ..models import Card


def judged_on(period: Period, today: dt.date) -> dt.date:
    return min(period.end, today)


def in_force_on(day: dt.date) -> QuerySet[Card]:
    return Card.objects.filter(Q(lifted_on__isnull=True) | Q(lifted_on__gt=day), issued_on__lte=day)


@shared
def _in_force_by_unit(day: dt.date) -> dict[int, tuple[int, int]]:
    """Per unit, (deductions, cards) of the cards in force on the day: one grouped query, read once by both
    metrics in a ranking run."""
    rows = in_force_on(day).values("unit_id").annotate(total=Sum("deduction"), n=Count("id")).order_by("unit_id")
    return {row["unit_id"]: (row["total"], row["n"]) for row in rows}


def card_records(period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
    """The cards in force at the unit on the judged day."""
    cards = in_force_on(judged_on(period, today)).filter(unit_id=unit_id).order_by("issued_on", "id")
    return [
        MetricRecord(
            label=f"{card.get_colour_display()}：{card.reason}",
            day=card.issued_on,
            url=reverse("discipline:card_detail", args=[card.pk]),
            note=f"扣{card.deduction}分"
            + (f"，等次最高为“{card.tier_cap}”" if card.caps_tier and card.tier_cap else ""),
        )
        for card in cards
    ]


@register(
    "discipline.card_deduction",
    label="黄红牌扣分",
    unit="分",
    description="期末（或评价日，取早者）仍有效的黄红牌扣分之和；扣分按亮牌时的规则确定",
    records=card_records,
)
def card_deduction(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    return {unit_id: Decimal(total) for unit_id, (total, _) in _in_force_by_unit(judged_on(period, today)).items()}


@register(
    "discipline.cards_in_force",
    label="有效黄红牌",
    unit="张",
    description="期末（或评价日，取早者）仍有效的黄牌、红牌张数",
    records=card_records,
)
def cards_in_force(period: Period, *, today: dt.date) -> dict[int, Decimal]:
    return {unit_id: Decimal(n) for unit_id, (_, n) in _in_force_by_unit(judged_on(period, today)).items()}


def tier_caps(today: dt.date) -> dict[int, str]:
    """Per unit, the best tier it may get while its tier-capping cards (红牌) are in force on `today` (one query)."""
    rows = in_force_on(today).filter(caps_tier=True).exclude(tier_cap="").values_list("unit_id", "tier_cap")
    caps: dict[int, str] = {}
    rank = {tier: i for i, tier in enumerate(TIERS)}
    for unit_id, cap in rows.order_by("unit_id", "id"):
        current = caps.get(unit_id)
        if current is None or rank.get(cap, -1) > rank.get(current, -1):
            caps[unit_id] = cap
    return caps


@register_tier_cap("discipline.red_cards", label="红牌限定等次")
def red_card_caps(period: Period, *, today: dt.date) -> dict[int, tuple[str, str]]:
    """Scoring's view of `tier_caps`: on the period's judged day, each capped unit's best tier and why (one query)."""
    return {
        unit_id: (cap, f"红牌有效期内，等次最高为“{cap}”")
        for unit_id, cap in tier_caps(judged_on(period, today)).items()
    }
