"""Reads of 约谈提醒 (talks), starting from the user's scope: the committee sees every unit's talks, a unit's
secretary their own unit's; branch secretaries and members see none (the model's `ScopePaths(unit=…)`)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.orgs.access import scope_for

from ..filters.talks import TalkFilter
from ..models import Talk


def talks(*, user) -> QuerySet[Talk]:
    return scope_for(user).filter(Talk.objects.select_related("unit", "created_by")).order_by("-held_on", "-id")


def talk_filter(*, user, filters=None) -> TalkFilter:
    """The talks list (page, export, API): filtered, newest first."""
    return TalkFilter(filters, talks(user=user), scope=scope_for(user))


def talk_get(*, user, pk: int) -> Talk | None:
    return talks(user=user).filter(pk=pk).first()
