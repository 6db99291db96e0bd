"""Party-life records: an activity with its attendance, 补学, returns, enterprise problems and unlocks."""

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
from apps.orgs.models import Branch, Member, PartyGroup, Unit

from .rules import ActivityType


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"


class Activity(TimeStampedModel):
    """One held activity (一次会议/活动) with its minutes, attendance and evidence."""

    activity_type = models.ForeignKey(
        ActivityType, verbose_name="活动类型", on_delete=models.PROTECT, related_name="activities"
    )
    also_counts_as = models.ManyToManyField(
        ActivityType,
        verbose_name="同时计为",
        blank=True,
        related_name="+",
        help_text="一次活动同时满足多项要求时勾选，例如结合组织生活会开展民主评议党员",
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="activities")
    branch = models.ForeignKey(
        Branch, verbose_name="支部", on_delete=models.PROTECT, null=True, blank=True, related_name="activities"
    )
    party_group = models.ForeignKey(
        PartyGroup, verbose_name="党小组", on_delete=models.PROTECT, null=True, blank=True, related_name="activities"
    )
    topic = models.CharField("主题", max_length=200)
    held_at = models.DateTimeField("时间", db_index=True, validators=[validate_record_date])
    place = models.CharField("地点", max_length=100, blank=True)
    host = models.CharField("主持人/主讲人", max_length=50, blank=True)
    # 中心组学习 and other study: who led the study (领学人); the 研讨发言 are ActivitySpeech rows
    lead_by = models.ForeignKey(
        Member, verbose_name="领学人", on_delete=models.PROTECT, null=True, blank=True, related_name="lessons_led"
    )
    study_hours = models.DecimalField(
        "计入学时",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))],
        help_text="留空按活动类型的默认学时计入学习台账",
    )
    minutes = BoundedTextField("会议记录/纪要", blank=True, max_length=10000)
    # 主题党日: 一课、一片、一实践
    lesson_topic = models.CharField("一课：党课主题", max_length=200, blank=True)
    film_title = models.CharField("一片：观看影片", max_length=200, blank=True)
    practice_summary = models.CharField("一实践：实践活动", max_length=300, blank=True)
    # 第一议题
    meeting_name = models.CharField("会议名称", max_length=100, blank=True, help_text="例如 党组会议、党委会议")
    material = models.CharField("学习内容", max_length=300, blank=True, help_text="学习的讲话、指示批示精神篇目")
    # 谈心谈话
    talker = models.ForeignKey(
        Member, verbose_name="谈话人", on_delete=models.PROTECT, null=True, blank=True, related_name="talks_given"
    )
    talkee = models.ForeignKey(
        Member, verbose_name="谈话对象", on_delete=models.PROTECT, null=True, blank=True, related_name="talks_received"
    )
    # 万名干部联万企
    enterprise_name = models.CharField("联系企业", max_length=100, blank=True)
    cadre = models.ForeignKey(
        Member,
        verbose_name="联系干部",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprise_visits",
    )
    status = models.CharField("状态", max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT)
    evidence_complete = models.BooleanField("材料齐全", default=False)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    unlocked_until = models.DateTimeField("解锁至", null=True, blank=True)
    # 退回: the committee sent a submitted record back to its secretary (a draft again until resubmitted).
    return_reason = models.CharField("退回原因", max_length=200, blank=True)

    history = HistoricalRecords(m2m_fields=[also_counts_as])
    scope_paths = ScopePaths(unit="unit", branch="branch", member="attendances__member")

    class Meta:
        verbose_name = "组织生活记录"
        verbose_name_plural = "组织生活记录"
        ordering = ["-held_at", "-id"]
        indexes = [
            models.Index(fields=["branch", "activity_type", "held_at"]),
            models.Index(fields=["unit", "activity_type", "held_at"]),
            # The records list in its own order (newest first) for one unit, one branch or one type: the page
            # and its COUNT read an index range instead of filtering a walk over every record (BENCHMARKS.md).
            models.Index(fields=["unit", "-held_at", "-id"], name="activity_unit_recent"),
            models.Index(fields=["branch", "-held_at", "-id"], name="activity_branch_recent"),
            models.Index(fields=["activity_type", "-held_at", "-id"], name="activity_type_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(party_group__isnull=True) | Q(branch__isnull=False),
                name="activity_group_needs_branch",
                violation_error_message="党小组活动须属于某个支部。",
            ),
        ]

    def __str__(self):
        return f"{self.activity_type} · {self.topic}"

    def get_absolute_url(self):
        return reverse("partylife:activity_detail", args=[self.pk])

    @property
    def minutes_label(self) -> str:
        return self.activity_type.minutes_label

    @property
    def counts(self) -> bool:
        """Submitted with all required evidence: counts towards the rules (partylife.counting.counts)."""
        from ..counting import counts

        return counts(status=self.status, evidence_complete=self.evidence_complete)


class Attendance(models.Model):
    """A roster member at an activity: present, or absent with a reason (and 补学 where due)."""

    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="attendances")
    present = models.BooleanField("出席", default=True)
    absence_reason = models.CharField("缺席原因", max_length=100, blank=True)

    scope_paths = ScopePaths(unit="activity__unit", branch="activity__branch", member="member")

    class Meta:
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        constraints = [models.UniqueConstraint(fields=["activity", "member"], name="attendance_once_per_member")]

    def __str__(self):
        return f"{self.member} · {'出席' if self.present else '缺席'}"


class ActivitySpeech(models.Model):
    """研讨发言: one speaker at a study record (中心组学习) and what they said, in short."""

    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="speeches")
    speaker = models.ForeignKey(Member, verbose_name="发言人", on_delete=models.PROTECT, related_name="speeches")
    summary = models.CharField("发言要点", max_length=300)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="activity__unit", branch="activity__branch", member="speaker")

    class Meta:
        verbose_name = "研讨发言"
        verbose_name_plural = "研讨发言"
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.speaker} 发言"


class MakeupTask(models.Model):
    """补学: the task given to a member absent from a 党课/主题党日/党员大会; done = attendance counts."""

    attendance = models.OneToOneField(
        Attendance, verbose_name="缺席记录", on_delete=models.CASCADE, related_name="makeup"
    )
    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="makeup_tasks")
    due_on = models.DateField("补学期限")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    note = models.CharField("补学情况", max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", on_delete=models.SET_NULL, null=True, blank=True
    )

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="attendance__activity__unit", branch="attendance__activity__branch", member="member")

    class Meta:
        verbose_name = "补学任务"
        verbose_name_plural = "补学任务"
        ordering = ["done_at", "due_on", "id"]

    def __str__(self):
        return f"{self.member} 补学 {self.attendance.activity}"


class ActivityReturn(models.Model):
    """Log of the committee returning (退回) one submitted record to its secretary, with the reason."""

    activity = models.ForeignKey(Activity, verbose_name="记录", on_delete=models.CASCADE, related_name="returns")
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField("退回原因", max_length=200)
    returned_at = models.DateTimeField("退回时间", auto_now_add=True)

    scope_paths = ScopePaths(unit="activity__unit", branch="activity__branch")

    class Meta:
        verbose_name = "退回记录"
        verbose_name_plural = "退回记录"
        ordering = ["-returned_at", "-id"]

    def __str__(self):
        return f"{self.activity} 退回"


class ProblemCategory(models.TextChoices):
    FINANCING = "financing", "融资"
    LABOUR = "labour", "用工"
    UTILITIES = "utilities", "水电气"
    LOGISTICS = "logistics", "交通物流"
    INFRASTRUCTURE = "infrastructure", "基础设施"
    OTHER = "other", "其他"


class EnterpriseProblem(models.Model):
    """A problem a linked enterprise raised (万名干部联万企), and whether it was solved."""

    activity = models.ForeignKey(Activity, verbose_name="走访记录", on_delete=models.CASCADE, related_name="problems")
    category = models.CharField("问题类别", max_length=20, choices=ProblemCategory.choices)
    description = models.CharField("问题描述", max_length=300)
    solved = models.BooleanField("已解决", default=False)
    solved_on = models.DateField("解决日期", null=True, blank=True, validators=[validate_record_date])
    solution = models.CharField("解决情况", max_length=300, blank=True)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="activity__unit", branch="activity__branch")

    class Meta:
        verbose_name = "企业问题"
        verbose_name_plural = "企业问题"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(solved=False) | Q(solved_on__isnull=False),
                name="problem_solved_has_date",
                violation_error_message="已解决的问题须填写解决日期。",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()}：{self.description}"


class ActivityUnlock(models.Model):
    """Log of the committee unlocking one locked record (who, why, until when)."""

    activity = models.ForeignKey(Activity, verbose_name="记录", on_delete=models.CASCADE, related_name="unlocks")
    unlocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField("解锁原因", max_length=200)
    unlocked_at = models.DateTimeField("解锁时间", auto_now_add=True)
    until = models.DateTimeField("有效至")

    scope_paths = ScopePaths(unit="activity__unit", branch="activity__branch")

    class Meta:
        verbose_name = "解锁记录"
        verbose_name_plural = "解锁记录"
        ordering = ["-unlocked_at"]

    def __str__(self):
        return f"{self.activity} 解锁"
