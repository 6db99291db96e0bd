"""应知应会清单: the committee's list of party regulations and national laws, and what each member studied."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.scoping import GLOBAL, ScopePaths
from apps.orgs.models import Member


class KnowledgeCategory(models.TextChoices):
    PARTY_REGULATION = "party", "党内法规"
    NATIONAL_LAW = "law", "国家法律"


class KnowledgeItem(models.Model):
    """One item of the list: a regulation or a law every cadre must know."""

    category = models.CharField("类别", max_length=10, choices=KnowledgeCategory.choices)
    subcategory = models.CharField("分类", max_length=50, blank=True, help_text="例如 党章、准则、条例；宪法相关法")
    title = models.CharField("名称", max_length=200, unique=True)
    issued_by = models.CharField("发布机关", max_length=100, blank=True)
    issued_on = models.DateField("发布/修订日期", null=True, blank=True)
    summary = models.CharField("学习要点", max_length=500, blank=True)
    link = models.URLField("原文链接", max_length=500, blank=True)
    order = models.PositiveIntegerField("排序", default=100)
    active = models.BooleanField("在清单中", default=True)

    history = HistoricalRecords()
    scope_paths = GLOBAL

    class Meta:
        verbose_name = "应知应会条目"
        verbose_name_plural = "应知应会清单"
        ordering = ["category", "order", "id"]

    def __str__(self):
        return self.title


class KnowledgeStudy(models.Model):
    """A member marked an item studied (已学)."""

    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.CASCADE, related_name="knowledge_studies")
    item = models.ForeignKey(KnowledgeItem, verbose_name="条目", on_delete=models.CASCADE, related_name="studies")
    studied_at = models.DateTimeField("标记时间", auto_now_add=True)

    scope_paths = ScopePaths(unit="member__branch__unit", branch="member__branch", member="member")

    class Meta:
        verbose_name = "应知应会学习记录"
        verbose_name_plural = "应知应会学习记录"
        constraints = [models.UniqueConstraint(fields=["member", "item"], name="knowledgestudy_once")]

    def __str__(self):
        return f"{self.member} 已学 {self.item}"
