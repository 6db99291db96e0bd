"""Party life URLs: records and evidence (views.records), the committee's unlock and return (views.review),
compliance (views.compliance, views.overviews), rules and 关账 (views.rules), 补学 (views.makeup)."""

from django.urls import path

from .views import compliance, makeup, overviews, records, review, rules

app_name = "partylife"

urlpatterns = [
    # records (组织生活记录)
    path("activities/", records.activity_list, name="activity_list"),
    path("activities/export/", records.activity_export, name="activity_export"),
    path("activities/new/", records.activity_new, name="activity_new"),
    path("activities/new/<slug:code>/", records.activity_create, name="activity_create"),
    path("activities/<int:pk>/", records.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", records.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", records.activity_delete, name="activity_delete"),
    path("activities/<int:pk>/unlock/", review.activity_unlock, name="activity_unlock"),
    path("activities/<int:pk>/return/", review.activity_return, name="activity_return"),
    path("evidence/<int:pk>/", records.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/delete/", records.evidence_delete, name="evidence_delete"),
    # compliance (组织生活落实情况)
    path("calendar/", compliance.calendar, name="calendar"),
    path("cell/", compliance.cell, name="cell"),
    path("missed-reason/", compliance.missed_reason, name="missed_reason"),
    path("unit-overview/", overviews.unit_overview, name="unit_overview"),
    path("unit-overview/export/", overviews.unit_overview_export, name="unit_overview_export"),
    path("overview/", overviews.overview, name="overview"),
    path("overview-export/", overviews.overview_export, name="overview_export"),
    # rules and 关账 (committee)
    path("rules/", rules.rule_list, name="rule_list"),
    path("rules/<int:pk>/", rules.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/override/", rules.override_edit, name="override_edit"),
    path("overrides/<int:pk>/delete/", rules.override_delete, name="override_delete"),
    path("periods/", rules.period_list, name="period_list"),
    path("periods/close/", rules.period_close, name="period_close"),
    path("periods/reopen/", rules.period_reopen, name="period_reopen"),
    # 补学
    path("makeup/", makeup.makeup_list, name="makeup_list"),
    path("makeup/export/", makeup.makeup_export, name="makeup_export"),
    path("makeup/<int:pk>/complete/", makeup.makeup_complete, name="makeup_complete"),
]
