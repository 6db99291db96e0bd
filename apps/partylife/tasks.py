"""Celery tasks of party life: thin wrappers that call one service."""

from django.utils import timezone

from apps.core.tasks import portal_task

from . import reminders, services


@portal_task(lock=lambda: timezone.localdate().isoformat())
def send_reminders_task() -> int:
    """Send today's reminders (due soon, newly missed). Idempotent: a re-run sends nothing new."""
    return reminders.send_reminders(today=timezone.localdate())


@portal_task(lock=lambda: "all")
def purge_staged_evidence_task() -> int:
    """Remove the files of refused forms kept longer than their lifetime (暂存). Idempotent."""
    return services.staged_evidence_purge()
