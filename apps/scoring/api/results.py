"""Scoring API · units' results, their breakdown lines and the records behind a line.

`scoring/results`: the committee reads every finished run's rows; everyone else the rows of published runs (totals,
ranks, tiers) and their own units' rows in any finished run. `…/{id}/lines/` (the breakdown) and `scoring/lines`
(one line and its records) answer only where `permissions.can_see_breakdown` allows: another unit's is 404."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core import metrics as metric_registry
from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedFilterSetBackend

from .. import permissions, presenters
from ..filters.runs import ResultFilter
from ..models import IndicatorResult, UnitResult
from ..selectors.results import visible_results


class ScoringUnitResultSerializer(serializers.ModelSerializer):
    tier_display = serializers.CharField(source="get_tier_display", read_only=True)
    rank_change = serializers.IntegerField(read_only=True, allow_null=True)
    breakdown = serializers.SerializerMethodField(help_text="当前用户能否查看该单位的得分明细")

    class Meta:
        model = UnitResult
        fields = [
            "id",
            "run",
            "unit",
            "unit_name",
            "category",
            "scored",
            "not_scored_reason",
            "political",
            "safety",
            "demands",
            "advance",
            "bonus",
            "deduction",
            "reweight",
            "total",
            "rank",
            "category_rank",
            "tier",
            "tier_display",
            "tier_cap_reason",
            "previous_rank",
            "previous_total",
            "rank_change",
            "breakdown",
        ]
        read_only_fields = fields

    def get_breakdown(self, result) -> bool:
        request = self.context.get("request")
        return permissions.can_see_breakdown(scope_for(request.user), result.run, result.unit_id) if request else False


class ScoringLineSerializer(serializers.ModelSerializer):
    indicator_name = serializers.SerializerMethodField()
    look = serializers.SerializerMethodField()
    method = serializers.SerializerMethodField()
    max_points = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    note = serializers.SerializerMethodField()

    class Meta:
        model = IndicatorResult
        fields = [
            "id",
            "unit_result",
            "indicator",
            "indicator_name",
            "look",
            "method",
            "value",
            "points",
            "max_points",
            "status",
            "status_display",
            "note",
        ]
        read_only_fields = fields

    def get_indicator_name(self, line) -> str:
        return presenters.line_name(line)

    def get_look(self, line) -> str:
        return presenters.line_look(line)

    def get_method(self, line) -> str:
        return presenters.line_method(line)

    def get_max_points(self, line) -> str:
        return presenters.line_max(line)

    def get_note(self, line) -> str:
        return (line.inputs or {}).get("note", "")


class ScoringRecordSerializer(serializers.Serializer):
    label = serializers.CharField()
    day = serializers.DateField(allow_null=True)
    url = serializers.CharField()
    note = serializers.CharField()


class ScoringRecordsPageSerializer(serializers.Serializer):
    metric = serializers.CharField(allow_blank=True)
    metric_label = serializers.CharField(allow_blank=True)
    unit = serializers.CharField(allow_blank=True)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    evaluated_on = serializers.DateField()
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    results = ScoringRecordSerializer(many=True)


def _breakdown_lines(scope):
    """Lines of the breakdowns a user may open: all for the committee, their own units' otherwise."""
    qs = IndicatorResult.objects.select_related("indicator", "unit_result__run")
    if scope.is_committee:
        return qs
    return qs.filter(Q(unit_result__unit_id__in=sorted(scope.unit_ids)))


class ScoringResultViewSet(viewsets.ReadOnlyModelViewSet):
    """单位得分 (filter ?run=): rows of published runs, and the user's own units' rows in any run."""

    queryset = UnitResult.objects.all()  # scoped by get_queryset (published rows, and the user's own units' rows)
    serializer_class = ScoringUnitResultSerializer
    filter_backends = [ScopedFilterSetBackend]
    filterset_class = ResultFilter

    def get_queryset(self):
        return visible_results(scope_for(self.request.user)).order_by("run_id", "rank", "unit_id")

    @extend_schema(responses=ScoringLineSerializer(many=True), summary="得分明细（各指标得分）")
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def lines(self, request, pk=None):
        result = self.get_object()
        if not permissions.can_see_breakdown(scope_for(request.user), result.run, result.unit_id):
            raise exceptions.NotFound("没有找到该单位得分明细。")
        lines = (
            IndicatorResult.objects.filter(unit_result=result)
            .select_related("indicator")
            .order_by("indicator__order", "indicator_id")
        )
        return Response(ScoringLineSerializer(lines, many=True).data)


class ScoringLineViewSet(viewsets.ReadOnlyModelViewSet):
    """指标得分: a line of a breakdown the user may open, and the records behind its metric."""

    queryset = IndicatorResult.objects.all()  # scoped by get_queryset (the breakdowns the user may open)
    serializer_class = ScoringLineSerializer
    filter_backends: list = []

    def get_queryset(self):
        return _breakdown_lines(scope_for(self.request.user)).order_by("unit_result_id", "indicator__order", "id")

    @extend_schema(
        responses=ScoringRecordsPageSerializer,
        parameters=[OpenApiParameter("page", int, description="页码（每页50条）")],
        summary="指标数据背后的记录",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def records(self, request, pk=None):
        line = self.get_object()
        run = line.unit_result.run
        try:
            metric = metric_registry.get(line.indicator.metric_key) if line.indicator.metric_key else None
        except KeyError:
            metric = None
        records = metric.records(run.period, line.unit_result.unit_id, today=run.evaluated_on) if metric else []
        page = Paginator(records, 50).get_page(request.query_params.get("page"))
        body = {
            "metric": metric.key if metric else "",
            "metric_label": metric.label if metric else "",
            "unit": metric.unit if metric else "",
            "value": line.value,
            "evaluated_on": run.evaluated_on,
            "count": page.paginator.count,
            "page": page.number,
            "results": [{"label": r.label, "day": r.day, "url": r.url, "note": r.note} for r in page],
        }
        return Response(ScoringRecordsPageSerializer(body).data)


def register(router) -> None:
    router.register("scoring/results", ScoringResultViewSet, basename="scoring-result")
    router.register("scoring/lines", ScoringLineViewSet, basename="scoring-line")
