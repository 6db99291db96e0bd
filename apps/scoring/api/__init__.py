"""The scoring API: each area registers its viewsets on the project's router (organ_portal/api_urls.py)."""

from apps.core import areas

from ..apps import AREAS


def register(router) -> None:
    areas.register_api("apps.scoring", AREAS, router)
