"""Activity record pages (组织生活记录): type picker, one-page form, detail, list, export, evidence files."""

from django.urls import path

from .views import records as views

urlpatterns = [
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/export/", views.activity_export, name="activity_export"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("activities/new/<slug:code>/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("activities/<int:pk>/unlock/", views.activity_unlock, name="activity_unlock"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
]
