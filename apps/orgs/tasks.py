"""Celery tasks of the org app: thin wrappers that call one service."""

import datetime as dt

from django.utils import timezone

from apps.core.tasks import portal_task

from . import services, tokens


@portal_task(lock=lambda on=None: on or timezone.localdate().isoformat())
def headcount_snapshot_task(on: str | None = None) -> int:
    """Snapshot every unit's headcount for a day (default: today in Asia/Shanghai). Idempotent."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    return services.headcount_snapshot(on=day)


@portal_task(lock=lambda: "orgs.tokens.purge")
def purge_expired_tokens_task() -> int:
    """Delete the API tokens expired more than 30 days ago (tokens.PURGE_AFTER). Idempotent."""
    return tokens.purge_expired()
