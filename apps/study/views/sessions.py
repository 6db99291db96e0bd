"""Study · sessions pages (placeholder routes until the pages are built)."""

from django.http import Http404
from django.urls import path


def _placeholder(request, *args, **kwargs):
    raise Http404


urlpatterns = [path("sessions/<int:pk>/", _placeholder, name="session_detail")]
NAV_ITEMS = ()
