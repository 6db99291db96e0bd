"""Compliance pages: calendar, cell, overviews, rules and overrides, 关账."""

from django.urls import path

from . import views_compliance as views

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("cell/", views.cell, name="cell"),
    path("missed-reason/", views.missed_reason, name="missed_reason"),
    path("unit-overview/", views.unit_overview, name="unit_overview"),
    path("overview/", views.overview, name="overview"),
    path("overview-export/", views.overview_export, name="overview_export"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/override/", views.override_edit, name="override_edit"),
    path("overrides/<int:pk>/delete/", views.override_delete, name="override_delete"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/close/", views.period_close, name="period_close"),
    path("periods/reopen/", views.period_reopen, name="period_reopen"),
]
