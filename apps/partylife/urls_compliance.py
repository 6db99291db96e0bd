"""URL patterns (stub views until the pages land)."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, **kwargs):
    return HttpResponse("todo")


urlpatterns = [
    path("calendar/", _todo, name="calendar"),
    path("cell/", _todo, name="cell"),
    path("missed-reason/", _todo, name="missed_reason"),
    path("unit-overview/", _todo, name="unit_overview"),
    path("overview/", _todo, name="overview"),
    path("overview-export/", _todo, name="overview_export"),
    path("rule-list/", _todo, name="rule_list"),
    path("rule-edit/<int:pk>/", _todo, name="rule_edit"),
    path("override-edit/<int:pk>/", _todo, name="override_edit"),
    path("override-delete/<int:pk>/", _todo, name="override_delete"),
    path("period-list/", _todo, name="period_list"),
    path("period-close/", _todo, name="period_close"),
    path("period-reopen/", _todo, name="period_reopen"),
]
