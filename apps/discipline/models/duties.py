"""责任清单: the committee's template of 纪律作风建设 duties, and each unit's adopted (adapted) list, versions kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.models import TimeStampedModel
from apps.core.scoping import GLOBAL, ScopePaths
from apps.orgs.models import Unit


class DutyTemplate(TimeStampedModel):
    """One version of the committee's template (模板). Published versions are read-only; a new version replaces."""

    version = models.PositiveSmallIntegerField("版本号", unique=True)
    title = models.CharField("名称", max_length=100, default="纪律作风建设责任清单")
    note = models.CharField("修订说明", max_length=300, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    history = HistoricalRecords()
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "责任清单模板"
        verbose_name_plural = "责任清单模板"
        ordering = ["-version"]

    def __str__(self):
        return f"{self.title}（第{self.version}版）"


class DutyTemplateItem(models.Model):
    template = models.ForeignKey(DutyTemplate, verbose_name="模板", on_delete=models.CASCADE, related_name="items")
    category = models.CharField("类别", max_length=50, help_text="例如 主体责任、监督责任、作风建设")
    content = models.CharField("责任内容", max_length=500)
    default_owner = models.CharField("建议责任岗位", max_length=100, blank=True, help_text="例如 党组书记、纪检组长")
    order = models.PositiveSmallIntegerField("顺序", default=0)

    scope_paths = GLOBAL

    class Meta:
        verbose_name = "模板条目"
        verbose_name_plural = "模板条目"
        ordering = ["order", "id"]

    def __str__(self):
        return self.content[:40]


class UnitDutyList(TimeStampedModel):
    """One version of a unit's own list, adopted from a template and adapted. Earlier versions are kept."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="duty_lists")
    version = models.PositiveSmallIntegerField("版本号")
    template = models.ForeignKey(
        DutyTemplate, verbose_name="依据模板", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adopted_at = models.DateTimeField("确认时间", null=True, blank=True, help_text="空：草稿，尚未确认")
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.CharField("说明", max_length=300, blank=True)

    history = HistoricalRecords()
    scope_paths = ScopePaths(unit="unit")

    class Meta:
        verbose_name = "单位责任清单"
        verbose_name_plural = "单位责任清单"
        ordering = ["unit_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["unit", "version"], name="unitdutylist_version_once")]

    def __str__(self):
        return f"{self.unit} 责任清单（第{self.version}版）"


class UnitDutyItem(models.Model):
    duty_list = models.ForeignKey(UnitDutyList, verbose_name="清单", on_delete=models.CASCADE, related_name="items")
    source = models.ForeignKey(
        DutyTemplateItem,
        verbose_name="来自模板条目",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.CharField("类别", max_length=50)
    content = models.CharField("责任内容", max_length=500)
    owner_position = models.CharField("责任岗位", max_length=100)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    scope_paths = ScopePaths(unit="duty_list__unit")

    class Meta:
        verbose_name = "单位责任条目"
        verbose_name_plural = "单位责任条目"
        ordering = ["order", "id"]

    def __str__(self):
        return self.content[:40]
