"""Display helpers of study progress (学习进度): the bar by source, status badges. No queries here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from apps.core import study_hours
from apps.core.metrics import percent

from .ledger import Ledger, Status

# Colours for sources that registered none (the bar must tell its segments apart).
PALETTE = ("#b5121b", "#e0620d", "#f4c430", "#198754", "#0dcaf0", "#6f42c1", "#d63384", "#20c997")
ZERO = Decimal("0")


def source_colours() -> dict[str, str]:
    """Each registered source's colour: its own, else one of the palette in order."""
    out = {}
    spare = iter(PALETTE * 2)
    for source in study_hours.sources():
        out[source.key] = source.colour or next(spare)
    return out


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    colour: str
    hours: Decimal
    width: Decimal  # share of the bar, 0–100


def bar_segments(ledger: Ledger) -> list[Segment]:
    """One segment per registered source, in the registry's order; the bar's full width is the target
    (or the total, when it went beyond the target). Sources with no hours keep their place in the legend."""
    colours = source_colours()
    scale = max(ledger.target, ledger.total)
    out = []
    for source in study_hours.sources():
        hours = ledger.by_source.get(source.key, ZERO)
        width = (hours * 100 / scale).quantize(Decimal("0.1")) if scale > 0 else ZERO
        out.append(Segment(source.key, source.label, colours[source.key], hours, width))
    return out


def expected_mark(ledger: Ledger) -> Decimal | None:
    """Where "应完成（截至今天）" falls on the bar (percent of its width), None when nothing is due."""
    scale = max(ledger.target, ledger.total)
    if scale <= 0 or ledger.expected <= 0:
        return None
    return min(Decimal("100"), (ledger.expected * 100 / scale).quantize(Decimal("0.1")))


def evaluation_day(year: int, today: dt.date) -> dt.date:
    """The day a year is shown as of: today for this year, 31 December for a past one, 1 January for a future one."""
    if year < today.year:
        return dt.date(year, 12, 31)
    if year > today.year:
        return dt.date(year, 1, 1)
    return today


def status_choices() -> list[tuple[str, str]]:
    return [(value, Status.LABELS[value]) for value in (Status.BEHIND, Status.ON_TRACK, Status.DONE, Status.EXEMPT)]


def percent_or_dash(numerator, denominator) -> str:
    value = percent(numerator, denominator)
    return "—" if value is None else f"{value}%"
