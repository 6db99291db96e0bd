"""From one indicator's value to its points (pure functions, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")


def q(value: Decimal) -> Decimal:
    """Points are kept to the hundredth, rounded half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


@dataclass(frozen=True)
class Spec:
    """One indicator as the engine reads it (a plain copy of the `Indicator` row)."""

    id: int
    code: str
    name: str
    look: str
    method: str
    max_points: Decimal
    metric_key: str = ""
    mapping: str = "linear"
    floor: Decimal | None = None
    target: Decimal | None = None
    bands: tuple[tuple[Decimal, Decimal], ...] = ()
    per_unit: Decimal | None = None
    missing_rule: str = "zero"
    tier_cap: str = ""

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "code": self.code,
            "look": self.look,
            "method": self.method,
            "max_points": str(self.max_points),
            "metric_key": self.metric_key,
            "mapping": self.mapping,
            "floor": None if self.floor is None else str(self.floor),
            "target": None if self.target is None else str(self.target),
            "bands": [[str(a), str(b)] for a, b in self.bands],
            "per_unit": None if self.per_unit is None else str(self.per_unit),
            "missing_rule": self.missing_rule,
            "tier_cap": self.tier_cap,
        }


def linear(value: Decimal, *, floor: Decimal, target: Decimal, max_points: Decimal) -> Decimal:
    """0 points at the floor (or beyond it), full points at the target (or beyond), a straight line between.
    A floor above the target means lower is better (e.g. incidents)."""
    if floor == target:
        return max_points if value >= target else ZERO
    share = (Decimal(value) - floor) / (target - floor)
    return q(max_points * clamp(share, ZERO, Decimal(1)))


def banded(value: Decimal, *, bands, max_points: Decimal) -> Decimal:
    """The points of the highest band whose lower bound the value reaches (0 below every band)."""
    points = ZERO
    for bound, band_points in sorted(bands, key=lambda band: band[0]):
        if Decimal(value) >= bound:
            points = Decimal(band_points)
    return q(clamp(points, ZERO, max_points))


def auto_points(spec: Spec, value: Decimal) -> Decimal:
    if spec.mapping == "bands":
        return banded(value, bands=spec.bands, max_points=spec.max_points)
    floor = spec.floor if spec.floor is not None else ZERO
    target = spec.target if spec.target is not None else Decimal(100)
    return linear(value, floor=floor, target=target, max_points=spec.max_points)


def deduction_points(spec: Spec, value: Decimal) -> Decimal:
    """How many points a metric-fed deduction takes off (a positive number, at most the indicator's cap)."""
    per_unit = spec.per_unit if spec.per_unit is not None else Decimal(1)
    return q(clamp(Decimal(value) * per_unit, ZERO, spec.max_points))


def gap(spec: Spec, value: Decimal | None, points: Decimal) -> dict | None:
    """What would raise an auto indicator to its full points: the value to reach and the points it would add."""
    if spec.method != "auto" or points >= spec.max_points:
        return None
    if spec.mapping == "bands":
        goal = max(spec.bands, key=lambda band: (band[1], -band[0]))[0] if spec.bands else None
    else:
        goal = spec.target if spec.target is not None else Decimal(100)
    return {
        "value": None if value is None else str(value),
        "goal": None if goal is None else str(goal),
        "adds": str(q(spec.max_points - points)),
    }
