"""/scoring/: one list of routes per area (views/<area>.py)."""

from apps.core import areas

from .apps import AREAS

app_name = "scoring"
urlpatterns = areas.urlpatterns("apps.scoring", AREAS)
