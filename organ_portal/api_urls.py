"""/api/: every app's viewsets on one router, plus the OpenAPI schema and docs (served locally).

The schema and the docs are for signed-in users only: the schema answers 401 to anyone else, the
docs page sends them to the login page. The docs are Swagger UI's split view (its start-up script
is a separate request, not inline) with the package's inline <style> moved to a static file, so the
page lives under the portal's Content-Security-Policy (apps.core.security). There is no ReDoc page:
it loads fonts from the internet and injects inline styles.
"""

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
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

# Token first: an anonymous request gets 401 with `WWW-Authenticate: Token`, not a bare 403.
SIGNED_IN = {
    "authentication_classes": [TokenAuthentication, SessionAuthentication],
    "permission_classes": [IsAuthenticated],
}

urlpatterns = [
    path("", include(router.urls)),
    path("auth/token/", orgs_api.TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(**SIGNED_IN), name="schema"),
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html", **SIGNED_IN)
        ),
        name="api-docs",
    ),
]
