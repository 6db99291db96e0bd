"""Discipline API · 黄红牌 (cards) and their rules.

Cards are scoped by the default ScopeFilterBackend (Card.scope_paths: the committee, and that unit's
secretary; nobody else sees one, another unit's answers 404). Issuing and lifting go through
`services.cards`, which only the committee passes (403 otherwise).
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.orgs.api_scoping import ScopedRelatedFieldsMixin

from ..filters.cards import CardFilter
from ..models import Card, CardRule, Finding
from ..selectors.cards import open_items
from ..services import cards as services


class CardSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    colour_display = serializers.CharField(source="get_colour_display", read_only=True)
    in_force = serializers.BooleanField(read_only=True)

    class Meta:
        model = Card
        fields = [
            "id",
            *services.CARD_FIELDS,
            "colour_display",
            "deduction",
            "caps_tier",
            "tier_cap",
            "in_force",
            "lifted_on",
            "lift_note",
            "created_at",
        ]
        read_only_fields = ["deduction", "caps_tier", "tier_cap", "lifted_on", "lift_note", "created_at"]
        extra_kwargs = {
            "findings": {"required": False, "help_text": "该单位的问题 id"},
            "talks": {"required": False, "help_text": "该单位的约谈记录 id"},
        }


class CardLiftSerializer(serializers.Serializer):
    lifted_on = serializers.DateField(label="解除日期", required=False, allow_null=True, help_text="不填为今天")
    lift_note = serializers.CharField(label="解除说明", max_length=500, required=False, allow_blank=True)


class OpenItemsSerializer(serializers.Serializer):
    items = serializers.ListField(child=serializers.CharField(), help_text="尚未销号的整改（解除前须全部销号）")


class CardViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """黄红牌 the user sees; the committee issues (POST) and lifts (POST …/lift/)."""

    queryset = Card.objects.select_related("unit").prefetch_related(
        Prefetch("findings", queryset=Finding.objects.select_related("rectification")), "talks"
    )
    serializer_class = CardSerializer
    filterset_class = CardFilter
    ordering_fields = ["issued_on", "created_at"]
    ordering = ["-issued_on", "-id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        card = services.card_issue(
            actor=self.request.user,
            unit=data["unit"],
            colour=data["colour"],
            reason=data["reason"],
            issued_on=data["issued_on"],
            findings=data.get("findings", ()),
            talks=data.get("talks", ()),
        )
        serializer.instance = self.get_queryset().get(pk=card.pk)

    @extend_schema(request=CardLiftSerializer, responses=CardSerializer, summary="解除黄红牌")
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        card = self.get_object()
        body = CardLiftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.card_lift(
            actor=request.user,
            card=card,
            note=body.validated_data.get("lift_note", ""),
            lifted_on=body.validated_data.get("lifted_on"),
        )
        card = self.get_queryset().get(pk=card.pk)
        return Response(CardSerializer(card, context=self.get_serializer_context()).data, status=status.HTTP_200_OK)

    @extend_schema(responses={200: OpenItemsSerializer}, summary="解除前尚未销号的整改")
    @action(detail=True, methods=["get"], url_path="open-items")
    def open_items(self, request, pk=None):
        return Response({"items": open_items(self.get_object())})


class CardRuleSerializer(serializers.ModelSerializer):
    colour_display = serializers.CharField(source="get_colour_display", read_only=True)

    class Meta:
        model = CardRule
        fields = ["id", "colour", "colour_display", *services.CARD_RULE_FIELDS]
        read_only_fields = ["colour"]


class CardRuleViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """黄红牌规则: every signed-in user reads them; the committee changes them (cards issued keep their weight)."""

    queryset = CardRule.objects.order_by("colour")
    serializer_class = CardRuleSerializer
    pagination_class = None

    def perform_update(self, serializer):
        rule = serializer.instance
        data = {name: serializer.validated_data.get(name, getattr(rule, name)) for name in services.CARD_RULE_FIELDS}
        serializer.instance = services.card_rule_update(actor=self.request.user, rule=rule, **data)


def register(router) -> None:
    router.register("discipline/cards", CardViewSet, basename="discipline-card")
    router.register("discipline/card-rules", CardRuleViewSet, basename="discipline-card-rule")
