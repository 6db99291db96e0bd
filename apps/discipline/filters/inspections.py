"""List filters of 督促检查 (inspections), findings and 整改 (rectifications): pages, exports and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils import timezone
from django_filters.widgets import BooleanWidget

from apps.core.dates import validate_record_date
from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.models import Unit

from ..models import Finding, Inspection, InspectionKind, Rectification, RectificationStatus, Severity

OVERDUE_LABEL = "只看逾期"


def overdue_q(today: dt.date) -> Q:
    """Rectifications overdue on `today`: not 已销号 and the deadline day has passed (Asia/Shanghai)."""
    return ~Q(status=RectificationStatus.ACCEPTED) & Q(deadline__lt=today)


class InspectionFilter(FilterSet):
    q = SearchFilter("title", "inspectors", "summary", label="搜索检查名称、人员、情况")
    kind = django_filters.ChoiceFilter(label="方式", choices=InspectionKind.choices)
    date_from = django_filters.DateFilter(
        label="检查日期自", field_name="held_on", lookup_expr="gte", validators=[validate_record_date]
    )
    date_to = django_filters.DateFilter(
        label="检查日期至", field_name="held_on", lookup_expr="lte", validators=[validate_record_date]
    )

    class Meta:
        model = Inspection
        fields: list[str] = []


class FindingFilter(FilterSet):
    q = SearchFilter("description", label="搜索问题")
    inspection = django_filters.ModelChoiceFilter(label="检查", queryset=Inspection.objects.all())
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    severity = django_filters.ChoiceFilter(label="性质", choices=Severity.choices)

    class Meta:
        model = Finding
        fields: list[str] = []


class RectificationFilter(FilterSet):
    """By unit, status, overdue (as of `today`), inspection, and the finding's text."""

    q = SearchFilter("finding__description", "requirement", label="搜索问题、整改要求")
    unit = django_filters.ModelChoiceFilter(label="责任单位", queryset=Unit.objects.all())
    status = django_filters.ChoiceFilter(label="状态", choices=RectificationStatus.choices)
    overdue = django_filters.BooleanFilter(label=OVERDUE_LABEL, widget=BooleanWidget, method="filter_overdue")
    inspection = django_filters.ModelChoiceFilter(
        label="检查", field_name="finding__inspection", queryset=Inspection.objects.all()
    )

    class Meta:
        model = Rectification
        fields: list[str] = []

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        condition = overdue_q(self.today)
        return queryset.filter(condition) if value else queryset.exclude(condition)
