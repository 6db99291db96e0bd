"""Reads of the org tree shown to a user (组织架构): units, branches, members, accounts.

Every queryset starts from the user's scope (`access.scope_for`) and is filtered by
the list's FilterSet (`filters`), so a page, its export and the API show the same
rows to the same person. `*_filter` returns the FilterSet (a page wants its
`messages()` too); `*_list` returns its rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from . import permissions
from .access import scope_for
from .filters import AccountFilter, BranchFilter, MemberFilter, MembershipFilter, UnitFilter
from .lockout import with_lock_status
from .models import Branch, Member, Membership, PartyGroup, Platform, Unit, User

# --- list selectors used by pages, exports and the API -------------------------------


def unit_filter(*, user, filters=None) -> UnitFilter:
    scope = scope_for(user)
    qs = (
        scope.units()
        .annotate(branch_count=Count("branches", filter=Q(branches__dissolved_on__isnull=True), distinct=True))
        .order_by("order", "id")
    )
    return UnitFilter(filters or {}, qs, scope=scope)


def unit_list(*, user, filters=None) -> QuerySet[Unit]:
    return unit_filter(user=user, filters=filters).qs


def unit_member_counts(unit_ids) -> dict[int, int]:
    """Active members per unit, one grouped query."""
    rows = (
        Member.objects.filter(active=True, branch__unit_id__in=list(unit_ids))
        .values("branch__unit_id")
        .annotate(n=Count("id"))
    )
    return {r["branch__unit_id"]: r["n"] for r in rows}


def branch_filter(*, user, filters=None) -> BranchFilter:
    scope = scope_for(user)
    qs = (
        scope.branches()
        .annotate(member_count=Count("members", filter=Q(members__active=True), distinct=True))
        .order_by("unit__order", "unit_id", "order", "id")
    )
    return BranchFilter(filters or {}, qs, scope=scope)


def branch_list(*, user, filters=None) -> QuerySet[Branch]:
    return branch_filter(user=user, filters=filters).qs


def unit_branches(*, user, unit: Unit) -> QuerySet[Branch]:
    """A unit page's branches the user sees, current ones first, with their roster size."""
    return (
        scope_for(user)
        .branches()
        .filter(unit=unit)
        .annotate(member_count=Count("members", filter=Q(members__active=True)))
        .order_by(F("dissolved_on").desc(nulls_first=True), "order", "id")
    )


def branch_members(*, user, branch: Branch) -> QuerySet[Member]:
    """A branch page's roster: its active members the user sees, branch committee first."""
    return scope_for(user).members().filter(branch=branch, active=True).order_by("-is_branch_committee", "name", "id")


def branch_groups(*, user, branch: Branch) -> QuerySet[PartyGroup]:
    """A branch page's party groups, current ones first, with their active members counted."""
    return (
        scope_for(user)
        .party_groups()
        .filter(branch=branch)
        .annotate(member_count=Count("members", filter=Q(members__active=True)))
        .order_by(F("dissolved_on").desc(nulls_first=True), "founded_on", "name", "id")
    )


def branch_counts(*, user, branch: Branch) -> dict[str, int]:
    """What ending a branch touches: its members on the roster and its party groups in use (one query)."""
    counts = (
        scope_for(user)
        .branches()
        .filter(pk=branch.pk)
        .aggregate(
            members=Count("members", filter=Q(members__active=True), distinct=True),
            groups=Count("party_groups", filter=Q(party_groups__dissolved_on__isnull=True), distinct=True),
        )
    )
    return {name: value or 0 for name, value in counts.items()}


def branch_predecessors(*, user, branch: Branch) -> QuerySet[Branch]:
    """The branches merged into (or reorganised as) this one that the user sees, latest first."""
    return scope_for(user).branches().filter(successor=branch).order_by("-dissolved_on", "id")


#: How many of a branch's membership changes its page lists (the newest ones).
BRANCH_MEMBERSHIPS_SHOWN = 100


def branch_memberships(*, user, branch: Branch) -> QuerySet[Membership]:
    """A branch page's 党员转入转出: everyone who was ever in it, with their dates, latest arrivals first."""
    qs = scope_for(user).filter(Membership.objects.filter(branch=branch)).select_related("member")
    return qs.order_by("-start_on", "-pk")


def member_memberships(*, user, member: Member) -> QuerySet[Membership]:
    """A member page's 组织关系: the branches they belonged to (those the user sees), oldest first."""
    qs = scope_for(user).filter(Membership.objects.filter(member=member)).select_related("branch__unit")
    return qs.order_by("start_on", "pk")


def membership_filter(*, user, filters=None) -> MembershipFilter:
    """Memberships (组织关系) the user sees, for the API list: by member, branch, or the day they were in force."""
    scope = scope_for(user)
    qs = scope.filter(Membership.objects.select_related("member", "branch")).order_by("member_id", "start_on", "pk")
    return MembershipFilter(filters or {}, qs, scope=scope)


@dataclass
class PlatformSettings:
    """The 平台设置 page's reading: the start date in force, whether anyone set it, every version set."""

    start_on: dt.date
    is_default: bool
    versions: list


def platform_settings(*, user) -> PlatformSettings:
    """The platform start date and its versions, newest first (empty for anyone but the committee)."""
    scope = scope_for(user)
    versions = []
    if permissions.may_configure_platform(scope):
        versions = list(Platform.history.select_related("history_user").order_by("-history_date", "-history_id"))
    is_default = not Platform.objects.filter(pk=1).exists()
    return PlatformSettings(start_on=Platform.start(), is_default=is_default, versions=versions)


def units_joined_later(*, user) -> QuerySet[Unit]:
    """Units with their own 纳入平台日期, for the 平台设置 page."""
    return scope_for(user).units().filter(joined_on__isnull=False).order_by("joined_on", "order", "id")


def member_filter(*, user, filters=None) -> MemberFilter:
    """The roster (在册 by default) of the branches the user sees."""
    scope = scope_for(user)
    qs = scope.members().order_by("branch__unit__order", "branch__unit_id", "branch__order", "branch_id", "name", "id")
    return MemberFilter(filters or {}, qs, scope=scope)


def member_list(*, user, filters=None) -> QuerySet[Member]:
    return member_filter(user=user, filters=filters).qs


def member_get(*, user, pk: int) -> Member | None:
    """One member if the user may see them; None otherwise (the page answers 404)."""
    return scope_for(user).members().filter(pk=pk).first()


def accounts(*, user) -> QuerySet[User]:
    """Login accounts, for the committee's role management pages (none for anyone else)."""
    qs = scope_for(user).visible(User).select_related("member__branch__unit")
    return with_lock_status(qs).order_by("username")


def account_filter(*, user, filters=None) -> AccountFilter:
    return AccountFilter(filters or {}, accounts(user=user), scope=scope_for(user))


def account_list(*, user, filters=None) -> QuerySet[User]:
    return account_filter(user=user, filters=filters).qs
