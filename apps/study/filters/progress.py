"""The progress table's filters (学习进度统计筛选), shared by the page, its Excel export and the API.

`unit`, `branch`, `role` and `q` narrow the members (a database filter). `year`, `status` and `sort`
are read here once, by form fields, and applied by the selector after the ledger is computed (status
and the hours are not columns of a table): their filter methods leave the queryset alone.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.models import Branch, Unit

from ..presenters import status_choices

ROLE_CHOICES = [("leader", "支部书记、支部委员"), ("member", "党员")]
SORT_CHOICES = [
    ("shortfall", "落后学时从多到少"),
    ("percent", "完成比例从低到高"),
    ("-percent", "完成比例从高到低"),
    ("total", "学时从少到多"),
    ("-total", "学时从多到少"),
    ("name", "支部、姓名"),
]


def year_bounds() -> tuple[int, int]:
    """The years a progress page may show: from the earliest record date's year to this year."""
    return settings.PORTAL_EARLIEST_RECORD_DATE.year, timezone.localdate().year


def applied_later(queryset, name, value):
    """Read by the form, applied by the selector once the ledger is known."""
    return queryset


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(django_filters.Filter):
    """A year as an integer bounded to the platform's years (never `isdigit()` and `int()`)."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        first, last = year_bounds()
        message = f"应为 {first} 至 {last} 之间的年份。"
        kwargs.setdefault("label", "年度")
        kwargs.setdefault("method", applied_later)
        super().__init__(
            min_value=first,
            max_value=last,
            error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), message),
            **kwargs,
        )


class RoleFilter(django_filters.ChoiceFilter):
    """支部委员 (56 学时) or 党员 (32 学时)."""

    def __init__(self, **kwargs):
        super().__init__(label="角色", choices=ROLE_CHOICES, **kwargs)

    def filter(self, qs, value):
        if value not in dict(ROLE_CHOICES):
            return qs
        return qs.filter(is_branch_committee=value == "leader")


class ProgressFilter(FilterSet):
    q = SearchFilter("name", label="姓名")
    unit = django_filters.ModelChoiceFilter(label="单位", field_name="branch__unit", queryset=Unit.objects.all())
    branch = django_filters.ModelChoiceFilter(label="支部", queryset=Branch.objects.all())
    role = RoleFilter()
    year = YearFilter()
    status = django_filters.ChoiceFilter(label="进度", choices=status_choices(), method=applied_later)
    sort = django_filters.ChoiceFilter(label="排序", choices=SORT_CHOICES, method=applied_later)

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, scope=None):
        super().__init__(data, queryset, request=request, prefix=prefix, scope=scope)
        if scope is not None:
            # Only the branches this user keeps (a secretary's own membership elsewhere is not theirs to list).
            self.filters["branch"].queryset = scope.managed_branches()

    def value(self, name: str, default=None):
        """A valid parameter's value (an ignored or missing one gives `default`)."""
        self.is_valid()
        value = self.form.cleaned_data.get(name) if hasattr(self.form, "cleaned_data") else None
        return default if value in (None, "") else value
