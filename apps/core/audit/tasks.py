"""The audit trail's cleanup job (Celery beat, daily): entries past the retention window, and only those."""

from ..tasks import portal_task
from .recorder import purge_expired


@portal_task(lock=lambda: "core.audit.purge")
def purge_audit_entries_task() -> int:
    """Delete entries older than PORTAL_AUDIT_RETENTION_DAYS (at least 180 days). Idempotent."""
    return purge_expired()
