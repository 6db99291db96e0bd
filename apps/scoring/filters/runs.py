"""List filters of ranking runs and of a run's ranking table, shared by the pages, the exports and the API."""

from __future__ import annotations

import django_filters

from apps.core.filters import FilterSet
from apps.core.periods import Frequency
from apps.orgs.models.tree import UnitCategory

from ..models import RankingRun, RunStatus, Tier, UnitResult

PUBLISHED_CHOICES = (("yes", "已发布"), ("no", "未发布"))


class RunFilter(FilterSet):
    """排名测算: by kind of period, year, state and publication."""

    period_kind = django_filters.ChoiceFilter(label="期间类型", choices=Frequency.choices)
    year = django_filters.NumberFilter(label="年度", method="filter_year", min_value=2000, max_value=2100)
    status = django_filters.ChoiceFilter(label="状态", choices=RunStatus.choices)
    published = django_filters.ChoiceFilter(label="发布", choices=PUBLISHED_CHOICES, method="filter_published")

    class Meta:
        model = RankingRun
        fields: list[str] = []

    def filter_year(self, qs, name, value):
        return qs.filter(period_key__startswith=str(int(value)))

    def filter_published(self, qs, name, value):
        if value == "yes":
            return qs.filter(published_at__isnull=False)
        if value == "no":
            return qs.filter(published_at__isnull=True)
        return qs


class RankingFilter(FilterSet):
    """A run's ranking table: by unit category and tier."""

    category = django_filters.ChoiceFilter(label="单位分类", choices=UnitCategory.choices)
    tier = django_filters.ChoiceFilter(label="等次", choices=Tier.choices)

    class Meta:
        model = UnitResult
        fields: list[str] = []


class ResultFilter(RankingFilter):
    """The API's result rows: of one run (the id of a run the user sees), by category and tier."""

    run = django_filters.NumberFilter(label="排名测算", field_name="run_id", min_value=1)
    unit = django_filters.NumberFilter(label="单位", field_name="unit_id", min_value=1)

    class Meta:
        model = UnitResult
        fields: list[str] = []
