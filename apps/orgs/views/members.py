"""The roster's pages (党员名册): list, export, detail, registration, edit, 组织关系转接, 离册 and 恢复在册."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core import exports
from apps.core.forms import save_with_form_errors
from apps.core.history import history_rows

from .. import permissions, selectors, services
from ..access import manager_required, unit_manager_required
from ..filters import branch_choices, unit_choices
from ..forms import STATUS_CHOICES, DeactivateForm, MemberForm, MemberTransferForm, chosen
from .common import confirm_page, form_page, list_context, report

EXPORT_HEADERS = [
    "单位",
    "支部",
    "党小组",
    "姓名",
    "性别",
    "出生日期",
    "入党日期",
    "党员状态",
    "职务",
    "领导干部",
    "支部委员",
    "在册",
    "离册日期",
    "离册原因",
]


@manager_required
def member_list(request, scope):
    filterset = selectors.member_filter(user=request.user, filters=request.GET)
    filterset.is_valid()  # the chosen unit (if valid) narrows the branch choices
    context = list_context(
        request,
        filterset,
        title="党员名册",
        export_url=reverse("orgs:member_export"),
        status_choices=STATUS_CHOICES,
        can_create=permissions.may_keep_rosters(scope),
        unit_choices=unit_choices(scope),
        branch_choices=branch_choices(scope, unit=filterset.form.cleaned_data.get("unit")),
    )
    return render(request, "orgs/member_list.html", context)


def _member_line(m) -> tuple:
    return (
        m.branch.unit.name,
        m.branch.name,
        m.party_group.name if m.party_group else "",
        m.name,
        m.get_gender_display(),
        m.birth_date,
        m.join_date,
        m.get_status_display(),
        m.position,
        m.is_leading_cadre,
        m.is_branch_committee,
        m.active,
        m.left_on,
        m.left_reason,
    )


@exports.exporter("党员名册")
def member_rows(*, user, params) -> exports.Export:
    """The roster's rows for `user` (the list's selector and FilterSet); a job builds them again."""
    filterset = selectors.member_filter(user=user, filters=params)
    return exports.Export(
        filename="党员名册",
        sheet_title="党员名册",
        headers=EXPORT_HEADERS,
        queryset=filterset.qs,
        row=_member_line,
        notes=filterset.messages(),
        chunk_size=2000,
    )


@manager_required
def member_export(request, scope):
    return exports.respond(request, member_rows)


def _member(request, pk):
    """The member if the user sees them, else 404."""
    member = selectors.member_get(user=request.user, pk=pk)
    if member is None:
        raise Http404
    return member


def _editable_member(request, scope, pk, message: str):
    member = _member(request, pk)
    if not permissions.may_edit_roster(scope, member.branch):
        raise PermissionDenied(message)
    return member


@manager_required
def member_detail(request, scope, pk):
    member = _member(request, pk)
    return render(
        request,
        "orgs/member_detail.html",
        {
            "member": member,
            "can_edit": permissions.may_edit_roster(scope, member.branch),
            "can_open_account": scope.is_committee and member.user_id is None and member.active,
            "memberships": selectors.member_memberships(user=request.user, member=member),
            "history": history_rows(member),
        },
    )


@unit_manager_required(message="只有工委管理员和单位党务干部可以登记党员。")
def member_create(request, scope):
    branch = chosen(permissions.roster_branches(scope), request.GET.get("branch"))  # from a branch page's link
    form = MemberForm(request.POST or None, scope=scope, initial={"branch": branch})
    return form_page(
        request,
        form,
        save=lambda: services.member_create(
            actor=request.user, data=form.cleaned_data, since=form.cleaned_data.get("since")
        ),
        success="已登记党员“{obj.name}”。",
        title="登记党员",
        back="orgs:member_list",
    )


@manager_required
def member_edit(request, scope, pk):
    member = _editable_member(request, scope, pk, "您不能修改该党员的信息。")
    form = MemberForm(request.POST or None, instance=member, scope=scope)
    return form_page(
        request,
        form,
        save=lambda: services.member_update(actor=request.user, member=member, data=form.cleaned_data),
        success="党员信息已保存。",
        title=f"编辑党员 · {member.name}",
        back_obj=member,
    )


@manager_required
def member_transfer(request, scope, pk):
    """组织关系转接 within the portal: from a day on, the member belongs to another branch."""
    member = _editable_member(request, scope, pk, "您不能办理该党员的组织关系转接。")
    if not member.active:
        messages.error(request, "该党员已离册，不能转接；请先恢复在册。")
        return redirect(member)
    form = MemberTransferForm(request.POST or None, member=member, scope=scope)
    return confirm_page(
        request,
        form,
        # the form's fields are the service's arguments: to_branch, on, party_group
        save=lambda: services.member_transfer(actor=request.user, member=member, **form.cleaned_data),
        success=lambda saved: f"“{saved.name}”自{form.cleaned_data['on']:%Y-%m-%d}起转入{saved.branch.name}。",
        done=lambda saved: saved,
        title=f"组织关系转接 · {member.name}",
        lead=f"{member.branch.unit.name} · {member.branch.name} · {member.name}{_since(request, member)}",
        consequences=[
            "自转接日期起，该党员属于转入支部，参加其组织生活；此前的记录仍属原支部。",
            "转接日期不能早于该党员转入现支部的日期，不能晚于今天，转入支部在该日须已成立。",
            "转往平台以外的党组织，请办理离册（组织关系转出）。",
        ],
        submit="确认转接",
        confirm=f"确定为“{member.name}”办理组织关系转接吗？",
        back_obj=member,
    )


def _since(request, member) -> str:
    """“（自 2024-03-01 起在本支部）”: the day the member came into their branch, for the transfer page."""
    current = selectors.member_memberships(user=request.user, member=member).filter(end_on__isnull=True).first()
    return f"（自 {current.start_on:%Y-%m-%d} 起在本支部）" if current else ""


@manager_required
def member_deactivate(request, scope, pk):
    member = _editable_member(request, scope, pk, "您不能办理该党员的离册。")
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(
            form,
            lambda: services.member_deactivate(
                actor=request.user, member=member, left_on=form.cleaned_data["left_on"], reason=form.reason()
            ),
        )
        if saved:
            messages.success(request, f"“{member.name}”已离册，其记录和历史仍保留。")
            return redirect(saved)
    return render(request, "orgs/member_deactivate.html", {"form": form, "member": member})


@manager_required
@require_POST
def member_reactivate(request, scope, pk):
    member = _member(request, pk)
    reactivate = lambda: services.member_reactivate(actor=request.user, member=member)  # noqa: E731
    report(request, reactivate, f"“{member.name}”已恢复在册。")
    return redirect(member)
