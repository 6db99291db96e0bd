"""Scoring API · ranking runs (排名测算).

The committee lists every run; everyone else published runs only (a draft answers 404). Only the committee starts a
run (POST, through `services.runs.run_request`: the lock returns the run already under way) and publishes one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.periods import Period
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedFilterSetBackend

from .. import permissions
from ..filters.runs import RunFilter
from ..models import RankingRun
from ..selectors.runs import visible_runs
from ..services import runs as services

DENIED = "只有工委管理员可以发起和发布排名测算。"


class ScoringRunSerializer(serializers.ModelSerializer):
    # plain text: the same choices are the partylife rules' frequency enum in the schema
    period_kind = serializers.CharField(read_only=True, help_text="month / quarter / year")
    period_label = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    is_published = serializers.BooleanField(read_only=True)

    class Meta:
        model = RankingRun
        fields = [
            "id",
            "system",
            "period_kind",
            "period_key",
            "period_label",
            "evaluated_on",
            "provisional",
            "status",
            "status_display",
            "progress",
            "message",
            "error",
            "trigger",
            "trigger_display",
            "digest",
            "unit_count",
            "created_at",
            "finished_at",
            "is_published",
            "published_at",
        ]
        read_only_fields = fields

    def get_period_label(self, run) -> str:
        return run.period.label


class ScoringRunCreateSerializer(serializers.Serializer):
    period = serializers.CharField(label="期间", max_length=10, help_text="如 2026、2026-Q3、2026-03")

    def validate_period(self, value: str) -> Period:
        if "\x00" in value:
            raise serializers.ValidationError("期间包含无效字符。")
        try:
            return Period.parse(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class ScoringRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """排名测算: the committee's every run, everyone else's published ones; POST starts a run (committee)."""

    queryset = RankingRun.objects.all()  # the model (COMMITTEE_ONLY); get_queryset lets others see published runs
    serializer_class = ScoringRunSerializer
    filter_backends = [ScopedFilterSetBackend]
    filterset_class = RunFilter

    def get_queryset(self):
        return visible_runs(scope_for(self.request.user)).order_by("-created_at", "-id")

    @extend_schema(request=ScoringRunCreateSerializer, responses={201: ScoringRunSerializer}, summary="发起排名测算")
    def create(self, request, *args, **kwargs):
        require(permissions.can_manage(scope_for(request.user)), DENIED)
        body = ScoringRunCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = services.run_request(actor=request.user, period=body.validated_data["period"])
        run = self.get_queryset().get(pk=run.pk)
        return Response(self.get_serializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ScoringRunSerializer, summary="发布排名")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        require(permissions.can_manage(scope_for(request.user)), DENIED)
        run = services.run_publish(actor=request.user, run=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=run.pk)).data)


def register(router) -> None:
    router.register("scoring/runs", ScoringRunViewSet, basename="scoring-run")
