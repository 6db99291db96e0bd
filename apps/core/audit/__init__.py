"""The audit trail (留痕): who changed what, when, from where, before and after; append-only.

from apps.core import audit
audit.record_bulk(members, action=audit.CREATE)           # after a bulk_create
audit.record_bulk(rows, action=audit.UPDATE, fields=[...])  # after a bulk_update / queryset.update
with audit.acting_as(user): ...                            # a job run on someone's behalf
"""

from .context import AuditContextMiddleware, acting_as, suppressed
from .recorder import (
    CREATE,
    DELETE,
    GRANT,
    MIN_RETENTION_DAYS,
    REVOKE,
    UPDATE,
    connect,
    purge_expired,
    record,
    record_bulk,
    stored_values,
)

__all__ = [
    "CREATE",
    "DELETE",
    "GRANT",
    "MIN_RETENTION_DAYS",
    "REVOKE",
    "UPDATE",
    "AuditContextMiddleware",
    "acting_as",
    "connect",
    "purge_expired",
    "record",
    "record_bulk",
    "stored_values",
    "suppressed",
]
