"""An app split into areas (study, discipline, scoring): each area has `views/<area>.py` (its `urlpatterns` and
`NAV_ITEMS`) and `api/<area>.py` (`register(router)`). The app lists its areas once (`AREAS` in apps.py);
these three functions wire them."""

from __future__ import annotations

from importlib import import_module

from . import navigation


def register_navigation(package: str, areas: tuple[str, ...]) -> None:
    """Register every area's nav items (`<package>.views.<area>.NAV_ITEMS`)."""
    for area in areas:
        navigation.register(*getattr(import_module(f"{package}.views.{area}"), "NAV_ITEMS", ()))


def urlpatterns(package: str, areas: tuple[str, ...]) -> list:
    """Every area's routes, in the order of the areas."""
    return [route for area in areas for route in import_module(f"{package}.views.{area}").urlpatterns]


def register_api(package: str, areas: tuple[str, ...], router) -> None:
    """Every area's viewsets on the project's router."""
    for area in areas:
        import_module(f"{package}.api.{area}").register(router)
