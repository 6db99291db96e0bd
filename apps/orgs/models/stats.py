"""The daily headcount per unit (党员队伍统计)."""

from django.db import models

from apps.core.scoping import ScopePaths

from .tree import Unit


class HeadcountSnapshot(models.Model):
    """Daily per-unit headcount (党员队伍统计), written by a Celery beat job."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="headcounts")
    date = models.DateField("统计日期")
    members = models.PositiveIntegerField("党员数")
    probationary = models.PositiveIntegerField("预备党员数")
    youth = models.PositiveIntegerField("青年党员数")
    leading_cadres = models.PositiveIntegerField("领导干部数")
    branches = models.PositiveIntegerField("支部数")

    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "党员队伍统计"
        verbose_name_plural = "党员队伍统计"
        ordering = ["-date", "unit__order"]
        constraints = [models.UniqueConstraint(fields=["unit", "date"], name="headcount_unique_unit_date")]

    def __str__(self):
        return f"{self.unit} {self.date}"
