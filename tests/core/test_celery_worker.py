"""A real Celery worker process takes a task from a broker and its effect lands in the database
(the worker and broker are tests/celery_worker.py's: Redis in CI, kombu's filesystem transport otherwise)."""

import datetime as dt

import pytest

from apps.orgs.models import HeadcountSnapshot, Unit
from apps.orgs.tasks import headcount_snapshot_task
from tests.celery_worker import WAIT_SECONDS, broker, sending_for_real, worker
from tests.orgs.factories import BranchFactory, MemberFactory, UnitFactory

DAY = dt.date(2026, 5, 1)


def _snapshots() -> dict[int, tuple[int, int]]:
    return {s.unit_id: (s.members, s.branches) for s in HeadcountSnapshot.objects.filter(date=DAY)}


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)  # committed rows: the worker is another process
def test_worker_process_runs_task_from_broker(tmp_path):
    # Arrange: unit A has 2 branches with 3 + 1 members, unit B 1 branch with 2 members.
    unit_a, unit_b = UnitFactory(), UnitFactory()
    branch_a1, branch_a2 = BranchFactory(unit=unit_a), BranchFactory(unit=unit_a)
    branch_b = BranchFactory(unit=unit_b)
    MemberFactory.create_batch(3, branch=branch_a1)
    MemberFactory(branch=branch_a2)
    MemberFactory.create_batch(2, branch=branch_b)
    expected = {unit_a.pk: (4, 2), unit_b.pk: (2, 1)}

    via = broker(tmp_path, "test-worker")

    # Act 1: send the task before any worker runs; nothing may happen in this process.
    with sending_for_real(via.url, via.options) as conn:
        result = headcount_snapshot_task.apply_async(args=[DAY.isoformat()], queue=via.queue, connection=conn)
        waiting = conn.default_channel.queue_declare(queue=via.queue, passive=True).message_count
    assert waiting == 1  # the message sits in the broker ...
    assert _snapshots() == {}  # ... and nothing ran here

    # Act 2: a worker process consumes that queue only.
    succeeded = f"Task apps.orgs.tasks.headcount_snapshot_task[{result.id}] succeeded"
    with worker(tmp_path, via) as running:
        running.wait_for(lambda: succeeded in running.log())

        # Assert: the worker (not this process) ran the task, and its rows are committed.
        assert running.process.poll() is None, f"worker exited with {running.process.returncode}"
        assert succeeded in running.log(), f"no '{succeeded}' within {WAIT_SECONDS} s"
        snapshots = _snapshots()
        assert set(snapshots) == set(Unit.objects.filter(active=True).values_list("pk", flat=True))
        assert {pk: snapshots[pk] for pk in expected} == expected
