"""Send a user whose password is expired (or must be changed) to the change page first."""

from django.shortcuts import redirect
from django.urls import reverse

_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/api/")


class PasswordPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and user.password_expired()
        ):
            return redirect(reverse("password_change") + "?expired=1")
        return self.get_response(request)
