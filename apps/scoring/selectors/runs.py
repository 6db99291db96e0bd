"""Reads of ranking runs: the committee sees every run, everyone else published runs only."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from apps.core.periods import Frequency, Period
from apps.orgs.access import Scope, scope_for
from apps.orgs.tree import platform_start

from ..filters.runs import RankingFilter, RunFilter
from ..models import RankingRun, RunStatus, UnitResult


def visible_runs(scope: Scope) -> QuerySet[RankingRun]:
    """Runs the user may open: all for the committee; published ones for everyone else (drafts never)."""
    qs = RankingRun.objects.select_related("system", "requested_by", "published_by")
    if not scope.is_committee:
        if scope.user_id is None:
            return qs.none()
        qs = qs.filter(published_at__isnull=False)
    return qs


def run_filter(*, user, filters=None) -> RunFilter:
    scope = scope_for(user)
    return RunFilter(filters, visible_runs(scope).order_by("-created_at", "-id"), scope=scope)


def run_list(*, user, filters=None) -> QuerySet[RankingRun]:
    return run_filter(user=user, filters=filters).qs


def run_get(*, user, pk: int) -> RankingRun | None:
    """One run the user may see, else None (→ 404: a draft does not exist for a unit's secretary)."""
    return visible_runs(scope_for(user)).filter(pk=pk).first()


def ranking_filter(*, run: RankingRun, filters=None, scope: Scope | None = None) -> RankingFilter:
    """The run's scored units in rank order (ties by unit order), filtered by category and tier."""
    rows = UnitResult.objects.filter(run=run, scored=True).order_by("rank", "unit__order", "unit_id")
    return RankingFilter(filters, rows, scope=scope)


def not_scored(run: RankingRun) -> list[UnitResult]:
    return list(UnitResult.objects.filter(run=run, scored=False).order_by("unit__order", "unit_id"))


def published_runs() -> QuerySet[RankingRun]:
    """Every published run, the latest period first (the rankings page's choice)."""
    return (
        RankingRun.objects.filter(published_at__isnull=False, status=RunStatus.DONE)
        .select_related("system", "published_by")
        .order_by("-evaluated_on", "period_kind", "-id")
    )


def startable_periods(*, today: dt.date) -> dict[str, list[Period]]:
    """The periods a run may be started for, by kind, latest first: from the platform's start up to today."""
    start = platform_start()
    out: dict[str, list[Period]] = {}
    for kind in (Frequency.QUARTER, Frequency.MONTH, Frequency.YEAR):
        periods = []
        period = Period.containing(today, kind)
        while period.end >= start and len(periods) < 120:
            periods.append(period)
            period = Period.containing(period.start - dt.timedelta(days=1), kind)
        out[kind] = periods
    return out


def default_period(*, today: dt.date) -> Period:
    """The last quarter that has ended (the usual run to publish)."""
    current = Period.containing(today, Frequency.QUARTER)
    return Period.containing(current.start - dt.timedelta(days=1), Frequency.QUARTER)
