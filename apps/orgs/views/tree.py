"""The tree's pages (组织架构): units 单位, branches 党支部 and their party groups 党小组."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core import exports
from apps.core.forms import save_with_form_errors
from apps.core.history import history_rows

from .. import permissions, selectors, services
from ..access import committee_required, manager_required, unit_manager_required
from ..filters import unit_choices
from ..forms import (
    ACTIVE_CHOICES,
    BRANCH_KIND_CHOICES,
    BRANCH_STATUS_CHOICES,
    CATEGORY_CHOICES,
    BranchDissolveForm,
    BranchForm,
    PartyGroupDissolveForm,
    PartyGroupForm,
    UnitForm,
)
from .common import confirm_page, export, form_errors_to_messages, form_page, list_context

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
            u.joined_on,
        )
        for u in units
    )
    headers = ["单位名称", "简称", "单位分类", "党组织类型", "支部数", "党员数", "在用", "纳入平台日期"]
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
        status_choices=BRANCH_STATUS_CHOICES,
        can_create=permissions.may_keep_rosters(scope),
    )
    return render(request, "orgs/branch_list.html", context)


BRANCH_EXPORT_HEADERS = [
    "单位",
    "支部名称",
    "支部类型",
    "成立日期",
    "党员数",
    "状态",
    "撤销日期",
    "撤销原因",
    "并入（改建为）",
]


def _branch_line(b) -> tuple:
    return (
        b.unit.name,
        b.name,
        b.get_kind_display(),
        b.founded_on,
        b.member_count,
        "在用" if b.is_current else "已撤销",
        b.dissolved_on,
        b.get_end_reason_display(),
        b.successor.name if b.successor else "",
    )


@exports.exporter("党支部名单")
def branch_rows(*, user, params) -> exports.Export:
    """The branch list's rows for `user` (its selector and FilterSet); a province's branches export as a job."""
    filterset = selectors.branch_filter(user=user, filters=params)
    return exports.Export(
        filename="党支部名单",
        sheet_title="党支部",
        headers=BRANCH_EXPORT_HEADERS,
        queryset=filterset.qs.select_related("successor"),
        row=_branch_line,
        notes=filterset.messages(),
    )


@manager_required
def branch_export(request, scope):
    return exports.respond(request, branch_rows)


@manager_required
def branch_detail(request, scope, pk):
    branch = get_object_or_404(scope.branches().select_related("successor"), pk=pk)
    memberships = selectors.branch_memberships(user=request.user, branch=branch)
    shown = selectors.BRANCH_MEMBERSHIPS_SHOWN
    can_edit = permissions.may_edit_roster(scope, branch)
    return render(
        request,
        "orgs/branch_detail.html",
        {
            "branch": branch,
            "members": selectors.branch_members(user=request.user, branch=branch),
            "groups": selectors.branch_groups(user=request.user, branch=branch),
            "predecessors": selectors.branch_predecessors(user=request.user, branch=branch),
            "memberships": memberships[:shown],
            "memberships_shown": shown,
            "group_form": PartyGroupForm(),
            "can_edit": can_edit,
            "can_dissolve": can_edit and branch.is_current,
            "can_manage": permissions.may_manage_groups(scope, branch) and branch.is_current,
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
    branch = _editable_branch(scope, pk, "您不能修改该支部。")
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
def branch_dissolve(request, scope, pk):
    """撤销 / 合并 / 更名·改建: the branch ends on a day, its members move to the successor, its groups end."""
    branch = _editable_branch(scope, pk, "您不能撤销该支部。")
    if not branch.is_current:
        messages.info(request, f"{branch.name}已于{branch.dissolved_on:%Y-%m-%d}撤销。")
        return redirect(branch)
    form = BranchDissolveForm(request.POST or None, branch=branch, scope=scope)

    def ended(saved) -> str:
        moved = f"，党员已转入{saved.successor.name}" if saved.successor else ""
        return f"{saved.name}已{saved.get_end_reason_display()}（{saved.dissolved_on:%Y-%m-%d}）{moved}。"

    counts = selectors.branch_counts(user=request.user, branch=branch)
    members, groups = counts["members"], counts["groups"]
    return confirm_page(
        request,
        form,
        # the form's fields are the service's arguments: reason, on, successor
        save=lambda: services.branch_dissolve(actor=request.user, branch=branch, **form.cleaned_data),
        success=ended,
        done=lambda saved: saved.successor or saved,
        title=f"撤销 / 合并 · {branch.name}",
        lead=f"{branch.unit.name} · {branch.name}（成立于 {branch.founded_on:%Y-%m-%d}）",
        consequences=[
            "撤销：支部自撤销日期起不再存在。" + (f"须先把 {members} 名在册党员转出。" if members else ""),
            f"合并、更名·改建：{members} 名在册党员自撤销日期起转入所选支部（不再属于原党小组）。",
            f"{groups} 个党小组同日撤销。" if groups else "本支部没有在用的党小组。",
            "撤销日期之前的组织生活记录和评判结果保留；此后本支部不再评判，也不能再登记记录。",
            "此操作不可撤回。",
        ],
        submit="确认撤销",
        confirm=f"确定撤销“{branch.name}”吗？此操作不可撤回。",
        back_obj=branch,
    )


def _editable_branch(scope, pk, message: str):
    """A branch the user sees (else 404) and keeps the roster of (else 403 with `message`)."""
    branch = get_object_or_404(scope.branches(), pk=pk)
    if not permissions.may_edit_roster(scope, branch):
        raise PermissionDenied(message)
    return branch


@manager_required
@require_POST
def party_group_create(request, scope, pk):
    branch = get_object_or_404(scope.branches(), pk=pk)
    form = PartyGroupForm(request.POST)
    if form.is_valid():
        group = save_with_form_errors(
            form,
            lambda: services.party_group_create(
                actor=request.user,
                branch=branch,
                data={"name": form.cleaned_data["name"], "founded_on": form.cleaned_data["founded_on"]},
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


@manager_required
def party_group_dissolve(request, scope, pk):
    """撤销 a party group on a day: its members stay in the branch, in no group; its past months keep it."""
    group = get_object_or_404(scope.party_groups(), pk=pk)
    if not permissions.may_manage_groups(scope, group.branch):
        raise PermissionDenied("您不能撤销该党小组。")
    if not group.is_current:
        messages.info(request, f"{group.name}已于{group.dissolved_on:%Y-%m-%d}撤销。")
        return redirect(group.branch)
    form = PartyGroupDissolveForm(request.POST or None)
    return confirm_page(
        request,
        form,
        save=lambda: services.party_group_dissolve(actor=request.user, group=group, **form.cleaned_data),
        success=lambda saved: f"党小组“{saved.name}”已撤销（{saved.dissolved_on:%Y-%m-%d}）。",
        done=lambda saved: saved.branch,
        title=f"撤销党小组 · {group.name}",
        lead=f"{group.branch.unit.name} · {group.branch.name} · {group.name}（成立于 {group.founded_on:%Y-%m-%d}）",
        consequences=[
            "党小组自撤销日期起不再存在，其党员仍在本支部，不再属于任何党小组（可在党员信息中另行分配）。",
            "撤销日期之前各月的党小组会仍按当时的党小组评判。",
            "此操作不可撤回。",
        ],
        submit="确认撤销",
        confirm=f"确定撤销党小组“{group.name}”吗？此操作不可撤回。",
        back_obj=group.branch,
    )
