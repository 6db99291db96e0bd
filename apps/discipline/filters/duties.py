"""List filters of 责任清单: the committee's list of units and their current (confirmed) version."""

from __future__ import annotations

import django_filters
from django.db import models
from django.db.models import Q

from apps.core.filters import FilterSet, SearchFilter
from apps.orgs.models import Unit, UnitCategory


class AdoptionStatus(models.TextChoices):
    LATEST = "latest", "已采用最新模板"
    BEHIND = "behind", "未采用最新模板"
    NONE = "none", "尚无确认的清单"


class UnitDutyFilter(FilterSet):
    """Units with their current list: by name, category and adoption status (against the latest template).

    The queryset carries `current_template_version` (see selectors.duties.unit_duty_overview); the selector
    sets `latest_version` to the latest published template's version.
    """

    q = SearchFilter("name", "short_name", label="搜索单位")
    category = django_filters.ChoiceFilter(label="单位分类", choices=UnitCategory.choices)
    status = django_filters.ChoiceFilter(label="采用情况", choices=AdoptionStatus.choices, method="filter_status")

    latest_version = None

    class Meta:
        model = Unit
        fields: list[str] = []

    def filter_status(self, qs, name, value):
        if value == AdoptionStatus.NONE:
            return qs.filter(current_version__isnull=True)
        if value == AdoptionStatus.LATEST:
            return qs.filter(current_template_version=self.latest_version or -1)
        if self.latest_version is None:
            return qs.filter(current_version__isnull=True)
        # Versions only grow: behind = an older template, or none confirmed (NULL never equals anything).
        return qs.filter(Q(current_template_version__lt=self.latest_version) | Q(current_version__isnull=True))
