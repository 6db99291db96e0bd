"""How a model is reached from the org tree (可见范围), declared on the model itself.

Every model that a page, export or API shows declares `scope_paths` in its own class:

    class Activity(models.Model):
        ...
        scope_paths = ScopePaths(unit="unit", branch="branch", member="attendances__member")

The paths are ORM lookups from the model to its unit, its branch and the member it
concerns (None where there is none). `apps.orgs.access.Scope.filter` narrows any
queryset with them, so records never carry permissions of their own: they inherit
them from the Unit and Branch rows the roles are granted on.

Configuration that every signed-in user may read (rules, activity types, closed
months) declares `scope_paths = GLOBAL` instead: a deliberate "not scoped", so that
forgetting to declare anything is an error (`scope_paths_of` raises) and never a leak.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScopePaths:
    """How a model reaches its unit, branch and member (ORM lookups; None = not reachable)."""

    unit: str | None = None
    branch: str | None = None
    member: str | None = None
    # Set on Unit and Branch themselves: the node is also visible (read-only) to the
    # people below it, so a branch secretary sees their unit and a member their branch.
    node: str | None = None
    # Rows that belong to one account (its notifications, its export files): only that
    # account sees them, whatever its role (the committee included).
    owner: str | None = None
    # Configuration read by every signed-in user (no unit, branch or member to scope by).
    is_global: bool = False


GLOBAL = ScopePaths(is_global=True)
#: Reachable from no unit, branch or member: only the committee sees such rows (accounts, login events).
COMMITTEE_ONLY = ScopePaths()


def scope_paths_of(model) -> ScopePaths:
    """The model's declared paths; a model that declares nothing cannot be shown to a user."""
    paths = model.__dict__.get("scope_paths") or getattr(model, "scope_paths", None)
    if not isinstance(paths, ScopePaths):
        raise TypeError(f"{model.__name__} declares no scope_paths; it cannot be shown to a user")
    return paths
