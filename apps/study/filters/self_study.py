"""List filters of 自学 (the secretaries' read-only list, its export and the API)."""

from __future__ import annotations

import django_filters

from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.models import Branch, Member, Unit

from ..models import SelfStudy


class SelfStudyFilter(FilterSet):
    """自学: by unit, branch, member, year, a date range and a text search (title, material, name)."""

    q = SearchFilter("title", "material", "member__name", label="搜索内容、材料、姓名")
    unit = django_filters.ModelChoiceFilter(
        label="单位", field_name="member__branch__unit", queryset=Unit.objects.all()
    )
    branch = django_filters.ModelChoiceFilter(label="支部", field_name="member__branch", queryset=Branch.objects.all())
    member = django_filters.ModelChoiceFilter(label="党员", queryset=Member.objects.all())
    year = django_filters.NumberFilter(
        label="年度", field_name="studied_on", lookup_expr="year", min_value=2000, max_value=2100
    )
    start = django_filters.DateFilter(label="开始日期", field_name="studied_on", lookup_expr="gte")
    end = django_filters.DateFilter(label="截止日期", field_name="studied_on", lookup_expr="lte")

    class Meta:
        model = SelfStudy
        fields: list[str] = []
