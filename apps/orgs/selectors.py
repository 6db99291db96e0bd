"""Reads of the org tree shown to a user (组织架构): units, branches, members, accounts.

Every queryset starts from the user's scope (`access.scope_for`), so a list, an
export and an API endpoint show the same rows to the same person.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .access import scope_for
from .lockout import with_lock_status
from .models import Branch, Member, Unit, User

# --- list selectors used by pages, exports and the API -------------------------------


def unit_list(*, user, search: str = "", category: str = "", active: str = "") -> QuerySet[Unit]:
    qs = (
        scope_for(user)
        .units()
        .annotate(
            branch_count=Count("branches", filter=Q(branches__active=True), distinct=True),
        )
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(short_name__icontains=search))
    if category:
        qs = qs.filter(category=category)
    if active in ("1", "0"):
        qs = qs.filter(active=active == "1")
    return qs.order_by("order", "id")


def unit_member_counts(unit_ids) -> dict[int, int]:
    """Active members per unit, one grouped query."""
    rows = (
        Member.objects.filter(active=True, branch__unit_id__in=list(unit_ids))
        .values("branch__unit_id")
        .annotate(n=Count("id"))
    )
    return {r["branch__unit_id"]: r["n"] for r in rows}


def branch_list(*, user, search: str = "", unit: str = "", kind: str = "", active: str = "") -> QuerySet[Branch]:
    qs = (
        scope_for(user)
        .branches()
        .annotate(member_count=Count("members", filter=Q(members__active=True), distinct=True))
    )
    if search:
        qs = qs.filter(name__icontains=search)
    if unit.isdigit():
        qs = qs.filter(unit_id=int(unit))
    if kind:
        qs = qs.filter(kind=kind)
    if active in ("1", "0"):
        qs = qs.filter(active=active == "1")
    return qs.order_by("unit__order", "unit_id", "order", "id")


def member_list(
    *,
    user,
    search: str = "",
    unit: str = "",
    branch: str = "",
    status: str = "",
    active: str = "1",
    cadre: str = "",
) -> QuerySet[Member]:
    qs = scope_for(user).members()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(position__icontains=search))
    if unit.isdigit():
        qs = qs.filter(branch__unit_id=int(unit))
    if branch.isdigit():
        qs = qs.filter(branch_id=int(branch))
    if status:
        qs = qs.filter(status=status)
    if active in ("1", "0"):
        qs = qs.filter(active=active == "1")
    if cadre == "1":
        qs = qs.filter(is_leading_cadre=True)
    elif cadre == "committee":
        qs = qs.filter(is_branch_committee=True)
    return qs.order_by("branch__unit__order", "branch__unit_id", "branch__order", "branch_id", "name", "id")


def member_get(*, user, pk: int) -> Member | None:
    """One member if the user may see them; None otherwise (the page answers 404)."""
    return scope_for(user).members().filter(pk=pk).first()


def account_list(*, user, search: str = "") -> QuerySet[User]:
    """Login accounts, for the committee's role management page (empty for anyone else)."""
    scope = scope_for(user)
    if not scope.is_committee:
        return User.objects.none()
    qs = with_lock_status(User.objects.select_related("member__branch__unit"))
    if search:
        qs = qs.filter(
            Q(username__icontains=search) | Q(display_name__icontains=search) | Q(member__name__icontains=search)
        )
    return qs.order_by("username")
