"""Scoring API · 人工评分 (`scoring/manual-scores`): the committee lists (same FilterSet as the page), creates,
updates and deletes entries through the same services; everyone else gets 403."""

from __future__ import annotations

from rest_framework import permissions, serializers, viewsets

from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedRelatedFieldsMixin

from .. import permissions as scoring_permissions
from ..filters.manual import ManualScoreFilter
from ..models import ManualScore
from ..selectors.manual import manual_rows
from ..services import manual as services


class IsCommittee(permissions.BasePermission):
    message = services.MANAGE_DENIED

    def has_permission(self, request, view):
        return scoring_permissions.can_manage(scope_for(request.user))


class ManualScoreSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    period_key = serializers.CharField(label="期间", max_length=10, help_text="如 2026、2026-Q3、2026-03")
    period_kind = serializers.CharField(label="期间类型", read_only=True, help_text="year、quarter 或 month")
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = ManualScore
        fields = (
            "id",
            *services.MANUAL_FIELDS,
            "period_kind",
            "indicator_name",
            "unit_name",
            "has_evidence",
            "entered_by",
            "updated_at",
        )
        read_only_fields = ("period_kind", "entered_by", "updated_at")
        validators: list = []  # one entry per indicator, unit and period: the service says so, in Chinese

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence)


class ManualScoreViewSet(viewsets.ModelViewSet):
    """人工评分（工委）：列表、录入、修改、删除。"""

    queryset = manual_rows()
    serializer_class = ManualScoreSerializer
    permission_classes = [permissions.IsAuthenticated, IsCommittee]
    filterset_class = ManualScoreFilter
    ordering = ["-period_key", "indicator__order", "unit__order"]

    def _fields(self, serializer) -> dict:
        data = serializer.validated_data
        return {name: data[name] for name in services.MANUAL_FIELDS if name in data}

    def perform_create(self, serializer):
        serializer.instance = services.manual_create(actor=self.request.user, fields=self._fields(serializer))

    def perform_update(self, serializer):
        serializer.instance = services.manual_update(
            actor=self.request.user, entry=serializer.instance, fields=self._fields(serializer)
        )

    def perform_destroy(self, instance):
        services.manual_delete(actor=self.request.user, entry=instance)


def register(router) -> None:
    router.register("scoring/manual-scores", ManualScoreViewSet, basename="scoring-manual-score")
