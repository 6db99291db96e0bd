"""Celery tasks of study: thin wrappers that call one service, safe to run twice."""

from django.utils import timezone

from apps.core.tasks import portal_task

from .services import exams, progress


@portal_task(lock=lambda year=None: str(year or "current"))
def refresh_snapshots_task(year: int | None = None) -> int:
    """Recompute the committee overview's stored rows for a year as of today.

    Default: this year, and in January last year too (its last days' records come in late).
    """
    today = timezone.localdate()
    years = [year] if year else ([today.year - 1, today.year] if today.month == 1 else [today.year])
    return sum(progress.refresh_snapshots(year=y, today=today) for y in years)


@portal_task(lock=lambda: timezone.localdate().isoformat())
def send_reminders_task() -> int:
    """Remind members behind their pro-rated target (monthly) and of open exams (once). Idempotent."""
    return progress.send_reminders(today=timezone.localdate(), now=timezone.now())


@portal_task(lock=lambda: "all")
def close_expired_attempts_task() -> int:
    """Close and grade the attempts whose deadline passed without a submission (on their saved answers). Idempotent."""
    return exams.close_expired_attempts(now=timezone.now())
