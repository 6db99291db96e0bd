"""Ranking runs: request one (the lock), execute it (the snapshot), publish it (and freeze the year's system).

- `run_request` makes a queued run and enqueues its task once the transaction commits. A period has at
  most one queued or running run (a partial unique constraint): a second request — a duplicate beat tick,
  a double click — gets the run already under way.
- `run_execute` claims the run (queued → running, or a running run whose worker stopped beating), gathers
  its inputs with a fixed number of queries, computes, and writes every result row in one transaction with
  the run's `done` state: a failure, or a worker that dies, leaves no result row.
- `run_publish` makes a finished run the period's published one (a previous one stops being published);
  a published final ranking of a year freezes that year's system.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.core import audit
from apps.core.notifications import Message, notify
from apps.core.periods import Frequency, Period
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.recipients import unit_secretaries
from apps.orgs.tree import platform_start

from .. import permissions
from ..models import ACTIVE, IndicatorResult, RankingRun, RunStatus, Trigger, UnitResult
from ..ranking.compute import compute
from ..ranking.inputs import gather
from .systems import system_for

log = logging.getLogger(__name__)

#: A running run whose worker has not reported for this long is taken to be dead.
STALE_AFTER = dt.timedelta(minutes=15)


def check_period(period: Period, *, today: dt.date) -> None:
    """A period can be ranked once it has begun and when it ends on or after the platform's start date."""
    start = platform_start()
    if period.end < start:
        raise ValidationError({"period": f"{period.label}在平台启用日期（{start:%Y年%m月%d日}）之前，不评分、不排名。"})
    if period.start > today:
        raise ValidationError({"period": f"{period.label}尚未开始，不能测算。"})


def reap_stale(*, now: dt.datetime | None = None) -> int:
    """Mark runs whose worker stopped beating as failed (their results were never written)."""
    now = now or timezone.now()
    return RankingRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER).update(
        status=RunStatus.FAILED, error="计算进程中断（超时未响应），未写入任何结果。", finished_at=now
    )


def run_request(
    *, actor=None, period: Period, trigger: str = Trigger.MANUAL, today: dt.date | None = None, enqueue: bool = True
) -> RankingRun:
    """Queue a run of `period` evaluated on its last day, or on `today` while it is still going.

    Returns the run already queued or running for the period when there is one (the lock)."""
    if actor is not None:
        require(permissions.can_manage(scope_for(actor)), "只有工委管理员可以发起排名测算。")
    today = today or timezone.localdate()
    check_period(period, today=today)
    reap_stale()
    evaluated_on = min(period.end, today)
    if trigger == Trigger.BEAT:
        # A duplicate beat tick finds the run the first one made for the same day, finished or not.
        done = RankingRun.objects.filter(period_key=period.key, evaluated_on=evaluated_on, trigger=Trigger.BEAT)
        existing = done.exclude(status=RunStatus.FAILED).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            run = RankingRun.objects.create(
                system=system_for(period.year),
                period_kind=period.kind,
                period_key=period.key,
                evaluated_on=evaluated_on,
                provisional=evaluated_on < period.end,
                trigger=trigger,
                requested_by=actor,
                message="排队等待计算",
            )
    except IntegrityError:
        return RankingRun.objects.get(period_key=period.key, status__in=ACTIVE)
    if enqueue:
        from ..tasks import execute_run_task

        transaction.on_commit(lambda: execute_run_task.delay(run.pk))
    return run


def _claim(run_id: int) -> bool:
    now = timezone.now()
    claimed = RankingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, progress=5, message="开始计算"
    )
    if claimed:
        return True
    # A redelivered task (its worker died) takes over a run nobody is beating for any more.
    return bool(
        RankingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER).update(
            started_at=now, heartbeat_at=now, progress=5, message="重新开始计算"
        )
    )


def _report(run_id: int, percent: int, message: str) -> None:
    RankingRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        progress=percent, message=message[:200], heartbeat_at=timezone.now()
    )


def run_execute(*, run_id: int) -> RankingRun | None:
    """Compute a queued run and store its snapshot; None when another worker has it (or it is finished)."""
    if not _claim(run_id):
        return None
    run = RankingRun.objects.select_related("system").get(pk=run_id)
    try:
        inputs = gather(run, progress=lambda percent, message: _report(run_id, percent, message))
        scores = compute(inputs)
        _report(run_id, 90, "正在保存结果")
        with transaction.atomic():
            _store(run, scores)
            RankingRun.objects.filter(pk=run_id).update(
                status=RunStatus.DONE,
                progress=100,
                message="计算完成",
                digest=inputs.digest(),
                unit_count=sum(1 for s in scores if s.scored),
                finished_at=timezone.now(),
            )
    except Exception as exc:
        log.exception("ranking run %s failed", run_id)
        RankingRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
    run.refresh_from_db()
    return run


def _store(run: RankingRun, scores) -> None:
    """Every unit's row and every indicator line, in two bulk inserts (plus one to read the new ids)."""
    UnitResult.objects.bulk_create(
        UnitResult(
            run=run,
            unit_id=s.unit.id,
            unit_name=s.unit.name,
            category=s.unit.category,
            scored=s.scored,
            not_scored_reason=s.not_scored_reason,
            bonus=s.bonus,
            deduction=s.deduction,
            reweight=s.reweight,
            total=s.total,
            rank=s.rank,
            category_rank=s.category_rank,
            tier=s.tier,
            tier_by_score=s.tier_by_score,
            tier_cap_reason=s.tier_cap_reason[:300],
            previous_rank=s.previous_rank,
            previous_total=s.previous_total,
            **s.looks,
        )
        for s in scores
    )
    ids = dict(UnitResult.objects.filter(run=run).values_list("unit_id", "pk"))
    IndicatorResult.objects.bulk_create(
        IndicatorResult(
            unit_result_id=ids[s.unit.id],
            indicator_id=line.spec.id,
            value=line.value,
            points=line.points,
            status=line.status,
            inputs=line.inputs,
        )
        for s in scores
        for line in s.lines
    )


def run_publish(*, actor, run: RankingRun) -> RankingRun:
    """Publish a finished run as its period's ranking; units are told. A year's final ranking freezes the year's
    indicator system (later changes go into a new version)."""
    require(permissions.can_manage(scope_for(actor)), "只有工委管理员可以发布排名。")
    if run.status != RunStatus.DONE:
        raise ValidationError("只能发布已完成的测算。")
    if run.provisional:
        raise ValidationError(f"{run.period.label}尚未结束，临时排名不能发布；请在期末后重新测算再发布。")
    if run.is_published:
        return run
    now = timezone.now()
    with transaction.atomic():
        RankingRun.objects.filter(period_key=run.period_key).exclude(published_at=None).update(
            published_at=None, published_by=None
        )
        RankingRun.objects.filter(pk=run.pk).update(published_at=now, published_by=actor)
        if run.period_kind == Frequency.YEAR:
            type(run.system).objects.filter(pk=run.system_id, frozen_at=None).update(frozen_at=now)
        run.refresh_from_db()
        audit.record_bulk([run], action=audit.UPDATE, fields=["published_at", "published_by"], note="发布排名")
        _notify_units(run)
    return run


def _notify_units(run: RankingRun) -> None:
    url = reverse("scoring:run_detail", args=[run.pk])
    unit_ids = UnitResult.objects.filter(run=run).values_list("unit_id", flat=True)
    notify(
        Message(
            user_id=user_id,
            title=f"{run.period.label}“四看”排名已发布",
            body="请查看本单位得分、排名与提升建议。",
            url=url,
            category="scoring",
            dedupe_key=f"scoring-published-{run.pk}",
        )
        for users in unit_secretaries(unit_ids).values()
        for user_id in users
    )


def nightly_runs(*, today: dt.date | None = None) -> list[RankingRun]:
    """Beat: a provisional run of the month, quarter and year that yesterday belongs to (evaluated on
    yesterday: a whole day's records); on the first day after a period ends, that is its final run."""
    yesterday = (today or timezone.localdate()) - dt.timedelta(days=1)
    runs = []
    for kind in (Frequency.MONTH, Frequency.QUARTER, Frequency.YEAR):
        period = Period.containing(yesterday, kind)
        try:
            runs.append(run_request(period=period, trigger=Trigger.BEAT, today=yesterday))
        except ValidationError:
            continue  # before the platform's start: not scored
    return runs
