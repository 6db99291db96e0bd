"""Home pages, one per role. `home` sends each user to theirs."""

import json

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render

from apps.orgs.access import Role, scope_for

from . import selectors


@login_required
def home(request):
    scope = scope_for(request.user)
    role = scope.role
    if role == Role.COMMITTEE:
        return _committee_home(request, scope)
    if role == Role.UNIT:
        return _unit_home(request, scope)
    if role == Role.BRANCH:
        return _branch_home(request, scope)
    if role == Role.MEMBER:
        return _member_home(request, scope)
    return render(request, "dashboards/no_role.html", status=200)


def _committee_home(request, scope):
    units = selectors.units_overview(scope)
    by_category = selectors.members_by_category(scope)
    context = {
        "stats": selectors.roster_stats(scope),
        "behind": selectors.units_behind(scope),
        "unit_count": len(units),
        "branch_count": sum(u.branch_count for u in units),
        "units": units,
        "category_chart": json.dumps(by_category, ensure_ascii=False),
    }
    return render(request, "dashboards/committee_home.html", context)


def _unit_home(request, scope):
    units = selectors.units_overview(scope)
    unit_ids = [u.pk for u in units if u.pk in scope.unit_ids]
    branches = (
        scope.branches()
        .filter(unit_id__in=unit_ids, active=True)
        .annotate(member_count=Count("members", filter=Q(members__active=True)))
        .order_by("unit__order", "order", "id")
    )
    branches = list(branches)
    month_cells = selectors.branch_month_status(branches)
    for branch in branches:
        branch.month_cells = month_cells.get(branch.pk, [])
    context = {
        "units": [u for u in units if u.pk in scope.unit_ids],
        "stats": selectors.roster_stats(scope),
        "branches": branches,
    }
    return render(request, "dashboards/unit_home.html", context)


def _branch_home(request, scope):
    branches = list(scope.branches().filter(pk__in=sorted(scope.branch_ids)).order_by("order", "id"))
    members = scope.members().filter(active=True, branch_id__in=sorted(scope.branch_ids))
    month_cells = selectors.branch_month_status(branches)
    for branch in branches:
        branch.month_cells = month_cells.get(branch.pk, [])
    context = {
        "branches": branches,
        "stats": selectors.roster_stats(scope),
        "members": members.order_by("-is_branch_committee", "name")[:200],
    }
    return render(request, "dashboards/branch_home.html", context)


def _member_home(request, scope):
    member = scope.members().get(pk=scope.member_id)
    context = {
        "member": member,
        "makeups": selectors.member_open_makeups(member.pk),
        "activities": selectors.member_recent_activities(scope),
    }
    return render(request, "dashboards/member_home.html", context)
