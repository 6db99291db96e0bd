"""Celery tasks of party life: thin wrappers that call one service."""

from celery import shared_task
from django.utils import timezone

from . import reminders


@shared_task
def send_reminders_task() -> int:
    """Send today's reminders (due soon, newly missed). Idempotent: a re-run sends nothing new."""
    return reminders.send_reminders(today=timezone.localdate())
