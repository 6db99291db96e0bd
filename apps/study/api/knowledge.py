"""Study API · 应知应会: the list (read for all, write for the committee), one's own marks, progress per member.

- `study/knowledge-items`: every signed-in user reads the list (GLOBAL); writes go through the
  committee's services (403 for anyone else).
- `study/knowledge-marks`: the member's own marks only: list, mark (POST {"item": id}), unmark (DELETE).
- `study/knowledge-progress`: per member on the rosters the user keeps, done / total (secretaries, committee).
"""

from __future__ import annotations

from rest_framework import permissions, serializers, viewsets

from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedRelatedFieldsMixin
from apps.orgs.models import Member

from .. import permissions as study_permissions
from ..filters.knowledge import KnowledgeItemFilter, KnowledgeProgressFilter
from ..models import KnowledgeItem, KnowledgeStudy
from ..selectors import knowledge as selectors
from ..services import knowledge as services


class KnowledgeItemSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = KnowledgeItem
        fields = ["id", *services.KNOWLEDGE_FIELDS, "category_display"]


class KnowledgeItemViewSet(viewsets.ModelViewSet):
    """应知应会清单: read by everyone signed in; written by the committee (through the services)."""

    queryset = KnowledgeItem.objects.all()
    serializer_class = KnowledgeItemSerializer
    filterset_class = KnowledgeItemFilter
    search_fields = ["title", "summary"]
    ordering_fields = ["order", "issued_on", "title"]
    ordering = ["category", "order", "id"]

    def _fields(self, serializer) -> dict:
        data = serializer.validated_data
        return {name: data[name] for name in services.KNOWLEDGE_FIELDS if name in data}

    def perform_create(self, serializer):
        serializer.instance = services.knowledge_item_create(actor=self.request.user, fields=self._fields(serializer))

    def perform_update(self, serializer):
        serializer.instance = services.knowledge_item_update(
            actor=self.request.user, item=serializer.instance, fields=self._fields(serializer)
        )

    def perform_destroy(self, instance):
        # An item is taken off the list (停用), never deleted: members' marks and exam questions point at it.
        services.knowledge_item_set_active(actor=self.request.user, item=instance, active=False)


class KnowledgeMarkSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    item_title = serializers.CharField(source="item.title", read_only=True)

    class Meta:
        model = KnowledgeStudy
        fields = ["id", "item", "item_title", "studied_at"]
        read_only_fields = ["studied_at"]


class KnowledgeMarkViewSet(
    viewsets.mixins.CreateModelMixin, viewsets.mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    """The member's own 已学 marks: list, mark an item (POST {"item": id}), unmark (DELETE)."""

    queryset = KnowledgeStudy.objects.select_related("item")
    serializer_class = KnowledgeMarkSerializer
    ordering = ["-studied_at", "-id"]

    def get_queryset(self):
        member_id = scope_for(self.request.user).member_id
        return super().get_queryset().filter(member_id=member_id) if member_id else KnowledgeStudy.objects.none()

    def perform_create(self, serializer):
        serializer.instance = services.knowledge_mark(actor=self.request.user, item=serializer.validated_data["item"])

    def perform_destroy(self, instance):
        services.knowledge_unmark(actor=self.request.user, item=instance.item)


class KnowledgeProgressSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="branch.unit_id", read_only=True)
    unit_name = serializers.CharField(source="branch.unit.name", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    done = serializers.IntegerField(label="已学条目", read_only=True)
    total = serializers.SerializerMethodField(label="清单条目")

    class Meta:
        model = Member
        fields = ["id", "name", "unit", "unit_name", "branch", "branch_name", "done", "total"]

    def get_total(self, obj) -> int:
        total = self.context.get("_total")
        if total is None:
            total = self.context["_total"] = selectors.knowledge_total()
        return total


class SeesProgress(permissions.BasePermission):
    message = "应知应会进度仅供党务工作人员查看。"

    def has_permission(self, request, view):
        return study_permissions.can_see_knowledge_progress(scope_for(request.user))


class KnowledgeProgressViewSet(viewsets.ReadOnlyModelViewSet):
    """Per member on the rosters the user keeps: how many items of the list they marked studied."""

    queryset = Member.objects.all()
    serializer_class = KnowledgeProgressSerializer
    permission_classes = [permissions.IsAuthenticated, SeesProgress]
    filterset_class = KnowledgeProgressFilter
    ordering_fields = ["name", "done"]
    ordering = ["done", "id"]

    def get_queryset(self):
        return selectors.progress_members(scope_for(self.request.user))


def register(router) -> None:
    router.register("study/knowledge-items", KnowledgeItemViewSet, basename="study-knowledge-item")
    router.register("study/knowledge-marks", KnowledgeMarkViewSet, basename="study-knowledge-mark")
    router.register("study/knowledge-progress", KnowledgeProgressViewSet, basename="study-knowledge-progress")
