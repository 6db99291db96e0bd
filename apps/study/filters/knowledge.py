"""List filters of the 应知应会 list and of its progress (per member), shared by pages, exports and the API."""

from __future__ import annotations

import django_filters

from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.filters import ActiveFilter
from apps.orgs.models import Branch, Member, Unit

from ..models import KnowledgeCategory, KnowledgeItem

PROGRESS_CHOICES = [("none", "未开始"), ("partial", "学习中"), ("done", "已全部学完")]
ORDER_CHOICES = [("low", "完成少的在前"), ("high", "完成多的在前"), ("name", "按支部、姓名")]


class KnowledgeItemFilter(FilterSet):
    q = SearchFilter("title", "issued_by", "summary", label="搜索名称、发布机关、要点")
    category = django_filters.ChoiceFilter(label="类别", choices=KnowledgeCategory.choices)
    subcategory = django_filters.CharFilter(label="分类", max_length=50)
    active = ActiveFilter(label="是否在清单中")

    class Meta:
        model = KnowledgeItem
        fields: list[str] = []


class KnowledgeProgressFilter(FilterSet):
    """Members with their marks (`done` annotated by the selector): by unit, branch, name, progress; sortable."""

    q = SearchFilter("name", "position", label="搜索姓名、职务")
    unit = django_filters.ModelChoiceFilter(label="单位", field_name="branch__unit", queryset=Unit.objects.all())
    branch = django_filters.ModelChoiceFilter(label="支部", queryset=Branch.objects.all())
    progress = django_filters.ChoiceFilter(label="进度", choices=PROGRESS_CHOICES, method="filter_progress")
    order = django_filters.ChoiceFilter(label="排序", choices=ORDER_CHOICES, method="filter_order")

    class Meta:
        model = Member
        fields: list[str] = []

    def __init__(self, *args, total: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.total = total

    def filter_progress(self, queryset, name, value):
        if value == "none":
            return queryset.filter(done=0)
        total = self.total if self.total is not None else KnowledgeItem.objects.filter(active=True).count()
        if value == "done":
            return queryset.filter(done__gte=total)
        return queryset.filter(done__gt=0, done__lt=total)

    def filter_order(self, queryset, name, value):
        if value == "high":
            return queryset.order_by("-done", "branch__unit__order", "branch__order", "branch_id", "name", "id")
        if value == "name":
            return queryset.order_by("branch__unit__order", "branch__order", "branch_id", "name", "id")
        return queryset.order_by("done", "branch__unit__order", "branch__order", "branch_id", "name", "id")
