"""Study API · 自学: a member's own entries (create, change, delete within the caps); secretaries read their scope.

The list is the user's scope (SelfStudy.scope_paths: a member their own, a secretary their branch's
or unit's members'); writes go through `services.self_study`, which only ever write the actor's own.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets

from apps.orgs.api_scoping import ScopedRelatedFieldsMixin

from ..filters.self_study import SelfStudyFilter
from ..models import SelfStudy
from ..services import self_study as services


class SelfStudySerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = SelfStudy
        fields = ["id", "member", "member_name", *services.SELF_STUDY_FIELDS, "created_at"]
        read_only_fields = ["member", "created_at"]


class SelfStudyViewSet(viewsets.ModelViewSet):
    """自学: the member's own (write); the entries of the members a secretary keeps (read)."""

    queryset = SelfStudy.objects.select_related("member")
    serializer_class = SelfStudySerializer
    filterset_class = SelfStudyFilter
    search_fields = ["title", "material"]
    ordering_fields = ["studied_on", "created_at"]
    ordering = ["-studied_on", "-id"]

    def _fields(self, serializer) -> dict:
        return {
            name: serializer.validated_data[name]
            for name in services.SELF_STUDY_FIELDS
            if name in serializer.validated_data
        }

    def perform_create(self, serializer):
        serializer.instance = services.self_study_create(actor=self.request.user, fields=self._fields(serializer))

    def perform_update(self, serializer):
        serializer.instance = services.self_study_update(
            actor=self.request.user, entry=serializer.instance, fields=self._fields(serializer)
        )

    def perform_destroy(self, instance):
        services.self_study_delete(actor=self.request.user, entry=instance)


def register(router) -> None:
    router.register("study/self-study", SelfStudyViewSet, basename="study-self-study")
