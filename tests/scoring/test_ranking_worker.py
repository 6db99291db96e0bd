"""A real Celery worker process runs a ranking: the run is queued here, `execute_run_task` goes through the broker
(Redis when REDIS_URL is set, kombu's filesystem transport otherwise), and a separate `celery worker` process on
the test database computes it. The helpers are tests/core/test_celery_worker.py's."""

import datetime as dt
import subprocess
import time
import uuid
from decimal import Decimal as D

import pytest
from django.conf import settings

from apps.core.periods import Period
from apps.orgs.models import Platform
from apps.scoring.models import Indicator, IndicatorSystem, ManualScore, RankingRun, RunStatus, UnitResult
from apps.scoring.services.runs import run_request
from apps.scoring.tasks import execute_run_task
from tests.core.test_celery_worker import (
    BASE_DIR,
    CELERY,
    WAIT_SECONDS,
    _delete_queue,
    _filesystem_broker,
    _sending_for_real,
    _worker_env,
)
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

    if settings.REDIS_URL:
        broker_url, transport_options = settings.REDIS_URL, {}
    else:
        broker_url, transport_options = _filesystem_broker(tmp_path / "broker")
    queue = f"test-ranking-{uuid.uuid4().hex}"
    with _sending_for_real(broker_url, transport_options) as conn:
        execute_run_task.apply_async(args=[run.pk], queue=queue, connection=conn)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED  # nothing ran in this process

    log_path = tmp_path / "worker.log"
    command = [
        str(CELERY), "-A", "organ_portal", "worker", "--pool=solo", "--concurrency=1", "-Q", queue,
        "--loglevel=INFO", "--hostname", f"{queue}@%h", "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=_worker_env(tmp_path, broker_url, transport_options),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and worker.poll() is None:
            run.refresh_from_db()
            if run.status in (RunStatus.DONE, RunStatus.FAILED):
                break
            time.sleep(0.3)
        assert worker.poll() is None, f"worker exited with {worker.returncode}"
        assert run.status == RunStatus.DONE, (run.status, run.error)
        assert run.unit_count == 3 and len(run.digest) == 64 and run.progress == 100
        got = dict(UnitResult.objects.filter(run=run).values_list("unit_id", "rank"))
        assert got == {units[1].pk: 1, units[2].pk: 2, units[0].pk: 3}
        assert UnitResult.objects.get(run=run, unit=units[1]).total == D("95.00")
        assert RankingRun.objects.count() == 1
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        print(log_path.read_text(encoding="utf-8", errors="replace"))  # shown when the test fails
        _delete_queue(broker_url, transport_options, queue)
