"""Reads of 黄红牌 (cards) shown to a user: the committee sees all, a unit's secretary their unit's, nobody else any."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.orgs.access import Scope, scope_for
from apps.orgs.models import Unit

from ..filters.cards import CardFilter
from ..models import Card, CardRule, Finding, Rectification, RectificationStatus, Talk


def _cards(scope: Scope) -> QuerySet[Card]:
    return scope.filter(Card.objects.all()).select_related("unit", "issued_by", "lifted_by")


def card_filter(*, user, filters=None) -> CardFilter:
    scope = scope_for(user)
    return CardFilter(filters, _cards(scope).order_by("-issued_on", "-id"), scope=scope)


def card_list(*, user, filters=None) -> QuerySet[Card]:
    return card_filter(user=user, filters=filters).qs


def card_get(*, user, pk: int) -> Card | None:
    """One card with its findings (and their rectifications) and talks, if the user may see it; else None (→ 404)."""
    findings = Finding.objects.select_related("inspection", "rectification").order_by("id")
    return (
        _cards(scope_for(user))
        .prefetch_related(
            Prefetch("findings", queryset=findings), Prefetch("talks", queryset=Talk.objects.order_by("-held_on"))
        )
        .filter(pk=pk)
        .first()
    )


def open_items(card: Card) -> list[str]:
    """What still stands in the way of lifting a card: each linked finding whose rectification is not 已销号."""
    blocking = []
    for finding in card.findings.all():
        rectification: Rectification | None = getattr(finding, "rectification", None)
        if rectification is None:
            blocking.append(f"“{finding}”尚未下达整改")
        elif rectification.status != RectificationStatus.ACCEPTED:
            blocking.append(
                f"“{finding}”整改{rectification.get_status_display()}（期限 {rectification.deadline:%Y-%m-%d}）"
            )
    return blocking


def linkable_findings(scope: Scope, unit: Unit | None) -> QuerySet[Finding]:
    """The findings a card to `unit` may rest on: that unit's only."""
    if unit is None:
        return Finding.objects.none()
    return (
        scope.filter(Finding.objects.filter(unit=unit))
        .select_related("inspection")
        .order_by("-inspection__held_on", "id")
    )


def linkable_talks(scope: Scope, unit: Unit | None) -> QuerySet[Talk]:
    if unit is None:
        return Talk.objects.none()
    return scope.filter(Talk.objects.filter(unit=unit)).order_by("-held_on", "-id")


def issuable_units(scope: Scope) -> QuerySet[Unit]:
    return scope.managed_units().filter(active=True) if scope.is_committee else Unit.objects.none()


def card_rules() -> list[CardRule]:
    return list(CardRule.objects.order_by("colour"))
