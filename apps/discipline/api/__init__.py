"""The discipline API: each area registers its viewsets on the project's router (organ_portal/api_urls.py)."""

from importlib import import_module

from ..apps import AREAS


def register(router) -> None:
    for area in AREAS:
        import_module(f"{__name__}.{area}").register(router)
