"""Who receives a reminder (提醒对象): the secretaries of branches and units, and the committee.

Roles are granted to users (never groups) by orgs.services.role_grant, so the direct-FK user
permission tables are the whole truth for secretaries; the committee permission may also come
through a group or superuser status. Every app's reminders ask here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db.models import Q

from .models import BranchUserObjectPermission, UnitUserObjectPermission, User


def branch_secretaries(branch_ids: Iterable[int]) -> dict[int, list[int]]:
    """Active users holding manage_branch, per branch (one query)."""
    out: dict[int, list[int]] = defaultdict(list)
    rows = BranchUserObjectPermission.objects.filter(
        permission__codename="manage_branch", content_object_id__in=list(branch_ids), user__is_active=True
    ).values_list("content_object_id", "user_id")
    for branch_id, user_id in rows.order_by("content_object_id", "user_id"):
        out[branch_id].append(user_id)
    return out


def unit_secretaries(unit_ids: Iterable[int]) -> dict[int, list[int]]:
    """Active users holding manage_unit, per unit (one query)."""
    out: dict[int, list[int]] = defaultdict(list)
    rows = UnitUserObjectPermission.objects.filter(
        permission__codename="manage_unit", content_object_id__in=list(unit_ids), user__is_active=True
    ).values_list("content_object_id", "user_id")
    for unit_id, user_id in rows.order_by("content_object_id", "user_id"):
        out[unit_id].append(user_id)
    return out


def committee_users() -> list[int]:
    """Active users holding `orgs.committee` (directly, through a group, or as superusers), one query."""
    perm = Permission.objects.filter(codename="committee", content_type__app_label="orgs").values("pk")
    granted = Q(user_permissions__in=perm) | Q(groups__permissions__in=perm) | Q(is_superuser=True)
    return list(User.objects.filter(granted, is_active=True).distinct().order_by("pk").values_list("pk", flat=True))
