"""Login, logout and password change pages (in Chinese)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from apps.core.forms import BootstrapFormMixin

from .. import services
from ..auth import authenticate_with_lockout


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
    """The Django admin's login (admin.site.login_form): the same lockout and audit as the portal's."""


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
