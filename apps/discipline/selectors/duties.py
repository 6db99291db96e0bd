"""Reads of 责任清单: template versions, each unit's current list and its versions, and a version's comparison
with the template it came from. Unit lists read through the user's scope (committee and the unit's secretary)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery

from apps.orgs.access import scope_for

from ..filters.duties import UnitDutyFilter
from ..models import DutyTemplate, DutyTemplateItem, UnitDutyItem, UnitDutyList
from ..services.duties import latest_published_template

__all__ = [
    "compare_with_template",
    "duty_item_get",
    "duty_list_get",
    "latest_published_template",
    "template_get",
    "template_item_get",
    "template_list",
    "unit_duty_overview",
    "unit_lists",
]


def template_list() -> QuerySet[DutyTemplate]:
    return DutyTemplate.objects.select_related("created_by").annotate(item_count=Count("items")).order_by("-version")


def template_get(pk: int) -> DutyTemplate | None:
    return DutyTemplate.objects.filter(pk=pk).prefetch_related("items").first()


def template_item_get(pk: int) -> DutyTemplateItem | None:
    return DutyTemplateItem.objects.filter(pk=pk).select_related("template").first()


def unit_duty_overview(*, user, filters=None) -> UnitDutyFilter:
    """The units this user keeps, each with its current (latest confirmed) list version and whether a draft waits."""
    scope = scope_for(user)
    current = UnitDutyList.objects.filter(unit=OuterRef("pk"), adopted_at__isnull=False).order_by("-version")
    units = (
        scope.managed_units()
        .filter(active=True)
        .annotate(
            current_id=Subquery(current.values("pk")[:1]),
            current_version=Subquery(current.values("version")[:1]),
            current_template_version=Subquery(current.values("template__version")[:1]),
            current_adopted_at=Subquery(current.values("adopted_at")[:1]),
            has_draft=Exists(UnitDutyList.objects.filter(unit=OuterRef("pk"), adopted_at__isnull=True)),
        )
    )
    filterset = UnitDutyFilter(filters, units, scope=scope)
    latest = latest_published_template()
    filterset.latest_version = latest.version if latest else None
    return filterset


def unit_lists(*, user, unit_id: int) -> QuerySet[UnitDutyList]:
    """Every version of one unit's list the user may see, newest first (drafts included)."""
    return (
        scope_for(user)
        .filter(UnitDutyList.objects.filter(unit_id=unit_id))
        .select_related("template", "adopted_by", "unit")
        .annotate(item_count=Count("items"))
        .order_by("-version")
    )


def duty_list_get(*, user, pk: int) -> UnitDutyList | None:
    return (
        scope_for(user)
        .filter(UnitDutyList.objects.filter(pk=pk))
        .select_related("template", "adopted_by", "unit")
        .prefetch_related("items__source")
        .first()
    )


def duty_item_get(*, user, pk: int) -> UnitDutyItem | None:
    return scope_for(user).filter(UnitDutyItem.objects.filter(pk=pk)).select_related("duty_list__unit").first()


@dataclass(frozen=True)
class CompareRow:
    """One line of a version set against its template: 沿用 / 已调整 / 本单位新增 / 未采用."""

    change: str
    item: UnitDutyItem | None
    source: DutyTemplateItem | None


def compare_with_template(duty_list: UnitDutyList) -> list[CompareRow]:
    """The version's items against the template version it came from (one query for the template's items)."""
    items = list(duty_list.items.all())
    rows = []
    for item in items:
        if item.source is None or item.source.template_id != duty_list.template_id:
            rows.append(CompareRow("本单位新增", item, None))
        elif (item.source.category, item.source.content) == (item.category, item.content):
            rows.append(CompareRow("沿用", item, item.source))
        else:
            rows.append(CompareRow("已调整", item, item.source))
    if duty_list.template_id:
        used = {item.source_id for item in items}
        for source in DutyTemplateItem.objects.filter(template_id=duty_list.template_id).exclude(pk__in=used):
            rows.append(CompareRow("未采用", None, source))
    return rows
