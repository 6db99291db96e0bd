"""Scoring · 人工评分 — 工委录入人工评分、加分、扣分、一票否决；Excel 导入；佐证材料.

STUB: every route answers 501 until the area is built."""

from django.http import HttpResponse
from django.urls import path

from apps.core.navigation import NavItem
from apps.orgs.access import Role


def manual_list(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def manual_new(request, **kwargs):  # GET/POST
    return HttpResponse("待建设", status=501)


def manual_edit(request, **kwargs):  # GET/POST
    return HttpResponse("待建设", status=501)


def manual_delete(request, **kwargs):  # GET confirm/POST
    return HttpResponse("待建设", status=501)


def manual_history(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def manual_evidence(request, **kwargs):  # GET file
    return HttpResponse("待建设", status=501)


def manual_import(request, **kwargs):  # GET/POST
    return HttpResponse("待建设", status=501)


def manual_template(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def manual_export(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


urlpatterns = [
    path("manual/", manual_list, name="manual_list"),
    path("manual/new/", manual_new, name="manual_new"),
    path("manual/<int:pk>/edit/", manual_edit, name="manual_edit"),
    path("manual/<int:pk>/delete/", manual_delete, name="manual_delete"),
    path("manual/<int:pk>/history/", manual_history, name="manual_history"),
    path("manual/<int:pk>/evidence/", manual_evidence, name="manual_evidence"),
    path("manual/import/", manual_import, name="manual_import"),
    path("manual/template.xlsx", manual_template, name="manual_template"),
    path("manual/export.xlsx", manual_export, name="manual_export"),
]

NAV_ITEMS = (NavItem("人工评分", "scoring:manual_list", roles=(Role.COMMITTEE,), menu="scoring", order=70),)
