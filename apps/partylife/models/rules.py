"""Party-life configuration and its verdict notes: activity types, rules, unit overrides, 未开展原因, 关账."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.fields import BoundedTextField
from apps.core.periods import Frequency
from apps.core.scoping import GLOBAL, ScopePaths
from apps.orgs.models import Branch, Unit


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
    source_text = BoundedTextField("条文", blank=True, max_length=5000)
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
