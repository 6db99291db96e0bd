"""What scoring asks of a restore from the trash (回收站, `apps.core.trash`), registered in `ready()`:
nothing goes back into a frozen indicator system (its year's final ranking is published)."""

from __future__ import annotations

from apps.core import trash

from ..models import Indicator, IndicatorSystem, ManualScore
from .systems import FROZEN


def _frozen(system_id) -> bool:
    return IndicatorSystem.objects.filter(pk=system_id, frozen_at__isnull=False).exists()


def manual_check(entry_row: ManualScore, *, entry) -> str | None:
    system_id = Indicator.objects.filter(pk=entry_row.indicator_id).values_list("system_id", flat=True).first()
    return FROZEN if system_id is not None and _frozen(system_id) else None


def indicator_check(indicator: Indicator, *, entry) -> str | None:
    return FROZEN if _frozen(indicator.system_id) else None


def register() -> None:
    trash.register_restore_check("scoring.ManualScore", manual_check)
    trash.register_restore_check("scoring.Indicator", indicator_check)
