"""Scoring's Celery tasks: thin, idempotent (a claimed or finished run is left alone); fault defaults of
`apps.core.tasks.portal_task` (acked late, rejected on worker loss, retried with backoff)."""

from apps.core.tasks import portal_task

from .services import runs


# The run's own lock (one queued or running run per period, claimed once) is the per-key lock: no second one.
@portal_task()
def execute_run_task(run_id: int) -> str:
    run = runs.run_execute(run_id=run_id)
    return "skipped" if run is None else run.status


# A duplicate beat tick finds the runs the first one requested (run_request); the lock only saves the work.
@portal_task(lock=lambda: "nightly")
def nightly_runs_task() -> int:
    return len(runs.nightly_runs())
