"""Org tree pages: units, branches, party groups, members, accounts and roles.

Every queryset comes from the user's scope (selectors); every write goes
through a service, whose ValidationError becomes a form error in Chinese.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.excel import xlsx_response
from apps.core.forms import save_with_form_errors
from apps.core.history import history_rows
from apps.core.listing import paginate

from . import selectors, services
from .access import Role, scope_for
from .forms import (
    ACTIVE_CHOICES,
    BRANCH_KIND_CHOICES,
    CATEGORY_CHOICES,
    AccountCreateForm,
    BranchForm,
    DeactivateForm,
    MemberForm,
    PartyGroupForm,
    PasswordResetForm,
    RoleGrantForm,
    UnitForm,
    unit_filter_choices,
)
from .models import MemberStatus, PartyGroup, User


def _scope(request, *, managers_only: bool = True):
    scope = scope_for(request.user)
    if managers_only and not scope.is_manager:
        raise PermissionDenied("该页面仅供党务工作人员使用。")
    return scope


def _committee_only(request):
    scope = scope_for(request.user)
    if not scope.is_committee:
        raise PermissionDenied("该页面仅供工委管理员使用。")
    return scope


def _params(request, *names):
    return {name: request.GET.get(name, "").strip() for name in names}


# --- units -----------------------------------------------------------------------------------


@login_required
def unit_list(request):
    scope = _scope(request)
    filters = _params(request, "q", "category", "active")
    qs = selectors.unit_list(
        user=request.user, search=filters["q"], category=filters["category"], active=filters["active"]
    )
    page, querystring = paginate(request, qs)
    counts = selectors.unit_member_counts([u.pk for u in page])
    for unit in page:
        unit.member_count = counts.get(unit.pk, 0)
    return render(
        request,
        "orgs/unit_list.html",
        {
            "page": page,
            "querystring": querystring,
            "filters": filters,
            "category_choices": CATEGORY_CHOICES,
            "active_choices": ACTIVE_CHOICES,
            "can_create": scope.is_committee,
        },
    )


@login_required
def unit_export(request):
    _scope(request)
    filters = _params(request, "q", "category", "active")
    units = list(
        selectors.unit_list(
            user=request.user, search=filters["q"], category=filters["category"], active=filters["active"]
        )
    )
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
    return xlsx_response(filename="单位名单", sheet_title="单位", headers=headers, rows=rows)


@login_required
def unit_detail(request, pk):
    scope = _scope(request)
    unit = get_object_or_404(scope.units(), pk=pk)
    branches = (
        scope.branches()
        .filter(unit=unit)
        .annotate(member_count=Count("members", filter=Q(members__active=True)))
        .order_by("-active", "order", "id")
    )
    return render(
        request,
        "orgs/unit_detail.html",
        {
            "unit": unit,
            "branches": branches,
            "can_edit": scope.is_committee,
            "can_add_branch": scope.manages_unit(unit.pk),
            "history": history_rows(unit, limit=10),
        },
    )


@login_required
def unit_create(request):
    _committee_only(request)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = save_with_form_errors(form, lambda: services.unit_create(actor=request.user, data=form.cleaned_data))
        if unit:
            messages.success(request, f"已新建单位“{unit.name}”。")
            return redirect(unit)
    return render(request, "orgs/form.html", {"form": form, "title": "新建单位", "back": "orgs:unit_list"})


@login_required
def unit_edit(request, pk):
    scope = _committee_only(request)
    unit = get_object_or_404(scope.units(), pk=pk)
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(
            form, lambda: services.unit_update(actor=request.user, unit=unit, data=form.cleaned_data)
        )
        if saved:
            messages.success(request, "单位信息已保存。")
            return redirect(saved)
    return render(request, "orgs/form.html", {"form": form, "title": f"编辑单位 · {unit.name}", "back_obj": unit})


# --- branches and party groups -------------------------------------------------------------------


def _branch_filters(request):
    return _params(request, "q", "unit", "kind", "active")


@login_required
def branch_list(request):
    scope = _scope(request)
    filters = _branch_filters(request)
    qs = selectors.branch_list(
        user=request.user,
        search=filters["q"],
        unit=filters["unit"],
        kind=filters["kind"],
        active=filters["active"],
    )
    page, querystring = paginate(request, qs)
    return render(
        request,
        "orgs/branch_list.html",
        {
            "page": page,
            "querystring": querystring,
            "filters": filters,
            "unit_choices": unit_filter_choices(scope) if scope.is_committee or len(scope.unit_ids) > 1 else None,
            "kind_choices": BRANCH_KIND_CHOICES,
            "active_choices": ACTIVE_CHOICES,
            "can_create": scope.is_committee or bool(scope.unit_ids),
        },
    )


@login_required
def branch_export(request):
    _scope(request)
    filters = _branch_filters(request)
    qs = selectors.branch_list(
        user=request.user,
        search=filters["q"],
        unit=filters["unit"],
        kind=filters["kind"],
        active=filters["active"],
    )
    rows = ((b.unit.name, b.name, b.get_kind_display(), b.founded_on, b.member_count, b.active) for b in qs.iterator())
    headers = ["单位", "支部名称", "支部类型", "成立日期", "党员数", "在用"]
    return xlsx_response(filename="党支部名单", sheet_title="党支部", headers=headers, rows=rows)


@login_required
def branch_detail(request, pk):
    scope = _scope(request)
    branch = get_object_or_404(scope.branches(), pk=pk)
    members = scope.members().filter(branch=branch, active=True).order_by("-is_branch_committee", "name", "id")
    groups = PartyGroup.objects.filter(branch=branch).annotate(
        member_count=Count("members", filter=Q(members__active=True))
    )
    return render(
        request,
        "orgs/branch_detail.html",
        {
            "branch": branch,
            "members": members,
            "groups": groups,
            "group_form": PartyGroupForm(),
            "can_edit": scope.edits_roster_of(branch),
            "can_manage": scope.manages_branch(branch),
            "history": history_rows(branch, limit=10),
        },
    )


@login_required
def branch_create(request):
    scope = _scope(request)
    if not (scope.is_committee or scope.unit_ids):
        raise PermissionDenied("只有工委管理员和单位党务干部可以新建支部。")
    form = BranchForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        branch = save_with_form_errors(form, lambda: services.branch_create(actor=request.user, data=form.cleaned_data))
        if branch:
            messages.success(request, f"已新建党支部“{branch.name}”。")
            return redirect(branch)
    return render(request, "orgs/form.html", {"form": form, "title": "新建党支部", "back": "orgs:branch_list"})


@login_required
def branch_edit(request, pk):
    scope = _scope(request)
    branch = get_object_or_404(scope.branches(), pk=pk)
    if not scope.edits_roster_of(branch):
        raise PermissionDenied("您不能修改该支部。")
    form = BranchForm(request.POST or None, instance=branch, scope=scope)
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(
            form, lambda: services.branch_update(actor=request.user, branch=branch, data=form.cleaned_data)
        )
        if saved:
            messages.success(request, "支部信息已保存。")
            return redirect(saved)
    return render(request, "orgs/form.html", {"form": form, "title": f"编辑党支部 · {branch.name}", "back_obj": branch})


@login_required
@require_POST
def party_group_create(request, pk):
    scope = _scope(request)
    branch = get_object_or_404(scope.branches(), pk=pk)
    form = PartyGroupForm(request.POST)
    if form.is_valid():
        group = save_with_form_errors(
            form, lambda: services.party_group_create(actor=request.user, branch=branch, name=form.cleaned_data["name"])
        )
        if group:
            messages.success(request, f"已新建党小组“{group.name}”。")
            return redirect(branch)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(branch)


@login_required
def party_group_edit(request, pk):
    scope = _scope(request)
    group = get_object_or_404(scope.party_groups(), pk=pk)
    form = PartyGroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(
            form,
            lambda: services.party_group_update(
                actor=request.user, group=group, name=form.cleaned_data["name"], active=form.cleaned_data["active"]
            ),
        )
        if saved:
            messages.success(request, "党小组已保存。")
            return redirect(group.branch)
    return render(
        request, "orgs/form.html", {"form": form, "title": f"编辑党小组 · {group.name}", "back_obj": group.branch}
    )


# --- members -------------------------------------------------------------------------------------------


def _member_filters(request):
    filters = _params(request, "q", "unit", "branch", "status", "active", "cadre")
    if not filters["active"]:
        filters["active"] = "1"
    return filters


def _member_queryset(request, filters):
    return selectors.member_list(
        user=request.user,
        search=filters["q"],
        unit=filters["unit"],
        branch=filters["branch"],
        status=filters["status"],
        active=filters["active"],
        cadre=filters["cadre"],
    )


@login_required
def member_list(request):
    scope = _scope(request)
    filters = _member_filters(request)
    page, querystring = paginate(request, _member_queryset(request, filters))
    branch_choices = scope.branches().filter(active=True).only("pk", "name", "unit_id")
    if filters["unit"].isdigit():
        branch_choices = branch_choices.filter(unit_id=int(filters["unit"]))
    show_units = scope.is_committee or len(scope.unit_ids) > 1
    return render(
        request,
        "orgs/member_list.html",
        {
            "title": "党员名册",
            "export_url": reverse("orgs:member_export"),
            "page": page,
            "querystring": querystring,
            "filters": filters,
            "unit_choices": unit_filter_choices(scope) if show_units else None,
            "branch_choices": [(str(b.pk), b.name) for b in branch_choices] if len(scope.branch_ids) != 1 else None,
            "status_choices": [("", "全部状态"), *MemberStatus.choices],
            "can_create": scope.is_committee or bool(scope.unit_ids),
        },
    )


@login_required
def member_export(request):
    _scope(request)
    filters = _member_filters(request)
    qs = _member_queryset(request, filters)
    headers = ["单位", "支部", "党小组", "姓名", "性别", "出生日期", "入党日期", "党员状态", "职务"]
    headers += ["领导干部", "支部委员", "在册", "离册日期", "离册原因"]
    rows = (
        (
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
        for m in qs.iterator(chunk_size=2000)
    )
    return xlsx_response(filename="党员名册", sheet_title="党员名册", headers=headers, rows=rows)


@login_required
def member_detail(request, pk):
    scope = _scope(request)
    member = selectors.member_get(user=request.user, pk=pk)
    if member is None:
        raise Http404
    return render(
        request,
        "orgs/member_detail.html",
        {
            "member": member,
            "can_edit": scope.edits_roster_of(member.branch),
            "can_open_account": scope.is_committee and member.user_id is None and member.active,
            "history": history_rows(member),
        },
    )


@login_required
def member_create(request):
    scope = _scope(request)
    if not (scope.is_committee or scope.unit_ids):
        raise PermissionDenied("只有工委管理员和单位党务干部可以登记党员。")
    initial = {}
    if request.GET.get("branch", "").isdigit():
        initial["branch"] = int(request.GET["branch"])
    form = MemberForm(request.POST or None, scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        member = save_with_form_errors(form, lambda: services.member_create(actor=request.user, data=form.cleaned_data))
        if member:
            messages.success(request, f"已登记党员“{member.name}”。")
            return redirect(member)
    return render(request, "orgs/form.html", {"form": form, "title": "登记党员", "back": "orgs:member_list"})


@login_required
def member_edit(request, pk):
    scope = _scope(request)
    member = selectors.member_get(user=request.user, pk=pk)
    if member is None:
        raise Http404
    if not scope.edits_roster_of(member.branch):
        raise PermissionDenied("您不能修改该党员的信息。")
    form = MemberForm(request.POST or None, instance=member, scope=scope)
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(
            form, lambda: services.member_update(actor=request.user, member=member, data=form.cleaned_data)
        )
        if saved:
            messages.success(request, "党员信息已保存。")
            return redirect(saved)
    return render(request, "orgs/form.html", {"form": form, "title": f"编辑党员 · {member.name}", "back_obj": member})


@login_required
def member_deactivate(request, pk):
    scope = _scope(request)
    member = selectors.member_get(user=request.user, pk=pk)
    if member is None:
        raise Http404
    if not scope.edits_roster_of(member.branch):
        raise PermissionDenied("您不能办理该党员的离册。")
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


@login_required
@require_POST
def member_reactivate(request, pk):
    _scope(request)
    member = selectors.member_get(user=request.user, pk=pk)
    if member is None:
        raise Http404
    try:
        services.member_reactivate(actor=request.user, member=member)
        messages.success(request, f"“{member.name}”已恢复在册。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(member)


# --- accounts and roles (committee) ---------------------------------------------------------------------


@login_required
def account_list(request):
    _committee_only(request)
    filters = _params(request, "q")
    page, querystring = paginate(request, selectors.account_list(user=request.user, search=filters["q"]))
    return render(request, "orgs/account_list.html", {"page": page, "querystring": querystring, "filters": filters})


@login_required
def account_create(request):
    scope = _committee_only(request)
    member = None
    member_id = request.GET.get("member") or request.POST.get("member")
    if member_id:
        member = scope.members().filter(pk=member_id if str(member_id).isdigit() else 0).first()
        if member is None:
            raise Http404
    form = AccountCreateForm(request.POST or None, initial={"display_name": member.name if member else ""})
    if request.method == "POST" and form.is_valid():
        user = save_with_form_errors(
            form,
            lambda: services.account_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
                member=member,
            ),
        )
        if user:
            messages.success(request, f"已开设账号“{user.username}”，首次登录须修改密码。")
            return redirect("orgs:account_detail", pk=user.pk)
    return render(request, "orgs/account_create.html", {"form": form, "member": member})


@login_required
def account_detail(request, pk):
    _committee_only(request)
    account = get_object_or_404(User.objects.select_related("member__branch__unit"), pk=pk)
    return render(
        request,
        "orgs/account_detail.html",
        {
            "account": account,
            "roles": [(role, Role.LABELS[role], target) for role, target in services.roles_of(account)],
            "grant_form": RoleGrantForm(),
            "password_form": PasswordResetForm(),
            "recent_logins": account.loginevent_set.order_by("-at")[:10],
        },
    )


@login_required
@require_POST
def role_grant(request, pk):
    _committee_only(request)
    account = get_object_or_404(User, pk=pk)
    form = RoleGrantForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.role_grant(
                actor=request.user, user=account, role=data["role"], unit=data.get("unit"), branch=data.get("branch")
            )
            messages.success(request, f"已授予角色：{Role.LABELS[data['role']]}。")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("orgs:account_detail", pk=account.pk)


@login_required
@require_POST
def role_revoke(request, pk):
    scope = _committee_only(request)
    account = get_object_or_404(User, pk=pk)
    role = request.POST.get("role", "")
    target_id = request.POST.get("target", "")
    unit = scope.units().filter(pk=target_id).first() if role == Role.UNIT and target_id.isdigit() else None
    branch = scope.branches().filter(pk=target_id).first() if role == Role.BRANCH and target_id.isdigit() else None
    try:
        services.role_revoke(actor=request.user, user=account, role=role, unit=unit, branch=branch)
        messages.success(request, "角色已撤销。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("orgs:account_detail", pk=account.pk)


@login_required
@require_POST
def account_active(request, pk):
    _committee_only(request)
    account = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.account_set_active(actor=request.user, user=account, active=active)
        messages.success(request, "账号已启用并解锁。" if active else "账号已停用。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("orgs:account_detail", pk=account.pk)


@login_required
@require_POST
def account_password(request, pk):
    _committee_only(request)
    account = get_object_or_404(User, pk=pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.account_reset_password(actor=request.user, user=account, password=form.cleaned_data["password"])
            messages.success(request, "密码已重置，用户下次登录须修改密码。")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "请填写新密码。")
    return redirect("orgs:account_detail", pk=account.pk)
