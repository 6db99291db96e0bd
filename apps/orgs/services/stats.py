"""Statistics written by Celery jobs: the daily headcount (党员队伍统计)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q

from ..models import Branch, HeadcountSnapshot, Member, Unit, youth_born_after

# --- statistics (Celery) ------------------------------------------------------------------------


@transaction.atomic
def headcount_snapshot(*, on: dt.date) -> int:
    """Write each active unit's headcount for a day; running it again for the same day overwrites it.

    Two grouped queries for all units (members, branches), then one bulk upsert.
    """
    born_after = youth_born_after(on)
    member_rows = {
        r["branch__unit_id"]: r
        for r in Member.objects.filter(active=True, branch__dissolved_on__isnull=True)
        .values("branch__unit_id")
        .annotate(
            total=Count("id"),
            probationary=Count("id", filter=Q(status="probationary")),
            youth=Count("id", filter=Q(birth_date__gt=born_after)),
            cadres=Count("id", filter=Q(is_leading_cadre=True)),
        )
    }
    branch_rows = dict(Branch.objects.current().values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))
    snapshots = []
    for unit_id in Unit.objects.filter(active=True).values_list("pk", flat=True):
        row = member_rows.get(unit_id, {})
        snapshots.append(
            HeadcountSnapshot(
                unit_id=unit_id,
                date=on,
                members=row.get("total", 0),
                probationary=row.get("probationary", 0),
                youth=row.get("youth", 0),
                leading_cadres=row.get("cadres", 0),
                branches=branch_rows.get(unit_id, 0),
            )
        )
    HeadcountSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["unit", "date"],
        update_fields=["members", "probationary", "youth", "leading_cadres", "branches"],
    )
    return len(snapshots)
