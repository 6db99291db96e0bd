"""Study API · sessions (集中学习): CRUD through the same services, with nested 研讨发言 and attendance.

Lists and lookups are scoped by the default ScopeFilterBackend (StudySession.scope_paths: a member
sees the sessions they attended; another unit's answers 404); lists filter through `SessionFilter`.
Writes go through `services.sessions`, which check the session where it is and where it goes.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from rest_framework import permissions, serializers, viewsets

from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedRelatedFieldsMixin

from .. import permissions as study_permissions
from ..filters.sessions import SessionFilter
from ..models import SessionAttendance, SessionSpeech, StudySession
from ..services import sessions as services


class JsonListSerializer(serializers.ListSerializer):
    """A JSON array of rows; anything else is refused, never read as "nobody"."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(["须以 JSON 数组提交。"])
        return super().to_internal_value(data)


class SessionAttendanceSerializer(serializers.Serializer):
    """One member at a session. Write: member, present, absence_reason."""

    class Meta:
        list_serializer_class = JsonListSerializer

    member = serializers.IntegerField(label="党员", source="member_id", min_value=1, max_value=services.MAX_ID)
    member_name = serializers.CharField(label="姓名", source="member.name", read_only=True)
    present = serializers.BooleanField(label="出席", default=True)
    absence_reason = serializers.CharField(label="缺席原因", max_length=100, required=False, allow_blank=True)


class SessionSpeechSerializer(serializers.Serializer):
    """One 研讨发言: speaker and a short summary."""

    class Meta:
        list_serializer_class = JsonListSerializer

    speaker = serializers.IntegerField(label="发言人", source="speaker_id", min_value=1, max_value=services.MAX_ID)
    speaker_name = serializers.CharField(label="发言人姓名", source="speaker.name", read_only=True)
    summary = serializers.CharField(label="发言要点", max_length=300)


class StudySessionSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    speeches = SessionSpeechSerializer(label="研讨发言", many=True, required=False, help_text="省略则不改动")
    attendance = SessionAttendanceSerializer(
        label="出勤名单", source="attendances", many=True, required=False, help_text="省略则不改动出勤名单"
    )
    same_as = serializers.CharField(
        label="与组织生活记录为同一次活动",
        max_length=60,
        required=False,
        allow_blank=True,
        help_text="须为该单位（支部）当天可关联的组织生活记录（如 partylife.branch:123）；留空为单独的一次学习",
    )

    class Meta:
        model = StudySession
        fields = [
            "id",
            "kind",
            "kind_display",
            *services.SESSION_PLACEMENT,
            *services.SESSION_FIELDS,
            "created_at",
            "updated_at",
            "speeches",
            "attendance",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "unit": {"required": False, "help_text": "专题培训、读书班必填；周学、青年学习随支部、小组"},
            "branch": {"help_text": "支部周学必填"},
            "youth_group": {"help_text": "青年理论学习小组的学习必填"},
        }

    def validate(self, attrs):
        if self.instance is not None and "kind" in attrs and attrs["kind"] != self.instance.kind:
            raise serializers.ValidationError({"kind": "已登记的学习不能更改类型。"})
        return attrs

    def placement(self, instance: StudySession | None = None) -> dict:
        data = self.validated_data
        return {
            name: data[name] if name in data else getattr(instance, name, None) for name in services.SESSION_PLACEMENT
        }

    def session_fields(self) -> dict:
        return {name: self.validated_data[name] for name in services.SESSION_FIELDS if name in self.validated_data}

    def speech_rows(self):
        rows = self.validated_data.get("speeches")
        if rows is None:
            return None
        return [services.SpeechInput(speaker_id=r["speaker_id"], summary=r["summary"]) for r in rows]

    def attendance_rows(self):
        rows = self.validated_data.get("attendances")
        if rows is None:
            return None
        return [
            services.AttendanceInput(
                member_id=r["member_id"], present=r.get("present", True), absence_reason=r.get("absence_reason", "")
            )
            for r in rows
        ]


class CanChangeSession(permissions.BasePermission):
    message = services.WRITE_DENIED

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return study_permissions.can_change_session(scope_for(request.user), obj)


class StudySessionViewSet(viewsets.ModelViewSet):
    """集中学习 the user sees (a member: those they attended); writes through the session services."""

    queryset = StudySession.objects.select_related("unit", "branch", "youth_group", "leader").prefetch_related(
        Prefetch("speeches", queryset=SessionSpeech.objects.select_related("speaker")),
        Prefetch("attendances", queryset=SessionAttendance.objects.select_related("member").order_by("id")),
    )
    serializer_class = StudySessionSerializer
    permission_classes = [permissions.IsAuthenticated, CanChangeSession]
    filterset_class = SessionFilter
    search_fields = ["topic", "place"]
    ordering_fields = ["held_on", "created_at"]
    ordering = ["-held_on", "-id"]

    def _reload(self, pk):
        return self.get_queryset().get(pk=pk)

    def perform_create(self, serializer):
        kind = serializer.validated_data.get("kind")
        session = services.session_create(
            actor=self.request.user,
            kind=kind,
            **serializer.placement(),
            fields=serializer.session_fields(),
            speeches=serializer.speech_rows() or (),
            attendance=serializer.attendance_rows() or (),
        )
        serializer.instance = self._reload(session.pk)

    def perform_update(self, serializer):
        with transaction.atomic():
            session = services.session_update(
                actor=self.request.user,
                session=serializer.instance,
                **serializer.placement(serializer.instance),
                fields=serializer.session_fields(),
                speeches=serializer.speech_rows(),
                attendance=serializer.attendance_rows(),
            )
        serializer.instance = self._reload(session.pk)

    def perform_destroy(self, instance):
        services.session_delete(actor=self.request.user, session=instance)


def register(router) -> None:
    router.register("study/sessions", StudySessionViewSet, basename="study-session")
