"""URL patterns (stub views until the pages land)."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, **kwargs):
    return HttpResponse("todo")


urlpatterns = [
    path("makeup-list/", _todo, name="makeup_list"),
    path("makeup-complete/<int:pk>/", _todo, name="makeup_complete"),
]
