"""Party life (党内政治生活): activity records, attendance, evidence, 补学, and the compliance rules.

Activity types and compliance rules are data (seeded from DOMAIN.md by a data
migration, edited by the committee). A record belongs to a unit, and to a branch
(or a party group) for branch-level types; it inherits visibility from them.
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.core.dates import validate_record_date
from apps.core.models import TimeStampedModel
from apps.core.periods import Frequency
from apps.core.scoping import GLOBAL, ScopePaths
from apps.orgs.models import Branch, Member, PartyGroup, Unit


class Level(models.TextChoices):
    BRANCH = "branch", "党支部"
    PARTY_GROUP = "party_group", "党小组"
    UNIT = "unit", "单位"


class Strength(models.TextChoices):
    SOFT = "soft", "一般要求"
    HARD = "hard", "刚性要求"
    LOCAL = "local", "本地规定"


class ActivityCategory(models.TextChoices):
    MEETING = "meeting", "组织生活"
    STUDY = "study", "理论学习"
    PRACTICE = "practice", "实践活动"


class ActivityType(models.Model):
    """A kind of activity (支委会, 主题党日, 谈心谈话 …) and what evidence a record of it needs."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    level = models.CharField("层级", max_length=20, choices=Level.choices, default=Level.BRANCH)
    category = models.CharField(
        "类别", max_length=20, choices=ActivityCategory.choices, default=ActivityCategory.MEETING
    )
    description = models.CharField("说明", max_length=200, blank=True)
    # Evidence a record must carry to count (需补充 until it does).
    needs_minutes = models.BooleanField("须有会议记录/纪要", default=True)
    needs_photo = models.BooleanField("须有现场照片", default=False)
    needs_attendance = models.BooleanField("须有出勤名单", default=True)
    needs_signin = models.BooleanField("须有签到表", default=False)
    # Which extra parts the form shows.
    has_theme_day_parts = models.BooleanField("含一课一片一实践", default=False)
    has_first_topic = models.BooleanField("含第一议题内容", default=False)
    has_talk_pair = models.BooleanField("为谈心谈话（双方）", default=False)
    has_enterprise = models.BooleanField("含联系企业及问题", default=False)
    attendance_committee_only = models.BooleanField("默认仅支部委员出席", default=False)
    attendance_leaders_only = models.BooleanField(
        "默认仅领导干部出席", default=False, help_text="如中心组学习、党组会议"
    )
    makeup_on_absence = models.BooleanField("缺席须补学", default=False)
    study_hours = models.DecimalField(
        "计入学时", max_digits=4, decimal_places=1, default=0, help_text="参加一次计入的集中学习学时，0 为不计"
    )
    order = models.PositiveIntegerField("排序", default=100)
    active = models.BooleanField("启用", default=True)

    history = HistoricalRecords()
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "活动类型"
        verbose_name_plural = "活动类型"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name

    @property
    def minutes_label(self) -> str:
        """What its minutes are called: a talk has a 谈话记录, a meeting a 会议记录."""
        return "谈话记录" if self.has_talk_pair else "会议记录"

    def required_evidence(self) -> list[str]:
        labels = []
        if self.needs_minutes:
            labels.append(self.minutes_label)
        if self.needs_photo:
            labels.append("现场照片")
        if self.needs_attendance:
            labels.append("出勤名单")
        if self.needs_signin:
            labels.append("签到表")
        return labels


class ComplianceRule(models.Model):
    """A frequency rule (“支委会每月至少1次”) with its source clause and strength."""

    activity_type = models.ForeignKey(
        ActivityType, verbose_name="活动类型", on_delete=models.PROTECT, related_name="rules"
    )
    name = models.CharField("规则", max_length=100)
    frequency = models.CharField("周期", max_length=10, choices=Frequency.choices)
    min_count = models.PositiveSmallIntegerField("每周期至少次数", default=1)
    strength = models.CharField("要求强度", max_length=10, choices=Strength.choices, default=Strength.SOFT)
    source = models.CharField(
        "依据", max_length=200, help_text="文件及条款，例如《中国共产党支部工作条例（试行）》第十二条"
    )
    source_text = models.TextField("条文", blank=True)
    remind_days_before = models.PositiveSmallIntegerField("提前提醒天数", default=7)
    coverage = models.PositiveSmallIntegerField(
        "要求覆盖率（%）",
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="仅谈心谈话：支部委员之间、委员与党员之间、党员之间各须谈到的党员比例",
    )
    order = models.PositiveIntegerField("排序", default=100)
    active = models.BooleanField("启用", default=True)

    history = HistoricalRecords()
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "组织生活规则"
        verbose_name_plural = "组织生活规则"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name

    @property
    def level(self) -> str:
        return self.activity_type.level


class RuleOverride(models.Model):
    """A unit's local version of a rule (stricter 党课, say), or the rule switched off for it."""

    rule = models.ForeignKey(ComplianceRule, verbose_name="规则", on_delete=models.CASCADE, related_name="overrides")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="rule_overrides")
    frequency = models.CharField("周期", max_length=10, choices=Frequency.choices)
    min_count = models.PositiveSmallIntegerField("每周期至少次数", default=1)
    strength = models.CharField("要求强度", max_length=10, choices=Strength.choices)
    applies = models.BooleanField("适用", default=True, help_text="取消勾选表示该规则对本单位不适用")
    coverage = models.PositiveSmallIntegerField(
        "要求覆盖率（%）",
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="仅谈心谈话：各类谈话须谈到的党员比例",
    )
    note = models.CharField("调整说明", max_length=200, blank=True)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "单位规则调整"
        verbose_name_plural = "单位规则调整"
        constraints = [models.UniqueConstraint(fields=["rule", "unit"], name="ruleoverride_once_per_unit")]

    def __str__(self):
        return f"{self.unit} · {self.rule}"


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
    minutes = models.TextField("会议记录/纪要", blank=True)
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
        from .counting import counts

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


class MissedReason(models.Model):
    """未开展原因: why a soft rule was not met in one window, for a branch (or a unit for unit rules)."""

    rule = models.ForeignKey(
        ComplianceRule, verbose_name="规则", on_delete=models.CASCADE, related_name="missed_reasons"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey(Branch, verbose_name="支部", on_delete=models.CASCADE, null=True, blank=True)
    window = models.CharField("周期", max_length=10, help_text="2026-03、2026-Q1 或 2026")
    reason = models.CharField("未开展原因", max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField("填写时间", auto_now=True)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="unit", branch="branch")

    class Meta:
        verbose_name = "未开展原因"
        verbose_name_plural = "未开展原因"
        constraints = [
            models.UniqueConstraint(fields=["rule", "unit", "branch", "window"], name="missedreason_once"),
        ]

    def __str__(self):
        return self.reason


class PeriodLock(models.Model):
    """关账: the committee closes a month; records held in it can no longer be edited."""

    month = models.DateField("月份", unique=True, help_text="该月第一天")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    closed_at = models.DateTimeField("关账时间", auto_now_add=True)

    history = HistoricalRecords()
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "关账月份"
        verbose_name_plural = "关账月份"
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y年%m月}"


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
