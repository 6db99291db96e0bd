"""Celery tasks of the org app: thin wrappers that call one service."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def headcount_snapshot_task(on: str | None = None) -> int:
    """Snapshot every unit's headcount for a day (default: today in Asia/Shanghai). Idempotent."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    return services.headcount_snapshot(on=day)
