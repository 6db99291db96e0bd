"""Every task of the portal survives faults (apps/core/tasks.py): acked late, handed back when its worker dies,
retried with backoff on a transient fault only, and two copies for the same key never run at once."""

import importlib
import threading

import pytest
from django.apps import apps as django_apps
from django.db import OperationalError, connection
from django.utils import timezone

from apps.core.tasks import SKIPPED, LockUnavailable, task_lock
from organ_portal.celery import app

for config in django_apps.get_app_configs():  # what the worker's autodiscovery imports
    if config.name.startswith("apps.") and importlib.util.find_spec(f"{config.name}.tasks"):
        importlib.import_module(f"{config.name}.tasks")
PORTAL_TASKS = sorted(name for name in app.tasks if name.startswith("apps."))
LOCKED = [
    "apps.discipline.tasks.send_reminders_task",
    "apps.orgs.tasks.headcount_snapshot_task",
    "apps.partylife.tasks.purge_staged_evidence_task",
    "apps.partylife.tasks.send_reminders_task",
    "apps.scoring.tasks.nightly_runs_task",
    "apps.study.tasks.close_expired_attempts_task",
    "apps.study.tasks.refresh_snapshots_task",
    "apps.study.tasks.send_reminders_task",
]


def test_the_portal_has_tasks():
    assert set(LOCKED) | {"apps.scoring.tasks.execute_run_task"} <= set(PORTAL_TASKS)


@pytest.mark.parametrize("name", PORTAL_TASKS)
def test_every_task_is_acked_late_rejected_on_worker_loss_and_retried_with_backoff(name):
    task = app.tasks[name]
    assert task.acks_late and task.reject_on_worker_lost, name
    assert OperationalError in task.autoretry_for, name
    assert task.retry_backoff and task.retry_jitter and task.max_retries, name
    assert Exception not in task.autoretry_for  # a bug fails once, it is not retried


@pytest.fixture
def held_elsewhere():
    """Hold a task lock in another thread (its own database connection, as another worker would)."""
    threads = []

    def hold(key: str):
        taken, release = threading.Event(), threading.Event()

        def run():
            try:
                with task_lock(key):
                    taken.set()
                    release.wait(20)
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        assert taken.wait(20)
        threads.append((thread, release))

    yield hold
    for thread, release in threads:
        release.set()
        thread.join(20)


@pytest.mark.django_db(transaction=True)
def test_a_second_copy_for_the_same_key_is_skipped_and_does_nothing(held_elsewhere, monkeypatch):
    from apps.partylife import reminders
    from apps.partylife.tasks import send_reminders_task

    calls = []
    monkeypatch.setattr(reminders, "send_reminders", lambda **kw: calls.append(kw) or 3)
    held_elsewhere(f"apps.partylife.tasks.send_reminders_task:{timezone.localdate().isoformat()}")

    assert send_reminders_task.delay().get() == SKIPPED
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_another_key_is_not_held_up(held_elsewhere, monkeypatch):
    from apps.orgs import services
    from apps.orgs.tasks import headcount_snapshot_task

    monkeypatch.setattr(services, "headcount_snapshot", lambda *, on: on.day)
    held_elsewhere("apps.orgs.tasks.headcount_snapshot_task:2026-03-01")
    assert headcount_snapshot_task.delay("2026-03-01").get() == SKIPPED
    assert headcount_snapshot_task.delay("2026-03-02").get() == 2


@pytest.mark.django_db(transaction=True)
def test_the_lock_is_free_again_after_a_run_and_after_a_failure(monkeypatch):
    from apps.partylife import services
    from apps.partylife.tasks import purge_staged_evidence_task

    monkeypatch.setattr(services, "staged_evidence_purge", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        purge_staged_evidence_task.delay().get()
    monkeypatch.setattr(services, "staged_evidence_purge", lambda: 4)
    assert purge_staged_evidence_task.delay().get() == 4
    assert purge_staged_evidence_task.delay().get() == 4


@pytest.mark.django_db(transaction=True)
def test_a_held_lock_refuses_a_second_holder(held_elsewhere):
    held_elsewhere("some-key")
    with pytest.raises(LockUnavailable), task_lock("some-key"):
        pass
    with task_lock("other-key"):
        pass


@pytest.mark.django_db
def test_a_transient_fault_is_retried_and_a_bug_is_not(monkeypatch, request):
    from apps.study.services import exams
    from apps.study.tasks import close_expired_attempts_task

    calls = []

    def flaky(*, now):
        calls.append(now)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")
        return 7

    monkeypatch.setattr(exams, "close_expired_attempts", flaky)
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False  # eager retries then run at once, in this process
    request.addfinalizer(lambda: setattr(app.conf, "task_eager_propagates", propagates))
    assert close_expired_attempts_task.apply(throw=False).get() == 7
    assert len(calls) == 3

    def broken(*, now):
        calls.append(now)
        raise ValueError("a bug")

    calls.clear()
    monkeypatch.setattr(exams, "close_expired_attempts", broken)
    with pytest.raises(ValueError):
        close_expired_attempts_task.apply(throw=False).get()
    assert len(calls) == 1
