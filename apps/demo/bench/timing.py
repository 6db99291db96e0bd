"""Medians of repeated runs, with the queries each run issued."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Timing:
    """The median wall time (seconds) and query count of `runs` runs."""

    seconds: float
    queries: int
    runs: int

    @property
    def ms(self) -> float:
        return self.seconds * 1000


def measure(fn: Callable[[], object], runs: int, *, warmup: bool = True) -> Timing:
    """Run `fn` `runs` times (after one unmeasured run) and keep the medians."""
    if warmup:
        fn()
    seconds, queries = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            fn()
            seconds.append(time.perf_counter() - started)
        queries.append(len(ctx.captured_queries))
    return Timing(statistics.median(seconds), int(statistics.median(queries)), runs)


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile (0..1) of `values`, linear between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def run_sql(sql: str, params: dict | None = None) -> int:
    """Run one statement and fetch every row it returns; the number of rows."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return len(cursor.fetchall())
