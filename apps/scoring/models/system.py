"""The indicator system (指标体系) of a year: the four looks, indicators under each, tier rules.

A year has one or more versions; the latest is in force. Once a final ranking of the year is
published the system is frozen (`frozen_at`): changes then go into a new version.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.fields import BoundedTextField
from apps.core.metrics import TIERS
from apps.core.scoping import GLOBAL


class Look(models.TextChoices):
    """The four looks (四看), in their order."""

    POLITICAL = "political", "政治生态"
    SAFETY = "safety", "安全稳定"
    DEMANDS = "demands", "诉求解决"
    ADVANCE = "advance", "进位争先"


class Method(models.TextChoices):
    AUTO = "auto", "自动（平台数据）"
    MANUAL = "manual", "人工评分"
    BONUS = "bonus", "加分"
    DEDUCTION = "deduction", "扣分"
    VETO = "veto", "一票否决"


class Mapping(models.TextChoices):
    LINEAR = "linear", "线性（下限至目标之间按比例）"
    BANDS = "bands", "分档"


class MissingRule(models.TextChoices):
    ZERO = "zero", "无数据按0分计"
    EXCLUDE = "exclude", "无数据不计入，其余指标按比例折算"
    FULL = "full", "无数据按满分计（未发生问题）"


class TierMethod(models.TextChoices):
    THRESHOLD = "threshold", "按分数线"
    PROPORTION = "proportion", "按比例"


class Tier(models.TextChoices):
    GOOD = TIERS[0], "好"
    FAIRLY_GOOD = TIERS[1], "较好"
    ORDINARY = TIERS[2], "一般"
    POOR = TIERS[3], "差"


POINTS = {"max_digits": 7, "decimal_places": 2}
PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class IndicatorSystem(models.Model):
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    version = models.PositiveSmallIntegerField("版本", default=1)
    name = models.CharField("名称", max_length=100)
    note = BoundedTextField("说明", blank=True, max_length=2000)
    tier_method = models.CharField(
        "等次确定方式", max_length=12, choices=TierMethod.choices, default=TierMethod.THRESHOLD
    )
    good_min = models.DecimalField("“好”最低分", default=Decimal("90"), **POINTS)
    fairly_good_min = models.DecimalField("“较好”最低分", default=Decimal("80"), **POINTS)
    ordinary_min = models.DecimalField("“一般”最低分", default=Decimal("60"), **POINTS)
    good_share = models.PositiveSmallIntegerField("“好”比例（%）", default=20, validators=PERCENT)
    fairly_good_share = models.PositiveSmallIntegerField("“较好”比例（%）", default=30, validators=PERCENT)
    ordinary_share = models.PositiveSmallIntegerField("“一般”比例（%）", default=40, validators=PERCENT)
    frozen_at = models.DateTimeField("冻结时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    # Every signed-in user may read the indicator system: it is how they are judged.
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "指标体系"
        verbose_name_plural = "指标体系"
        ordering = ["-year", "-version"]
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="scoring_system_year_version")]

    def __str__(self) -> str:
        return f"{self.year}年度{self.name}（第{self.version}版）"

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def clean(self):
        if self.tier_method == TierMethod.THRESHOLD and not (self.good_min > self.fairly_good_min > self.ordinary_min):
            raise ValidationError("分数线应满足：“好” > “较好” > “一般”。")
        if (
            self.tier_method == TierMethod.PROPORTION
            and self.good_share + self.fairly_good_share + self.ordinary_share > 100
        ):
            raise ValidationError("“好”“较好”“一般”的比例之和不能超过100%。")


class Indicator(models.Model):
    system = models.ForeignKey(
        IndicatorSystem, verbose_name="指标体系", on_delete=models.CASCADE, related_name="indicators"
    )
    look = models.CharField("维度", max_length=12, choices=Look.choices)
    code = models.SlugField("编码", max_length=40, help_text="字母、数字、连字符，体系内唯一")
    name = models.CharField("指标名称", max_length=100)
    method = models.CharField("评分方式", max_length=12, choices=Method.choices)
    max_points = models.DecimalField(
        "分值", validators=[MinValueValidator(0)], help_text="自动/人工指标的满分；加分、扣分指标的上限", **POINTS
    )
    order = models.PositiveSmallIntegerField("排序", default=100)
    description = BoundedTextField("评分标准说明", blank=True, max_length=2000)
    # auto (and deduction/veto fed by a metric): the metric from the core registry and how its value maps to points
    metric_key = models.CharField("数据指标", max_length=80, blank=True)
    mapping = models.CharField("换算方式", max_length=10, choices=Mapping.choices, default=Mapping.LINEAR)
    floor = models.DecimalField("下限（0分）", null=True, blank=True, **POINTS)
    target = models.DecimalField("目标（满分）", null=True, blank=True, **POINTS)
    bands = models.JSONField(
        "分档", default=list, blank=True, help_text="[[不低于的数值, 得分], …]，如 [[100, 4], [80, 2]]"
    )
    per_unit = models.DecimalField("每单位扣分", null=True, blank=True, help_text="扣分指标：数据每1扣多少分", **POINTS)
    missing_rule = models.CharField("无数据时", max_length=10, choices=MissingRule.choices, default=MissingRule.ZERO)
    tier_cap = models.CharField("否决后最高等次", max_length=4, choices=Tier.choices, blank=True)
    history = HistoricalRecords()

    scope_paths = GLOBAL

    class Meta:
        verbose_name = "评价指标"
        verbose_name_plural = "评价指标"
        ordering = ["system", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="scoring_indicator_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_base(self) -> bool:
        """Auto and manual indicators make up the base score (满分 100); bonus, deduction and veto adjust it."""
        return self.method in (Method.AUTO, Method.MANUAL)

    @property
    def entered_by_hand(self) -> bool:
        """The committee enters this indicator's points (manual, or bonus/deduction/veto without a metric)."""
        return self.method == Method.MANUAL or (self.method != Method.AUTO and not self.metric_key)
