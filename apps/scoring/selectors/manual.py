"""Reads of the manual points (the committee's pages and API)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.core.files import sniff
from apps.orgs.access import scope_for

from ..filters.manual import ManualScoreFilter
from ..models import Indicator, IndicatorSystem, ManualScore


def manual_rows() -> QuerySet[ManualScore]:
    return ManualScore.objects.select_related("indicator__system", "unit", "entered_by")


def manual_filter(*, user, filters=None) -> ManualScoreFilter:
    scope = scope_for(user)
    return ManualScoreFilter(filters, scope.filter(manual_rows()), scope=scope)


def manual_entry(*, user, pk: int) -> ManualScore | None:
    return scope_for(user).filter(manual_rows()).filter(pk=pk).first()


def hand_indicators() -> list[Indicator]:
    """Indicators the committee enters by hand, of each year's system in force (newest year first)."""
    latest: dict[int, int] = {}
    for pk, year in IndicatorSystem.objects.order_by("year", "version").values_list("pk", "year"):
        latest[year] = pk
    rows = Indicator.objects.filter(system_id__in=latest.values()).select_related("system")
    rows = rows.order_by("-system__year", "order", "id")
    return [i for i in rows if i.entered_by_hand]


class StoredEvidence:
    """A ManualScore's evidence as `apps.core.files.stored_file_response` reads it (type sniffed from content)."""

    def __init__(self, entry: ManualScore):
        self.file = entry.evidence
        with entry.evidence.storage.open(entry.evidence.name, "rb") as handle:
            sniffed = sniff(handle.read(16))
        self.content_type = sniffed.content_type if sniffed else "application/octet-stream"
        name = entry.evidence.name.rsplit("/", 1)[-1]
        self.original_name = f"{entry.unit.name}{entry.period_key}{entry.indicator.code}佐证_{name}"


def evidence_entry(*, user, pk: int) -> ManualScore | None:
    """The entry whose file the user may open: the committee, or a secretary of that unit (not its branch
    secretaries or members, whom the unit scope would also let read the row)."""
    scope = scope_for(user)
    rows = manual_rows().filter(pk=pk).exclude(evidence="")
    if not scope.is_committee:
        rows = rows.filter(unit_id__in=sorted(scope.unit_ids))
    return rows.first()
