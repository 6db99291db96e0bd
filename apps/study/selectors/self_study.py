"""Reads of 自学: a member's own entries, and the entries of the members a secretary keeps."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum

from apps.orgs.access import scope_for

from ..filters.self_study import SelfStudyFilter
from ..models import SelfStudy


def own_entries(*, member_id: int, year: int) -> QuerySet[SelfStudy]:
    """The member's own entries of a year, newest first."""
    return SelfStudy.objects.filter(member_id=member_id, studied_on__year=year).order_by("-studied_on", "-id")


def own_total(*, member_id: int, year: int) -> Decimal:
    return own_entries(member_id=member_id, year=year).aggregate(h=Sum("hours"))["h"] or Decimal("0")


def own_entry_get(*, user, pk: int) -> SelfStudy | None:
    """One of the user's own entries; None for anyone else's (→ 404)."""
    scope = scope_for(user)
    if scope.member_id is None:
        return None
    return SelfStudy.objects.filter(pk=pk, member_id=scope.member_id).first()


def self_study_filter(*, user, filters=None) -> SelfStudyFilter:
    """The entries this user sees (a secretary: their branch's or unit's members'; a member: their own)."""
    scope = scope_for(user)
    qs = scope.filter(SelfStudy.objects.all()).select_related("member__branch__unit").order_by("-studied_on", "-id")
    return SelfStudyFilter(filters, qs, scope=scope)


def self_study_list(*, user, filters=None) -> QuerySet[SelfStudy]:
    return self_study_filter(user=user, filters=filters).qs
