"""Scoring · 排名测算 — 发起测算、进度、发布；排名表与导出.

STUB: every route answers 501 until the area is built."""

from django.http import HttpResponse
from django.urls import path

from apps.core.navigation import NavItem
from apps.orgs.access import Role


def runs_list(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def run_start(request, **kwargs):  # POST
    return HttpResponse("待建设", status=501)


def run_detail(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def run_status(request, **kwargs):  # GET (htmx partial)
    return HttpResponse("待建设", status=501)


def run_publish(request, **kwargs):  # GET confirm/POST
    return HttpResponse("待建设", status=501)


def run_export(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def rankings(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


urlpatterns = [
    path("runs/", runs_list, name="runs"),
    path("runs/start/", run_start, name="run_start"),
    path("runs/<int:pk>/", run_detail, name="run_detail"),
    path("runs/<int:pk>/status/", run_status, name="run_status"),
    path("runs/<int:pk>/publish/", run_publish, name="run_publish"),
    path("runs/<int:pk>/export.xlsx", run_export, name="run_export"),
    path("rankings/", rankings, name="rankings"),
]

NAV_ITEMS = (
    NavItem("排名", "scoring:rankings", roles=(Role.COMMITTEE, Role.UNIT), menu="scoring", order=10),
    NavItem("排名测算", "scoring:runs", roles=(Role.COMMITTEE,), menu="scoring", order=20),
)
