"""URL patterns (stub views until the pages land)."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, **kwargs):
    return HttpResponse("todo")


urlpatterns = [
    path("activity-list/", _todo, name="activity_list"),
    path("activity-export/", _todo, name="activity_export"),
    path("activity-new/", _todo, name="activity_new"),
    path("activity-create/<str:code>/", _todo, name="activity_create"),
    path("activity-detail/<int:pk>/", _todo, name="activity_detail"),
    path("activity-edit/<int:pk>/", _todo, name="activity_edit"),
    path("activity-delete/<int:pk>/", _todo, name="activity_delete"),
    path("activity-unlock/<int:pk>/", _todo, name="activity_unlock"),
    path("evidence-file/<int:pk>/", _todo, name="evidence_file"),
    path("evidence-delete/<int:pk>/", _todo, name="evidence_delete"),
]
