"""约谈提醒, 督促检查 / 明察暗访 with findings, and each finding's 整改 (rectification) with its status log.

Sensitive (DOMAIN §3): talks, findings and rectifications are the committee's and that unit's
secretary's only — `ScopePaths(unit=…)` with no branch or member path gives exactly that.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from apps.core.dates import validate_record_date
from apps.core.fields import BoundedTextField
from apps.core.models import TimeStampedModel
from apps.core.scoping import COMMITTEE_ONLY, ScopePaths
from apps.orgs.models import Unit


class TalkKind(models.TextChoices):
    ADMONITION = "admonition", "约谈"
    REMINDER = "reminder", "提醒谈话"
    CAUTION = "caution", "诫勉谈话"


class Talk(TimeStampedModel):
    """约谈提醒: a talk with a unit's leaders or cadres — who, by whom, why, when, outcome, follow-up."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="discipline_talks")
    kind = models.CharField("类型", max_length=12, choices=TalkKind.choices, default=TalkKind.ADMONITION)
    talked_with = models.CharField("谈话对象", max_length=200, help_text="姓名及职务，多人用顿号分隔")
    talked_by = models.CharField("谈话人", max_length=200, help_text="姓名及职务")
    reason = models.CharField("谈话事由", max_length=500)
    held_on = models.DateField("谈话日期", validators=[validate_record_date])
    outcome = BoundedTextField("谈话情况", blank=True, max_length=5000)
    follow_up = models.CharField("后续要求", max_length=500, blank=True)
    follow_up_due = models.DateField("后续落实期限", null=True, blank=True, validators=[validate_record_date])
    follow_up_done_on = models.DateField("后续落实日期", null=True, blank=True, validators=[validate_record_date])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "约谈提醒"
        verbose_name_plural = "约谈提醒"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.unit} · {self.get_kind_display()} · {self.held_on:%Y-%m-%d}"


class InspectionKind(models.TextChoices):
    OPEN = "open", "督促检查"
    UNANNOUNCED = "unannounced", "明察暗访"


class Inspection(TimeStampedModel):
    """An inspection by the committee (it may cover several units: each finding names its unit)."""

    kind = models.CharField("方式", max_length=12, choices=InspectionKind.choices)
    title = models.CharField("检查名称", max_length=200)
    held_on = models.DateField("检查日期", validators=[validate_record_date])
    inspectors = models.CharField("检查人员", max_length=200, blank=True)
    summary = BoundedTextField("检查情况", blank=True, max_length=5000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    history = HistoricalRecords()
    scope_paths = COMMITTEE_ONLY  # a unit sees its own findings, never the whole inspection

    class Meta:
        verbose_name = "督促检查"
        verbose_name_plural = "督促检查"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title


class Severity(models.TextChoices):
    GENERAL = "general", "一般问题"
    SERIOUS = "serious", "较重问题"
    VIOLATION = "violation", "违规违纪问题"


class Finding(TimeStampedModel):
    """One problem an inspection found at one unit; it opens a rectification and closes when that is accepted."""

    inspection = models.ForeignKey(Inspection, verbose_name="检查", on_delete=models.PROTECT, related_name="findings")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="findings")
    description = BoundedTextField("发现问题", max_length=2000)
    severity = models.CharField("性质", max_length=10, choices=Severity.choices, default=Severity.GENERAL)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "发现问题"
        verbose_name_plural = "发现问题"
        ordering = ["-inspection__held_on", "id"]

    def __str__(self):
        return self.description[:40]


class RectificationStatus(models.TextChoices):
    OPEN = "open", "待整改"
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "已销号"
    RETURNED = "returned", "退回"


class Rectification(TimeStampedModel):
    """整改 of one finding: the owner unit submits evidence by the deadline; the committee accepts (销号) or returns.

    待整改 → 已提交 → 已销号, or → 退回 → 已提交 → …; overdue when not 已销号 after the deadline day
    (Asia/Shanghai). `accepted_on` is the day it was accepted (on time: on or before the deadline).
    """

    finding = models.OneToOneField(Finding, verbose_name="问题", on_delete=models.PROTECT, related_name="rectification")
    unit = models.ForeignKey(Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="rectifications")
    requirement = models.CharField("整改要求", max_length=500)
    required_evidence = models.CharField("须提交的佐证", max_length=300, help_text="例如 整改报告、制度文件、现场照片")
    deadline = models.DateField("整改期限", validators=[validate_record_date])
    status = models.CharField(
        "状态", max_length=10, choices=RectificationStatus.choices, default=RectificationStatus.OPEN, db_index=True
    )
    measures = BoundedTextField("整改措施及成效", blank=True, max_length=5000)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_at = models.DateTimeField("销号时间", null=True, blank=True)
    accepted_on = models.DateField("销号日期", null=True, blank=True)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "整改"
        verbose_name_plural = "整改"
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["unit", "status", "deadline"])]

    def __str__(self):
        return f"{self.unit} 整改：{self.finding}"

    def get_absolute_url(self):
        return reverse("discipline:rectification_detail", args=[self.pk])


class RectificationEvent(models.Model):
    """Log of one transition of a rectification, with who, when and the comment (退回 needs one)."""

    rectification = models.ForeignKey(
        Rectification, verbose_name="整改", on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField("原状态", max_length=10, choices=RectificationStatus.choices)
    to_status = models.CharField("新状态", max_length=10, choices=RectificationStatus.choices)
    comment = models.CharField("说明", max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    scope_paths = ScopePaths(unit="rectification__unit")

    class Meta:
        verbose_name = "整改流转记录"
        verbose_name_plural = "整改流转记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.rectification_id}: {self.from_status} → {self.to_status}"
