"""Points the committee enters by hand (人工评分, 加分, 扣分, 一票否决), one row per indicator, unit and period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.periods import Frequency, Period
from apps.core.scoping import ScopePaths

from .system import POINTS, Indicator


class ManualScore(models.Model):
    indicator = models.ForeignKey(
        Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="manual_scores"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="manual_scores")
    period_kind = models.CharField("期间类型", max_length=8, choices=Frequency.choices)
    period_key = models.CharField("期间", max_length=10, help_text="如 2026、2026-Q3、2026-03")
    points = models.DecimalField("分数", help_text="一票否决：填0；扣分填正数，表示扣多少分", **POINTS)
    note = models.CharField("依据说明", max_length=500)
    evidence = models.FileField("佐证材料", upload_to="scoring/%Y/%m/", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords()

    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "人工评分"
        verbose_name_plural = "人工评分"
        ordering = ["-period_key", "indicator__order", "unit__order"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "period_key"], name="scoring_manual_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_key} {self.indicator}"

    @property
    def period(self) -> Period:
        return Period.parse(self.period_key)
