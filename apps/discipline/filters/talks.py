"""List filters of 约谈提醒 (talks), shared by the page, its Excel export and the API."""

from __future__ import annotations

import django_filters

from apps.core.dates import validate_record_date
from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.models import Unit

from ..models import Talk, TalkKind

FOLLOW_UP_CHOICES = [("pending", "后续要求待落实"), ("done", "后续要求已落实"), ("none", "无后续要求")]


class TalkFilter(FilterSet):
    """By unit (narrowed to the user's scope), kind, date range (bounded dates), follow-up state and text."""

    q = SearchFilter("talked_with", "talked_by", "reason", "outcome", label="搜索对象、谈话人、事由")
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    kind = django_filters.ChoiceFilter(label="类型", choices=TalkKind.choices)
    date_from = django_filters.DateFilter(
        label="谈话日期自", field_name="held_on", lookup_expr="gte", validators=[validate_record_date]
    )
    date_to = django_filters.DateFilter(
        label="谈话日期至", field_name="held_on", lookup_expr="lte", validators=[validate_record_date]
    )
    follow_up = django_filters.ChoiceFilter(label="后续要求", choices=FOLLOW_UP_CHOICES, method="filter_follow_up")

    class Meta:
        model = Talk
        fields: list[str] = []

    def filter_follow_up(self, queryset, name, value):
        if value == "none":
            return queryset.filter(follow_up="")
        queryset = queryset.exclude(follow_up="")
        return queryset.filter(follow_up_done_on__isnull=value == "pending")
