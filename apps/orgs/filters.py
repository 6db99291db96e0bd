"""List filters of the org tree (筛选): units, branches, party groups, members, accounts.

Each FilterSet is used by its page and its export (through `selectors`) and by its API
viewset (`filterset_class`). Ids are model choices narrowed to the user's scope, so a
bad or foreign id is a Chinese message on a page and a 400 in the API, never a 500.
`unit_choices` and `branch_choices` say which units and branches a page's filter bar offers.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from apps.core.filters import FilterSet, SearchFilter

from .access import Scope
from .models import Branch, BranchKind, Member, MemberStatus, Unit, UnitCategory

ACTIVE_CHOICES = [("1", "在用"), ("0", "已停用")]
CURRENT_CHOICES = [("1", "在用"), ("0", "已撤销")]
ROSTER_CHOICES = [("1", "在册"), ("0", "已离册"), ("all", "全部")]
CADRE_CHOICES = [("1", "领导干部"), ("committee", "支部委员")]


class ActiveFilter(django_filters.ChoiceFilter):
    """在用 "1" / 已停用 "0"; empty: both."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "状态")
        super().__init__(choices=ACTIVE_CHOICES, **kwargs)

    def filter(self, qs, value):
        return qs.filter(active=value == "1") if value in ("1", "0") else qs


class UnitFilter(FilterSet):
    q = SearchFilter("name", "short_name")
    category = django_filters.ChoiceFilter(label="单位分类", choices=UnitCategory.choices)
    active = ActiveFilter()


class CurrentFilter(django_filters.ChoiceFilter):
    """Branches and party groups: 在用 "1" (not dissolved) / 已撤销 "0"; empty: both."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "状态")
        super().__init__(choices=CURRENT_CHOICES, **kwargs)

    def filter(self, qs, value):
        return qs.filter(dissolved_on__isnull=value == "1") if value in ("1", "0") else qs


class BranchFilter(FilterSet):
    q = SearchFilter("name")
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    kind = django_filters.ChoiceFilter(label="支部类型", choices=BranchKind.choices)
    active = CurrentFilter()


class PartyGroupFilter(FilterSet):
    branch = django_filters.ModelChoiceFilter(label="支部", queryset=Branch.objects.all())
    active = CurrentFilter()


class RosterFilter(django_filters.ChoiceFilter):
    """在册 "1" (the default: also when missing or bad), 已离册 "0", 全部 "all"."""

    def __init__(self, **kwargs):
        super().__init__(label="在册", choices=ROSTER_CHOICES, **kwargs)

    def filter(self, qs, value):
        return qs if value == "all" else qs.filter(active=value != "0")


class MemberFilter(FilterSet):
    q = SearchFilter("name", "position")
    unit = django_filters.ModelChoiceFilter(label="单位", field_name="branch__unit", queryset=Unit.objects.all())
    branch = django_filters.ModelChoiceFilter(label="支部", queryset=Branch.objects.all())
    status = django_filters.ChoiceFilter(label="党员状态", choices=MemberStatus.choices)
    active = RosterFilter()
    cadre = django_filters.ChoiceFilter(label="身份", choices=CADRE_CHOICES, method="filter_cadre")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if "active" not in self.form.cleaned_data:  # a bad value: the roster, not everyone who ever left
            queryset = self.filters["active"].filter(queryset, "1")
        return queryset

    def filter_cadre(self, queryset, name, value):
        if value == "1":
            return queryset.filter(is_leading_cadre=True)
        return queryset.filter(is_branch_committee=True)


class MembershipFilter(FilterSet):
    """组织关系 (API): one member's, one branch's, or those in force on a day (`?on=2026-03-01`)."""

    member = django_filters.ModelChoiceFilter(label="党员", queryset=Member.objects.all())
    branch = django_filters.ModelChoiceFilter(label="支部", queryset=Branch.objects.all())
    on = django_filters.DateFilter(label="日期", method="filter_on")

    def filter_on(self, queryset, name, value):
        return queryset.on(value)


class AccountFilter(FilterSet):
    q = SearchFilter("username", "display_name", "member__name")


# --- what a filter bar offers -----------------------------------------------------------------
# Built here, from the scope, for every org list: units only for someone whose lists span
# units (the committee, a secretary of several units), branches unless the user keeps one.


def unit_choices(scope: Scope) -> list[tuple[str, str]] | None:
    """The unit select of a filter bar, "全部单位" first; None when the user's lists stay in one unit."""
    if not scope.spans_units:
        return None
    return [("", "全部单位"), *((str(u.pk), u.name) for u in scope.managed_units().only("pk", "name", "order"))]


def branch_choices(scope: Scope, *, unit: Unit | None = None) -> list[tuple[str, str]] | None:
    """The branch select of a filter bar (of `unit` if chosen), "全部支部" first, then current branches, then
    dissolved ones marked as such (whoever left before a merge is still on their roster); None for a secretary
    of a single branch, and for those who span units until they choose one (a province has 30,000 branches:
    a select of all of them is neither readable nor cheap — party life's lists do the same)."""
    if not (scope.is_unit_manager or len(scope.branch_ids) > 1):
        return None
    if scope.spans_units and unit is None:
        return None
    branches: QuerySet[Branch] = scope.managed_branches().only("pk", "name", "unit_id", "dissolved_on")
    if unit is not None:
        branches = branches.filter(unit=unit)
    ordered = sorted(branches, key=lambda b: not b.is_current)  # stable: each part keeps the tree's order
    return [("", "全部支部"), *((str(b.pk), b.name if b.is_current else f"{b.name}（已撤销）") for b in ordered)]
