"""Org tree and member endpoints. Lists and lookups are scoped by ScopeFilterBackend and filtered
by the same FilterSets as the pages (a bad parameter is a 400); related ids are checked against
the user's scope (ScopedRelatedFieldsMixin); writes go through services, which check the actor's
roles where the record is and where it goes."""

import datetime as dt

from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services, tokens
from .access import scope_for
from .api_scoping import ScopedFilterSetBackend, ScopedRelatedFieldsMixin
from .auth import authenticate_with_lockout
from .filters import BranchFilter, MemberFilter, MembershipFilter, PartyGroupFilter, UnitFilter
from .models import ApiToken, Branch, Member, Membership, PartyGroup, Unit


class UnitSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = Unit
        fields = ("id", *services.UNIT_FIELDS, "category_display")


#: How a branch or party group ended: read-only, written by the dissolve services (撤销 / 合并 / 更名·改建).
BRANCH_END_FIELDS = ("dissolved_on", "end_reason", "successor")


class BranchSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    end_reason_display = serializers.CharField(source="get_end_reason_display", read_only=True)
    is_current = serializers.BooleanField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Branch
        fields = (
            "id",
            *services.BRANCH_FIELDS,
            "kind_display",
            *BRANCH_END_FIELDS,
            "end_reason_display",
            "is_current",
            "member_count",
        )
        read_only_fields = BRANCH_END_FIELDS
        validators = []  # the unique name is checked by the service's full_clean, in Chinese


class PartyGroupSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = PartyGroup
        fields = ("id", "branch", *services.PARTY_GROUP_FIELDS, "dissolved_on", "is_current")
        read_only_fields = ("dissolved_on",)
        validators = []


class MemberSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    unit = serializers.IntegerField(source="branch.unit_id", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    branch_since = serializers.SerializerMethodField(help_text="转入现支部的日期（组织关系）；已离册的党员为空")
    since = serializers.DateField(
        write_only=True, required=False, help_text="登记时：转入本支部的日期；不填为入党日期与支部成立日期中较晚者"
    )

    class Meta:
        model = Member
        fields = (
            "id",
            "unit",
            *services.MEMBER_FIELDS,
            "status_display",
            "branch_since",
            "since",
            "active",
            "left_on",
            "left_reason",
        )
        read_only_fields = ("active", "left_on", "left_reason")
        # The model's unique constraint is checked by the service's full_clean, in Chinese.
        validators = []

    @extend_schema_field(OpenApiTypes.DATE)
    def get_branch_since(self, member: Member) -> dt.date | None:
        if hasattr(member, "branch_since"):  # annotated by the list's queryset: no query per row
            return member.branch_since
        return member.memberships.filter(end_on__isnull=True).values_list("start_on", flat=True).first()


class MembershipSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "member", "member_name", "branch", "branch_name", "start_on", "end_on", "reason")
        read_only_fields = fields


class DeactivateSerializer(serializers.Serializer):
    left_on = serializers.DateField(label="离册日期")
    left_reason = serializers.CharField(label="离册原因", max_length=200)


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units the user sees (all for the committee; their own unit for everyone else)."""

    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["name", "short_name"]
    ordering_fields = ["order", "name"]
    ordering = ["order", "id"]


class WritableViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and change; no delete (the tree keeps its history). Writes call the services."""


class BranchViewSet(WritableViewSet):
    """Branches the user sees; the committee and unit secretaries create and change them."""

    queryset = Branch.objects.select_related("unit").annotate(
        member_count=Count("members", filter=Q(members__active=True))
    )
    serializer_class = BranchSerializer
    filterset_class = BranchFilter
    search_fields = ["name"]
    ordering_fields = ["order", "name"]
    ordering = ["unit__order", "unit_id", "order", "id"]

    def perform_create(self, serializer):
        serializer.instance = services.branch_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.branch_update(
            actor=self.request.user, branch=serializer.instance, data=serializer.validated_data
        )


class PartyGroupViewSet(WritableViewSet):
    """Party groups the user sees; whoever manages the branch creates and renames them."""

    queryset = PartyGroup.objects.all()
    serializer_class = PartyGroupSerializer
    filterset_class = PartyGroupFilter
    ordering = ["branch_id", "name"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.party_group_create(actor=self.request.user, branch=data.pop("branch"), data=data)

    def perform_update(self, serializer):
        serializer.instance = services.party_group_update(
            actor=self.request.user, group=serializer.instance, data=serializer.validated_data
        )


class MemberViewSet(WritableViewSet):
    """Members on the rosters the user sees (在册 unless `?active=0` or `all`). No delete: members are deactivated.

    `branch_since` is the day they came into their branch; their whole history is `/api/memberships/?member=`.
    """

    queryset = Member.objects.select_related("branch").annotate(
        branch_since=Subquery(
            Membership.objects.filter(member=OuterRef("pk"), end_on__isnull=True).values("start_on")[:1]
        )
    )
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    search_fields = ["name", "position"]
    ordering_fields = ["name", "join_date", "birth_date"]
    ordering = ["branch_id", "name", "id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        since = data.pop("since", None)
        serializer.instance = services.member_create(actor=self.request.user, data=data, since=since)

    def perform_update(self, serializer):
        serializer.instance = services.member_update(
            actor=self.request.user, member=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(request=DeactivateSerializer, responses=MemberSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Take the member off the active roster (离册). The record stays."""
        member = self.get_object()
        payload = DeactivateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        member = services.member_deactivate(
            actor=request.user,
            member=member,
            left_on=payload.validated_data["left_on"],
            reason=payload.validated_data["left_reason"],
        )
        return Response(MemberSerializer(member, context={"request": request}).data, status=status.HTTP_200_OK)


class MembershipViewSet(viewsets.ReadOnlyModelViewSet):
    """组织关系: each member's time in each branch (start_on inclusive, end_on exclusive), read-only.

    Filter by `member`, `branch`, or `on` (the memberships in force that day: "the members of this
    branch on 2026-03-01" is `?branch=…&on=2026-03-01`). Changes are made by transfers, merges and 离册.
    """

    queryset = Membership.objects.select_related("member", "branch")
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    ordering = ["member_id", "start_on", "id"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", max_length=150)  # the account's limit; axes stores it as sent
    password = serializers.CharField(label="密码", style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="令牌，仅此一次显示；请求时放在 Authorization: Token <令牌> 头中")
    expires_at = serializers.DateTimeField()


class TokenView(APIView):
    """Exchange username and password for an API token, under the same lockout and audit as the login page.

    The token expires after PORTAL_API_TOKEN_TTL_DAYS; an account that must change its password first
    gets none (403). Each call issues a new token: list and revoke them at /api/auth/tokens/.
    """

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, auth=[])
    def post(self, request):
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            user = authenticate_with_lockout(
                request, username=payload.validated_data["username"], password=payload.validated_data["password"]
            )
        except DjangoValidationError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_400_BAD_REQUEST)
        ip = getattr(request._request, "axes_ip_address", None)
        if tokens.password_policy_refuses(user):
            services.login_failed(username=user.username, ip=ip, reason="须先修改密码")
            return Response({"detail": tokens.MUST_CHANGE_PASSWORD}, status=status.HTTP_403_FORBIDDEN)
        # Issuing a token is a login: the same signal as a session login (audit, lockout reset, last_login).
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, key = tokens.issue(user=user, ip=ip)
        return Response({"token": key, "expires_at": token.expires_at})


class ApiTokenSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    status = serializers.CharField(source="status_label", read_only=True)

    class Meta:
        model = ApiToken
        fields = (
            "id",
            "user",
            "username",
            "prefix",
            "status",
            "created_at",
            "expires_at",
            "last_used_at",
            "created_ip",
            "revoked_at",
            "revoke_reason",
        )
        read_only_fields = fields


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """API tokens: your own (the committee: every account's). DELETE revokes a token (it stays listed as 已吊销)."""

    queryset = ApiToken.objects.none()
    serializer_class = ApiTokenSerializer
    filterset_class = tokens.ApiTokenFilter
    ordering = ["-created_at", "-pk"]
    # The owner's tokens or the committee's view of all (tokens.visible) replace the unit scope here.
    filter_backends = [ScopedFilterSetBackend, OrderingFilter]

    def get_queryset(self):
        return tokens.visible(scope_for(self.request.user))

    def perform_destroy(self, instance):
        tokens.revoke(actor=self.request.user, token=instance)
