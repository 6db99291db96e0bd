"""List filters of 典型案例 and 警示教育 sessions, shared by the pages, the exports and the API."""

from __future__ import annotations

import django_filters

from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.models import Unit

from ..models import Case, WarningKind, WarningSession


class CaseFilter(FilterSet):
    q = SearchFilter("title", "category", "summary", label="搜索标题、类别、内容")
    category = django_filters.CharFilter(label="类别", field_name="category", max_length=50)
    year = django_filters.NumberFilter(label="年度", field_name="published_at__year", min_value=2000, max_value=2100)

    class Meta:
        model = Case
        fields: list[str] = []


class WarningSessionFilter(FilterSet):
    q = SearchFilter("title", "place", "content", label="搜索主题、地点、内容")
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    kind = django_filters.ChoiceFilter(label="类型", choices=WarningKind.choices)
    year = django_filters.NumberFilter(label="年度", field_name="held_on__year", min_value=2000, max_value=2100)

    class Meta:
        model = WarningSession
        fields: list[str] = []
