"""The records behind one cell (一格的记录), and why a record that “also counts as” the rule's type may not."""

from __future__ import annotations

from django.db.models import Q

from apps.core.periods import Period
from apps.orgs.models import Branch, Unit

from ..counting import missing_evidence
from ..models import Activity, ComplianceRule


def cell_records(*, subject: Branch | Unit, rule: ComplianceRule, window: Period, user):
    """The records behind one cell (those that satisfied it, and those still 需补充), scoped to the user."""
    from apps.orgs.access import scope_for

    start, end = window.bounds()
    type_filter = Q(activity_type_id=rule.activity_type_id) | Q(also_counts_as=rule.activity_type_id)
    qs = Activity.objects.filter(type_filter, held_at__gte=start, held_at__lt=end).distinct()
    if isinstance(subject, Branch):
        qs = qs.filter(branch=subject)
    else:
        qs = qs.filter(unit=subject, branch__isnull=True)
    return scope_for(user).filter(qs).select_related("activity_type", "branch", "party_group").order_by("held_at", "id")


def missing_for(record: Activity, rule: ComplianceRule) -> list[str]:
    """What a record of another type lacks to count as the rule's type (its evidence and attendance prefetched).

    The engine's grouped query asks the same (`counting.meets_requirements`); this names the pieces.
    """
    return missing_evidence(
        rule.activity_type,
        minutes=record.minutes,
        evidence_kinds=[e.kind for e in record.evidence.all()],
        has_attendance=bool(record.attendances.all()),
    )
