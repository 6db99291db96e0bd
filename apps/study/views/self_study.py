"""Study · self_study pages (placeholder routes until the pages are built)."""

from django.http import Http404
from django.urls import path


def _placeholder(request, *args, **kwargs):
    raise Http404


urlpatterns = [path("self-study/", _placeholder, name="self_study_list")]
NAV_ITEMS = ()
