"""The metric registry: record apps register metrics here; scoring reads them (scoring never imports a record app).

A metric computes one value per unit for a period as of an evaluation day, with a fixed number of
grouped queries for all units: `fn(period, *, today) -> {unit_id: Decimal}`. Units absent from the
result have no data. The evaluation day is the metric's only clock: a ranking of a past period is
computed as of that period's end by passing it, and the same day always gives the same values.

**Metrics that share a query compute it once.** Several metrics read the same grouped numbers (the exam
participation and pass rates the same (member, exam) pairs; problems raised and solved the same visits;
card deductions and cards in force the same cards). The app marks that query's function `@shared`; inside
`shared_queries()` — a ranking run's metric pass — it runs once per arguments (period, evaluation day …)
and every metric reads the same answer. Outside it (a score page opening one metric) it is a plain call.
A shared function returns plain data (a dict or a list, never a lazy queryset) and its callers do not
change it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from .periods import Period

MetricFn = Callable[..., dict[int, Decimal]]  # fn(period, *, today: dt.date)


@dataclass(frozen=True)
class MetricRecord:
    """One record behind a unit's value (scoring opens them): what it is, when, where to see it, why it counts."""

    label: str
    day: dt.date | None = None
    url: str = ""
    note: str = ""


RecordsFn = Callable[..., list[MetricRecord]]  # records(period, unit_id, *, today)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "%", "次", "个", "人" …
    fn: MetricFn
    description: str = ""
    records_fn: RecordsFn | None = None

    def compute(self, period: Period, *, today: dt.date) -> dict[int, Decimal]:
        """Every unit's value for the period as of `today`, the evaluation day (never the wall clock)."""
        return self.fn(period, today=today)

    def records(self, period: Period, unit_id: int, *, today: dt.date) -> list[MetricRecord]:
        """The records behind one unit's value (empty when the metric cannot list them)."""
        return self.records_fn(period, unit_id, today=today) if self.records_fn else []


_REGISTRY: dict[str, Metric] = {}


def register(
    key: str, *, label: str, unit: str, description: str = "", records: RecordsFn | None = None
) -> Callable[[MetricFn], MetricFn]:
    """Decorator: register `fn` under `key` (app-prefixed, e.g. 'partylife.compliance_rate').

    `records(period, unit_id, *, today) -> [MetricRecord]` lists the records behind one unit's value.
    """

    def decorator(fn: MetricFn) -> MetricFn:
        if key in _REGISTRY and _REGISTRY[key].fn is not fn:
            raise ValueError(f"metric {key} registered twice")
        _REGISTRY[key] = Metric(key=key, label=label, unit=unit, fn=fn, description=description, records_fn=records)
        return fn

    return decorator


def get(key: str) -> Metric:
    return _REGISTRY[key]


def all_metrics() -> list[Metric]:
    return sorted(_REGISTRY.values(), key=lambda m: m.key)


# --- queries shared by metrics ------------------------------------------------------------------------

_shared_memo: ContextVar[dict | None] = ContextVar("portal_metric_memo", default=None)


@contextmanager
def shared_queries() -> Iterator[None]:
    """Within this block (a ranking run's metric pass), every `@shared` function runs once per arguments."""
    if _shared_memo.get() is not None:  # nested: keep the outer memo
        yield
        return
    token = _shared_memo.set({})
    try:
        yield
    finally:
        _shared_memo.reset(token)


def shared(fn: Callable) -> Callable:
    """Mark a query several metrics read: memoised by its (hashable) arguments inside `shared_queries()`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        memo = _shared_memo.get()
        if memo is None:
            return fn(*args, **kwargs)
        key = (fn, args, tuple(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = fn(*args, **kwargs)
        return memo[key]

    return wrapper


def percent(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with one decimal, or None when there is nothing to measure."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))


# --- tier caps ------------------------------------------------------------------------------------
#: Tiers of a ranking (DOMAIN §4), best first. A cap names the best tier a unit may get.
TIERS = ("好", "较好", "一般", "差")

TierCapFn = Callable[..., dict[int, tuple[str, str]]]  # fn(period, *, today) -> {unit_id: (tier, reason)}


@dataclass(frozen=True)
class TierCap:
    """A rule of a record app that caps a unit's tier whatever its score (e.g. a 红牌 in force)."""

    key: str
    label: str
    fn: TierCapFn

    def compute(self, period: Period, *, today: dt.date) -> dict[int, tuple[str, str]]:
        return self.fn(period, today=today)


_CAPS: dict[str, TierCap] = {}


def register_tier_cap(key: str, *, label: str) -> Callable[[TierCapFn], TierCapFn]:
    """Decorator: `fn(period, *, today) -> {unit_id: (best tier allowed, reason)}`, one grouped query."""

    def decorator(fn: TierCapFn) -> TierCapFn:
        if key in _CAPS and _CAPS[key].fn is not fn:
            raise ValueError(f"tier cap {key} registered twice")
        _CAPS[key] = TierCap(key=key, label=label, fn=fn)
        return fn

    return decorator


def all_tier_caps() -> list[TierCap]:
    return sorted(_CAPS.values(), key=lambda c: c.key)


def worse_tier(a: str | None, b: str | None) -> str | None:
    """The lower of two tiers (None: no cap)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if TIERS.index(a) >= TIERS.index(b) else b
