"""Notification centre URLs (stub views until the pages land)."""

from django.http import HttpResponse
from django.urls import path

app_name = "core"


def _todo(request, **kwargs):
    return HttpResponse("todo")


urlpatterns = [
    path("", _todo, name="notification_list"),
    path("read/", _todo, name="notification_read"),
]
