"""Discipline API · the committee's board (监督总览): per unit, open and overdue rectifications, cards in force,
reports not yet in. Computed (no model queryset), committee only."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from apps.orgs.access import scope_for

from ..selectors import board as selectors


class BoardRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk", label="单位")
    unit_name = serializers.CharField(source="unit.name", label="单位名称")
    open_count = serializers.IntegerField(label="未销号整改")
    overdue_count = serializers.IntegerField(label="逾期整改")
    oldest_overdue_days = serializers.IntegerField(label="最长逾期天数")
    yellow = serializers.IntegerField(label="有效黄牌")
    red = serializers.IntegerField(label="有效红牌")
    deduction = serializers.DecimalField(max_digits=7, decimal_places=1, label="黄红牌扣分")
    reports_missing = serializers.SerializerMethodField(label="未报送的履责报告期")

    def get_reports_missing(self, row) -> list[int]:
        return [rnd.pk for rnd in row.reports_missing]


class BoardViewSet(viewsets.ViewSet):
    """监督总览 (committee): the units with something outstanding, overdue first."""

    filter_backends: list = []

    @extend_schema(responses=BoardRowSerializer(many=True), summary="纪律监督总览")
    def list(self, request):
        if not scope_for(request.user).is_committee:
            raise PermissionDenied("监督总览仅供工委管理员使用。")
        rows = selectors.board(today=timezone.localdate())
        return Response(BoardRowSerializer(rows, many=True).data)


def register(router) -> None:
    router.register("discipline/board", BoardViewSet, basename="discipline-board")
