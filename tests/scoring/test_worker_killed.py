"""A worker killed (SIGKILL) in the middle of a ranking run leaves no partial result, and the next run completes.

A real `celery worker` process (tests/celery_worker.py) takes `execute_run_task`; the run reads a test-only metric
(tests/scoring/slow_metric.py, imported by the worker only) that waits behind a gate file, and the test kills the
worker while it waits. Then, once the run's heartbeat is older than the stale window:

* **redelivery**: the same task reaches a new worker (what the broker does with a message a dead worker never
  acknowledged: the task is acked late) and that worker takes the run over and finishes it;
* **a new request**: `run_request` reaps the dead run (failed, with a message) and a new run completes.
"""

import datetime as dt
import signal

import pytest
from django.utils import timezone

from apps.core.periods import Period
from apps.orgs.models import Platform
from apps.scoring.models import (
    Indicator,
    IndicatorResult,
    IndicatorSystem,
    ManualScore,
    RankingRun,
    RunStatus,
    UnitResult,
)
from apps.scoring.services.runs import STALE_AFTER, run_request
from apps.scoring.tasks import execute_run_task
from tests.celery_worker import broker, sending_for_real, worker
from tests.orgs.factories import UnitFactory
from tests.scoring import slow_metric

Q1 = Period.parse("2026-Q1")
AFTER = dt.date(2026, 5, 1)


def city() -> list:
    Platform.objects.update_or_create(pk=1, defaults={"start_on": dt.date(2025, 10, 1)})
    system = IndicatorSystem.objects.create(year=2026, version=99, name="测试体系")
    manual = Indicator.objects.create(
        system=system, look="demands", code="m", name="人工", method="manual", max_points=100
    )
    Indicator.objects.create(
        system=system,
        look="political",
        code="slow",
        name="慢指标",
        method="deduction",
        max_points=10,
        metric_key=slow_metric.KEY,
    )
    units = [UnitFactory() for _ in range(3)]
    for u, points in zip(units, (70, 95, 80), strict=True):
        ManualScore.objects.create(indicator=manual, unit=u, period_kind="quarter", period_key="2026-Q1", points=points)
    return units


def send(via, run_id: int) -> None:
    with sending_for_real(via.url, via.options) as conn:
        execute_run_task.apply_async(args=[run_id], queue=via.queue, connection=conn)


def folder(tmp_path, name: str):
    path = tmp_path / name  # each worker its own log and settings module; the broker folder is shared
    path.mkdir()
    return path


def status(run_id: int) -> str:
    return RankingRun.objects.get(pk=run_id).status


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)  # committed rows: the worker is another process
@pytest.mark.parametrize("next_run", ["redelivery", "new request"])
def test_a_worker_killed_mid_run_leaves_nothing_and_the_next_run_completes(tmp_path, monkeypatch, next_run):
    units = city()
    gate = tmp_path / "gate"
    gate.write_text("closed", encoding="utf-8")
    started = tmp_path / "gate.started"
    monkeypatch.setenv(slow_metric.GATE, str(gate))  # the workers inherit the environment
    include = (slow_metric.__name__,)
    run = run_request(period=Q1, today=AFTER, enqueue=False)

    first = broker(tmp_path, "test-killed")
    send(first, run.pk)
    with worker(folder(tmp_path, "first"), first, include=include) as doomed:
        assert doomed.wait_for(started.exists), "the run never reached the slow metric"
        assert status(run.pk) == RunStatus.RUNNING
        doomed.process.send_signal(signal.SIGKILL)
        doomed.process.wait(timeout=15)
        assert doomed.process.returncode == -signal.SIGKILL

    # Killed in the middle: the run is left running (nobody beats for it any more), and not one result row.
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.progress < 90 and run.finished_at is None
    assert not UnitResult.objects.exists() and not IndicatorResult.objects.exists()

    # The stale window passes (15 minutes: moved back rather than waited for); the gate opens.
    RankingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - STALE_AFTER - dt.timedelta(seconds=5))
    gate.unlink()
    second = broker(tmp_path, "test-next")
    if next_run == "redelivery":
        expected = run.pk
        send(second, run.pk)
    else:
        fresh = run_request(period=Q1, today=AFTER, enqueue=False)  # reaps the dead run first
        assert fresh.pk != run.pk and status(run.pk) == RunStatus.FAILED
        assert "中断" in RankingRun.objects.get(pk=run.pk).error
        expected = fresh.pk
        send(second, fresh.pk)

    with worker(folder(tmp_path, "second"), second, include=include) as running:
        assert running.wait_for(lambda: status(expected) in (RunStatus.DONE, RunStatus.FAILED), every=0.3)
        done = RankingRun.objects.get(pk=expected)
        assert done.status == RunStatus.DONE, (done.status, done.error)
        assert done.unit_count == 3 and done.progress == 100 and len(done.digest) == 64

    # One complete snapshot: every unit once, every indicator line once, no stray rows of the killed attempt.
    assert UnitResult.objects.count() == 3 and set(UnitResult.objects.values_list("run_id", flat=True)) == {expected}
    assert IndicatorResult.objects.count() == 3 * 2
    ranks = dict(UnitResult.objects.values_list("unit_id", "rank"))
    assert ranks == {units[1].pk: 1, units[2].pk: 2, units[0].pk: 3}
    assert RankingRun.objects.filter(status=RunStatus.DONE).count() == 1
