"""Celery tasks of study: thin wrappers that call one service, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from .services import exams, progress


@shared_task
def refresh_snapshots_task(year: int | None = None) -> int:
    """Recompute the committee overview's stored rows for a year as of today.

    Default: this year, and in January last year too (its last days' records come in late).
    """
    today = timezone.localdate()
    years = [year] if year else ([today.year - 1, today.year] if today.month == 1 else [today.year])
    return sum(progress.refresh_snapshots(year=y, today=today) for y in years)


@shared_task
def send_reminders_task() -> int:
    """Remind members behind their pro-rated target (monthly) and of open exams (once). Idempotent."""
    return progress.send_reminders(today=timezone.localdate(), now=timezone.now())


@shared_task
def close_expired_attempts_task() -> int:
    """Close and grade the attempts whose deadline passed without a submission (on their saved answers). Idempotent."""
    return exams.close_expired_attempts(now=timezone.now())
