"""Writes to the indicator system: the year's system, new versions, and (once frozen) nothing else."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ..models import Indicator, IndicatorSystem

COPIED_SYSTEM_FIELDS = (
    "name",
    "note",
    "tier_method",
    "good_min",
    "fairly_good_min",
    "ordinary_min",
    "good_share",
    "fairly_good_share",
    "ordinary_share",
)
COPIED_INDICATOR_FIELDS = (
    "look",
    "code",
    "name",
    "method",
    "max_points",
    "order",
    "description",
    "metric_key",
    "mapping",
    "floor",
    "target",
    "bands",
    "per_unit",
    "missing_rule",
    "tier_cap",
)


def current_system(year: int) -> IndicatorSystem | None:
    """The version in force for a year: its latest."""
    return IndicatorSystem.objects.filter(year=year).order_by("-version").first()


def copy_system(source: IndicatorSystem, *, year: int, version: int, actor=None) -> IndicatorSystem:
    """A copy of a system and its indicators for another year or as the next version (not frozen)."""
    system = IndicatorSystem.objects.create(
        year=year, version=version, created_by=actor, **{f: getattr(source, f) for f in COPIED_SYSTEM_FIELDS}
    )
    Indicator.objects.bulk_create(
        Indicator(system=system, **{f: getattr(i, f) for f in COPIED_INDICATOR_FIELDS})
        for i in source.indicators.order_by("order", "id")
    )
    return system


def system_for(year: int, *, actor=None) -> IndicatorSystem:
    """The year's system in force; a year without one starts from the nearest year's latest version
    (earlier years first), or from the defaults when there is none at all."""
    system = current_system(year)
    if system is not None:
        return system
    try:
        with transaction.atomic():
            source = (
                IndicatorSystem.objects.filter(year__lt=year).order_by("-year", "-version").first()
                or IndicatorSystem.objects.filter(year__gt=year).order_by("year", "-version").first()
            )
            if source is not None:
                return copy_system(source, year=year, version=1, actor=actor)
            from ..defaults import create_default

            return create_default(IndicatorSystem, Indicator, year)
    except IntegrityError:  # another request made it first
        return current_system(year)
