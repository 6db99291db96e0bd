"""典型案例 sent to units (read receipts per unit) and 警示教育 sessions (their hours feed the study ledger)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.dates import validate_record_date
from apps.core.fields import BoundedTextField
from apps.core.models import TimeStampedModel
from apps.core.scoping import GLOBAL, ScopePaths
from apps.orgs.models import Member, Unit


class Case(TimeStampedModel):
    """典型案例: published by the committee to some units (none chosen: all); each unit confirms reading it."""

    title = models.CharField("标题", max_length=200)
    category = models.CharField(
        "类别", max_length=50, blank=True, help_text="例如 违反中央八项规定精神、形式主义官僚主义"
    )
    summary = BoundedTextField("案例内容", max_length=10000)
    lesson = models.CharField("警示要点", max_length=500, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    units = models.ManyToManyField(
        Unit, verbose_name="发送单位", blank=True, related_name="+", help_text="不选则全部单位"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    history = HistoricalRecords(m2m_fields=[units])
    scope_paths = GLOBAL  # the selectors show a unit only the published cases sent to it

    class Meta:
        verbose_name = "典型案例"
        verbose_name_plural = "典型案例"
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title


class CaseReceipt(models.Model):
    """A unit confirmed it read (and passed on) a case (已阅)."""

    case = models.ForeignKey(Case, verbose_name="案例", on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField("阅知时间", auto_now_add=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "案例阅知"
        verbose_name_plural = "案例阅知"
        constraints = [models.UniqueConstraint(fields=["case", "unit"], name="casereceipt_once_per_unit")]

    def __str__(self):
        return f"{self.unit} 已阅 {self.case}"


class WarningKind(models.TextChoices):
    WARNING = "warning", "警示教育"
    NEARBY = "nearby", "身边事教育身边人"


class WarningSession(TimeStampedModel):
    """A warning-education session of a unit; attendees earn its hours in the study ledger (entered once)."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="warning_sessions")
    kind = models.CharField("类型", max_length=10, choices=WarningKind.choices, default=WarningKind.WARNING)
    title = models.CharField("主题", max_length=200)
    held_on = models.DateField("日期", validators=[validate_record_date])
    place = models.CharField("地点", max_length=100, blank=True)
    content = BoundedTextField("教育内容", blank=True, max_length=5000, help_text="观看的警示片、通报的案例等")
    cases = models.ManyToManyField(Case, verbose_name="学习的案例", blank=True, related_name="sessions")
    hours = models.DecimalField(
        "学时",
        max_digits=4,
        decimal_places=1,
        default=Decimal("2"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))],
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    history = HistoricalRecords(m2m_fields=[cases])
    scope_paths = ScopePaths(unit="unit", member="attendances__member")

    class Meta:
        verbose_name = "警示教育"
        verbose_name_plural = "警示教育"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title


class WarningAttendance(models.Model):
    session = models.ForeignKey(
        WarningSession, verbose_name="警示教育", on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="warning_attendances"
    )
    present = models.BooleanField("出席", default=True)
    absence_reason = models.CharField("缺席原因", max_length=100, blank=True)

    scope_paths = ScopePaths(unit="session__unit", member="member")

    class Meta:
        verbose_name = "警示教育出勤"
        verbose_name_plural = "警示教育出勤"
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="warningattendance_once")]

    def __str__(self):
        return f"{self.member} · {'出席' if self.present else '缺席'}"
