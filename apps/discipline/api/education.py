"""Discipline API · 典型案例 (+ read) and 警示教育 sessions.

Cases are configuration-like (GLOBAL) rows, so the viewset narrows them itself to what the user sees
(`selectors.education.visible_cases`); sessions are for the committee and the unit's secretary only.
Writes go through `services.education`.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedRelatedFieldsMixin
from apps.orgs.models import Unit

from ..filters.education import CaseFilter, WarningSessionFilter
from ..models import Case, CaseReceipt, WarningAttendance, WarningSession
from ..selectors import education as selectors
from ..services import education as services


class CaseSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", *services.CASE_FIELDS, "published_at"]
        read_only_fields = ["published_at"]
        extra_kwargs = {"units": {"required": False, "help_text": "发送单位 id；不填则全部单位"}}


class CaseReadSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(
        label="单位", queryset=Unit.objects.all(), required=False, allow_null=True, help_text="负责多个单位时必填"
    )


class CaseReceiptSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseReceipt
        fields = ["id", "case", "unit", "read_at"]


class CaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """典型案例 sent to the user's units (the committee: all); the committee publishes, a unit confirms read."""

    queryset = Case.objects.prefetch_related("units")
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    ordering = ["-published_at", "-id"]

    def get_queryset(self):
        return (
            selectors.visible_cases(scope_for(self.request.user))
            .prefetch_related("units")
            .order_by("-published_at", "-id")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.case_publish(
            actor=self.request.user, **{k: data.get(k, "" if k != "units" else ()) for k in services.CASE_FIELDS}
        )

    @extend_schema(request=CaseReadSerializer, responses=CaseReceiptSerializer, summary="确认已阅")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        case = self.get_object()
        body = CaseReadSerializer(data=request.data)
        body.fields["unit"].queryset = scope_for(request.user).managed_units()
        body.is_valid(raise_exception=True)
        receipt, created = services.case_read(actor=request.user, case=case, unit=body.validated_data.get("unit"))
        return Response(
            CaseReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class WarningAttendanceSerializer(serializers.Serializer):
    """One member at a session. Write: member, present, absence_reason (required when absent)."""

    member = serializers.IntegerField(label="党员", source="member_id", min_value=1, max_value=2**63 - 1)
    member_name = serializers.CharField(label="姓名", source="member.name", read_only=True)
    present = serializers.BooleanField(label="出席", default=True)
    absence_reason = serializers.CharField(label="缺席原因", max_length=100, required=False, allow_blank=True)


class WarningSessionSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    attendance = WarningAttendanceSerializer(
        label="出勤名单", source="attendances", many=True, required=False, help_text="该单位当日在册党员；省略则不改动"
    )

    class Meta:
        model = WarningSession
        fields = ["id", *services.WARNING_FIELDS, "kind_display", "attendance", "created_at"]
        read_only_fields = ["created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["cases"].child_relation.queryset = selectors.visible_cases(scope_for(request.user))

    def rows(self):
        rows = self.validated_data.get("attendances")
        if rows is None:
            return None
        return [
            services.AttendanceInput(
                member_id=r["member_id"], present=r.get("present", True), absence_reason=r.get("absence_reason", "")
            )
            for r in rows
        ]


class WarningSessionViewSet(viewsets.ModelViewSet):
    """警示教育 sessions of the user's units (the committee: all), with attendance."""

    queryset = WarningSession.objects.select_related("unit").prefetch_related(
        "cases", Prefetch("attendances", queryset=WarningAttendance.objects.select_related("member").order_by("id"))
    )
    serializer_class = WarningSessionSerializer
    filterset_class = WarningSessionFilter
    ordering = ["-held_on", "-id"]

    def get_queryset(self):
        scope = scope_for(self.request.user)
        return super().get_queryset().filter(pk__in=selectors.visible_sessions(scope).values("pk"))

    def _save(self, serializer, session=None):
        data = serializer.validated_data
        names = [k for k in services.WARNING_FIELDS if k != "cases"]
        fields = {k: data[k] if k in data else getattr(session, k) for k in names if k in data or session}
        cases = data["cases"] if "cases" in data else (list(session.cases.all()) if session else [])
        saved = services.warning_session_save(
            actor=self.request.user, session=session, **fields, cases=cases, attendance=serializer.rows()
        )
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        services.warning_session_delete(actor=self.request.user, session=instance)


def register(router) -> None:
    router.register("discipline/cases", CaseViewSet, basename="discipline-case")
    router.register("discipline/warning-sessions", WarningSessionViewSet, basename="discipline-warning-session")
