"""Accounts and roles (账号与角色): the committee's pages for login accounts and the roles they hold."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.core.forms import save_with_form_errors

from .. import selectors, services
from ..access import Role, committee_required
from ..forms import AccountCreateForm, PasswordResetForm, RoleGrantForm, RoleRevokeForm, chosen
from ..models import User
from .common import form_errors_to_messages, list_context, report


def _account(request, pk) -> User:
    return get_object_or_404(selectors.accounts(user=request.user), pk=pk)


@committee_required
def account_list(request, scope):
    filterset = selectors.account_filter(user=request.user, filters=request.GET)
    return render(request, "orgs/account_list.html", list_context(request, filterset, title="账号与角色"))


@committee_required
def account_create(request, scope):
    member = None
    member_id = request.GET.get("member") or request.POST.get("member")
    if member_id:
        member = chosen(scope.members(), member_id)
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


@committee_required
def account_detail(request, scope, pk):
    account = _account(request, pk)
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


def _change_role(request, account: User, form, service, success) -> HttpResponse:
    """Grant or revoke a role from the account page's small form; `success(data)` is the message."""
    if form.is_valid():
        data = form.cleaned_data
        change = lambda: service(  # noqa: E731
            actor=request.user, user=account, role=data["role"], unit=data.get("unit"), branch=data.get("branch")
        )
        report(request, change, success(data))
    else:
        form_errors_to_messages(request, form)
    return redirect("orgs:account_detail", pk=account.pk)


@committee_required
@require_POST
def role_grant(request, scope, pk):
    return _change_role(
        request,
        _account(request, pk),
        RoleGrantForm(request.POST),
        services.role_grant,
        lambda data: f"已授予角色：{Role.LABELS[data['role']]}。",
    )


@committee_required
@require_POST
def role_revoke(request, scope, pk):
    return _change_role(
        request,
        _account(request, pk),
        RoleRevokeForm(request.POST, scope=scope),
        services.role_revoke,
        lambda data: "角色已撤销。",
    )


@committee_required
@require_POST
def account_active(request, scope, pk):
    account = _account(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.account_set_active(actor=request.user, user=account, active=active)
        messages.success(request, "账号已启用并解锁。" if active else "账号已停用。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("orgs:account_detail", pk=account.pk)


@committee_required
@require_POST
def account_password(request, scope, pk):
    account = _account(request, pk)
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
