"""Attachments of reports and rectifications: never served from MEDIA_URL, only through a view that checks the unit."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.scoping import ScopePaths
from apps.orgs.models import Unit

from .reports import DutyReport
from .supervision import Rectification


def attachment_path(instance, filename):
    return f"discipline/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class Attachment(models.Model):
    """A file of a 履责报告 or of a 整改 submission (exactly one of them), checked by content on upload."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(
        DutyReport, verbose_name="履责报告", on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    rectification = models.ForeignKey(
        Rectification, verbose_name="整改", on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(report__isnull=False) & Q(rectification__isnull=True))
                | (Q(report__isnull=True) & Q(rectification__isnull=False)),
                name="attachment_has_one_owner",
                violation_error_message="附件须属于一份履责报告或一项整改。",
            ),
        ]

    def __str__(self):
        return self.original_name

    @property
    def extension(self) -> str:
        return {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}.get(
            self.content_type, ".pdf"
        )
