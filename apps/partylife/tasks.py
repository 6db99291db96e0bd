"""Celery tasks of party life: thin wrappers that call one service."""

from celery import shared_task
from django.utils import timezone

from . import reminders, services


@shared_task
def send_reminders_task() -> int:
    """Send today's reminders (due soon, newly missed). Idempotent: a re-run sends nothing new."""
    return reminders.send_reminders(today=timezone.localdate())


@shared_task
def purge_staged_evidence_task() -> int:
    """Remove the files of refused forms kept longer than their lifetime (暂存). Idempotent."""
    return services.staged_evidence_purge()
