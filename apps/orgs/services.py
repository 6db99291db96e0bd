"""Every write to the organisation tree, accounts and roles.

Each function takes keyword-only arguments, checks that `actor` may do it,
runs `full_clean()` and commits in one transaction. Views, forms and API
serializers call these and hold no rules of their own.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from apps.core.permissions import require

from . import lockout, permissions
from .access import Role, forget_scope, scope_for
from .models import Branch, HeadcountSnapshot, LoginEvent, Member, PartyGroup, Unit, User, youth_born_after

#: The fields a user edits, one list per entity: the services apply them, the ModelForms'
#: and serializers' `Meta.fields` reference them (plus their read-only extras).
UNIT_FIELDS = ("name", "short_name", "category", "party_org_kind", "order", "active")
BRANCH_FIELDS = ("unit", "name", "kind", "founded_on", "order", "active")
#: A party group's branch is given when it is created and never changes.
PARTY_GROUP_FIELDS = ("name", "active")
MEMBER_FIELDS = (
    "branch",
    "party_group",
    "name",
    "gender",
    "birth_date",
    "join_date",
    "status",
    "position",
    "is_leading_cadre",
    "is_branch_committee",
)


def _require_destination(condition: bool, field: str, message: str) -> None:
    """Where the record goes: a place the actor may not write to is a refused choice (400, on the field)."""
    if not condition:
        raise ValidationError({field: message})


def _saved(instance):
    """Validate (fields, validators, constraints) and save: every write's last step."""
    instance.full_clean()
    instance.save()
    return instance


def _apply(instance, fields: tuple[str, ...], data: dict) -> list[str]:
    """Copy the known fields from data onto instance; return the names that changed."""
    changed = []
    for name in fields:
        if name in data and getattr(instance, name, None) != data[name]:
            setattr(instance, name, data[name])
            changed.append(name)
    return changed


# --- units ---------------------------------------------------------------------------


@transaction.atomic
def unit_create(*, actor: User, data: dict) -> Unit:
    require(scope_for(actor).is_committee, "只有工委管理员可以新建单位。")
    unit = Unit()
    _apply(unit, UNIT_FIELDS, data)
    return _saved(unit)


@transaction.atomic
def unit_update(*, actor: User, unit: Unit, data: dict) -> Unit:
    require(scope_for(actor).is_committee, "只有工委管理员可以修改单位。")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if _apply(unit, UNIT_FIELDS, data):
        _saved(unit)
    return unit


# --- branches and party groups ---------------------------------------------------------


@transaction.atomic
def branch_create(*, actor: User, data: dict) -> Branch:
    scope = scope_for(actor)
    require(permissions.may_keep_rosters(scope), "只有工委管理员和单位党务干部可以新建支部。")
    branch = Branch()
    _apply(branch, BRANCH_FIELDS, data)
    _require_destination(
        branch.unit_id is not None and scope.manages_unit(branch.unit_id), "unit", "您只能在本单位新建支部。"
    )
    return _saved(branch)


@transaction.atomic
def branch_update(*, actor: User, branch: Branch, data: dict) -> Branch:
    """Change a branch; moving it to another unit is the committee's alone."""
    scope = scope_for(actor)
    branch = Branch.objects.select_for_update().get(pk=branch.pk)
    require(permissions.may_edit_roster(scope, branch), "您不能修改该支部。")
    if "unit" in data:
        _require_destination(
            permissions.may_move_branch(scope, branch, data["unit"]), "unit", "只有工委管理员可以把支部调整到其他单位。"
        )
    if _apply(branch, BRANCH_FIELDS, data):
        _saved(branch)
    return branch


@transaction.atomic
def party_group_create(*, actor: User, branch: Branch, data: dict) -> PartyGroup:
    require(permissions.may_manage_groups(scope_for(actor), branch), "您不能为该支部设置党小组。")
    group = PartyGroup(branch=branch)
    _apply(group, PARTY_GROUP_FIELDS, {**data, "name": data.get("name", "").strip()})
    return _saved(group)


@transaction.atomic
def party_group_update(*, actor: User, group: PartyGroup, data: dict) -> PartyGroup:
    """Rename or retire a party group. It stays in its branch: its members are that branch's."""
    group = PartyGroup.objects.select_for_update().select_related("branch").get(pk=group.pk)
    require(permissions.may_manage_groups(scope_for(actor), group.branch), "您不能修改该党小组。")
    if "branch" in data:
        _require_destination(
            data["branch"].pk == group.branch_id, "branch", "党小组不能调整到其他支部，请在该支部新建党小组。"
        )
    if "name" in data:
        data = {**data, "name": data["name"].strip()}
    if _apply(group, PARTY_GROUP_FIELDS, data):
        _saved(group)
    return group


# --- members -------------------------------------------------------------------------------


def _check_member_placement(member: Member) -> None:
    if member.party_group_id and member.party_group.branch_id != member.branch_id:
        raise ValidationError({"party_group": "党小组必须属于该党员所在的支部。"})
    if member.birth_date and member.join_date and member.join_date <= member.birth_date:
        raise ValidationError({"join_date": "入党日期必须晚于出生日期。"})


@transaction.atomic
def member_create(*, actor: User, data: dict) -> Member:
    scope = scope_for(actor)
    require(permissions.may_keep_rosters(scope), "只有工委管理员和单位党务干部可以登记党员。")
    member = Member()
    _apply(member, MEMBER_FIELDS, data)
    _require_destination(
        member.branch_id is not None and permissions.may_edit_roster(scope, member.branch),
        "branch",
        "您只能在本单位登记党员。",
    )
    _check_member_placement(member)
    return _saved(member)


@transaction.atomic
def member_update(*, actor: User, member: Member, data: dict) -> Member:
    """Change a member's details; a new branch must be one whose roster the actor keeps too."""
    scope = scope_for(actor)
    member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
    require(permissions.may_edit_roster(scope, member.branch), "您不能修改该党员的信息。")
    if "branch" in data:
        _require_destination(
            permissions.may_move_member(scope, member, data["branch"]), "branch", "您只能把党员调整到本单位的支部。"
        )
    if _apply(member, MEMBER_FIELDS, data):
        _check_member_placement(member)
        _saved(member)
    return member


@transaction.atomic
def member_deactivate(*, actor: User, member: Member, left_on: dt.date, reason: str) -> Member:
    """Take a member off the active roster (转出、去世…). The row and its history stay."""
    member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
    require(permissions.may_edit_roster(scope_for(actor), member.branch), "您不能办理该党员的离册。")
    if not member.active:
        raise ValidationError("该党员已离册。")
    if not reason.strip():
        raise ValidationError({"left_reason": "请填写离册原因。"})
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": "离册日期不能晚于今天。"})
    member.active, member.left_on, member.left_reason = False, left_on, reason.strip()
    _saved(member)
    if member.user_id:  # a member who left no longer logs in as that member
        User.objects.filter(pk=member.user_id).update(is_active=False)
    return member


@transaction.atomic
def member_reactivate(*, actor: User, member: Member) -> Member:
    member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
    require(permissions.may_edit_roster(scope_for(actor), member.branch), "您不能恢复该党员。")
    if member.active:
        raise ValidationError("该党员在册，无需恢复。")
    member.active, member.left_on, member.left_reason = True, None, ""
    return _saved(member)


# --- accounts and roles -------------------------------------------------------------------------


@transaction.atomic
def account_create(
    *, actor: User, username: str, password: str, display_name: str = "", member: Member | None = None
) -> User:
    """Open a login account (optionally for a roster member). The first login must change the password."""
    require(scope_for(actor).is_committee, "只有工委管理员可以开设账号。")
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "该用户名已被使用。"})
    if member is not None and member.user_id:
        raise ValidationError({"member": "该党员已有登录账号。"})
    user = User(username=username, display_name=display_name or (member.name if member else ""))
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    if member is not None:
        Member.objects.filter(pk=member.pk).update(user=user)
    return user


@transaction.atomic
def account_set_active(*, actor: User, user: User, active: bool) -> User:
    require(scope_for(actor).is_committee, "只有工委管理员可以停用或启用账号。")
    if user.pk == actor.pk and not active:
        raise ValidationError("不能停用自己的账号。")
    user.is_active = active
    user.save(update_fields=["is_active"])
    if active:
        lockout.unlock(username=user.username)
    return user


@transaction.atomic
def account_reset_password(*, actor: User, user: User, password: str) -> User:
    require(scope_for(actor).is_committee, "只有工委管理员可以重置密码。")
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save()
    lockout.unlock(username=user.username)
    return user


def _committee_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="orgs", codename="committee")


@transaction.atomic
def role_grant(*, actor: User, user: User, role: str, unit: Unit | None = None, branch: Branch | None = None) -> None:
    """Give an account a role: committee (global), unit secretary (on a Unit), branch secretary (on a Branch)."""
    require(scope_for(actor).is_committee, "只有工委管理员可以分配角色。")
    if role == Role.COMMITTEE:
        user.user_permissions.add(_committee_permission())
    elif role == Role.UNIT:
        if unit is None:
            raise ValidationError({"unit": "请选择单位。"})
        assign_perm("orgs.manage_unit", user, unit)
    elif role == Role.BRANCH:
        if branch is None:
            raise ValidationError({"branch": "请选择支部。"})
        assign_perm("orgs.manage_branch", user, branch)
    else:
        raise ValidationError({"role": "未知的角色。"})
    forget_scope(user)


@transaction.atomic
def role_revoke(*, actor: User, user: User, role: str, unit: Unit | None = None, branch: Branch | None = None) -> None:
    require(scope_for(actor).is_committee, "只有工委管理员可以撤销角色。")
    if role == Role.COMMITTEE:
        if user.pk == actor.pk:
            raise ValidationError("不能撤销自己的工委管理员角色。")
        user.user_permissions.remove(_committee_permission())
    elif role == Role.UNIT and unit is not None:
        remove_perm("orgs.manage_unit", user, unit)
    elif role == Role.BRANCH and branch is not None:
        remove_perm("orgs.manage_branch", user, branch)
    else:
        raise ValidationError({"role": "未知的角色。"})
    forget_scope(user)


def roles_of(user: User) -> list[tuple[str, object | None]]:
    """The roles an account holds, as (role, unit/branch or None), for display."""
    from .models import BranchUserObjectPermission, UnitUserObjectPermission

    roles: list[tuple[str, object | None]] = []
    if user.is_superuser or user.user_permissions.filter(codename="committee", content_type__app_label="orgs").exists():
        roles.append((Role.COMMITTEE, None))
    for perm in UnitUserObjectPermission.objects.filter(user=user, permission__codename="manage_unit").select_related(
        "content_object"
    ):
        roles.append((Role.UNIT, perm.content_object))
    for perm in BranchUserObjectPermission.objects.filter(
        user=user, permission__codename="manage_branch"
    ).select_related("content_object__unit"):
        roles.append((Role.BRANCH, perm.content_object))
    return roles


# --- login audit (等保 2.0 baseline; the lockout itself is django-axes', see orgs.lockout) ---------------


@transaction.atomic
def login_failed(*, username: str, ip: str | None, reason: str = "") -> LoginEvent:
    """Log a refused login. `reason` is the lockout's when it refused; else the password or the name was wrong."""
    user = User.objects.filter(username=username).first()
    reason = reason or ("密码错误" if user is not None else "用户名不存在")
    return LoginEvent.objects.create(username=username[:150], user=user, success=False, reason=reason, ip=ip)


@transaction.atomic
def login_succeeded(*, user: User, ip: str | None) -> LoginEvent:
    return LoginEvent.objects.create(username=user.username, user=user, success=True, ip=ip)


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> User:
    validate_password(new_password, user)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    return user


# --- statistics (Celery) ------------------------------------------------------------------------


@transaction.atomic
def headcount_snapshot(*, on: dt.date) -> int:
    """Write each active unit's headcount for a day; running it again for the same day overwrites it.

    Two grouped queries for all units (members, branches), then one bulk upsert.
    """
    born_after = youth_born_after(on)
    member_rows = {
        r["branch__unit_id"]: r
        for r in Member.objects.filter(active=True, branch__active=True)
        .values("branch__unit_id")
        .annotate(
            total=Count("id"),
            probationary=Count("id", filter=Q(status="probationary")),
            youth=Count("id", filter=Q(birth_date__gt=born_after)),
            cadres=Count("id", filter=Q(is_leading_cadre=True)),
        )
    }
    branch_rows = dict(
        Branch.objects.filter(active=True).values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )
    snapshots = []
    for unit_id in Unit.objects.filter(active=True).values_list("pk", flat=True):
        row = member_rows.get(unit_id, {})
        snapshots.append(
            HeadcountSnapshot(
                unit_id=unit_id,
                date=on,
                members=row.get("total", 0),
                probationary=row.get("probationary", 0),
                youth=row.get("youth", 0),
                leading_cadres=row.get("cadres", 0),
                branches=branch_rows.get(unit_id, 0),
            )
        )
    HeadcountSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["unit", "date"],
        update_fields=["members", "probationary", "youth", "leading_cadres", "branches"],
    )
    return len(snapshots)
