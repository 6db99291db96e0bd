"""Discipline API · 责任清单: template versions (read: committee and unit secretaries; write: committee) and
the units' lists (scoped: committee and that unit's secretary). Every write goes through services.duties."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from apps.orgs.access import scope_for
from apps.orgs.api_scoping import ScopedRelatedFieldsMixin, ScopeFilterBackend
from apps.orgs.models import Unit

from ..models import DutyTemplate, DutyTemplateItem, UnitDutyItem, UnitDutyList
from ..services import duties as services


class IsUnitManager(permissions.BasePermission):
    """责任清单 and 履责报告 are for the committee and unit secretaries (branch secretaries, members: 403)."""

    message = "仅供单位党务干部和工委管理员使用。"

    def has_permission(self, request, view):
        return scope_for(request.user).is_unit_manager


class TemplateItemSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = DutyTemplateItem
        fields = ["id", *services.TEMPLATE_ITEM_FIELDS]
        extra_kwargs = {"order": {"required": False}}


class TemplateSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    items = TemplateItemSerializer(many=True, read_only=True)
    published = serializers.SerializerMethodField(label="已发布")

    class Meta:
        model = DutyTemplate
        fields = ["id", "version", *services.TEMPLATE_FIELDS, "published", "published_at", "items"]
        read_only_fields = ["version", "published_at"]

    def get_published(self, obj) -> bool:
        return obj.published_at is not None


def _fields(data, names) -> dict:
    return {name: data[name] for name in names if name in data}


def _item(queryset, item_pk):
    item = queryset.filter(pk=item_pk).first()
    if item is None:
        raise NotFound("没有找到该条目。")
    return item


ITEM_PATH = r"items/(?P<item_pk>[0-9]{1,9})"


class DutyTemplateViewSet(viewsets.ModelViewSet):
    """责任清单模板: POST creates the next version (a draft copying the latest); drafts are edited and published."""

    queryset = DutyTemplate.objects.prefetch_related("items")
    serializer_class = TemplateSerializer
    permission_classes = [permissions.IsAuthenticated, IsUnitManager]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["-version"]

    def perform_create(self, serializer):
        template = services.duty_template_new_version(
            actor=self.request.user, note=serializer.validated_data.get("note", "")
        )
        fields = _fields(serializer.validated_data, ("title",))
        if fields:
            template = services.duty_template_update(actor=self.request.user, template=template, fields=fields)
        serializer.instance = self.get_queryset().get(pk=template.pk)

    def perform_update(self, serializer):
        template = services.duty_template_update(
            actor=self.request.user,
            template=serializer.instance,
            fields=_fields(serializer.validated_data, services.TEMPLATE_FIELDS),
        )
        serializer.instance = self.get_queryset().get(pk=template.pk)

    def perform_destroy(self, instance):
        services.duty_template_delete(actor=self.request.user, template=instance)

    @extend_schema(request=None, responses=TemplateSerializer, summary="发布模板版本（工委）")
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def publish(self, request, pk=None):
        template = services.duty_template_publish(actor=request.user, template=self.get_object(), now=timezone.now())
        return Response(self.get_serializer(self.get_queryset().get(pk=template.pk)).data)

    @extend_schema(request=TemplateItemSerializer, responses={201: TemplateItemSerializer}, summary="新增模板条目")
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def items(self, request, pk=None):
        template = self.get_object()
        payload = TemplateItemSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        item = services.duty_template_item_save(
            actor=request.user,
            template=template,
            fields=_fields(payload.validated_data, services.TEMPLATE_ITEM_FIELDS),
        )
        return Response(TemplateItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"], request=TemplateItemSerializer, responses=TemplateItemSerializer, summary="修改模板条目"
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None}, summary="删除模板条目")
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=ITEM_PATH,
        filter_backends=[ScopeFilterBackend],
        pagination_class=None,
    )
    def item(self, request, pk=None, item_pk=None):
        template = self.get_object()
        item = _item(DutyTemplateItem.objects.filter(template=template), item_pk)
        if request.method == "DELETE":
            services.duty_template_item_delete(actor=request.user, item=item)
            return Response(status=status.HTTP_204_NO_CONTENT)
        payload = TemplateItemSerializer(item, data=request.data, partial=True, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        item = services.duty_template_item_save(
            actor=request.user,
            template=template,
            item=item,
            fields=_fields(payload.validated_data, services.TEMPLATE_ITEM_FIELDS),
        )
        return Response(TemplateItemSerializer(item).data)


class DutyItemSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = UnitDutyItem
        fields = ["id", "source", *services.DUTY_ITEM_FIELDS]
        read_only_fields = ["source"]
        extra_kwargs = {"order": {"required": False}, "owner_position": {"required": False, "allow_blank": True}}


class DutyListSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    items = DutyItemSerializer(many=True, read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True, default=None)
    confirmed = serializers.SerializerMethodField(label="已确认")
    unit = serializers.PrimaryKeyRelatedField(
        label="单位", queryset=Unit.objects.all(), help_text="采用最新模板生成新版本草稿的单位（本单位）"
    )

    class Meta:
        model = UnitDutyList
        fields = [
            "id",
            "unit",
            "version",
            "template",
            "template_version",
            *services.DUTY_LIST_FIELDS,
            "confirmed",
            "adopted_at",
            "items",
        ]
        read_only_fields = ["version", "template", "adopted_at"]

    def get_confirmed(self, obj) -> bool:
        return obj.adopted_at is not None


class DutyListViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """单位责任清单 (scoped). POST {unit} adopts the latest template into a new draft; items are adapted on the
    draft; confirm makes it read-only and current; DELETE discards a draft."""

    queryset = UnitDutyList.objects.select_related("template", "unit").prefetch_related("items")
    serializer_class = DutyListSerializer
    permission_classes = [permissions.IsAuthenticated, IsUnitManager]
    ordering = ["unit_id", "-version"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        duty_list = services.unit_duty_list_adopt(actor=self.request.user, unit=data["unit"], note=data.get("note", ""))
        serializer.instance = self.get_queryset().get(pk=duty_list.pk)

    def perform_destroy(self, instance):
        services.unit_duty_list_discard(actor=self.request.user, duty_list=instance)

    @extend_schema(request=None, responses=DutyListSerializer, summary="确认清单（每条须有责任岗位）")
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def confirm(self, request, pk=None):
        duty_list = services.unit_duty_list_confirm(actor=request.user, duty_list=self.get_object(), now=timezone.now())
        return Response(self.get_serializer(self.get_queryset().get(pk=duty_list.pk)).data)

    @extend_schema(request=DutyItemSerializer, responses={201: DutyItemSerializer}, summary="新增本单位条目")
    @action(detail=True, methods=["post"], filter_backends=[ScopeFilterBackend], pagination_class=None)
    def items(self, request, pk=None):
        duty_list = self.get_object()
        payload = DutyItemSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        item = services.unit_duty_item_save(
            actor=request.user, duty_list=duty_list, fields=_fields(payload.validated_data, services.DUTY_ITEM_FIELDS)
        )
        return Response(DutyItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["PATCH"], request=DutyItemSerializer, responses=DutyItemSerializer, summary="修改清单条目")
    @extend_schema(methods=["DELETE"], request=None, responses={204: None}, summary="删除清单条目")
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=ITEM_PATH,
        filter_backends=[ScopeFilterBackend],
        pagination_class=None,
    )
    def item(self, request, pk=None, item_pk=None):
        duty_list = self.get_object()
        item = _item(UnitDutyItem.objects.filter(duty_list=duty_list), item_pk)
        if request.method == "DELETE":
            services.unit_duty_item_delete(actor=request.user, item=item)
            return Response(status=status.HTTP_204_NO_CONTENT)
        payload = DutyItemSerializer(item, data=request.data, partial=True, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        item = services.unit_duty_item_save(
            actor=request.user,
            duty_list=duty_list,
            item=item,
            fields=_fields(payload.validated_data, services.DUTY_ITEM_FIELDS),
        )
        return Response(DutyItemSerializer(item).data)


def register(router) -> None:
    router.register("discipline/duty-templates", DutyTemplateViewSet, basename="discipline-duty-templates")
    router.register("discipline/duty-lists", DutyListViewSet, basename="discipline-duty-lists")
