"""Who may do what in discipline supervision (asked by the views to show a button and by the services).

Sensitive rows (talks, findings, rectifications, cards, reports) are the committee's and that unit's
secretary's only: branch secretaries and members get nothing, even of their own unit.
"""

from __future__ import annotations

from apps.orgs.access import Scope


def can_supervise(scope: Scope) -> bool:
    """The committee issues templates, rounds, talks, inspections, findings, cards and cases; reviews and accepts."""
    return scope.is_committee


def can_see_unit(scope: Scope, unit_id: int | None) -> bool:
    """A unit's supervision records: the committee and that unit's secretary (never a branch secretary)."""
    return unit_id is not None and (scope.is_committee or unit_id in scope.unit_ids)


def can_answer_for_unit(scope: Scope, unit_id: int | None) -> bool:
    """Adopt the duty list, submit a report or a rectification: that unit's secretary (the committee does not
    write a unit's answers for it)."""
    return unit_id is not None and unit_id in scope.unit_ids


# --- cards, education, board


def can_keep_warning(scope: Scope, unit_id: int | None) -> bool:
    """A unit's 警示教育 sessions: that unit's secretary, or the committee."""
    return unit_id is not None and scope.manages_unit(unit_id)


def can_read_case_for(scope: Scope, unit_id: int | None) -> bool:
    """Confirm a case as read (已阅) for a unit: that unit's secretary only."""
    return unit_id is not None and unit_id in scope.unit_ids
