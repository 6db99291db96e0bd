"""Discipline API · 约谈提醒 (`discipline/talks`): the committee reads and writes every unit's talks; a unit's
secretary reads their own unit's (writes refused, 403); branch secretaries and members see none.
Writes go through the talk services; there is no delete (a talk is corrected, never erased)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.orgs.api_scoping import ScopedRelatedFieldsMixin, ScopeFilterBackend

from ..filters.talks import TalkFilter
from ..models import Talk
from ..services import talks as services


class TalkSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Talk
        fields = ["id", *services.TALK_FIELDS, "unit_name", "kind_display", "follow_up_done_on", "created_at"]
        read_only_fields = ["follow_up_done_on", "created_at"]


class FollowUpDoneSerializer(serializers.Serializer):
    done_on = serializers.DateField(label="落实日期", required=False, help_text="不填为今天（北京时间）")


class TalkViewSet(viewsets.ModelViewSet):
    queryset = Talk.objects.select_related("unit")
    serializer_class = TalkSerializer
    filterset_class = TalkFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering_fields = ["held_on", "created_at"]
    ordering = ["-held_on", "-id"]

    def _fields(self, serializer) -> dict:
        data = serializer.validated_data
        return {name: data[name] for name in services.TALK_FIELDS if name in data}

    def perform_create(self, serializer):
        serializer.instance = services.talk_create(actor=self.request.user, fields=self._fields(serializer))

    def perform_update(self, serializer):
        serializer.instance = services.talk_update(
            actor=self.request.user, talk=serializer.instance, fields=self._fields(serializer)
        )

    @extend_schema(request=FollowUpDoneSerializer, responses=TalkSerializer, summary="标记后续要求已落实（工委）")
    @action(
        detail=True,
        methods=["post"],
        url_path="follow-up-done",
        filter_backends=[ScopeFilterBackend],
        pagination_class=None,
    )
    def follow_up_done(self, request, pk=None):
        talk = self.get_object()
        payload = FollowUpDoneSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        talk = services.talk_follow_up_done(
            actor=request.user, talk=talk, done_on=payload.validated_data.get("done_on")
        )
        return Response(TalkSerializer(talk, context=self.get_serializer_context()).data)


def register(router) -> None:
    router.register("discipline/talks", TalkViewSet, basename="discipline-talk")
