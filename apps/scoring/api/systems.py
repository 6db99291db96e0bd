"""Scoring API · 指标体系: every signed-in user reads the systems (with their indicators) and the indicators.

- `scoring/systems`: the systems, newest first, each with its indicators nested.
- `scoring/indicators`: the indicators (?system=, ?look=, ?method=).
Writes are the committee's pages (services in `services.systems`).
"""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from apps.core.filters import FilterSet
from apps.orgs.api_scoping import ScopedRelatedFieldsMixin

from ..models import Indicator, IndicatorSystem, Look, Method
from ..services.systems import INDICATOR_FIELDS, SYSTEM_FIELDS


class IndicatorSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    look_display = serializers.CharField(source="get_look_display", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    entered_by_hand = serializers.BooleanField(read_only=True)

    class Meta:
        model = Indicator
        fields = ("id", "system", *INDICATOR_FIELDS, "look_display", "method_display", "entered_by_hand")
        read_only_fields = fields


class IndicatorSystemSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)
    frozen = serializers.BooleanField(read_only=True)

    class Meta:
        model = IndicatorSystem
        fields = ("id", "year", "version", *SYSTEM_FIELDS, "frozen", "frozen_at", "created_at", "indicators")
        read_only_fields = fields


class IndicatorSystemFilter(FilterSet):
    year = django_filters.NumberFilter(label="年度")

    class Meta:
        model = IndicatorSystem
        fields: list[str] = []


class IndicatorFilter(FilterSet):
    system = django_filters.ModelChoiceFilter(label="指标体系", queryset=IndicatorSystem.objects.all())
    look = django_filters.ChoiceFilter(label="维度", choices=Look.choices)
    method = django_filters.ChoiceFilter(label="评分方式", choices=Method.choices)

    class Meta:
        model = Indicator
        fields: list[str] = []


class IndicatorSystemViewSet(viewsets.ReadOnlyModelViewSet):
    """指标体系（含指标），所有登录用户可读。"""

    queryset = IndicatorSystem.objects.prefetch_related("indicators")
    serializer_class = IndicatorSystemSerializer
    filterset_class = IndicatorSystemFilter
    ordering = ["-year", "-version"]


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """评价指标，所有登录用户可读。"""

    queryset = Indicator.objects.all()
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    search_fields = ["name", "code"]
    ordering = ["system", "order", "id"]


def register(router) -> None:
    router.register("scoring/systems", IndicatorSystemViewSet, basename="scoring-system")
    router.register("scoring/indicators", IndicatorViewSet, basename="scoring-indicator")
