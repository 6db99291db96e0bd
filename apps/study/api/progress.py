"""Study API · progress: the user's own ledger (`study/ledger`) and progress per member (`study/progress`).

- `GET /api/study/ledger/?year=`: the signed-in member's ledger — totals by source, target, what is due,
  status, and the ledger lines (学时明细). An account without a member row gets 404.
- `GET /api/study/progress/`: one row per member the user keeps (branch secretary: their branches; unit
  secretary: their units; the committee and secretaries of several units: one unit, `unit=` required),
  with the same FilterSet as the page (`filters.progress.ProgressFilter`: a bad parameter is a 400 in
  Chinese). A member gets only themself.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.response import Response

from apps.core import study_hours
from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedFilterSetBackend, ScopedRelatedFieldsMixin
from apps.orgs.models import Member

from ..filters.progress import ProgressFilter, year_bounds
from ..ledger import PRORATION_NOTE, Status
from ..selectors import progress as reads

STATUS_CHOICES = list(Status.LABELS.items())

# --- serializers ---------------------------------------------------------------------------------


class SourceHoursSerializer(ScopedRelatedFieldsMixin, serializers.Serializer):
    key = serializers.CharField(label="来源", help_text="例如 partylife.branch、study.sessions、study.self")
    label = serializers.CharField(label="来源名称")
    hours = serializers.DecimalField(max_digits=7, decimal_places=1, label="学时")


class EntrySerializer(ScopedRelatedFieldsMixin, serializers.Serializer):
    day = serializers.DateField(label="日期")
    title = serializers.CharField(label="内容")
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, label="学时")
    source = serializers.CharField(label="来源")
    url = serializers.CharField(label="链接")


class LedgerFiguresSerializer(ScopedRelatedFieldsMixin, serializers.Serializer):
    """A member's year in figures (the same in the ledger and in a progress row)."""

    year = serializers.IntegerField(label="年度")
    is_leader = serializers.BooleanField(label="支部书记、支部委员（56学时目标）")
    base_target = serializers.DecimalField(max_digits=5, decimal_places=1, label="角色年度目标")
    target = serializers.DecimalField(max_digits=5, decimal_places=1, label="年度目标（按在册天数折算）")
    expected = serializers.DecimalField(max_digits=5, decimal_places=1, label="应完成（截至统计日）")
    total = serializers.DecimalField(max_digits=7, decimal_places=1, label="合计学时")
    percent = serializers.IntegerField(label="完成比例（%）")
    remaining = serializers.DecimalField(max_digits=5, decimal_places=1, label="全年还需学时")
    shortfall = serializers.DecimalField(max_digits=5, decimal_places=1, label="比应完成还差")
    status = serializers.ChoiceField(choices=STATUS_CHOICES, label="进度")
    status_label = serializers.CharField(label="进度名称")
    by_source = serializers.SerializerMethodField(label="各来源学时")

    @extend_schema_field(SourceHoursSerializer(many=True))
    def get_by_source(self, ledger) -> list[dict]:
        return [
            {"key": s.key, "label": s.label, "hours": ledger.by_source.get(s.key, 0)} for s in study_hours.sources()
        ]


class LedgerSerializer(ScopedRelatedFieldsMixin, serializers.Serializer):
    member = serializers.IntegerField(label="党员 id")
    name = serializers.CharField(label="姓名")
    as_of = serializers.DateField(label="统计截至")
    ledger = LedgerFiguresSerializer(label="学时")
    entries = EntrySerializer(many=True, label="学时明细")
    note = serializers.CharField(label="目标折算说明")


class ProgressRowSerializer(ScopedRelatedFieldsMixin, serializers.Serializer):
    member = serializers.IntegerField(source="member.pk", label="党员 id")
    name = serializers.CharField(source="member.name", label="姓名")
    unit = serializers.IntegerField(source="member.branch.unit_id", label="单位 id")
    branch = serializers.IntegerField(source="member.branch_id", label="支部 id")
    branch_name = serializers.CharField(source="member.branch.name", label="支部")
    ledger = LedgerFiguresSerializer(label="学时")
    knowledge_done = serializers.IntegerField(label="应知应会已学")
    exams_taken = serializers.IntegerField(label="参加考试")
    exams_passed = serializers.IntegerField(label="考试及格")


class LedgerQuerySerializer(ScopedRelatedFieldsMixin, serializers.Serializer):
    year = serializers.IntegerField(required=False, label="年度")

    def validate_year(self, value: int) -> int:
        first, last = year_bounds()
        if not first <= value <= last:
            raise serializers.ValidationError(f"应为 {first} 至 {last} 之间的年份。")
        return value


# --- viewsets ------------------------------------------------------------------------------------


class LedgerViewSet(viewsets.ViewSet):
    """The signed-in member's own study-hours ledger (学时台账)."""

    filter_backends: list = []

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认今年")],
        responses=LedgerSerializer,
        summary="我的学时台账",
    )
    def list(self, request):
        query = LedgerQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        year = query.validated_data.get("year", today.year)
        scope = scope_for(request.user)
        member = scope.members().filter(pk=scope.member_id).first() if scope.member_id else None
        if member is None:
            raise Http404("您的账号没有关联党员信息。")
        data = reads.member_progress(member, year, today=today)
        body = {
            "member": member.pk,
            "name": member.name,
            "as_of": data.as_of,
            "ledger": data.ledger,
            "entries": data.entries,
            "note": PRORATION_NOTE,
        }
        return Response(LedgerSerializer(body).data)


class ProgressViewSet(viewsets.GenericViewSet):
    """Study progress per member (学习进度统计): the rows of the secretaries' table."""

    queryset = Member.objects.all()  # narrowed by get_queryset to the members the user keeps
    serializer_class = ProgressRowSerializer
    filterset_class = ProgressFilter
    filter_backends = [ScopedFilterSetBackend]  # for the schema's parameters; the selector applies the FilterSet

    def get_queryset(self):
        return reads.progress_members(scope_for(self.request.user))

    @extend_schema(summary="学习进度（按党员）")
    def list(self, request):
        scope = scope_for(request.user)
        if scope.spans_units and not (request.query_params.get("unit") or "").strip():
            raise exceptions.ValidationError({"unit": ["请指定单位（unit）：一次查询一个单位的党员。"]})
        table = reads.progress_table(user=request.user, filters=request.query_params, today=timezone.localdate())
        if not table.filterset.is_valid():
            raise exceptions.ValidationError(table.filterset.errors)
        page = self.paginate_queryset(table.rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def register(router) -> None:
    router.register("study/ledger", LedgerViewSet, basename="study-ledger")
    router.register("study/progress", ProgressViewSet, basename="study-progress")
