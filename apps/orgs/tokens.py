"""API tokens (接口令牌) under the same policy as sessions.

- A token is issued by `POST /api/auth/token/` (the login's lockout and audit) and expires after
  PORTAL_API_TOKEN_TTL_DAYS. Only its SHA-256 digest is stored: the key is shown once.
- `PortalTokenAuthentication` answers 401 to a missing-in-database, expired or revoked token, or one
  whose account is inactive; 403 while the account must change its password
  (`PortalSessionAuthentication` applies the same rule to a session using the API).
- Any change of an account's password revokes its tokens (`User.save`); the owner revokes their own,
  the committee anyone's (`can_revoke`).
- A daily job (`apps.orgs.tasks.purge_expired_tokens_task`) deletes the tokens expired more than
  PURGE_AFTER ago (`purge_expired`); until then the owner and the committee still see them in the list.
"""

import datetime as dt
import hashlib
import secrets

import django_filters
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from apps.core.filters import FilterSet, SearchFilter
from apps.core.permissions import require

from .access import Scope, scope_for
from .models import ApiToken, User

KEYWORDS = (b"token", b"bearer")
INVALID = "接口令牌无效、已过期或已吊销，请重新获取。"
MUST_CHANGE_PASSWORD = "账号须先修改密码：请登录网页修改密码后，再重新获取接口令牌。"
#: last_used_at is written at most this often per token: no write on every request.
TOUCH_EVERY = dt.timedelta(minutes=1)
#: An expired token stays listed this long (who had one, until when), then the daily job deletes it.
PURGE_AFTER = dt.timedelta(days=30)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def ttl() -> dt.timedelta:
    return dt.timedelta(days=settings.PORTAL_API_TOKEN_TTL_DAYS)


def issue(*, user: User, ip: str | None = None, now: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for the account; returns (row, key). The key is not stored and cannot be shown again."""
    now = now or timezone.now()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user, digest=digest(key), prefix=key[:8], created_at=now, expires_at=now + ttl(), created_ip=ip
    )
    return token, key


def active(now: dt.datetime | None = None) -> QuerySet[ApiToken]:
    """Tokens that may still be used: not revoked, not past their expiry nor the TTL in force now."""
    now = now or timezone.now()
    return ApiToken.objects.filter(revoked_at__isnull=True, expires_at__gt=now, created_at__gt=now - ttl())


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the tokens expired more than PURGE_AFTER ago (by their expiry or by the TTL in force now).

    Revoked tokens go the same way once expired. Each deletion is audited (the delete signals). Idempotent.
    """
    cutoff = (now or timezone.now()) - PURGE_AFTER
    expired = ApiToken.objects.filter(Q(expires_at__lt=cutoff) | Q(created_at__lt=cutoff - ttl()))
    return expired.delete()[1].get(ApiToken._meta.label, 0)


def password_policy_refuses(user: User) -> bool:
    """The session rule (PasswordPolicyMiddleware): a first login or an expired password must change first."""
    return user.password_expired()


def authenticate_key(key: str, *, now: dt.datetime | None = None) -> ApiToken:
    """The token of this key, or AuthenticationFailed (401) / PermissionDenied (403), in Chinese."""
    now = now or timezone.now()
    token = active(now).select_related("user").filter(digest=digest(key)).first()
    if token is None or not token.user.is_active:
        raise exceptions.AuthenticationFailed(INVALID)
    if password_policy_refuses(token.user):
        raise exceptions.PermissionDenied(MUST_CHANGE_PASSWORD)
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


class PortalTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`), checked by `authenticate_key`."""

    keyword = "Token"

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() not in KEYWORDS:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(INVALID)
        try:
            key = auth[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        token = authenticate_key(key)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword  # makes a refused token a 401 (WWW-Authenticate), not a 403


class PortalSessionAuthentication(SessionAuthentication):
    """A signed-in browser on the API, under the same password rule as a token (and as every page)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and password_policy_refuses(result[0]):
            raise exceptions.PermissionDenied(MUST_CHANGE_PASSWORD)
        return result


# --- who sees and revokes which tokens ------------------------------------------------------


def visible(scope: Scope) -> QuerySet[ApiToken]:
    """The committee sees every account's tokens; anyone else their own."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if scope.is_committee:
        return tokens
    return tokens.filter(user_id=scope.user_id) if scope.user_id is not None else tokens.none()


class ApiTokenFilter(FilterSet):
    """The token list's filters, shared by the page and the API (an owner's list is their own anyway)."""

    q = SearchFilter("user__username", "user__display_name", "prefix", label="账号或令牌前缀")
    user = django_filters.NumberFilter(field_name="user_id", label="账号编号")
    active = django_filters.BooleanFilter(method="filter_active", label="仅有效")

    class Meta:
        model = ApiToken
        fields = ["q", "user", "active"]

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        alive = queryset.filter(pk__in=active().values("pk"))
        return alive if value else queryset.exclude(pk__in=active().values("pk"))


def can_revoke(scope: Scope, token: ApiToken) -> bool:
    return scope.is_committee or (scope.user_id is not None and token.user_id == scope.user_id)


@transaction.atomic
def revoke(*, actor: User, token: ApiToken, now: dt.datetime | None = None) -> ApiToken:
    """Revoke one token (the owner's own, or anyone's by the committee). Revoking twice changes nothing."""
    require(can_revoke(scope_for(actor), token), "您不能吊销该接口令牌。")
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.revoked_by = actor
        token.revoke_reason = "本人吊销" if actor.pk == token.user_id else "管理员吊销"
        token.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return token


def revoke_all(*, user: User, reason: str, actor: User | None = None, now: dt.datetime | None = None) -> int:
    """Revoke every token of the account still in use; returns how many."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now(), revoked_by=actor, revoke_reason=reason
    )


# --- the OpenAPI schema's description of both (drf-spectacular) ---------------------------------


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.orgs.tokens.PortalTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"接口令牌（POST /api/auth/token/ 获取，{settings.PORTAL_API_TOKEN_TTL_DAYS} 天后过期）："
            "Authorization: Token <令牌>",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "apps.orgs.tokens.PortalSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
