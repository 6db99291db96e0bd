"""List filters of study sessions (集中学习) and youth groups, shared by the pages, the exports and the API."""

from __future__ import annotations

import django_filters

from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.filters import ActiveFilter
from apps.orgs.models import Branch, Unit

from ..models import SessionKind, StudySession, YouthGroup


class SessionFilter(FilterSet):
    """集中学习: by kind, unit, branch, youth group, a date range and a text search."""

    q = SearchFilter("topic", "place", "materials", label="搜索主题、地点、材料")
    kind = django_filters.ChoiceFilter(label="类型", choices=SessionKind.choices)
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    branch = django_filters.ModelChoiceFilter(label="支部", queryset=Branch.objects.all())
    youth_group = django_filters.ModelChoiceFilter(label="青年理论学习小组", queryset=YouthGroup.objects.all())
    start = django_filters.DateFilter(label="开始日期", field_name="held_on", lookup_expr="gte")
    end = django_filters.DateFilter(label="截止日期", field_name="held_on", lookup_expr="lte")

    class Meta:
        model = StudySession
        fields: list[str] = []


class YouthGroupFilter(FilterSet):
    q = SearchFilter("name", label="搜索小组名称")
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    active = ActiveFilter()

    class Meta:
        model = YouthGroup
        fields: list[str] = []
