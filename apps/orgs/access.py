"""The one access layer (可见范围与权限): who a user is, what they see, what they manage, and the view guards.

A user's scope is read back from the django-guardian object permissions granted
on Unit (`orgs.manage_unit`) and Branch (`orgs.manage_branch`), the global
`orgs.committee` permission, and the Member row linked to the account.

- **See**: `Scope.filter(queryset)` narrows any queryset by the model's declared
  `scope_paths` (apps.core.scoping); `Scope.visible(Model)` is the same for a whole model.
- **Manage**: `Scope.managed_units()` / `managed_branches()` are the org nodes this user
  keeps records for (the committee: all). Being a member of a branch gives read access
  to one's own records, never management.
- **Guards**: `committee_required`, `manager_required`, `unit_manager_required` and
  `member_or_manager_required` decorate a view, check the role and hand the scope to
  the view as its second argument: `def page(request, scope, pk): ...`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, Model, Q, QuerySet, Subquery, Value
from guardian.shortcuts import get_objects_for_user

from apps.core.scoping import scope_paths_of

from .models import Branch, Member, PartyGroup, Unit, User


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

    @property
    def is_unit_manager(self) -> bool:
        """Committee or a unit secretary: someone who keeps a whole unit's roster and records."""
        return self.is_committee or bool(self.unit_ids)

    @property
    def spans_units(self) -> bool:
        """Whether this user's lists need a unit filter (the committee, or a secretary of several units)."""
        return self.is_committee or len(self.unit_ids) > 1

    # --- may this user … --------------------------------------------------------
    def manages_unit(self, unit_id: int | None) -> bool:
        return self.is_committee or unit_id in self.unit_ids

    def manages_branch(self, branch: Branch) -> bool:
        """Branch secretary of it, secretary of its unit, or committee."""
        return self.is_committee or branch.pk in self.branch_ids or branch.unit_id in self.unit_ids

    def edits_roster_of(self, branch: Branch) -> bool:
        """Roster changes (members, branches) belong to the committee and the unit's secretary."""
        return self.is_committee or branch.unit_id in self.unit_ids

    # --- what this user manages -----------------------------------------------------
    def managed_units(self) -> QuerySet[Unit]:
        """Units whose unit-level records and roster this user keeps: all for the committee, else their own."""
        qs = Unit.objects.all()
        if not self.is_committee:
            qs = qs.filter(pk__in=sorted(self.unit_ids))
        return qs.order_by("order", "id")

    def managed_branches(self) -> QuerySet[Branch]:
        """Branches whose records this user keeps: all for the committee, their units' and their own otherwise.

        A secretary's own membership elsewhere gives read access to their own records, never management.
        """
        qs = Branch.objects.select_related("unit")
        if not self.is_committee:
            qs = qs.filter(Q(pk__in=sorted(self.branch_ids)) | Q(unit_id__in=sorted(self.unit_ids)))
        return qs.order_by("unit__order", "unit_id", "order", "id")

    # --- what this user sees ----------------------------------------------------------
    def filter(self, queryset: QuerySet) -> QuerySet:
        """Narrow any queryset to what this user may see, by its model's declared `scope_paths`.

        Unit secretaries see everything reachable from their units, branch
        secretaries everything reachable from their branches, a member only rows
        that point at their own Member row. Nothing matches for anyone else.
        Configuration declared GLOBAL is readable by every signed-in user.
        """
        paths = scope_paths_of(queryset.model)
        if self.user_id is None:
            return queryset.none()
        if paths.owner:
            return queryset.filter(**{paths.owner: self.user_id})
        if self.is_committee or paths.is_global:
            return queryset
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

    def visible(self, model: type[Model]) -> QuerySet:
        """Every row of a model this user may see (the choices of a form, filter or serializer field)."""
        return self.filter(model._default_manager.all())

    def units(self) -> QuerySet[Unit]:
        """Units this user sees: managed ones, plus (read-only) the unit of their branch or membership."""
        return self.visible(Unit)

    def branches(self) -> QuerySet[Branch]:
        """Branches this user sees; a member sees their own branch."""
        return self.visible(Branch).select_related("unit")

    def members(self) -> QuerySet[Member]:
        return self.visible(Member).select_related("branch__unit", "party_group", "user")

    def party_groups(self) -> QuerySet[PartyGroup]:
        return self.visible(PartyGroup).select_related("branch__unit")


EMPTY_SCOPE = Scope()


_COMMITTEE, _UNIT, _BRANCH, _MEMBER = 0, 1, 2, 3


def _kind(kind: int) -> Value:
    return Value(kind, output_field=IntegerField())


def _scope_rows(user: User) -> QuerySet:
    """Everything a scope is read from, in one query (a UNION ALL of four arms, rows `(kind, a, b, c)`):

    the global `orgs.committee` permission (held directly or through a group), the units and the branches
    the user manages (django-guardian object permissions, directly or through a group), and the user's
    active Member row (the first in the model's order, as `.first()` would pick).
    """
    committee = Permission.objects.filter(content_type__app_label="orgs", codename="committee").filter(
        Q(pk__in=user.user_permissions.values("pk"))
        | Q(pk__in=Permission.objects.filter(group__user=user).values("pk"))
    )
    units = get_objects_for_user(user, "orgs.manage_unit", klass=Unit, accept_global_perms=False, with_superuser=False)
    branches = get_objects_for_user(
        user, "orgs.manage_branch", klass=Branch, accept_global_perms=False, with_superuser=False
    )
    first_member = Member.objects.filter(user_id=user.pk, active=True).order_by(*Member._meta.ordering).values("pk")
    member = Member.objects.filter(pk=Subquery(first_member[:1]))
    return (
        committee.order_by()
        .values_list(_kind(_COMMITTEE), "pk", "pk", "pk")
        .union(
            units.order_by().values_list(_kind(_UNIT), "pk", "pk", "pk"),
            branches.order_by().values_list(_kind(_BRANCH), "pk", "unit_id", "unit_id"),
            member.order_by().values_list(_kind(_MEMBER), "pk", "branch_id", "branch__unit_id"),
            all=True,
        )
    )


def scope_for(user: User | AnonymousUser | None) -> Scope:
    """Read a user's scope from their permissions (one query); cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached

    rows = list(_scope_rows(user))
    is_committee = user.is_superuser or any(kind == _COMMITTEE for kind, *_ in rows)
    unit_ids: frozenset[int] = frozenset()
    branch_ids: frozenset[int] = frozenset()
    branch_unit_ids: frozenset[int] = frozenset()
    if not is_committee:
        unit_ids = frozenset(pk for kind, pk, _, _ in rows if kind == _UNIT)
        branch_ids = frozenset(pk for kind, pk, _, _ in rows if kind == _BRANCH)
        branch_unit_ids = frozenset(unit_id for kind, _, unit_id, _ in rows if kind == _BRANCH)
    member = next(({"pk": a, "branch_id": b, "branch__unit_id": c} for kind, a, b, c in rows if kind == _MEMBER), None)
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


# --- view guards ------------------------------------------------------------------------------

ScopeTest = Callable[[Scope], bool]


def _guard(test: ScopeTest | None, default_message: str):
    """Build a guard: `@guard` or `@guard(message="…")` on `def view(request, scope, *args, **kwargs)`.

    The guard requires a login, reads the user's scope once, refuses with 403 and a
    Chinese message when `test(scope)` is false, and calls the view with the scope.
    """

    def make(view, message: str):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            scope = scope_for(request.user)
            if test is not None and not test(scope):
                raise PermissionDenied(message)
            return view(request, scope, *args, **kwargs)

        return wrapper

    def guard(view=None, *, message: str = default_message):
        if view is not None:
            return make(view, message)
        return lambda fn: make(fn, message)

    return guard


#: Any signed-in user; the view decides from the scope.
scope_required = _guard(None, "")
#: The committee (工委管理员) only.
committee_required = _guard(lambda s: s.is_committee, "该页面仅供工委管理员使用。")
#: Committee, unit or branch secretaries (党务工作人员).
manager_required = _guard(lambda s: s.is_manager, "该页面仅供党务工作人员使用。")
#: Committee or unit secretaries.
unit_manager_required = _guard(lambda s: s.is_unit_manager, "该页面仅供单位党务干部和工委管理员使用。")
#: Party members and everyone who keeps records.
member_or_manager_required = _guard(
    lambda s: s.is_manager or s.member_id is not None, "该页面仅供党员和党务工作人员使用。"
)
