"""The demo city's ranking runs (演示数据·排名测算), made through the run service as the nightly beat and the
committee would have made them, then dated as they would have been.

- each ended month of the last twelve: its final run (evaluated on the month's end, not provisional);
- each ended quarter since the platform's start: its final run, published by the committee in order (so each
  shows the change since the previous quarter);
- each ended year: its final run, published (freezing that year's indicator system);
- the month, quarter and year still going: a provisional run evaluated yesterday, as the beat leaves them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from apps.core.periods import Frequency, Period, local_tz

from ..models import RankingRun, RunStatus, Trigger
from ..services.runs import run_execute, run_publish, run_request

MONTHS_KEPT = 12  # a year of monthly rankings (the demo seed stays quick: ~20 runs in all)


def ended_periods(kind: str, *, start: dt.date, today: dt.date) -> list[Period]:
    """The periods of `kind` that end on or after `start` and before `today`, oldest first."""
    periods, period = [], Period.containing(start, kind)
    while period.end < today:
        periods.append(period)
        period = Period.containing(period.next_start, kind)
    return periods


def going_periods(*, start: dt.date, today: dt.date) -> list[Period]:
    """The month, quarter and year that yesterday belongs to and that have not ended by yesterday."""
    yesterday = today - dt.timedelta(days=1)
    return [
        period
        for kind in (Frequency.MONTH, Frequency.QUARTER, Frequency.YEAR)
        if (period := Period.containing(yesterday, kind)).end > yesterday and period.end >= start
    ]


@dataclass
class Made:
    runs: list[RankingRun] = field(default_factory=list)
    published: list[RankingRun] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def count(self, kind: str, *, provisional: bool = False) -> int:
        return sum(1 for r in self.runs if r.period_kind == kind and r.provisional == provisional)


def _at(day: dt.date, hour: int, now: dt.datetime) -> dt.datetime:
    return min(dt.datetime.combine(day, dt.time(hour), tzinfo=local_tz()), now)


def _make(period: Period, *, today: dt.date, now: dt.datetime, made: Made) -> RankingRun:
    evaluated_on = min(period.end, today)
    run = run_request(period=period, trigger=Trigger.BEAT, today=evaluated_on, enqueue=False)
    run = run_execute(run_id=run.pk) or run
    if run.status != RunStatus.DONE:
        made.failed.append(f"{period.label}：{run.error}")
    # Dated as the beat would have made it: early on the day after its evaluation day.
    when = _at(evaluated_on + dt.timedelta(days=1), 2, now)
    RankingRun.objects.filter(pk=run.pk).update(
        created_at=when, started_at=when, heartbeat_at=when, finished_at=when + dt.timedelta(seconds=1)
    )
    made.runs.append(run)
    return run


def _publish(run: RankingRun, *, actor, now: dt.datetime, made: Made) -> None:
    run_publish(actor=actor, run=run)
    RankingRun.objects.filter(pk=run.pk).update(published_at=_at(run.period.end + dt.timedelta(days=5), 10, now))
    made.published.append(run)


def make_runs(*, start: dt.date, today: dt.date, actor) -> Made:
    now = timezone.now()
    made = Made()
    for period in ended_periods(Frequency.MONTH, start=start, today=today)[-MONTHS_KEPT:]:
        _make(period, today=today, now=now, made=made)
    for kind in (Frequency.QUARTER, Frequency.YEAR):
        for period in ended_periods(kind, start=start, today=today):
            run = _make(period, today=today, now=now, made=made)
            if run.status == RunStatus.DONE:
                _publish(run, actor=actor, now=now, made=made)
    yesterday = today - dt.timedelta(days=1)
    for period in going_periods(start=start, today=today):
        _make(period, today=yesterday, now=now, made=made)
    return made
