"""Reads of the 应知应会 list (the progress page and tables use the summaries below)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from ..models import KnowledgeItem, KnowledgeStudy


def active_items() -> QuerySet[KnowledgeItem]:
    return KnowledgeItem.objects.filter(active=True)


def knowledge_total() -> int:
    """How many items the list holds now."""
    return active_items().count()


def knowledge_done(member_ids: Iterable[int] | QuerySet) -> dict[int, int]:
    """Per member, how many items of the list they marked studied (one grouped query)."""
    rows = KnowledgeStudy.objects.filter(member_id__in=member_ids, item__active=True)
    return dict(rows.values("member_id").annotate(n=Count("id")).values_list("member_id", "n"))


def studied_item_ids(member_id: int) -> set[int]:
    return set(KnowledgeStudy.objects.filter(member_id=member_id).values_list("item_id", flat=True))
