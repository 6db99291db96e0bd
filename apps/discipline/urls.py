"""/discipline/: one list of routes per area (views/<area>.py)."""

from importlib import import_module

from .apps import AREAS

app_name = "discipline"
urlpatterns = [route for area in AREAS for route in import_module(f"apps.discipline.views.{area}").urlpatterns]
