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


@portal_task(lock=lambda: timezone.localdate().isoformat(), lock_ttl=6 * 3600)
def refresh_verdicts_nightly_task() -> int:
    """The stored verdicts' nightly pass: the years of yesterday and today for every unit (windows that ended turn
    预警/不合格), then stale or missing unit-years. Idempotent."""
    from .compliance import store

    return store.refresh_nightly(today=timezone.localdate())


@portal_task()
def refresh_stale_verdicts_task() -> int:
    """Recompute the unit-years a change to every unit marked stale (after its commit). Copies take different units."""
    from .compliance import store

    return store.refresh_stale(today=timezone.localdate())
