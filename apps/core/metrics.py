"""The metric registry: record apps register metrics here; scoring reads them (scoring never imports a record app).

A metric computes one value per unit for a period, with one grouped query for all
units: `fn(period) -> {unit_id: Decimal}`. Units absent from the result have no data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .periods import Period

MetricFn = Callable[[Period], dict[int, Decimal]]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "%", "次", "个", "人" …
    fn: MetricFn
    description: str = ""

    def compute(self, period: Period) -> dict[int, Decimal]:
        return self.fn(period)


_REGISTRY: dict[str, Metric] = {}


def register(key: str, *, label: str, unit: str, description: str = "") -> Callable[[MetricFn], MetricFn]:
    """Decorator: register `fn` under `key` (app-prefixed, e.g. 'partylife.compliance_rate')."""

    def decorator(fn: MetricFn) -> MetricFn:
        if key in _REGISTRY and _REGISTRY[key].fn is not fn:
            raise ValueError(f"metric {key} registered twice")
        _REGISTRY[key] = Metric(key=key, label=label, unit=unit, fn=fn, description=description)
        return fn

    return decorator


def get(key: str) -> Metric:
    return _REGISTRY[key]


def all_metrics() -> list[Metric]:
    return sorted(_REGISTRY.values(), key=lambda m: m.key)


def percent(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with one decimal, or None when there is nothing to measure."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))
