"""The stored verdicts against a full recomputation by the engine (used by the store's tests)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.core.periods import Frequency, Period
from apps.orgs.models import Unit
from apps.partylife.compliance import evaluate_branches, evaluate_units, rollup_branches
from apps.partylife.models import ComplianceVerdict, Strength, VerdictYear


def _cell_row(cell, today):
    w = cell.window
    return (
        w.kind,
        w.start,
        w.end,
        cell.status,
        cell.count,
        cell.incomplete,
        cell.in_rollup,
        cell.rule.strength == Strength.HARD,
        today,
    )


def stored() -> dict:
    return {
        (r.unit_id, r.branch_id, r.rule_id, r.window_key): (
            r.frequency,
            r.window_start,
            r.window_end,
            r.status,
            r.count,
            r.incomplete,
            r.in_rollup,
            r.hard,
            r.computed_on,
        )
        for r in ComplianceVerdict.objects.all()
    }


def recomputed(today: dt.date | None = None) -> dict:
    """What the engine says, as of `today`, for every stored unit-year."""
    today = today or timezone.localdate()
    out = {}
    for unit_id, year in VerdictYear.objects.values_list("unit_id", "year"):
        unit = Unit.objects.get(pk=unit_id)
        period = Period(year, Frequency.YEAR)
        for cell in evaluate_units([unit], period, today=today)[unit.pk].cells:
            out[(unit.pk, None, cell.rule.pk, cell.window.key)] = _cell_row(cell, today)
        branches = list(rollup_branches([unit], period))
        for branch in branches:
            for cell in evaluate_branches([branch], period, today=today)[branch.pk].cells:
                out[(unit.pk, branch.pk, cell.rule.pk, cell.window.key)] = _cell_row(cell, today)
    return out


def assert_store_matches(today: dt.date | None = None) -> int:
    """Every stored unit-year is fresh and its rows are exactly the engine's cells; returns how many."""
    assert not VerdictYear.objects.filter(stale=True).exists(), "stale unit-years left"
    have, want = stored(), recomputed(today)
    missing = sorted(set(want) - set(have), key=str)[:5]
    extra = sorted(set(have) - set(want), key=str)[:5]
    differ = [(k, have[k], want[k]) for k in sorted(set(have) & set(want), key=str) if have[k] != want[k]][:5]
    assert not (missing or extra or differ), f"missing {missing}; extra {extra}; differ {differ}"
    return len(have)
