"""List filters of 履责报告 (the list page, its export and the API): round, unit, status, on-time, search."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone

from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.models import Unit

from ..models import DutyReport, ReportRound, ReportStatus, RoundKind
from ..services.reports import OnTime, due_deadline


class DutyReportFilter(FilterSet):
    """履责报告: by round, round kind, unit, status, on-time status (as of `now`) and a text search."""

    q = SearchFilter("round__title", "unit__name", "content", label="搜索报告期、单位、内容")
    round = django_filters.ModelChoiceFilter(label="报告期", queryset=ReportRound.objects.all())
    kind = django_filters.ChoiceFilter(label="周期", field_name="round__kind", choices=RoundKind.choices)
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    status = django_filters.ChoiceFilter(label="状态", choices=ReportStatus.choices)
    on_time = django_filters.ChoiceFilter(label="报送情况", choices=OnTime.choices, method="filter_on_time")

    class Meta:
        model = DutyReport
        fields: list[str] = []

    #: The moment "overdue" is judged at; a selector may pin it (tests, a report as of a day).
    now = None

    def filter_on_time(self, qs, name, value):
        now = self.now or timezone.now()
        due_days = sorted(set(qs.values_list("round__due_on", flat=True).distinct()))
        in_time = Q(pk__in=[])
        for day in due_days:
            in_time |= Q(round__due_on=day, first_submitted_at__lt=due_deadline(day))
        if value == OnTime.ON_TIME:
            return qs.filter(in_time)
        if value == OnTime.LATE:
            return qs.filter(first_submitted_at__isnull=False).exclude(in_time)
        passed = [d for d in due_days if due_deadline(d) <= now]
        if value == OnTime.MISSING:
            return qs.filter(first_submitted_at__isnull=True, round__due_on__in=passed)
        return qs.filter(first_submitted_at__isnull=True).exclude(round__due_on__in=passed)
