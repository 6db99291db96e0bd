"""Writes of accounts and roles (账号与角色), and the login audit (登录日志)."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from apps.core import audit
from apps.core.permissions import require

from .. import lockout
from ..access import Role, forget_scope, scope_for
from ..models import Branch, LoginEvent, Member, Unit, User

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
        member.user = user
        audit.record_bulk([member], action=audit.UPDATE, fields=["user"], note="关联账号")
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
    from ..models import BranchUserObjectPermission, UnitUserObjectPermission

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
