"""Party-life records API (组织生活记录接口): records, attendance, evidence upload.

Lists and lookups are scoped by the default ScopeFilterBackend (Activity.scope_paths:
a member sees only the activities they attended; another unit's record answers 404);
lists filter through `filters.ActivityFilter` (a bad parameter → 400 in Chinese).
Every write goes through the record services (`activity_record`, `activity_update`,
`activity_attendance_set`, `activity_evidence_add`, …), which check the actor's right to
the record where it is and where it goes, and raise Chinese ValidationErrors (→ 400,
nothing saved) or PermissionDenied (→ 403).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.core import batching
from apps.core.periods import local_date
from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedRelatedFieldsMixin, ScopeFilterBackend

from .. import permissions as record_permissions
from .. import services
from ..filters import ActivityFilter
from ..metrics import attendance_counts
from ..models import (
    Activity,
    ActivitySpeech,
    ActivityType,
    Attendance,
    EnterpriseProblem,
    Evidence,
    EvidenceKind,
    PeriodLock,
)
from .speeches import SpeechSerializer

# --- serializers ---------------------------------------------------------------------------------


class AttendanceListSerializer(serializers.ListSerializer):
    """A JSON array of attendance rows; a form-encoded or empty body is refused, never read as "nobody"."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(
                {"attendance": ['出勤名单须以 JSON 数组提交，例如 [{"member": 12, "present": true}]。']}
            )
        return super().to_internal_value(data)


class AttendanceSerializer(serializers.Serializer):
    """One roster member at an activity. Write: member, present, absence_reason."""

    class Meta:
        list_serializer_class = AttendanceListSerializer

    member = serializers.IntegerField(label="党员", help_text="党员 id（须为本支部/单位在册党员）", source="member_id")
    member_name = serializers.CharField(label="姓名", source="member.name", read_only=True)
    present = serializers.BooleanField(label="出席", default=True)
    absence_reason = serializers.CharField(label="缺席原因", max_length=100, required=False, allow_blank=True)
    makeup = serializers.SerializerMethodField(label="补学", help_text="none 无需补学 / open 待补学 / done 已完成")
    counts = serializers.SerializerMethodField(label="出勤计入", help_text="出席，或缺席但已完成补学")

    @extend_schema_field(serializers.ChoiceField(choices=["none", "open", "done"]))
    def get_makeup(self, obj) -> str:
        task = getattr(obj, "makeup", None)
        if task is None:
            return "none"
        return "done" if task.done_at else "open"

    def get_counts(self, obj) -> bool:
        return attendance_counts(obj)


class ProblemSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = EnterpriseProblem
        fields = ["id", "category", "category_display", "description", "solved", "solved_on", "solution"]


class EvidenceSerializer(serializers.ModelSerializer):
    # A plain string here: the choice set is named once, on the upload (the branch's “kind” is another enum).
    kind = serializers.CharField(label="材料类型", read_only=True, help_text="photo、minutes、signin 或 other")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    url = serializers.SerializerMethodField(label="下载地址")

    class Meta:
        model = Evidence
        fields = ["id", "kind", "kind_display", "original_name", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, obj) -> str:
        return reverse("partylife:evidence_file", args=[obj.pk])


class EvidenceUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="材料类型", choices=EvidenceKind.choices, default=EvidenceKind.PHOTO)
    file = serializers.FileField(
        label="文件", help_text="图片（JPEG/PNG/WebP/GIF）或 PDF，不超过 10 MB；按内容识别类型"
    )


class AlsoCountsSerializer(serializers.Serializer):
    """One “同时计为” type: whether the record meets that type's evidence requirements too, and what it lacks."""

    activity_type = serializers.IntegerField(source="activity_type.pk", label="活动类型")
    name = serializers.CharField(source="activity_type.name", label="名称")
    meets = serializers.BooleanField(label="满足该类要求")
    missing = serializers.ListField(child=serializers.CharField(), label="缺少")
    text = serializers.CharField(label="说明", help_text="例如 不计为组织生活会：缺现场照片")


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(label="退回原因", max_length=200)


class ActivitySerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    """A record with its attendance, problems and evidence. `submit: true` submits it (提交)."""

    activity_type_name = serializers.CharField(source="activity_type.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    attendance = AttendanceSerializer(
        label="出勤名单", source="attendances", many=True, required=False, help_text="省略则不改动出勤名单"
    )
    problems = ProblemSerializer(
        label="企业问题", many=True, required=False, help_text="万名干部联万企：省略则不改动问题清单"
    )
    speeches = SpeechSerializer(
        label="研讨发言",
        many=True,
        required=False,
        help_text="理论学习类活动（中心组学习、第一议题、党课）：按顺序整体替换；省略则不改动",
    )
    lead_by_name = serializers.CharField(label="领学人姓名", source="lead_by.name", read_only=True, default=None)
    evidence = EvidenceSerializer(label="佐证材料", many=True, read_only=True)
    missing_evidence = serializers.SerializerMethodField(label="需补充")
    also_counts_as_detail = serializers.SerializerMethodField(
        label="同时计为情况", help_text="每个“同时计为”的类型：是否也满足该类的材料要求，缺少什么"
    )
    locked = serializers.SerializerMethodField(label="已关账锁定")
    submit = serializers.BooleanField(
        label="提交",
        write_only=True,
        default=False,
        help_text="true：保存并提交（提交后不能删除）；false：保存为草稿或保持原状态",
    )
    confirm_duplicate = serializers.BooleanField(
        label="确认不是重复记录",
        write_only=True,
        default=False,
        help_text="同一支部（单位）同一小时已有同类记录时，须为 true 才保存（否则 400，duplicate 说明已有的记录）",
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "activity_type",
            "activity_type_name",
            "also_counts_as",
            *services.ACTIVITY_PLACEMENT,
            *services.ACTIVITY_FIELDS,
            "status",
            "status_display",
            "evidence_complete",
            "missing_evidence",
            "also_counts_as_detail",
            "locked",
            "return_reason",
            "submitted_at",
            "created_at",
            "updated_at",
            "lead_by_name",
            "speeches",
            "attendance",
            "problems",
            "evidence",
            "submit",
            "confirm_duplicate",
        ]
        read_only_fields = [
            "status",
            "evidence_complete",
            "submitted_at",
            "created_at",
            "updated_at",
            "return_reason",
        ]
        extra_kwargs = {
            "unit": {"required": False, "help_text": "单位层级的活动（中心组学习、第一议题）必填"},
            "lead_by": {"help_text": "领学人（党员 id）：仅理论学习类活动，须为本单位/支部活动当天在册党员"},
            "study_hours": {"help_text": "计入学时（0–24）：null 按活动类型的默认学时计入；仅计学时的活动类型可填"},
            # Configuration every user reads (GLOBAL); only types in use are a valid choice.
            "activity_type": {"queryset": ActivityType.objects.filter(active=True)},
            "also_counts_as": {"queryset": ActivityType.objects.filter(active=True)},
        }

    def get_missing_evidence(self, obj) -> list[str]:
        return services.missing_evidence(obj)

    @extend_schema_field(AlsoCountsSerializer(many=True))
    def get_also_counts_as_detail(self, obj) -> list[dict]:
        return AlsoCountsSerializer(services.also_counts(obj), many=True).data

    def get_locked(self, obj) -> bool:
        # One query per response, not per row: the closed months are read once.
        months = self.context.get("_locked_months")
        if months is None:
            months = self.context["_locked_months"] = set(PeriodLock.objects.values_list("month", flat=True))
        if obj.unlocked_until and obj.unlocked_until > timezone.now():
            return False
        return local_date(obj.held_at).replace(day=1) in months

    # --- to the services ------------------------------------------------------------------------------
    def placement(self, instance: Activity | None = None) -> dict:
        """unit, branch, party_group as sent; on PATCH, what is not sent stays where the record is."""
        data = self.validated_data
        return {
            name: data[name] if name in data else getattr(instance, name, None) for name in services.ACTIVITY_PLACEMENT
        }

    def activity_fields(self) -> dict:
        return {name: self.validated_data[name] for name in services.ACTIVITY_FIELDS if name in self.validated_data}

    def attendance_rows(self) -> list[services.AttendanceInput] | None:
        rows = self.validated_data.get("attendances")
        return None if rows is None else _attendance_inputs(rows)

    def speech_rows(self) -> list[services.SpeechInput] | None:
        rows = self.validated_data.get("speeches")
        if rows is None:
            return None
        return [services.SpeechInput(speaker_id=row["speaker_id"], summary=row["summary"]) for row in rows]

    def problem_rows(self) -> list[services.ProblemInput] | None:
        rows = self.validated_data.get("problems")
        if rows is None:
            return None
        return [
            services.ProblemInput(
                category=row["category"],
                description=row["description"],
                solved=row.get("solved", False),
                solved_on=row.get("solved_on"),
                solution=row.get("solution", ""),
            )
            for row in rows
        ]


# --- viewsets ------------------------------------------------------------------------------------


def _attendance_inputs(rows) -> list[services.AttendanceInput]:
    return [
        services.AttendanceInput(
            member_id=row["member_id"], present=row.get("present", True), absence_reason=row.get("absence_reason", "")
        )
        for row in rows
    ]


class CanChangeActivity(permissions.BasePermission):
    """Reading follows the scope (the filter backend); changing needs the right to change the record where it is."""

    message = services.WRITE_DENIED

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return record_permissions.can_change(scope_for(request.user), obj)


class ActivityViewSet(viewsets.ModelViewSet):
    """Party-life records (组织生活记录) the user sees; writes through the record services.

    Every write asks the services, which check the record where it is and where it goes.
    DELETE removes drafts only; a submitted record can be corrected, not deleted.
    """

    queryset = Activity.objects.select_related(
        "activity_type", "unit", "branch", "party_group", "lead_by"
    ).prefetch_related(
        Prefetch("attendances", queryset=Attendance.objects.select_related("member", "makeup").order_by("id")),
        Prefetch("speeches", queryset=ActivitySpeech.objects.select_related("speaker")),
        "evidence",
        "problems",
        "also_counts_as",
    )
    serializer_class = ActivitySerializer
    permission_classes = [permissions.IsAuthenticated, CanChangeActivity]
    filterset_class = ActivityFilter
    search_fields = ["topic", "place", "host"]
    ordering_fields = ["held_at", "created_at"]
    ordering = ["-held_at", "-id"]

    def _reload(self, pk: int) -> Activity:
        return self.get_queryset().get(pk=pk)

    def perform_create(self, serializer):
        data = serializer.validated_data
        activity = services.activity_record(
            actor=self.request.user,
            activity_type=data["activity_type"],
            **serializer.placement(),
            fields=serializer.activity_fields(),
            also_counts_as=data.get("also_counts_as"),
            attendance=serializer.attendance_rows(),
            problems=serializer.problem_rows(),
            speeches=serializer.speech_rows(),
            submit=data.get("submit", False),
            allow_duplicate=data.get("confirm_duplicate", False),
        )
        serializer.instance = self._reload(activity.pk)

    def perform_update(self, serializer):
        data, actor, activity = serializer.validated_data, self.request.user, serializer.instance
        attendance, problems = serializer.attendance_rows(), serializer.problem_rows()
        with batching.batch():  # all parts or none
            activity = services.activity_update(
                actor=actor,
                activity=activity,
                activity_type=data.get("activity_type"),
                **serializer.placement(activity),
                fields=serializer.activity_fields(),
                also_counts_as=data.get("also_counts_as"),
                allow_duplicate=data.get("confirm_duplicate", False),
                speeches=serializer.speech_rows(),
            )
            if attendance is not None:
                activity = services.activity_attendance_set(actor=actor, activity=activity, rows=attendance)
            if problems is not None:
                activity = services.activity_problems_set(actor=actor, activity=activity, rows=problems)
            if data.get("submit"):
                activity = services.activity_submit(actor=actor, activity=activity)
        serializer.instance = self._reload(activity.pk)

    def perform_destroy(self, instance):
        services.activity_delete(actor=self.request.user, activity=instance)

    @extend_schema(methods=["GET"], responses=AttendanceSerializer(many=True), summary="出勤名单")
    @extend_schema(
        methods=["PUT"],
        request=AttendanceSerializer(many=True),
        responses=AttendanceSerializer(many=True),
        summary="替换出勤名单",
        description=(
            "JSON 数组，整体替换出勤名单；缺席须填写原因。已提交的党课、主题党日、党员大会会为缺席党员生成补学任务。"
        ),
    )
    # The actions are scoped like every lookup, without the list's filters (so the schema shows none).
    @action(detail=True, methods=["get", "put"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def attendance(self, request, pk=None):
        activity = self.get_object()
        if request.method == "PUT":
            payload = AttendanceSerializer(data=request.data, many=True)
            payload.is_valid(raise_exception=True)
            services.activity_attendance_set(
                actor=request.user, activity=activity, rows=_attendance_inputs(payload.validated_data)
            )
        rows = Attendance.objects.filter(activity=activity).select_related("member", "makeup").order_by("id")
        return Response(AttendanceSerializer(rows, many=True).data)

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer},
        summary="上传佐证材料",
        description="multipart/form-data：kind（材料类型）+ file。类型按文件内容识别，伪造的图片会被拒绝。",
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        filter_backends=[ScopeFilterBackend],
        pagination_class=None,
    )
    def evidence(self, request, pk=None):
        activity = self.get_object()
        payload = EvidenceUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data
        [added] = services.activity_evidence_add(
            actor=request.user,
            activity=activity,
            items=[services.EvidenceInput(kind=upload["kind"], upload=upload["file"])],
        )
        return Response(EvidenceSerializer(added).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ReturnSerializer,
        responses=ActivitySerializer,
        summary="退回记录（工委）",
        description="把已提交的记录退回为草稿并注明原因，通知支部（单位）书记。仅工委管理员。",
    )
    @action(
        detail=True, methods=["post"], url_path="return", filter_backends=[ScopeFilterBackend], pagination_class=None
    )
    def return_record(self, request, pk=None):
        activity = self.get_object()
        payload = ReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.activity_return(actor=request.user, activity=activity, reason=payload.validated_data["reason"])
        return Response(self.get_serializer(self._reload(activity.pk)).data)
