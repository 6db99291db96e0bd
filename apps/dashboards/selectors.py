"""Read-only numbers for the home pages, each a fixed number of grouped queries."""

from django.db.models import Count, Q
from django.utils import timezone

from apps.orgs.models import Member, MemberStatus, UnitCategory, youth_born_after
from apps.orgs.selectors import Scope


def roster_stats(scope: Scope, *, unit_id: int | None = None, branch_id: int | None = None) -> dict:
    """Headline roster numbers within the user's scope (one query)."""
    qs = scope.filter(Member.objects.filter(active=True))
    if unit_id:
        qs = qs.filter(branch__unit_id=unit_id)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    born_after = youth_born_after(timezone.localdate())
    return qs.aggregate(
        members=Count("id"),
        probationary=Count("id", filter=Q(status=MemberStatus.PROBATIONARY)),
        youth=Count("id", filter=Q(birth_date__gt=born_after)),
        cadres=Count("id", filter=Q(is_leading_cadre=True)),
        women=Count("id", filter=Q(gender="F")),
    )


def members_by_category(scope: Scope) -> list[dict]:
    """Active members per unit category, for the committee's chart (one grouped query)."""
    rows = dict(
        scope.filter(Member.objects.filter(active=True))
        .values("branch__unit__category")
        .annotate(n=Count("id"))
        .values_list("branch__unit__category", "n")
    )
    return [{"name": label, "value": rows.get(value, 0)} for value, label in UnitCategory.choices]


def units_overview(scope: Scope):
    """Units with their branch and member counts (two queries, whatever the number of units)."""
    from apps.orgs.selectors import unit_member_counts

    units = list(
        scope.units()
        .filter(active=True)
        .annotate(branch_count=Count("branches", filter=Q(branches__active=True), distinct=True))
        .order_by("order", "id")
    )
    counts = unit_member_counts([u.pk for u in units])
    for u in units:
        u.member_count = counts.get(u.pk, 0)
    return units
