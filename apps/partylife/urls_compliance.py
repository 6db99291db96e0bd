"""Compliance pages: calendar, cell, overviews (views.compliance); rules and overrides, 关账 (views.rules)."""

from django.urls import path

from .views import compliance, rules

urlpatterns = [
    path("calendar/", compliance.calendar, name="calendar"),
    path("cell/", compliance.cell, name="cell"),
    path("missed-reason/", compliance.missed_reason, name="missed_reason"),
    path("unit-overview/", compliance.unit_overview, name="unit_overview"),
    path("overview/", compliance.overview, name="overview"),
    path("overview-export/", compliance.overview_export, name="overview_export"),
    path("rules/", rules.rule_list, name="rule_list"),
    path("rules/<int:pk>/", rules.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/override/", rules.override_edit, name="override_edit"),
    path("overrides/<int:pk>/delete/", rules.override_delete, name="override_delete"),
    path("periods/", rules.period_list, name="period_list"),
    path("periods/close/", rules.period_close, name="period_close"),
    path("periods/reopen/", rules.period_reopen, name="period_reopen"),
]
