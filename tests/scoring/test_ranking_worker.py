"""A real Celery worker process runs a ranking: the run is queued here, `execute_run_task` goes through the broker
(Redis when REDIS_URL is set, kombu's filesystem transport otherwise), and a separate `celery worker` process on
the test database computes it (tests/celery_worker.py)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from apps.core.periods import Period
from apps.orgs.models import Platform
from apps.scoring.models import Indicator, IndicatorSystem, ManualScore, RankingRun, RunStatus, UnitResult
from apps.scoring.services.runs import run_request
from apps.scoring.tasks import execute_run_task
from tests.celery_worker import broker, sending_for_real, worker
from tests.orgs.factories import UnitFactory


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)  # committed rows: the worker is another process
def test_worker_process_computes_a_queued_run(tmp_path):
    Platform.objects.update_or_create(pk=1, defaults={"start_on": dt.date(2025, 10, 1)})
    system = IndicatorSystem.objects.create(year=2026, version=99, name="测试体系")
    manual = Indicator.objects.create(
        system=system, look="demands", code="m", name="人工", method="manual", max_points=100
    )
    units = [UnitFactory() for _ in range(3)]
    for u, points in zip(units, (70, 95, 80), strict=True):
        ManualScore.objects.create(indicator=manual, unit=u, period_kind="quarter", period_key="2026-Q1", points=points)
    run = run_request(period=Period.parse("2026-Q1"), today=dt.date(2026, 5, 1), enqueue=False)

    via = broker(tmp_path, "test-ranking")
    with sending_for_real(via.url, via.options) as conn:
        execute_run_task.apply_async(args=[run.pk], queue=via.queue, connection=conn)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED  # nothing ran in this process

    def finished() -> bool:
        run.refresh_from_db()
        return run.status in (RunStatus.DONE, RunStatus.FAILED)

    with worker(tmp_path, via) as running:
        running.wait_for(finished, every=0.3)
        assert running.process.poll() is None, f"worker exited with {running.process.returncode}"
        assert run.status == RunStatus.DONE, (run.status, run.error)
        assert run.unit_count == 3 and len(run.digest) == 64 and run.progress == 100
        got = dict(UnitResult.objects.filter(run=run).values_list("unit_id", "rank"))
        assert got == {units[1].pk: 1, units[2].pk: 2, units[0].pk: 3}
        assert UnitResult.objects.get(run=run, unit=units[1]).total == D("95.00")
        assert RankingRun.objects.count() == 1
