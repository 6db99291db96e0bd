"""/api/: every app's viewsets on one router, plus the OpenAPI schema and docs (served locally)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from apps.discipline import api as discipline_api
from apps.orgs import api as orgs_api
from apps.partylife import api as partylife_api
from apps.scoring import api as scoring_api
from apps.study import api as study_api

router = DefaultRouter()
router.register("units", orgs_api.UnitViewSet, basename="unit")
router.register("branches", orgs_api.BranchViewSet, basename="branch")
router.register("party-groups", orgs_api.PartyGroupViewSet, basename="partygroup")
router.register("members", orgs_api.MemberViewSet, basename="member")
router.register("memberships", orgs_api.MembershipViewSet, basename="membership")
router.register("auth/tokens", orgs_api.ApiTokenViewSet, basename="api-token-admin")
router.register("partylife/activities", partylife_api.ActivityViewSet, basename="partylife-activity")
router.register("partylife/activity-types", partylife_api.ActivityTypeViewSet, basename="partylife-activitytype")
router.register("partylife/rules", partylife_api.ComplianceRuleViewSet, basename="partylife-rule")
router.register("partylife/compliance", partylife_api.ComplianceViewSet, basename="partylife-compliance")
study_api.register(router)  # /api/study/…
discipline_api.register(router)  # /api/discipline/…
scoring_api.register(router)  # /api/scoring/…

urlpatterns = [
    path("", include(router.urls)),
    path("auth/token/", orgs_api.TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
