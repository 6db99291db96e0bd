"""Discipline API · 履责报告: rounds (read: committee and unit secretaries; write: committee) and reports (scoped:
committee and that unit's secretary) with the actions submit / accept / return and file upload, all through
services.reports. Invalid transitions answer 400 in Chinese; a unit secretary reviewing answers 403."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedRelatedFieldsMixin, ScopeFilterBackend

from ..filters.reports import DutyReportFilter
from ..models import DutyReport, ReportReview, ReportRound
from ..services import reports as services
from .attachments import AttachmentSerializer
from .duties import IsUnitManager


class RoundSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = ReportRound
        fields = ["id", *services.ROUND_FIELDS, "kind_display", "units", "opened_at"]
        read_only_fields = ["opened_at"]
        extra_kwargs = {"units": {"required": False, "help_text": "报送单位 id；不填则全部在用单位"}}


class RoundWritePermission(permissions.BasePermission):
    message = services.COMMITTEE_ONLY

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or scope_for(request.user).is_committee


class ReportRoundViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """履责报告期: the committee opens (POST) and changes (PATCH) rounds; unit secretaries read them."""

    queryset = ReportRound.objects.prefetch_related("units")
    serializer_class = RoundSerializer
    permission_classes = [permissions.IsAuthenticated, IsUnitManager, RoundWritePermission]
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering = ["-due_on", "-id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        round_ = services.report_round_open(
            actor=self.request.user,
            fields={k: data[k] for k in services.ROUND_FIELDS if k in data},
            units=list(data.get("units", [])),
            now=timezone.now(),
        )
        serializer.instance = self.get_queryset().get(pk=round_.pk)

    def perform_update(self, serializer):
        data = serializer.validated_data
        round_ = services.report_round_update(
            actor=self.request.user,
            round_=serializer.instance,
            fields={k: data[k] for k in services.ROUND_FIELDS if k in data},
            units=list(data["units"]) if "units" in data else None,
        )
        serializer.instance = self.get_queryset().get(pk=round_.pk)


class ReviewSerializer(serializers.ModelSerializer):
    # Plain strings: the choice set is named once, on the report's status.
    action = serializers.CharField(
        label="操作", read_only=True, help_text="submitted 报送 / accepted 通过 / returned 退回"
    )
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    by_name = serializers.CharField(source="by.display_name", read_only=True, default="")

    class Meta:
        model = ReportReview
        fields = ["id", "action", "action_display", "comment", "by_name", "at"]


class ReportSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    round_title = serializers.CharField(source="round.title", read_only=True)
    due_on = serializers.DateField(source="round.due_on", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status = serializers.CharField(
        label="状态", read_only=True, help_text="draft 草稿 / submitted 已报送 / accepted 已通过 / returned 已退回"
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    on_time = serializers.SerializerMethodField(
        label="报送情况", help_text="on_time 按时 / late 逾期 / missing 未报送（已逾期） / pending 未到期"
    )
    files = AttachmentSerializer(many=True, read_only=True)
    reviews = ReviewSerializer(many=True, read_only=True)

    class Meta:
        model = DutyReport
        fields = [
            "id",
            "round",
            "round_title",
            "due_on",
            "unit",
            "unit_name",
            *services.REPORT_FIELDS,
            "status",
            "status_display",
            "on_time",
            "first_submitted_at",
            "submitted_at",
            "reviewed_at",
            "review_comment",
            "files",
            "reviews",
        ]
        read_only_fields = [
            "round",
            "unit",
            "status",
            "first_submitted_at",
            "submitted_at",
            "reviewed_at",
            "review_comment",
        ]

    def get_on_time(self, obj) -> str:
        return services.on_time_status(
            due_on=obj.round.due_on, first_submitted_at=obj.first_submitted_at, now=timezone.now()
        )


class ReportCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(label="审核意见", max_length=500, required=False, allow_blank=True)


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        label="文件", help_text="图片（JPEG/PNG/WebP/GIF）或 PDF，不超过 10 MB；按内容识别类型"
    )


class DutyReportViewSet(
    mixins.RetrieveModelMixin, mixins.UpdateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """履责报告 (scoped). PATCH changes the text of a draft or returned report; actions submit / accept / return."""

    queryset = DutyReport.objects.select_related("round", "unit").prefetch_related("files", "reviews__by")
    serializer_class = ReportSerializer
    permission_classes = [permissions.IsAuthenticated, IsUnitManager]
    filterset_class = DutyReportFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering = ["-round__due_on", "unit_id"]

    def _reply(self, report):
        return Response(self.get_serializer(self.get_queryset().get(pk=report.pk)).data)

    def perform_update(self, serializer):
        report = services.report_save(
            actor=self.request.user,
            report=serializer.instance,
            fields={k: serializer.validated_data[k] for k in services.REPORT_FIELDS if k in serializer.validated_data},
        )
        serializer.instance = self.get_queryset().get(pk=report.pk)

    @extend_schema(request=None, responses=ReportSerializer, summary="报送（本单位）")
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def submit(self, request, pk=None):
        return self._reply(services.report_submit(actor=request.user, report=self.get_object(), now=timezone.now()))

    @extend_schema(request=ReportCommentSerializer, responses=ReportSerializer, summary="通过（工委）")
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def accept(self, request, pk=None):
        report = self.get_object()
        payload = ReportCommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = payload.validated_data.get("comment", "")
        return self._reply(
            services.report_accept(actor=request.user, report=report, now=timezone.now(), comment=comment)
        )

    @extend_schema(request=ReportCommentSerializer, responses=ReportSerializer, summary="退回（工委，须填写意见）")
    @action(
        detail=True, methods=["post"], url_path="return", filter_backends=[ScopeFilterBackend], pagination_class=None
    )
    def return_report(self, request, pk=None):
        report = self.get_object()
        payload = ReportCommentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        comment = payload.validated_data.get("comment", "")
        return self._reply(
            services.report_return(actor=request.user, report=report, now=timezone.now(), comment=comment)
        )

    @extend_schema(
        request={"multipart/form-data": FileUploadSerializer},
        responses={201: AttachmentSerializer},
        summary="上传附件（本单位）",
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        filter_backends=[ScopeFilterBackend],
        pagination_class=None,
    )
    def files(self, request, pk=None):
        report = self.get_object()
        payload = FileUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        [added] = services.report_files_add(actor=request.user, report=report, uploads=[payload.validated_data["file"]])
        return Response(AttachmentSerializer(added).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("discipline/report-rounds", ReportRoundViewSet, basename="discipline-report-rounds")
    router.register("discipline/reports", DutyReportViewSet, basename="discipline-reports")
