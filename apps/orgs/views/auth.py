"""Login, logout and password change pages (in Chinese)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.forms import BootstrapFormMixin
from apps.core.listing import paginate

from .. import services, tokens
from ..access import committee_required, scope_required
from ..auth import INVALID_LOGIN, authenticate_with_lockout, client_ip


class LockoutLoginMixin:
    """A login form's clean(): authenticate through the lockout, refuse with its Chinese message."""

    def clean(self):
        if not self.errors:
            self.user_cache = authenticate_with_lockout(
                self.request, username=self.cleaned_data["username"], password=self.cleaned_data["password"]
            )
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginForm(LockoutLoginMixin, BootstrapFormMixin, AuthenticationForm):
    username = forms.CharField(label="用户名", max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)


class AdminLoginForm(LockoutLoginMixin, AdminAuthenticationForm):
    """The Django admin's login (admin.site.login_form): the same lockout and audit as the portal's.

    A right password of an account without admin rights gets the wrong password's answer (and is
    logged as refused), so the admin cannot be used to test passwords either.
    """

    def confirm_login_allowed(self, user):
        if not (user.is_active and user.is_staff):
            services.login_failed(username=user.username, ip=client_ip(self.request), reason="无后台权限")
            raise forms.ValidationError(INVALID_LOGIN, code="invalid_login")


class PortalPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    def clean_new_password1(self):
        new = self.cleaned_data["new_password1"]
        if self.user.check_password(new):
            raise forms.ValidationError("新密码不能与当前密码相同。")
        return new

    def save(self, commit=True):
        return services.user_password_change(user=self.user, new_password=self.cleaned_data["new_password1"])


class PortalLoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            max_failures=settings.PORTAL_LOGIN_MAX_FAILURES,
            lockout_minutes=int(settings.PORTAL_LOGIN_LOCKOUT.total_seconds() // 60),
        )


class PortalPasswordChangeView(auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm
    template_name = "accounts/password_change.html"

    def get_success_url(self):
        from django.urls import reverse

        return reverse("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


# --- API tokens (接口令牌): the owner's page under the account menu, the committee's page of all ----------


def _token_page(request, queryset, *, all_accounts: bool):
    filters = tokens.ApiTokenFilter(request.GET or None, queryset, scope=None)
    page, querystring = paginate(request, filters.qs)
    context = {
        "page": page,
        "querystring": querystring,
        "all_accounts": all_accounts,
        "filter_messages": filters.messages(),
        "q": request.GET.get("q", ""),
        "ttl_days": settings.PORTAL_API_TOKEN_TTL_DAYS,
        "now": timezone.now(),
    }
    return render(request, "accounts/tokens.html", context)


@scope_required
def token_list(request, scope):
    """The signed-in user's own API tokens: when issued, last used, until when; revoke."""
    return _token_page(request, tokens.visible(scope).filter(user_id=scope.user_id), all_accounts=False)


@committee_required(message="只有工委管理员可以查看全部账号的接口令牌。")
def token_all(request, scope):
    return _token_page(request, tokens.visible(scope), all_accounts=True)


@require_POST
@scope_required
def token_revoke(request, scope, pk):
    token = get_object_or_404(tokens.visible(scope), pk=pk)
    tokens.revoke(actor=request.user, token=token)
    messages.success(request, f"接口令牌 {token.prefix}… 已吊销。")
    return redirect("api_tokens" if token.user_id == request.user.pk else "api_tokens_all")
