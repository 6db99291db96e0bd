"""List filters of party life (筛选): records and 补学, shared by the pages, the exports and the API.

Parameters are parsed by form fields only: an id from another unit, `?branch=²`, `?q=%00`,
a period like 2025-13 or a time with a bad UTC offset is reported in Chinese (the page
shows it and applies the other filters; the API answers 400), never a 500.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from django_filters.widgets import BooleanWidget

from apps.core.filters import FilterSet, SearchFilter
from apps.core.periods import Period
from apps.orgs.models import Branch, PartyGroup, Unit

from . import counting
from .models import Activity, ActivityStatus, ActivityType, MakeupTask

PERIOD_LABEL = "期间"
ACTIVITY_STATUS_CHOICES = [
    ("draft", "草稿"),
    ("submitted", "已提交"),
    ("complete", "已提交·材料齐全"),
    ("incomplete", "需补充"),
]
MAKEUP_STATUS_CHOICES = [("open", "待补学"), ("overdue", "已逾期"), ("done", "已完成")]
#: Times in a filter (API `held_at__gte` / `held_at__lt`) must fall in these years.
FILTER_YEARS = (2000, 2100)


class PeriodField(forms.Field):
    """A period typed as 2026, 2026-Q3 or 2026-03 (apps.core.periods.Period.parse), or nothing."""

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        if len(text) > 20 or "\x00" in text:
            raise ValidationError("期间格式应为 2026、2026-Q3 或 2026-03。", code="invalid")
        try:
            return Period.parse(text)
        except ValueError as exc:
            # The message names the parameter itself (see ActivityFilter.messages).
            raise ValidationError(f"{PERIOD_LABEL}“{text}”无法识别：{exc}", code="invalid") from exc


class PeriodFilter(django_filters.Filter):
    """Records held within the period, [start, next start) in Asia/Shanghai."""

    field_class = PeriodField

    def filter(self, qs, value):
        if value is None:
            return qs
        start, end = value.bounds()
        return qs.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})


class BoundedDateTimeField(IsoDateTimeField):
    """An ISO 8601 time within FILTER_YEARS (a year 1 or 9999 would overflow on the way to UTC)."""

    def to_python(self, value):
        try:
            result = super().to_python(value)
        except (OverflowError, ValueError) as exc:
            raise ValidationError("时间格式有误，应为 2026-03-15T09:00:00+08:00。", code="invalid") from exc
        first, last = FILTER_YEARS
        if result is not None and not first <= result.year <= last:
            raise ValidationError(f"时间须在 {first} 年至 {last} 年之间。", code="out_of_range")
        return result


class BoundedDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedDateTimeField


class ActivityFilter(FilterSet):
    """Records (组织生活记录): by type, unit, branch, period, status, topic; the API also by id and time."""

    q = SearchFilter("topic", label="搜索主题")
    type = django_filters.ModelChoiceFilter(
        label="类型", field_name="activity_type", to_field_name="code", queryset=ActivityType.objects.all()
    )
    activity_type = django_filters.ModelChoiceFilter(label="活动类型", queryset=ActivityType.objects.all())
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    branch = django_filters.ModelChoiceFilter(label="支部", queryset=Branch.objects.all())
    party_group = django_filters.ModelChoiceFilter(label="党小组", queryset=PartyGroup.objects.all())
    period = PeriodFilter(label=PERIOD_LABEL, field_name="held_at", help_text="2026、2026-Q3 或 2026-03")
    status = django_filters.ChoiceFilter(label="状态", choices=ACTIVITY_STATUS_CHOICES, method="filter_status")
    held_at__gte = BoundedDateTimeFilter(label="时间不早于", field_name="held_at", lookup_expr="gte")
    held_at__lt = BoundedDateTimeFilter(label="时间早于", field_name="held_at", lookup_expr="lt")

    class Meta:
        model = Activity
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        if value == "draft":
            return queryset.filter(status=ActivityStatus.DRAFT)
        if value == "submitted":
            return queryset.filter(counting.submitted())
        if value == "complete":
            return queryset.filter(counting.counted())
        return queryset.filter(counting.submitted(), evidence_complete=False)

    def messages(self) -> list[str]:
        """As the base class; a bad period's message already names it (期间“2025-13”无法识别：…)."""
        prefix = f"{PERIOD_LABEL}：{PERIOD_LABEL}"
        return [
            line.replace(prefix, PERIOD_LABEL, 1) if line.startswith(prefix) else line for line in super().messages()
        ]


class MakeupFilter(FilterSet):
    """补学 tasks: by status, the record's unit and branch, member name or topic, and 只看我的."""

    q = SearchFilter("member__name", "attendance__activity__topic", label="搜索党员姓名或活动主题")
    status = django_filters.ChoiceFilter(label="状态", choices=MAKEUP_STATUS_CHOICES, method="filter_status")
    unit = django_filters.ModelChoiceFilter(
        label="单位", field_name="attendance__activity__unit", queryset=Unit.objects.all()
    )
    branch = django_filters.ModelChoiceFilter(
        label="支部", field_name="attendance__activity__branch", queryset=Branch.objects.all()
    )
    mine = django_filters.BooleanFilter(label="只看我的", widget=BooleanWidget, method="filter_mine")

    class Meta:
        model = MakeupTask
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(done_at__isnull=True)
        if value == "overdue":
            return queryset.filter(done_at__isnull=True, due_on__lt=timezone.localdate())
        return queryset.filter(done_at__isnull=False)

    def filter_mine(self, queryset, name, value):
        member_id = self.scope.member_id if self.scope is not None else None
        return queryset.filter(member_id=member_id) if value and member_id else queryset
