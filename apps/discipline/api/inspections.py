"""Discipline API · 督促检查, findings and 整改 (scoped like the pages; writes through the services).

- `discipline/inspections`: the committee's (403 for anyone else).
- `discipline/findings`: the committee and the finding's unit's secretary read; the committee creates
  (with the rectification's requirement, evidence and deadline: one step) and corrects.
- `discipline/rectifications`: read as the pages; actions `submit` (the owner unit: measures + files,
  multipart or JSON), `accept` and `return` (the committee; `return` needs a comment).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedRelatedFieldsMixin, ScopeFilterBackend

from .. import permissions as discipline_permissions
from ..filters.inspections import FindingFilter, InspectionFilter, RectificationFilter
from ..models import Finding, Inspection, Rectification, RectificationEvent
from ..selectors import inspections as selectors
from ..services import inspections as services
from .attachments import AttachmentSerializer


class Supervises(permissions.BasePermission):
    message = "督促检查仅供工委管理员使用。"

    def has_permission(self, request, view):
        return discipline_permissions.can_supervise(scope_for(request.user))


class InspectionSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", *services.INSPECTION_FIELDS, "kind_display", "created_at"]
        read_only_fields = ["created_at"]


class InspectionViewSet(viewsets.ModelViewSet):
    queryset = Inspection.objects.all()
    serializer_class = InspectionSerializer
    permission_classes = [permissions.IsAuthenticated, Supervises]
    filterset_class = InspectionFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering = ["-held_on", "-id"]

    def _fields(self, serializer) -> dict:
        data = serializer.validated_data
        return {name: data[name] for name in services.INSPECTION_FIELDS if name in data}

    def perform_create(self, serializer):
        serializer.instance = services.inspection_create(actor=self.request.user, fields=self._fields(serializer))

    def perform_update(self, serializer):
        serializer.instance = services.inspection_update(
            actor=self.request.user, inspection=serializer.instance, fields=self._fields(serializer)
        )


class FindingSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    """A finding; on create (and update) the rectification's requirement, evidence and deadline come with it."""

    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    requirement = serializers.CharField(label="整改要求", max_length=500, write_only=True)
    required_evidence = serializers.CharField(label="须提交的佐证", max_length=300, write_only=True)
    deadline = serializers.DateField(label="整改期限", write_only=True)
    rectification = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "inspection",
            *services.FINDING_FIELDS,
            "severity_display",
            "rectification",
            *services.RECTIFICATION_FIELDS,
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # an update keeps the inspection; rectification fields are optional
            fields["inspection"].read_only = True
            for name in services.RECTIFICATION_FIELDS:
                fields[name].required = False
        return fields


class FindingViewSet(viewsets.ModelViewSet):
    queryset = Finding.objects.select_related("unit", "rectification")
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering = ["-id"]

    def _split(self, serializer):
        data = serializer.validated_data
        finding = {n: data[n] for n in services.FINDING_FIELDS if n in data}
        rect = {n: data[n] for n in services.RECTIFICATION_FIELDS if n in data}
        return finding, rect

    def perform_create(self, serializer):
        finding, rect = self._split(serializer)
        serializer.instance = services.finding_create(
            actor=self.request.user,
            inspection=serializer.validated_data["inspection"],
            fields=finding,
            rectification=rect,
        )

    def perform_update(self, serializer):
        finding, rect = self._split(serializer)
        serializer.instance = services.finding_update(
            actor=self.request.user, finding=serializer.instance, fields=finding, rectification=rect
        )


class EventSerializer(serializers.ModelSerializer):
    by = serializers.StringRelatedField()

    class Meta:
        model = RectificationEvent
        fields = ["from_status", "to_status", "comment", "by", "at"]


class RectificationSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, label="已逾期")
    description = serializers.CharField(source="finding.description", read_only=True)
    inspection = serializers.IntegerField(source="finding.inspection_id", read_only=True)
    files = AttachmentSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "finding",
            "inspection",
            "unit",
            "unit_name",
            "description",
            *services.RECTIFICATION_FIELDS,
            "status",
            "status_display",
            "is_overdue",
            "measures",
            "submitted_at",
            "accepted_at",
            "accepted_on",
            "files",
            "events",
        ]
        read_only_fields = fields


class RectificationSubmitSerializer(serializers.Serializer):
    measures = serializers.CharField(
        label="整改措施及成效", max_length=Rectification._meta.get_field("measures").max_length
    )
    files = serializers.ListField(
        child=serializers.FileField(), required=False, label="佐证材料", help_text="图片或 PDF，可多个；按内容识别类型"
    )


class RectificationCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(label="意见", max_length=500, required=False, allow_blank=True)


class RectificationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Rectification.objects.select_related("unit", "finding").prefetch_related("files", "events__by")
    serializer_class = RectificationSerializer
    filterset_class = RectificationFilter
    ordering_fields = ["deadline", "status"]

    def get_queryset(self):
        return selectors.with_overdue(super().get_queryset(), today=timezone.localdate())

    def _done(self, rect):
        return Response(self.get_serializer(self.get_queryset().get(pk=rect.pk)).data)

    @extend_schema(
        request={
            "multipart/form-data": RectificationSubmitSerializer,
            "application/json": RectificationSubmitSerializer,
        },
        responses=RectificationSerializer,
        summary="提交整改（责任单位）",
        description="整改措施及成效 + 佐证文件（至少一个，含此前已上传的）；待整改或退回时可提交。",
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        filter_backends=[ScopeFilterBackend],
        pagination_class=None,
    )
    def submit(self, request, pk=None):
        rect = self.get_object()
        payload = RectificationSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rect = services.rectification_submit(
            actor=request.user,
            rectification=rect,
            measures=payload.validated_data["measures"],
            files=payload.validated_data.get("files", []),
        )
        return self._done(rect)

    @extend_schema(request=RectificationCommentSerializer, responses=RectificationSerializer, summary="销号（工委）")
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def accept(self, request, pk=None):
        rect = self.get_object()
        payload = RectificationCommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rect = services.rectification_accept(
            actor=request.user, rectification=rect, comment=payload.validated_data.get("comment", "")
        )
        return self._done(rect)

    @extend_schema(
        request=RectificationCommentSerializer, responses=RectificationSerializer, summary="退回（工委，须填意见）"
    )
    @action(
        detail=True, methods=["post"], url_path="return", filter_backends=[ScopeFilterBackend], pagination_class=None
    )
    def return_rectification(self, request, pk=None):
        rect = self.get_object()
        payload = RectificationCommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rect = services.rectification_return(
            actor=request.user, rectification=rect, comment=payload.validated_data.get("comment", "")
        )
        return self._done(rect)


def register(router) -> None:
    router.register("discipline/inspections", InspectionViewSet, basename="discipline-inspection")
    router.register("discipline/findings", FindingViewSet, basename="discipline-finding")
    router.register("discipline/rectifications", RectificationViewSet, basename="discipline-rectification")
