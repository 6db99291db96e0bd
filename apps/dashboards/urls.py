"""`home` keeps its plain name (every page links to it); the 大屏 lives in the `dashboards` namespace."""

from django.urls import include, path

from . import views

dashboards_patterns = (
    [
        path("bigscreen/", views.bigscreen, name="bigscreen"),
        path("bigscreen/data/", views.bigscreen_data, name="bigscreen_data"),
    ],
    "dashboards",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("", include(dashboards_patterns)),
]
