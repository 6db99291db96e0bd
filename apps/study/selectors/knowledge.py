"""Reads of the 应知应会 list (the progress page and tables use the summaries below)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from apps.core.metrics import percent
from apps.orgs.access import Scope, scope_for
from apps.orgs.models import Member, Unit

from ..filters.knowledge import KnowledgeItemFilter, KnowledgeProgressFilter
from ..models import KnowledgeCategory, KnowledgeItem, KnowledgeStudy


def active_items() -> QuerySet[KnowledgeItem]:
    return KnowledgeItem.objects.filter(active=True)


def knowledge_total() -> int:
    """How many items the list holds now."""
    return active_items().count()


def knowledge_done(member_ids: Iterable[int] | QuerySet) -> dict[int, int]:
    """Per member, how many items of the list they marked studied (one grouped query)."""
    rows = KnowledgeStudy.objects.filter(member_id__in=member_ids, item__active=True)
    return dict(rows.values("member_id").annotate(n=Count("id")).values_list("member_id", "n"))


def studied_item_ids(member_id: int) -> set[int]:
    return set(KnowledgeStudy.objects.filter(member_id=member_id).values_list("item_id", flat=True))


# --- sessions area: the list's pages and the progress tables -------------------------------------


@dataclass(frozen=True)
class Rate:
    """A branch's or unit's completion: done marks / (members × items)."""

    pk: int
    name: str
    members: int
    done: int
    total: int  # members × items

    @property
    def percent(self) -> Decimal | None:
        return percent(self.done, self.total)


def item_filter(*, user, filters=None) -> KnowledgeItemFilter:
    """Every item of the list (in use and taken off), for the committee's page, its export and the API."""
    scope = scope_for(user)
    return KnowledgeItemFilter(filters, KnowledgeItem.objects.order_by("category", "order", "id"), scope=scope)


def subcategories() -> list[str]:
    return list(
        KnowledgeItem.objects.exclude(subcategory="")
        .order_by("subcategory")
        .values_list("subcategory", flat=True)
        .distinct()
    )


def grouped_items(member_id: int | None) -> list[dict]:
    """The list by category (党内法规 first) for a member's page: [{key, label, items, done}] (two queries)."""
    studied = studied_item_ids(member_id) if member_id is not None else set()
    groups = {key: {"key": key, "label": label, "items": [], "done": 0} for key, label in KnowledgeCategory.choices}
    for item in active_items().order_by("order", "id"):
        item.studied = item.pk in studied
        group = groups[item.category]
        group["items"].append(item)
        group["done"] += item.studied
    return [group for group in groups.values() if group["items"]]


def progress_members(scope: Scope) -> QuerySet[Member]:
    """The members on the rosters this user keeps, with `done` (their marks of items in use)."""
    members = Member.objects.filter(active=True)
    if not scope.is_committee:
        members = members.filter(branch__in=scope.managed_branches())
    return members.select_related("branch__unit").annotate(
        done=Count("knowledge_studies", filter=Q(knowledge_studies__item__active=True))
    )


def progress_filter(*, user, filters=None, total: int | None = None) -> KnowledgeProgressFilter:
    """Per member done / total, filtered and sorted (fewest done first unless asked otherwise)."""
    scope = scope_for(user)
    total = knowledge_total() if total is None else total
    qs = progress_members(scope).order_by("done", "branch__unit__order", "branch__order", "branch_id", "name", "id")
    return KnowledgeProgressFilter(filters, qs, scope=scope, total=total)


def _rates(members: QuerySet[Member], key: str, names: dict[int, str], total_items: int) -> list[Rate]:
    counts = dict(members.values(key).annotate(n=Count("id")).values_list(key, "n"))
    marks = KnowledgeStudy.objects.filter(member__in=members, item__active=True)
    done = dict(marks.values(f"member__{key}").annotate(n=Count("id")).values_list(f"member__{key}", "n"))
    return [
        Rate(pk=pk, name=name, members=counts.get(pk, 0), done=done.get(pk, 0), total=counts.get(pk, 0) * total_items)
        for pk, name in names.items()
    ]


def branch_rates(scope: Scope, *, unit: Unit | None = None, total_items: int) -> list[Rate]:
    """Per current branch the user keeps (of `unit` when given): completion of its members (three queries)."""
    branches = scope.managed_branches().current()
    if unit is not None:
        branches = branches.filter(unit=unit)
    names = {
        b.pk: (b.name if unit is not None or not scope.spans_units else f"{b.unit.name} · {b.name}") for b in branches
    }
    members = Member.objects.filter(active=True, branch__in=list(names))
    return _rates(members, "branch", names, total_items)


def unit_rates(scope: Scope, *, total_items: int) -> list[Rate]:
    """Per unit the user keeps: completion of its members (three queries, whatever the number of units)."""
    names = dict(scope.managed_units().filter(active=True).values_list("pk", "name"))
    members = Member.objects.filter(active=True, branch__unit__in=list(names))
    return _rates(members, "branch__unit", names, total_items)
