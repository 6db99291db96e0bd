"""The one door for visibility (可见范围): every page, export and API list reads through here.

A user's scope is read back from the django-guardian object permissions granted
on Unit (`orgs.manage_unit`) and Branch (`orgs.manage_branch`), the global
`orgs.committee` permission, and the Member row linked to the account. Records
never carry permissions of their own: a record model declares `scope_paths`
(how to reach its unit, branch and member) and `Scope.filter` does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from .models import Branch, Member, PartyGroup, Unit, User


@dataclass(frozen=True)
class ScopePaths:
    """How a model reaches its unit, branch and member (ORM lookups; None = not reachable)."""

    unit: str | None = None
    branch: str | None = None
    member: str | None = None
    # Set on Unit and Branch themselves: the node is also visible (read-only) to the
    # people below it, so a branch secretary sees their unit and a member their branch.
    node: str | None = None


# The org models' own paths. Record apps put `scope_paths = ScopePaths(...)` on their models.
Unit.scope_paths = ScopePaths(unit="pk", node="unit")
Branch.scope_paths = ScopePaths(unit="unit", branch="pk", node="branch")
PartyGroup.scope_paths = ScopePaths(unit="branch__unit", branch="branch")
Member.scope_paths = ScopePaths(unit="branch__unit", branch="branch", member="pk")


class Role:
    COMMITTEE = "committee"
    UNIT = "unit"
    BRANCH = "branch"
    MEMBER = "member"
    NONE = "none"

    LABELS = {
        COMMITTEE: "工委管理员",
        UNIT: "单位党务干部",
        BRANCH: "支部书记",
        MEMBER: "党员",
        NONE: "未分配角色",
    }


@dataclass(frozen=True)
class Scope:
    """What one user may see and manage. Build it with `scope_for(user)`."""

    user_id: int | None = None
    is_committee: bool = False
    unit_ids: frozenset[int] = field(default_factory=frozenset)  # units this user manages
    branch_ids: frozenset[int] = field(default_factory=frozenset)  # branches this user manages directly
    branch_unit_ids: frozenset[int] = field(default_factory=frozenset)  # units of those branches
    member_id: int | None = None
    member_branch_id: int | None = None
    member_unit_id: int | None = None

    # --- who is this ------------------------------------------------------------
    @property
    def role(self) -> str:
        """The user's main role: the widest one held decides the home page."""
        if self.is_committee:
            return Role.COMMITTEE
        if self.unit_ids:
            return Role.UNIT
        if self.branch_ids:
            return Role.BRANCH
        if self.member_id:
            return Role.MEMBER
        return Role.NONE

    @property
    def role_label(self) -> str:
        return Role.LABELS[self.role]

    @property
    def is_manager(self) -> bool:
        """Committee, unit or branch secretary: someone who keeps records for others."""
        return self.is_committee or bool(self.unit_ids or self.branch_ids)

    # --- may this user … --------------------------------------------------------
    def manages_unit(self, unit_id: int | None) -> bool:
        return self.is_committee or unit_id in self.unit_ids

    def manages_branch(self, branch: Branch) -> bool:
        """Branch secretary of it, secretary of its unit, or committee."""
        return self.is_committee or branch.pk in self.branch_ids or branch.unit_id in self.unit_ids

    def edits_roster_of(self, branch: Branch) -> bool:
        """Roster changes (members, branches) belong to the committee and the unit's secretary."""
        return self.is_committee or branch.unit_id in self.unit_ids

    # --- querysets ----------------------------------------------------------------
    def filter(self, queryset: QuerySet, *, paths: ScopePaths | None = None) -> QuerySet:
        """Narrow any record queryset to what this user may see.

        Unit secretaries see everything reachable from their units, branch
        secretaries everything reachable from their branches, a member only rows
        that point at their own Member row. Nothing matches for anyone else.
        """
        if self.is_committee:
            return queryset
        paths = paths or getattr(queryset.model, "scope_paths", None)
        if paths is None:
            raise TypeError(f"{queryset.model.__name__} has no scope_paths; it cannot be shown to a user")
        unit_ids, branch_ids = set(self.unit_ids), set(self.branch_ids)
        if paths.node == "unit":
            unit_ids |= self.branch_unit_ids | ({self.member_unit_id} if self.member_unit_id else set())
        elif paths.node == "branch" and self.member_branch_id:
            branch_ids.add(self.member_branch_id)
        condition = Q(pk__in=[])
        if unit_ids and paths.unit:
            condition |= Q(**{f"{paths.unit}__in": sorted(unit_ids)})
        if branch_ids and paths.branch:
            condition |= Q(**{f"{paths.branch}__in": sorted(branch_ids)})
        if self.member_id and paths.member:
            if "__" in paths.member:
                # The path may cross a to-many relation (activity → attendances); a join
                # OR'd with the other conditions would repeat rows, so use a subquery.
                own = queryset.model._default_manager.filter(**{paths.member: self.member_id}).values("pk")
                condition |= Q(pk__in=own)
            else:
                condition |= Q(**{paths.member: self.member_id})
        return queryset.filter(condition)

    def units(self) -> QuerySet[Unit]:
        """Units this user sees: managed ones, plus (read-only) the unit of their branch or membership."""
        return self.filter(Unit.objects.all())

    def branches(self) -> QuerySet[Branch]:
        """Branches this user sees; a member sees their own branch."""
        return self.filter(Branch.objects.all()).select_related("unit")

    def members(self) -> QuerySet[Member]:
        return self.filter(Member.objects.all()).select_related("branch__unit", "party_group", "user")

    def party_groups(self) -> QuerySet[PartyGroup]:
        return self.filter(PartyGroup.objects.all()).select_related("branch__unit")


EMPTY_SCOPE = Scope()


def scope_for(user: User | AnonymousUser | None) -> Scope:
    """Read a user's scope from their permissions; cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached

    is_committee = user.is_superuser or user.has_perm("orgs.committee")
    unit_ids: frozenset[int] = frozenset()
    branch_ids: frozenset[int] = frozenset()
    branch_unit_ids: frozenset[int] = frozenset()
    if not is_committee:
        unit_ids = frozenset(
            get_objects_for_user(
                user, "orgs.manage_unit", klass=Unit, accept_global_perms=False, with_superuser=False
            ).values_list("pk", flat=True)
        )
        branch_rows = get_objects_for_user(
            user, "orgs.manage_branch", klass=Branch, accept_global_perms=False, with_superuser=False
        ).values_list("pk", "unit_id")
        branch_ids = frozenset(pk for pk, _ in branch_rows)
        branch_unit_ids = frozenset(unit_id for _, unit_id in branch_rows)
    member = Member.objects.filter(user_id=user.pk, active=True).values("pk", "branch_id", "branch__unit_id").first()
    scope = Scope(
        user_id=user.pk,
        is_committee=is_committee,
        unit_ids=unit_ids,
        branch_ids=branch_ids,
        branch_unit_ids=branch_unit_ids,
        member_id=member["pk"] if member else None,
        member_branch_id=member["branch_id"] if member else None,
        member_unit_id=member["branch__unit_id"] if member else None,
    )
    user._portal_scope = scope
    return scope


def forget_scope(user: User) -> None:
    """Drop the cached scope (after a role change within the same request)."""
    user.__dict__.pop("_portal_scope", None)
    user.__dict__.pop("_perm_cache", None)
    user.__dict__.pop("_user_perm_cache", None)
    user.__dict__.pop("_group_perm_cache", None)


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
    qs = User.objects.select_related("member__branch__unit")
    if search:
        qs = qs.filter(
            Q(username__icontains=search) | Q(display_name__icontains=search) | Q(member__name__icontains=search)
        )
    return qs.order_by("username")
