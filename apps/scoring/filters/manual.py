"""The filter of the manual points list, shared by its page, its export and the API."""

from __future__ import annotations

import django_filters
from django import forms

from apps.core.filters import FilterSet, SearchFilter
from apps.core.periods import Period
from apps.orgs.models import Unit

from ..models import Indicator, Look, ManualScore


class PeriodField(forms.CharField):
    """A period typed as 2026, 2026-Q3 or 2026-03; cleaned to its key."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return Period.parse(value).key
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class PeriodFilter(django_filters.CharFilter):
    field_class = PeriodField


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        return qs.filter(period_key__startswith=str(value))


class ManualScoreFilter(FilterSet):
    q = SearchFilter("note", "unit__name", "indicator__name", label="搜索依据说明、单位、指标")
    year = YearFilter(label="年度", min_value=2000, max_value=2100)
    period = PeriodFilter(label="期间", field_name="period_key", max_length=10)
    look = django_filters.ChoiceFilter(label="维度", field_name="indicator__look", choices=Look.choices)
    indicator = django_filters.ModelChoiceFilter(label="指标", queryset=Indicator.objects.all())
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())

    class Meta:
        model = ManualScore
        fields: list[str] = []
