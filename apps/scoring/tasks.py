"""Scoring's Celery tasks: thin, idempotent (a claimed or finished run is left alone), acked late."""

from celery import shared_task

from .services import runs


@shared_task(acks_late=True, reject_on_worker_lost=True)
def execute_run_task(run_id: int) -> str:
    run = runs.run_execute(run_id=run_id)
    return "skipped" if run is None else run.status


@shared_task
def nightly_runs_task() -> int:
    return len(runs.nightly_runs())
