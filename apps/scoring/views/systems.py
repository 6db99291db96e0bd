"""Scoring · 指标体系 — 年度指标体系、版本、指标的增删改.

STUB: every route answers 501 until the area is built."""

from django.http import HttpResponse
from django.urls import path

from apps.core.navigation import NavItem
from apps.orgs.access import Role


def systems_list(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def system_detail(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def system_edit(request, **kwargs):  # GET/POST
    return HttpResponse("待建设", status=501)


def system_new_version(request, **kwargs):  # POST
    return HttpResponse("待建设", status=501)


def system_history(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def indicator_new(request, **kwargs):  # GET/POST
    return HttpResponse("待建设", status=501)


def indicator_edit(request, **kwargs):  # GET/POST
    return HttpResponse("待建设", status=501)


def indicator_delete(request, **kwargs):  # GET confirm/POST
    return HttpResponse("待建设", status=501)


urlpatterns = [
    path("", systems_list, name="systems"),
    path("systems/<int:pk>/", system_detail, name="system_detail"),
    path("systems/<int:pk>/edit/", system_edit, name="system_edit"),
    path("systems/<int:pk>/new-version/", system_new_version, name="system_new_version"),
    path("systems/<int:pk>/history/", system_history, name="system_history"),
    path("systems/<int:pk>/indicators/new/", indicator_new, name="indicator_new"),
    path("indicators/<int:pk>/edit/", indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/delete/", indicator_delete, name="indicator_delete"),
]

NAV_ITEMS = (
    NavItem(
        "指标体系", "scoring:systems", roles=(Role.COMMITTEE, Role.UNIT), menu="scoring", order=80, divider_before=True
    ),
)
