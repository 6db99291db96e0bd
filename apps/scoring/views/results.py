"""Scoring · 单位得分 — 得分明细、指标、数据与记录；提升建议；历次得分.

STUB: every route answers 501 until the area is built."""

from django.http import HttpResponse
from django.urls import path

from apps.core.navigation import NavItem
from apps.orgs.access import Role


def unit_result(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def unit_result_export(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def line_detail(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


def my_score(request, **kwargs):  # GET
    return HttpResponse("待建设", status=501)


urlpatterns = [
    path("results/<int:pk>/", unit_result, name="unit_result"),
    path("results/<int:pk>/export.xlsx", unit_result_export, name="unit_result_export"),
    path("lines/<int:pk>/", line_detail, name="line_detail"),
    path("mine/", my_score, name="my_score"),
]

NAV_ITEMS = (NavItem("本单位得分", "scoring:my_score", roles=(Role.UNIT,), menu="scoring", order=15),)
