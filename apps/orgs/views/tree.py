"""The tree's pages (组织架构): units 单位, branches 党支部 and their party groups 党小组."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.forms import save_with_form_errors
from apps.core.history import history_rows

from .. import permissions, selectors, services
from ..access import committee_required, manager_required, unit_manager_required
from ..filters import unit_choices
from ..forms import ACTIVE_CHOICES, BRANCH_KIND_CHOICES, CATEGORY_CHOICES, BranchForm, PartyGroupForm, UnitForm
from .common import export, form_errors_to_messages, form_page, list_context

# --- units -----------------------------------------------------------------------------------


@manager_required
def unit_list(request, scope):
    filterset = selectors.unit_filter(user=request.user, filters=request.GET)
    context = list_context(
        request,
        filterset,
        title="单位管理",
        export_url=reverse("orgs:unit_export"),
        category_choices=CATEGORY_CHOICES,
        active_choices=ACTIVE_CHOICES,
        can_create=scope.is_committee,
    )
    page = context["page"]
    counts = selectors.unit_member_counts([u.pk for u in page])
    for unit in page:
        unit.member_count = counts.get(unit.pk, 0)
    return render(request, "orgs/unit_list.html", context)


@manager_required
def unit_export(request, scope):
    filterset = selectors.unit_filter(user=request.user, filters=request.GET)
    units = list(filterset.qs)
    counts = selectors.unit_member_counts([u.pk for u in units])
    rows = (
        (
            u.name,
            u.short_name,
            u.get_category_display(),
            u.get_party_org_kind_display(),
            u.branch_count,
            counts.get(u.pk, 0),
            u.active,
        )
        for u in units
    )
    headers = ["单位名称", "简称", "单位分类", "党组织类型", "支部数", "党员数", "在用"]
    return export(filterset, filename="单位名单", sheet_title="单位", headers=headers, rows=rows)


@manager_required
def unit_detail(request, scope, pk):
    unit = get_object_or_404(scope.units(), pk=pk)
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "branches": selectors.unit_branches(user=request.user, unit=unit),
            "can_edit": scope.is_committee,
            "can_add_branch": scope.manages_unit(unit.pk),
            "history": history_rows(unit, limit=10),
        },
    )


@committee_required
def unit_create(request, scope):
    form = UnitForm(request.POST or None)
    return form_page(
        request,
        form,
        save=lambda: services.unit_create(actor=request.user, data=form.cleaned_data),
        success="已新建单位“{obj.name}”。",
        title="新建单位",
        back="orgs:unit_list",
    )


@committee_required
def unit_edit(request, scope, pk):
    unit = get_object_or_404(scope.units(), pk=pk)
    form = UnitForm(request.POST or None, instance=unit)
    return form_page(
        request,
        form,
        save=lambda: services.unit_update(actor=request.user, unit=unit, data=form.cleaned_data),
        success="单位信息已保存。",
        title=f"编辑单位 · {unit.name}",
        back_obj=unit,
    )


# --- branches and party groups -------------------------------------------------------------------


@manager_required
def branch_list(request, scope):
    filterset = selectors.branch_filter(user=request.user, filters=request.GET)
    context = list_context(
        request,
        filterset,
        title="党支部管理",
        export_url=reverse("orgs:branch_export"),
        unit_choices=unit_choices(scope),
        kind_choices=BRANCH_KIND_CHOICES,
        active_choices=ACTIVE_CHOICES,
        can_create=permissions.may_keep_rosters(scope),
    )
    return render(request, "orgs/branch_list.html", context)


@manager_required
def branch_export(request, scope):
    filterset = selectors.branch_filter(user=request.user, filters=request.GET)
    rows = (
        (b.unit.name, b.name, b.get_kind_display(), b.founded_on, b.member_count, b.is_current)
        for b in filterset.qs.iterator()
    )
    headers = ["单位", "支部名称", "支部类型", "成立日期", "党员数", "在用"]
    return export(filterset, filename="党支部名单", sheet_title="党支部", headers=headers, rows=rows)


@manager_required
def branch_detail(request, scope, pk):
    branch = get_object_or_404(scope.branches(), pk=pk)
    return render(
        request,
        "orgs/branch_detail.html",
        {
            "branch": branch,
            "members": selectors.branch_members(user=request.user, branch=branch),
            "groups": selectors.branch_groups(user=request.user, branch=branch),
            "group_form": PartyGroupForm(),
            "can_edit": permissions.may_edit_roster(scope, branch),
            "can_manage": permissions.may_manage_groups(scope, branch),
            "history": history_rows(branch, limit=10),
        },
    )


@unit_manager_required(message="只有工委管理员和单位党务干部可以新建支部。")
def branch_create(request, scope):
    form = BranchForm(request.POST or None, scope=scope)
    return form_page(
        request,
        form,
        save=lambda: services.branch_create(actor=request.user, data=form.cleaned_data),
        success="已新建党支部“{obj.name}”。",
        title="新建党支部",
        back="orgs:branch_list",
    )


@manager_required
def branch_edit(request, scope, pk):
    branch = get_object_or_404(scope.branches(), pk=pk)
    if not permissions.may_edit_roster(scope, branch):
        raise PermissionDenied("您不能修改该支部。")
    form = BranchForm(request.POST or None, instance=branch, scope=scope)
    return form_page(
        request,
        form,
        save=lambda: services.branch_update(actor=request.user, branch=branch, data=form.cleaned_data),
        success="支部信息已保存。",
        title=f"编辑党支部 · {branch.name}",
        back_obj=branch,
    )


@manager_required
@require_POST
def party_group_create(request, scope, pk):
    branch = get_object_or_404(scope.branches(), pk=pk)
    form = PartyGroupForm(request.POST)
    if form.is_valid():
        group = save_with_form_errors(
            form,
            lambda: services.party_group_create(
                actor=request.user, branch=branch, data={"name": form.cleaned_data["name"]}
            ),
        )
        if group:
            messages.success(request, f"已新建党小组“{group.name}”。")
            return redirect(branch)
    form_errors_to_messages(request, form)
    return redirect(branch)


@manager_required
def party_group_edit(request, scope, pk):
    group = get_object_or_404(scope.party_groups(), pk=pk)
    form = PartyGroupForm(request.POST or None, instance=group)
    return form_page(
        request,
        form,
        save=lambda: services.party_group_update(actor=request.user, group=group, data=form.cleaned_data),
        success="党小组已保存。",
        title=f"编辑党小组 · {group.name}",
        back_obj=group.branch,
        done=lambda saved: saved.branch,
    )
