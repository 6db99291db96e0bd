"""Evidence files (佐证材料) of a record, and files staged from a refused submit."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from apps.core.scoping import ScopePaths

from .records import Activity


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", "现场照片"
    MINUTES = "minutes", "会议记录扫描件"
    SIGNIN = "signin", "签到表"
    OTHER = "other", "其他材料"


def extension_of(content_type: str) -> str:
    """The stored file's extension for a sniffed content type (images, else PDF)."""
    return {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}.get(
        content_type, ".pdf"
    )


def evidence_path(instance, filename):
    # The stored name is random; the original name is kept in a field. Files are
    # never served from MEDIA_URL, only through the permission-checked view.
    import uuid

    return f"evidence/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{instance.extension}"


class Evidence(models.Model):
    """An evidence file (photo, scan, PDF) of one activity."""

    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField("材料类型", max_length=10, choices=EvidenceKind.choices, default=EvidenceKind.PHOTO)
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    scope_paths = ScopePaths(unit="activity__unit", branch="activity__branch", member="activity__attendances__member")

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("partylife:evidence_file", args=[self.pk])

    @property
    def extension(self) -> str:
        return extension_of(self.content_type)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def staged_path(instance, filename):
    import uuid

    return f"staged/{uuid.uuid4().hex}{instance.extension}"


class StagedEvidenceQuerySet(models.QuerySet):
    def fresh(self):
        """Still attachable: staged less than `StagedEvidence.LIFETIME` ago."""
        return self.filter(staged_at__gte=timezone.now() - StagedEvidence.LIFETIME)

    def stale(self):
        return self.filter(staged_at__lt=timezone.now() - StagedEvidence.LIFETIME)


class StagedEvidence(models.Model):
    """A file chosen on a record form whose submit was refused: kept for its user a short while
    (LIFETIME), listed on the form again and attached by the next successful save; never anyone else's."""

    LIFETIME = dt.timedelta(hours=24)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("材料类型", max_length=10, choices=EvidenceKind.choices)
    file = models.FileField("文件", upload_to=staged_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    staged_at = models.DateTimeField("暂存时间", auto_now_add=True, db_index=True)

    objects = StagedEvidenceQuerySet.as_manager()
    scope_paths = ScopePaths(owner="user")  # nobody attaches anyone else's file

    class Meta:
        verbose_name = "暂存材料"
        verbose_name_plural = "暂存材料"
        ordering = ["staged_at", "id"]

    def __str__(self):
        return self.original_name

    @property
    def extension(self) -> str:
        return extension_of(self.content_type)
