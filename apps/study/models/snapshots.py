"""Stored roll-ups: the committee overview reads these; a Celery job writes them (no page computes the city)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from apps.core.scoping import ScopePaths
from apps.orgs.models import Unit


class UnitStudySnapshot(models.Model):
    """One unit's study figures for a year, as of `as_of` (refreshed by `study.tasks.refresh_snapshots_task`)."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="study_snapshots")
    year = models.PositiveSmallIntegerField("年度")
    as_of = models.DateField("统计截至")
    members = models.PositiveIntegerField("党员数", default=0)
    hours_total = models.DecimalField("学时合计", max_digits=10, decimal_places=1, default=0)
    target_met = models.PositiveIntegerField("已完成年度目标", default=0)
    on_track = models.PositiveIntegerField("进度正常", default=0)
    behind = models.PositiveIntegerField("进度落后", default=0)
    knowledge_rate = models.DecimalField("应知应会完成率%", max_digits=5, decimal_places=1, null=True, blank=True)
    exam_participation = models.DecimalField("参考率%", max_digits=5, decimal_places=1, null=True, blank=True)
    exam_pass_rate = models.DecimalField("及格率%", max_digits=5, decimal_places=1, null=True, blank=True)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "单位学习统计"
        verbose_name_plural = "单位学习统计"
        ordering = ["unit__order", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="unitstudysnapshot_once")]

    def __str__(self):
        return f"{self.unit} {self.year}年学习统计"

    @property
    def hours_average(self):
        """Average hours per member (None for a unit without members)."""
        return (self.hours_total / self.members).quantize(Decimal("0.1")) if self.members else None
