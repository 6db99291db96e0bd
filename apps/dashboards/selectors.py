"""Read-only numbers for the home pages, each a fixed number of grouped queries."""

from django.db.models import Count, Q
from django.utils import timezone

from apps.orgs.access import Scope
from apps.orgs.models import Member, MemberStatus, UnitCategory, youth_born_after


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


# --- party life on the home pages -------------------------------------------------------------


def branch_month_status(branches, *, today=None):
    """For each branch: this month's cells (every rule whose window contains today), via the engine."""
    from apps.core.periods import Frequency, Period
    from apps.partylife.compliance import evaluate_branches

    today = today or timezone.localdate()
    results = evaluate_branches(list(branches), Period.containing(today, Frequency.MONTH), today=today)
    return {pk: result.cells for pk, result in results.items()}


def units_behind(scope, *, today=None, limit: int = 8):
    """The units with the lowest compliance rate this year (constant queries: the engine is grouped)."""
    from apps.core.periods import Period
    from apps.partylife.compliance import evaluate_by_unit

    today = today or timezone.localdate()
    units = list(scope.units().filter(active=True).order_by("order", "id"))
    results = evaluate_by_unit(units, Period.containing(today, "year"), today=today)
    rows = []
    for unit in units:
        tally = results[unit.pk].tally()
        rows.append(
            {"unit": unit, "rate": results[unit.pk].rate, **{k: tally[k] for k in ("met", "warning", "failure")}}
        )
    ranked = sorted(rows, key=lambda r: (r["rate"] is None, r["rate"] or 0, -r["failure"]))
    return ranked[:limit]


def member_open_makeups(member_id):
    from apps.partylife.models import MakeupTask

    return (
        MakeupTask.objects.filter(member_id=member_id, done_at__isnull=True)
        .select_related("attendance__activity__activity_type")
        .order_by("due_on")
    )


def member_recent_activities(scope, limit: int = 8):
    from apps.partylife.models import Activity

    return (
        scope.filter(Activity.objects.filter(status="submitted"))
        .select_related("activity_type", "branch")
        .order_by("-held_at")[:limit]
    )
