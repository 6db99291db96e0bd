"""Who may do what in scoring (asked by the views and again by the services)."""

from __future__ import annotations

from apps.orgs.access import Scope

from .models import RankingRun


def can_manage(scope: Scope) -> bool:
    """The indicator system, manual points, runs and publication are the committee's."""
    return scope.is_committee


def can_see_run(scope: Scope, run: RankingRun) -> bool:
    """The committee sees every run; everyone else sees published runs only."""
    return scope.is_committee or run.is_published


def can_see_breakdown(scope: Scope, run: RankingRun, unit_id: int) -> bool:
    """A unit's breakdown: the committee's for every unit and run; a unit's own secretaries see theirs in any
    run, provisional and unpublished included (they always see where they stand)."""
    if scope.is_committee:
        return True
    return unit_id in scope.unit_ids
