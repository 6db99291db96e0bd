"""Login with the 等保 baseline: lockout after repeated failures, every attempt audited."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import services
from .models import User


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def locked_message(user: User) -> str:
    minutes = max(1, int((user.locked_until - timezone.now()).total_seconds() // 60) + 1)
    return f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试，或联系管理员解锁。"


def authenticate_with_lockout(request, *, username: str, password: str) -> User:
    """Authenticate, or raise ValidationError with a Chinese message; every attempt is logged.

    A locked account is refused before the password is even checked, so guessing
    during the lockout gains nothing.
    """
    username = (username or "").strip()
    ip = client_ip(request)
    existing = User.objects.filter(username__iexact=username).first()
    if existing is not None and existing.is_locked():
        services.login_failed(username=username, ip=ip)
        raise ValidationError(locked_message(existing), code="locked")
    user = authenticate(request, username=existing.username if existing else username, password=password)
    if user is None:
        failed = services.login_failed(username=username, ip=ip)
        if failed is not None and failed.is_locked():
            raise ValidationError(locked_message(failed), code="locked")
        if failed is not None and not failed.is_active:
            raise ValidationError("该账号已停用，请联系管理员。", code="inactive")
        raise ValidationError("用户名或密码错误。", code="invalid_login")
    services.login_succeeded(user=user, ip=ip)
    return user
