"""Study sessions the other apps do not hold: 支部周学, 青年理论学习小组, 专题培训, 读书班; and 自学."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from apps.core.dates import validate_record_date
from apps.core.fields import BoundedTextField
from apps.core.models import TimeStampedModel
from apps.core.scoping import ScopePaths
from apps.orgs.models import Branch, Member, Unit

SESSION_HOURS = [MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("24"))]


def default_youth_age() -> int:
    return settings.PORTAL_YOUTH_MAX_AGE


class YouthGroup(TimeStampedModel):
    """青年理论学习小组 of a unit: its young members (aged ≤ max_age on the day they study)."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="youth_groups")
    name = models.CharField("小组名称", max_length=100)
    max_age = models.PositiveSmallIntegerField(
        "年龄上限",
        default=default_youth_age,
        validators=[MinValueValidator(18), MaxValueValidator(60)],
        help_text="学习当天年龄不超过该岁数的党员可参加（默认35周岁）",
    )
    members = models.ManyToManyField(Member, verbose_name="组员", blank=True, related_name="youth_groups")
    active = models.BooleanField("启用", default=True)

    history = HistoricalRecords(m2m_fields=[members])
    scope_paths = ScopePaths(unit="unit", member="members")

    class Meta:
        verbose_name = "青年理论学习小组"
        verbose_name_plural = "青年理论学习小组"
        ordering = ["unit_id", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="youthgroup_name_once_per_unit")]

    def __str__(self):
        return self.name


class SessionKind(models.TextChoices):
    WEEKLY = "weekly", "支部周学"
    YOUTH = "youth", "青年理论学习小组"
    TRAINING = "training", "专题培训"
    READING = "reading", "读书班"


class StudySession(TimeStampedModel):
    """One collective study (集中学习): topic, materials, 领学人, 研讨发言, attendance and hours.

    A 周学 belongs to a branch, a youth-group session to its group, 专题培训 and 读书班 to a unit.
    `same_as` names the record of another app this is the same event as (a 周学 held as the
    lesson of a 主题党日): members that record already counted get no hours here.
    """

    kind = models.CharField("类型", max_length=10, choices=SessionKind.choices)
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="study_sessions")
    branch = models.ForeignKey(
        Branch, verbose_name="支部", on_delete=models.PROTECT, null=True, blank=True, related_name="study_sessions"
    )
    youth_group = models.ForeignKey(
        YouthGroup,
        verbose_name="青年理论学习小组",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    topic = models.CharField("学习主题", max_length=200)
    held_on = models.DateField("学习日期", db_index=True, validators=[validate_record_date])
    place = models.CharField("地点", max_length=100, blank=True)
    materials = BoundedTextField("学习材料", blank=True, max_length=5000, help_text="篇目、文件或链接，每行一项")
    leader = models.ForeignKey(
        Member, verbose_name="领学人", on_delete=models.PROTECT, null=True, blank=True, related_name="sessions_led"
    )
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1, validators=SESSION_HOURS)
    same_as = models.CharField(
        "与组织生活记录为同一次活动",
        max_length=60,
        blank=True,
        help_text="已在组织生活中登记的同一次学习：该记录已计入学时的党员不再重复计入",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.SET_NULL, null=True, related_name="+"
    )

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="unit", branch="branch", member="attendances__member")

    class Meta:
        verbose_name = "集中学习"
        verbose_name_plural = "集中学习"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["unit", "held_on"]), models.Index(fields=["branch", "held_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=SessionKind.WEEKLY) | Q(branch__isnull=False),
                name="studysession_weekly_has_branch",
                violation_error_message="支部周学须选择支部。",
            ),
            models.CheckConstraint(
                condition=~Q(kind=SessionKind.YOUTH) | Q(youth_group__isnull=False),
                name="studysession_youth_has_group",
                violation_error_message="青年理论学习小组的学习须选择小组。",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.topic}"

    def get_absolute_url(self):
        return reverse("study:session_detail", args=[self.pk])


class SessionSpeech(models.Model):
    """研讨发言 at a study session: the speaker and a short summary."""

    session = models.ForeignKey(StudySession, verbose_name="学习", on_delete=models.CASCADE, related_name="speeches")
    speaker = models.ForeignKey(Member, verbose_name="发言人", on_delete=models.PROTECT, related_name="+")
    summary = models.CharField("发言要点", max_length=300)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    scope_paths = ScopePaths(unit="session__unit", branch="session__branch", member="speaker")

    class Meta:
        verbose_name = "研讨发言"
        verbose_name_plural = "研讨发言"
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.speaker} 发言"


class SessionAttendance(models.Model):
    """A member at a study session: present (earns the session's hours) or absent with a reason."""

    session = models.ForeignKey(StudySession, verbose_name="学习", on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="study_attendances")
    present = models.BooleanField("出席", default=True)
    absence_reason = models.CharField("缺席原因", max_length=100, blank=True)

    scope_paths = ScopePaths(unit="session__unit", branch="session__branch", member="member")

    class Meta:
        verbose_name = "学习出勤"
        verbose_name_plural = "学习出勤"
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="studyattendance_once")]
        indexes = [models.Index(fields=["member", "session"])]

    def __str__(self):
        return f"{self.member} · {'出席' if self.present else '缺席'}"


class SelfStudy(models.Model):
    """自学: a member's own study, capped per day and per year by the year's settings."""

    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="self_studies")
    studied_on = models.DateField("学习日期", validators=[validate_record_date])
    title = models.CharField("学习内容", max_length=200)
    material = models.CharField("材料", max_length=200, blank=True, help_text="书名、篇目或文件名")
    link = models.URLField("链接", max_length=500, blank=True)
    hours = models.DecimalField(
        "学时",
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("8"))],
    )
    note = models.CharField("学习体会", max_length=300, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="member__branch__unit", branch="member__branch", member="member")

    class Meta:
        verbose_name = "自学"
        verbose_name_plural = "自学"
        ordering = ["-studied_on", "-id"]
        indexes = [
            models.Index(fields=["member", "studied_on"]),
            # The committee's list (page and API) in its own order: an index scan that stops after a page,
            # not a sort of the city's million entries (BENCHMARKS.md, API 自学记录).
            models.Index(fields=["-studied_on", "-id"], name="selfstudy_recent"),
        ]

    def __str__(self):
        return f"{self.member} 自学 {self.title}"
