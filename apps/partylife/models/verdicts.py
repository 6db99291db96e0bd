"""The stored verdicts (评判结果存储): the engine's cells kept per (branch or unit, rule, window), so that roll-ups of
many units are one grouped query instead of the engine on every request.

Written only by `apps.partylife.compliance.store` (which says how they are kept current); the engine stays the
single definition of a verdict.
"""

from django.db import models
from django.db.models import Q

from apps.core.periods import Frequency
from apps.core.scoping import COMMITTEE_ONLY
from apps.orgs.models import Branch, Unit

from .rules import ComplianceRule

STATUS_CHOICES = [
    ("met", "已完成"),
    ("due", "待完成"),
    ("upcoming", "未到期"),
    ("warning", "未完成（预警）"),
    ("failure", "未完成（不合格）"),
    ("na", "不适用"),
    ("not_judged", "未纳入"),
    ("ended", "已撤销"),
]


class ComplianceVerdict(models.Model):
    """One engine cell: a rule × window for a branch (or for a unit: `branch` empty), as of `computed_on`."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="+", db_index=False)
    branch = models.ForeignKey(
        Branch, verbose_name="支部", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    rule = models.ForeignKey(ComplianceRule, verbose_name="规则", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    window_key = models.CharField("周期", max_length=10, help_text="2026-03、2026-Q1 或 2026")
    frequency = models.CharField("频次", max_length=10, choices=Frequency.choices)
    window_start = models.DateField("周期开始")
    window_end = models.DateField("周期结束")
    status = models.CharField("状态", max_length=12, choices=STATUS_CHOICES)
    count = models.PositiveIntegerField("已完成记录数", default=0)
    incomplete = models.PositiveIntegerField("需补充记录数", default=0)
    in_rollup = models.BooleanField("计入单位汇总", default=True)
    hard = models.BooleanField("刚性要求", default=False)
    computed_on = models.DateField("评判日")

    scope_paths = COMMITTEE_ONLY

    class Meta:
        verbose_name = "评判结果"
        verbose_name_plural = "评判结果"
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "rule", "window_key"],
                condition=Q(branch__isnull=False),
                name="verdict_once_per_branch_window",
            ),
            models.UniqueConstraint(
                fields=["unit", "rule", "window_key"],
                condition=Q(branch__isnull=True),
                name="verdict_once_per_unit_window",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "unit", "rule"], name="verdict_year_unit_rule"),
            models.Index(fields=["branch", "year"], name="verdict_branch_year"),
        ]

    def __str__(self):
        return f"{self.unit_id}/{self.branch_id or '-'} · {self.rule_id} · {self.window_key}: {self.status}"


class VerdictYear(models.Model):
    """A unit's year in the store: every cell of it is stored (`stale`: a change to every unit is being applied
    after its commit; readers then ask the engine for this unit)."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    stale = models.BooleanField("待重算", default=False)
    refreshed_at = models.DateTimeField("重算时间")

    scope_paths = COMMITTEE_ONLY

    class Meta:
        verbose_name = "评判结果年度"
        verbose_name_plural = "评判结果年度"
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="verdictyear_once")]
        indexes = [models.Index(fields=["year", "stale"], name="verdictyear_year_stale")]

    def __str__(self):
        return f"{self.unit_id} · {self.year}"
