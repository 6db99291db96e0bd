"""Party-life configuration and verdicts API: activity types, rules (read-only), the engine's verdicts.

Types and rules are configuration every signed-in user may read (GLOBAL). Verdicts are
for those who run the branch or unit: the subject is looked up in the user's scope and
must be one they manage (404 otherwise). Verdicts are computed as of an evaluation day
(`as_of`, default today; from the platform's first year to today), never another clock.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from apps.core.periods import Period
from apps.orgs.access import scope_for

from ..compliance import Status, evaluate_branches, evaluate_units, year_range
from ..models import ActivityType, ComplianceRule

# --- serializers ---------------------------------------------------------------------------------


class ActivityTypeSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    required_evidence = serializers.ListField(child=serializers.CharField(), read_only=True, label="须有材料")

    class Meta:
        model = ActivityType
        fields = [
            "id",
            "code",
            "name",
            "level",
            "level_display",
            "category",
            "description",
            "required_evidence",
            "has_theme_day_parts",
            "has_first_topic",
            "has_talk_pair",
            "has_enterprise",
            "makeup_on_absence",
            "study_hours",
            "active",
        ]


class ComplianceRuleSerializer(serializers.ModelSerializer):
    activity_type_name = serializers.CharField(source="activity_type.name", read_only=True)
    level = serializers.CharField(source="activity_type.level", read_only=True)
    frequency_display = serializers.CharField(source="get_frequency_display", read_only=True)
    strength_display = serializers.CharField(source="get_strength_display", read_only=True)

    class Meta:
        model = ComplianceRule
        fields = [
            "id",
            "activity_type",
            "activity_type_name",
            "level",
            "name",
            "frequency",
            "frequency_display",
            "min_count",
            "strength",
            "strength_display",
            "source",
            "source_text",
            "remind_days_before",
            "coverage",
            "active",
        ]


class ReachSerializer(serializers.Serializer):
    """谈心谈话 coverage of one kind of pair."""

    label = serializers.CharField(label="谈话类别")
    total = serializers.IntegerField(label="应谈人数")
    reached = serializers.IntegerField(label="已谈人数")
    required = serializers.IntegerField(label="要求覆盖率（%）")
    met = serializers.BooleanField(label="已达到")
    missing = serializers.ListField(child=serializers.CharField(), label="未谈到的党员")
    text = serializers.CharField(label="说明")


class CellSerializer(serializers.Serializer):
    """One rule × one window: the engine's verdict with its clause."""

    rule = serializers.IntegerField(source="rule.pk", label="规则 id")
    rule_name = serializers.CharField(source="rule.name", label="规则")
    requirement = serializers.CharField(source="rule.requirement", label="要求")
    strength = serializers.CharField(source="rule.strength", label="要求强度")
    strength_label = serializers.CharField(source="rule.strength_label", label="要求强度名称")
    window = serializers.CharField(source="window.key", label="周期", help_text="2026-03、2026-Q1 或 2026")
    window_label = serializers.CharField(source="window.label", label="周期名称")
    window_start = serializers.DateField(source="window.start", label="开始日期")
    window_end = serializers.DateField(source="window.end", label="截止日期")
    status = serializers.ChoiceField(choices=Status.choices, label="状态")
    status_label = serializers.CharField(source="label", label="状态名称")
    count = serializers.IntegerField(label="已完成记录数")
    incomplete = serializers.IntegerField(label="需补充记录数")
    clause = serializers.CharField(label="依据")
    reason = serializers.CharField(label="未开展原因")
    note = serializers.CharField(label="说明")
    groups_met = serializers.IntegerField(allow_null=True, label="已完成的党小组数")
    groups_total = serializers.IntegerField(allow_null=True, label="党小组数")
    groups_met_names = serializers.ListField(child=serializers.CharField(), label="已开会的党小组")
    groups_missed_names = serializers.ListField(child=serializers.CharField(), label="未开会的党小组")
    reach = ReachSerializer(many=True, label="谈心谈话覆盖情况")
    days_left = serializers.IntegerField(allow_null=True, label="距截止天数", help_text="仅待完成的周期")


class ComplianceSubjectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[("branch", "支部"), ("unit", "单位")])
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.IntegerField()


class ComplianceSerializer(serializers.Serializer):
    subject = ComplianceSubjectSerializer()
    period = serializers.CharField(help_text="2026、2026-Q3 或 2026-03")
    period_label = serializers.CharField()
    as_of = serializers.DateField(help_text="评价日：按该日的情况评判")
    rate = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="落实率（%）：已完成 / 已到期的周期"
    )
    tally = serializers.DictField(child=serializers.IntegerField(), help_text="各状态的周期数")
    cells = CellSerializer(many=True)


class ComplianceQuerySerializer(serializers.Serializer):
    branch = serializers.IntegerField(required=False, label="支部 id")
    unit = serializers.IntegerField(required=False, label="单位 id")
    period = serializers.CharField(label="期间", help_text="2026、2026-Q3 或 2026-03")
    as_of = serializers.DateField(
        required=False, label="评价日", input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD，默认今天"
    )

    def validate_period(self, value):
        try:
            return Period.parse(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate_as_of(self, value: dt.date) -> dt.date:
        today = timezone.localdate()
        first = dt.date(year_range(today)[0], 1, 1)
        if not first <= value <= today:
            raise serializers.ValidationError(f"评价日应在 {first:%Y-%m-%d} 至 {today:%Y-%m-%d} 之间。")
        return value

    def validate(self, attrs):
        if ("branch" in attrs) == ("unit" in attrs):
            raise serializers.ValidationError("请指定 branch（支部）或 unit（单位）其中之一。")
        return attrs


# --- viewsets ------------------------------------------------------------------------------------


class _ConfigViewSet(viewsets.ReadOnlyModelViewSet):
    """Committee configuration every signed-in user may read (no records: nothing to scope)."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]


class ActivityTypeViewSet(_ConfigViewSet):
    """Activity types (活动类型) and the evidence each needs."""

    queryset = ActivityType.objects.all()
    serializer_class = ActivityTypeSerializer
    filterset_fields = ["level", "category", "active"]
    ordering = ["order", "id"]


class ComplianceRuleViewSet(_ConfigViewSet):
    """Compliance rules (组织生活规则) with their source clauses, as the committee set them."""

    queryset = ComplianceRule.objects.select_related("activity_type")
    serializer_class = ComplianceRuleSerializer
    filterset_fields = ["activity_type", "frequency", "strength", "active"]
    ordering = ["order", "id"]


class ComplianceViewSet(viewsets.ViewSet):
    """The compliance engine's verdicts (落实情况) for one branch or unit and a period."""

    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("branch", OpenApiTypes.INT, description="支部 id（支部规则）"),
            OpenApiParameter("unit", OpenApiTypes.INT, description="单位 id（单位规则：中心组学习、第一议题）"),
            OpenApiParameter("period", OpenApiTypes.STR, required=True, description="2026、2026-Q3 或 2026-03"),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="评价日（YYYY-MM-DD），默认今天"),
        ],
        responses=ComplianceSerializer,
        summary="组织生活落实情况",
    )
    def list(self, request):
        query = ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period: Period = query.validated_data["period"]
        today = query.validated_data.get("as_of") or timezone.localdate()
        scope = scope_for(request.user)
        if "branch" in query.validated_data:
            subject = scope.branches().filter(pk=query.validated_data["branch"]).first()
            # As on the calendar page: verdicts are for those who run the branch, not its members.
            if subject is None or not scope.manages_branch(subject):
                raise Http404
            result = evaluate_branches([subject], period, today=today)[subject.pk]
            head = {"type": "branch", "id": subject.pk, "name": subject.name, "unit": subject.unit_id}
        else:
            subject = scope.units().filter(pk=query.validated_data["unit"]).first()
            if subject is None or not scope.manages_unit(subject.pk):
                raise Http404
            result = evaluate_units([subject], period, today=today)[subject.pk]
            head = {"type": "unit", "id": subject.pk, "name": subject.name, "unit": subject.pk}
        body = {
            "subject": head,
            "period": period.key,
            "period_label": period.label,
            "as_of": today,
            "rate": result.rate,
            "tally": result.tally(),
            "cells": result.cells,
        }
        return Response(ComplianceSerializer(body).data)
