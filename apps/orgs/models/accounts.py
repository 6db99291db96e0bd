"""Login accounts (账号) and the login audit (登录日志)."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.scoping import COMMITTEE_ONLY

from .. import lockout


class User(AbstractUser):
    """A login account. A party member's account links to their Member row."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    scope_paths = COMMITTEE_ONLY  # accounts are managed by the committee alone

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"
        permissions = [("committee", "工委管理员：管理全部单位")]

    def __str__(self):
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        """Any change of the password (own change, committee reset, admin, manage.py) revokes the API tokens.

        The account's other sessions end with it: Django checks each session's password hash.
        """
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.objects.filter(user=self, revoked_at__isnull=True).update(
                revoked_at=timezone.now(), revoke_reason="密码已修改"
            )

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until(now) is not None

    def locked_until(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """When this account's login lockout ends (None: not locked). Axes counts it (orgs.lockout)."""
        return lockout.locked_until(username=self.username, now=now)

    def password_expired(self, now: dt.datetime | None = None) -> bool:
        if self.must_change_password:
            return True
        if self.password_changed_at is None:
            return False
        return (now or timezone.now()) - self.password_changed_at > settings.PORTAL_PASSWORD_MAX_AGE


class LoginEvent(models.Model):
    """An audit row for every login attempt (kept ≥ 180 days; users cannot delete it)."""

    username = models.CharField("用户名", max_length=150)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    success = models.BooleanField("成功")
    reason = models.CharField("说明", max_length=50, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    scope_paths = COMMITTEE_ONLY  # the login audit is the committee's

    class Meta:
        verbose_name = "登录日志"
        verbose_name_plural = "登录日志"
        ordering = ["-at"]

    def __str__(self):
        return f"{self.username} {timezone.localtime(self.at):%Y-%m-%d %H:%M} {'成功' if self.success else '失败'}"


# --- django-guardian direct foreign-key permission models ------------------------
# Roles are granted on Unit and Branch rows; these tables make the scope query a
# plain join instead of a generic (content type, text pk) lookup.


class ApiToken(models.Model):
    """An API token (接口令牌): under the same policy as a session (apps.orgs.tokens).

    Only a digest of the key is stored; the key is shown once, when it is issued. A token
    expires (PORTAL_API_TOKEN_TTL_DAYS), is refused while its account must change its password,
    and is revoked by its owner, the committee, or any change of the account's password.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="账号"
    )
    digest = models.CharField("摘要", max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8, help_text="令牌的前几位，用于辨认")
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("过期时间", db_index=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    created_ip = models.GenericIPAddressField("签发地址", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField("吊销原因", max_length=50, blank=True)

    scope_paths = COMMITTEE_ONLY  # the committee sees every token; an owner sees their own (tokens.visible)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.prefix}…"

    def is_active(self, now: dt.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def status_label(self) -> str:
        if self.revoked_at is not None:
            return "已吊销"
        return "有效" if self.is_active() else "已过期"
