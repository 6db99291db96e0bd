"""Org tree and member endpoints. Lists and lookups are scoped by ScopeFilterBackend;
writes go through services, which check the actor's roles again."""

from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .access import scope_for
from .auth import authenticate_with_lockout
from .models import Branch, Member, PartyGroup, Unit


class UnitSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "category", "category_display", "party_org_kind", "order", "active"]


class BranchSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Branch
        fields = ["id", "unit", "name", "kind", "kind_display", "founded_on", "order", "active", "member_count"]


class PartyGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartyGroup
        fields = ["id", "branch", "name", "active"]


class MemberSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="branch.unit_id", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "unit",
            "branch",
            "party_group",
            "name",
            "gender",
            "birth_date",
            "join_date",
            "status",
            "status_display",
            "position",
            "is_leading_cadre",
            "is_branch_committee",
            "active",
            "left_on",
            "left_reason",
        ]
        read_only_fields = ["active", "left_on", "left_reason"]
        # The model's unique constraint is checked by the service's full_clean, in Chinese.
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            scope = scope_for(request.user)
            # Only branches/groups the user sees are valid choices: no probing other units by id.
            self.fields["branch"].queryset = scope.branches()
            self.fields["party_group"].queryset = scope.party_groups()


class DeactivateSerializer(serializers.Serializer):
    left_on = serializers.DateField(label="离册日期")
    left_reason = serializers.CharField(label="离册原因", max_length=200)


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units the user sees (all for the committee; their own unit for everyone else)."""

    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    filterset_fields = ["category", "active"]
    search_fields = ["name", "short_name"]
    ordering_fields = ["order", "name"]
    ordering = ["order", "id"]


class BranchViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Branch.objects.select_related("unit").annotate(
        member_count=Count("members", filter=Q(members__active=True))
    )
    serializer_class = BranchSerializer
    filterset_fields = ["unit", "kind", "active"]
    search_fields = ["name"]
    ordering_fields = ["order", "name"]
    ordering = ["unit__order", "unit_id", "order", "id"]


class PartyGroupViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = PartyGroup.objects.all()
    serializer_class = PartyGroupSerializer
    filterset_fields = ["branch", "active"]
    ordering = ["branch_id", "name"]


class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Members on the rosters the user sees. No delete: members are deactivated."""

    queryset = Member.objects.select_related("branch")
    serializer_class = MemberSerializer
    filterset_fields = ["branch", "branch__unit", "status", "active", "is_leading_cadre", "is_branch_committee"]
    search_fields = ["name", "position"]
    ordering_fields = ["name", "join_date", "birth_date"]
    ordering = ["branch_id", "name", "id"]

    def perform_create(self, serializer):
        serializer.instance = services.member_create(actor=self.request.user, data=serializer.validated_data)

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


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", max_length=150)  # the account's limit; axes stores it as sent
    password = serializers.CharField(label="密码", style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(APIView):
    """Exchange username and password for an API token, under the same lockout and audit as the login page."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer, auth=[])
    def post(self, request):
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            user = authenticate_with_lockout(
                request, username=payload.validated_data["username"], password=payload.validated_data["password"]
            )
        except DjangoValidationError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_400_BAD_REQUEST)
        # Issuing a token is a login: the same signal as a session login (audit, lockout reset, last_login).
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
