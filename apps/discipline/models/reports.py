"""履责报告: reporting rounds the committee opens (half-year / year), each unit's report, and its review log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from apps.core.fields import BoundedTextField
from apps.core.models import TimeStampedModel
from apps.core.scoping import GLOBAL, ScopePaths
from apps.orgs.models import Unit


class RoundKind(models.TextChoices):
    HALF_YEAR = "half", "半年"
    YEAR = "year", "年度"


class ReportRound(TimeStampedModel):
    """A reporting period: what is reported (starts_on–ends_on) and by when (due_on, Asia/Shanghai)."""

    kind = models.CharField("周期", max_length=10, choices=RoundKind.choices)
    title = models.CharField("名称", max_length=100, help_text="例如 2026年上半年履责报告")
    starts_on = models.DateField("报告期起")
    ends_on = models.DateField("报告期止")
    due_on = models.DateField("报送截止日", help_text="当日24时（北京时间）前报送为按时")
    units = models.ManyToManyField(
        Unit, verbose_name="报送单位", blank=True, related_name="+", help_text="不选则全部单位"
    )
    opened_at = models.DateTimeField("发布时间", null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[units])
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "履责报告期"
        verbose_name_plural = "履责报告期"
        ordering = ["-due_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="reportround_period_order",
                violation_error_message="报告期止不能早于报告期起。",
            ),
        ]

    def __str__(self):
        return self.title


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已报送"
    ACCEPTED = "accepted", "已通过"
    RETURNED = "returned", "已退回"


class DutyReport(TimeStampedModel):
    """A unit's report for a round: draft → 已报送 → 已通过, or 已退回 (with comments) → 已报送 again."""

    round = models.ForeignKey(ReportRound, verbose_name="报告期", on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="duty_reports")
    content = BoundedTextField(
        "报告内容", blank=True, max_length=20000, help_text="最多 20000 字；更长的报告请作为附件上传"
    )
    status = models.CharField("状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    first_submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    submitted_at = models.DateTimeField("最近报送时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_comment = models.CharField("审核意见", max_length=500, blank=True)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "履责报告"
        verbose_name_plural = "履责报告"
        ordering = ["-round__due_on", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="dutyreport_once_per_round")]

    def __str__(self):
        return f"{self.unit} · {self.round}"


class ReportReview(models.Model):
    """Log of one step of a report (报送, 通过, 退回) with who, when and the comment."""

    report = models.ForeignKey(DutyReport, verbose_name="报告", on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField("操作", max_length=10, choices=ReportStatus.choices)
    comment = models.CharField("意见", max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)

    scope_paths = ScopePaths(unit="report__unit")

    class Meta:
        verbose_name = "报告审核记录"
        verbose_name_plural = "报告审核记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.report} {self.get_action_display()}"
