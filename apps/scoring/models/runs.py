"""Ranking runs (排名测算) and their snapshots: every unit's scores, ranks and the inputs behind them.

A run is made once and never edited (ARCHITECTURE rule 4): its result rows are written in one
transaction when it finishes and refuse any later save. What changes on a run is its state
(queued → running → done / failed, with progress) and its publication.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.core.fields import BoundedTextField
from apps.core.periods import Frequency, Period
from apps.core.scoping import COMMITTEE_ONLY, ScopePaths

from .system import POINTS, Indicator, IndicatorSystem, Tier


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "计算中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


class Trigger(models.TextChoices):
    BEAT = "beat", "每日自动测算"
    MANUAL = "manual", "工委发起"
    DEMO = "demo", "演示数据"


class Frozen(Exception):
    """A snapshot row was about to change."""


class RankingRun(models.Model):
    system = models.ForeignKey(IndicatorSystem, verbose_name="指标体系", on_delete=models.PROTECT, related_name="runs")
    period_kind = models.CharField("期间类型", max_length=8, choices=Frequency.choices)
    period_key = models.CharField("期间", max_length=10)
    evaluated_on = models.DateField("评价日")
    provisional = models.BooleanField("临时排名", help_text="评价日早于期末：期间尚未结束")
    status = models.CharField("状态", max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    message = models.CharField("进度说明", max_length=200, blank=True)
    error = BoundedTextField("错误", blank=True, max_length=2000)
    trigger = models.CharField("发起方式", max_length=8, choices=Trigger.choices, default=Trigger.MANUAL)
    digest = models.CharField("输入摘要", max_length=64, blank=True)
    unit_count = models.PositiveIntegerField("参评单位数", default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Drafts are the committee's; published runs are read by everyone through `selectors.runs.visible_runs`.
    scope_paths = COMMITTEE_ONLY

    class Meta:
        verbose_name = "排名测算"
        verbose_name_plural = "排名测算"
        ordering = ["-created_at", "-id"]
        constraints = [
            # The lock: two runs of one period never execute at once (a duplicate beat tick finds the first).
            models.UniqueConstraint(
                fields=["period_key"], condition=models.Q(status__in=ACTIVE), name="scoring_one_active_run_per_period"
            ),
            models.UniqueConstraint(
                fields=["period_key"],
                condition=models.Q(published_at__isnull=False),
                name="scoring_one_published_run_per_period",
            ),
        ]
        indexes = [models.Index(fields=["period_kind", "period_key", "status"], name="scoring_run_period")]

    def __str__(self) -> str:
        return f"{self.period.label}排名（{self.get_status_display()}）"

    @property
    def period(self) -> Period:
        return Period.parse(self.period_key)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class Snapshot(models.Model):
    """A result row: written once with its run, never changed."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise Frozen(f"{type(self).__name__} {self.pk} belongs to a finished ranking run and cannot change")
        super().save(*args, **kwargs)


class UnitResult(Snapshot):
    run = models.ForeignKey(RankingRun, verbose_name="排名测算", on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey("orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="ranking_results")
    unit_name = models.CharField("单位名称（当时）", max_length=100)
    category = models.CharField("单位分类（当时）", max_length=20)
    scored = models.BooleanField("参与评分", default=True)
    not_scored_reason = models.CharField("未评分原因", max_length=200, blank=True)
    political = models.DecimalField("政治生态", default=0, **POINTS)
    safety = models.DecimalField("安全稳定", default=0, **POINTS)
    demands = models.DecimalField("诉求解决", default=0, **POINTS)
    advance = models.DecimalField("进位争先", default=0, **POINTS)
    bonus = models.DecimalField("加分", default=0, **POINTS)
    deduction = models.DecimalField("扣分", default=0, help_text="正数，表示扣多少分", **POINTS)
    reweight = models.DecimalField("折算系数", max_digits=7, decimal_places=4, default=1)
    total = models.DecimalField("总分", null=True, blank=True, **POINTS)
    rank = models.PositiveIntegerField("总排名", null=True, blank=True)
    category_rank = models.PositiveIntegerField("类别内排名", null=True, blank=True)
    tier = models.CharField("等次", max_length=4, choices=Tier.choices, blank=True)
    tier_by_score = models.CharField("按分数的等次", max_length=4, choices=Tier.choices, blank=True)
    tier_cap_reason = models.CharField("等次限定原因", max_length=300, blank=True)
    previous_rank = models.PositiveIntegerField("上期排名", null=True, blank=True)
    previous_total = models.DecimalField("上期总分", null=True, blank=True, **POINTS)

    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "单位得分"
        verbose_name_plural = "单位得分"
        ordering = ["run", "rank", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["run", "unit"], name="scoring_result_once")]
        indexes = [models.Index(fields=["unit", "run"], name="scoring_result_unit")]

    def __str__(self) -> str:
        return f"{self.unit_name} {self.total}"

    @property
    def rank_change(self) -> int | None:
        """Places moved up since the previous published run (negative: down)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def total_change(self):
        if self.total is None or self.previous_total is None:
            return None
        return self.total - self.previous_total


class ResultStatus(models.TextChoices):
    SCORED = "scored", "已评分"
    MISSING_ZERO = "missing_zero", "无数据，按0分"
    MISSING_EXCLUDED = "missing_excluded", "无数据，不计入"
    MISSING_FULL = "missing_full", "无数据，按满分"
    VETOED = "vetoed", "一票否决"
    NONE = "none", "无"


class IndicatorResult(Snapshot):
    unit_result = models.ForeignKey(UnitResult, verbose_name="单位得分", on_delete=models.CASCADE, related_name="lines")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField("数据值", max_digits=12, decimal_places=2, null=True, blank=True)
    points = models.DecimalField("得分", **POINTS)
    status = models.CharField("状态", max_length=20, choices=ResultStatus.choices)
    inputs = models.JSONField("计算依据", default=dict)

    scope_paths = ScopePaths(unit="unit_result__unit")

    class Meta:
        verbose_name = "指标得分"
        verbose_name_plural = "指标得分"
        ordering = ["unit_result", "indicator__order", "indicator_id"]
        constraints = [models.UniqueConstraint(fields=["unit_result", "indicator"], name="scoring_line_once")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.points}"
