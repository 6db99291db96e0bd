"""Shared model pieces: timestamps. Periods, attachments and notifications join later."""

from django.conf import settings
from django.db import models

from .scoping import ScopePaths


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class Notification(models.Model):
    """An in-app message (通知) to one user; `dedupe_key` makes a reminder go out only once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    category = models.CharField("类别", max_length=30, blank=True)
    dedupe_key = models.CharField("去重键", max_length=200, null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    scope_paths = ScopePaths(owner="user")  # nobody reads anyone else's notifications

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_once_per_key"),
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title
