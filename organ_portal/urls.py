from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("apps.dashboards.urls")),
    path("accounts/", include("apps.orgs.account_urls")),
    path("orgs/", include("apps.orgs.urls")),
    path("partylife/", include("apps.partylife.urls")),
    path("study/", include("apps.study.urls")),
    path("discipline/", include("apps.discipline.urls")),
    path("scoring/", include("apps.scoring.urls")),
    path("", include("apps.core.urls")),  # notifications/, jobs/, audit/
    path("api/", include("organ_portal.api_urls")),
]
if settings.PORTAL_ADMIN_ENABLED:  # same lockout and audit as the login page (apps.orgs.admin)
    urlpatterns.append(path("django-admin/", admin.site.urls))

admin.site.site_header = "模范机关创建管理平台 · 后台"
admin.site.site_title = "模范机关创建管理平台"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
