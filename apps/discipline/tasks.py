"""Celery tasks of discipline: thin wrappers that call one service, safe to run twice."""

from django.utils import timezone

from apps.core.tasks import portal_task

from . import reminders


@portal_task(lock=lambda: timezone.localdate().isoformat())
def send_reminders_task() -> int:
    """Today's reminders: rectifications due in 7 days or overdue, reports due, cards issued or lifted,
    reports returned. Each goes out once (dedupe keys)."""
    return reminders.send_all(today=timezone.localdate(), now=timezone.now())
