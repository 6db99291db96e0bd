"""Login, logout and password change pages (in Chinese)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm

from apps.core.forms import BootstrapFormMixin

from . import services
from .auth import authenticate_with_lockout


class LoginForm(BootstrapFormMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        self.user_cache = authenticate_with_lockout(self.request, username=data["username"], password=data["password"])
        return data

    def get_user(self):
        return self.user_cache


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
