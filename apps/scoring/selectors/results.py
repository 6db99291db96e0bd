"""Reads of a unit's score: its breakdown, one indicator line, its history. A breakdown is the committee's for every
unit, and a unit's own secretaries' for their unit in any run (`permissions.can_see_breakdown`); nobody else's."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.orgs.access import Scope, scope_for

from .. import permissions
from ..models import IndicatorResult, ManualScore, RankingRun, RunStatus, UnitResult


def visible_results(scope: Scope) -> QuerySet[UnitResult]:
    """Rows a user may list: all for the committee; else the rows of published runs (totals and ranks) and their own
    units' rows in any finished run."""
    qs = UnitResult.objects.select_related("run").filter(run__status=RunStatus.DONE)
    if scope.is_committee:
        return qs
    if scope.user_id is None:
        return qs.none()
    return qs.filter(Q(run__published_at__isnull=False) | Q(unit_id__in=sorted(scope.unit_ids)))


def result_get(*, user, pk: int) -> UnitResult | None:
    """A unit's result whose breakdown the user may open, else None (→ 404)."""
    result = UnitResult.objects.select_related("run__system", "unit").filter(pk=pk).first()
    if result is None or not permissions.can_see_breakdown(scope_for(user), result.run, result.unit_id):
        return None
    return result


def result_lines(result: UnitResult) -> list[IndicatorResult]:
    return list(
        IndicatorResult.objects.filter(unit_result=result)
        .select_related("indicator")
        .order_by("indicator__order", "indicator_id")
    )


def line_get(*, user, pk: int) -> IndicatorResult | None:
    """One indicator line of a breakdown the user may open, else None (→ 404)."""
    line = (
        IndicatorResult.objects.select_related("indicator", "unit_result__run__system", "unit_result__unit")
        .filter(pk=pk)
        .first()
    )
    if line is None:
        return None
    result = line.unit_result
    if not permissions.can_see_breakdown(scope_for(user), result.run, result.unit_id):
        return None
    return line


def manual_entry(line: IndicatorResult) -> ManualScore | None:
    """The committee's entry behind a manual / bonus / deduction / veto line (as it is now)."""
    entry_id = (line.inputs or {}).get("entry")
    if not isinstance(entry_id, int):
        return None
    return ManualScore.objects.select_related("entered_by").filter(pk=entry_id).first()


def latest_result(unit_id: int) -> UnitResult | None:
    """The unit's row in the latest finished run (provisional included): where it stands now."""
    return (
        UnitResult.objects.filter(unit_id=unit_id, run__status=RunStatus.DONE)
        .select_related("run")
        .order_by("-run__evaluated_on", "-run__finished_at", "-run_id")
        .first()
    )


def published_history(unit_id: int) -> list[UnitResult]:
    """The unit's rows in published runs, oldest period first."""
    return list(
        UnitResult.objects.filter(unit_id=unit_id, run__published_at__isnull=False)
        .select_related("run")
        .order_by("run__evaluated_on", "run__period_kind", "run_id")
    )


def run_lines(run: RankingRun) -> QuerySet[IndicatorResult]:
    """Every unit × indicator line of a run (the export's second sheet)."""
    return (
        IndicatorResult.objects.filter(unit_result__run=run)
        .select_related("unit_result", "indicator")
        .order_by("unit_result__rank", "unit_result__unit_id", "indicator__order", "indicator_id")
    )
