"""List filters of 黄红牌 (cards), shared by the page, the export and the API."""

from __future__ import annotations

import django_filters

from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.models import Unit

from ..models import Card, CardColour

STATE_CHOICES = (("in_force", "有效"), ("lifted", "已解除"))


class CardFilter(FilterSet):
    """黄红牌: by unit, colour, in force or lifted, year of issue, and a text search over the reason."""

    q = SearchFilter("reason", "lift_note", label="搜索事由")
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    colour = django_filters.ChoiceFilter(label="颜色", choices=CardColour.choices)
    state = django_filters.ChoiceFilter(label="状态", choices=STATE_CHOICES, method="filter_state")
    year = django_filters.NumberFilter(label="年度", field_name="issued_on__year", min_value=2000, max_value=2100)

    class Meta:
        model = Card
        fields: list[str] = []

    def filter_state(self, qs, name, value):
        if value == "in_force":
            return qs.filter(lifted_on__isnull=True)
        if value == "lifted":
            return qs.filter(lifted_on__isnull=False)
        return qs
