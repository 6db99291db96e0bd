"""The roster, party-life and study reads of the home pages (首页), each a fixed number of grouped queries.

Every read starts from the user's scope: what they see (`scope.filter`) or what they keep records
for (`scope.managed_units()` / `managed_branches()`). Party-life verdicts are the engine's.
"""

import datetime as dt

from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from apps.core.periods import Frequency, Period
from apps.orgs.access import Scope
from apps.orgs.models import Branch, Member, MemberStatus, Unit, youth_born_after
from apps.partylife.compliance import Status, evaluate_branches
from apps.partylife.counting import submitted
from apps.partylife.models import Activity, MakeupTask
from apps.partylife.selectors import with_own_attendance
from apps.study.selectors.progress import MemberProgress, member_progress


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


def units_overview(scope: Scope) -> list[Unit]:
    """The active units this user keeps, with their branch and active member counts (one query, whatever their
    number)."""
    members = (
        Member.objects.filter(active=True, branch__unit=OuterRef("pk"))
        .order_by()
        .values("branch__unit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        scope.managed_units()
        .filter(active=True)
        .annotate(
            branch_count=Count("branches", filter=Q(branches__dissolved_on__isnull=True), distinct=True),
            member_count=Coalesce(Subquery(members), 0),
        )
    )


def tree_counts(scope: Scope) -> dict:
    """How many active units this user keeps, and their current branches (one query, counts only: the
    committee home of a province would otherwise count each of 3,000 units' members)."""
    return (
        scope.managed_units()
        .filter(active=True)
        .aggregate(
            units=Count("id", distinct=True),
            branches=Count("branches", filter=Q(branches__dissolved_on__isnull=True), distinct=True),
        )
    )


def unit_branches(scope: Scope, units: list[Unit]) -> list[Branch]:
    """The current branches of the units a secretary keeps, with their member counts (one query)."""
    return list(
        scope.managed_branches()
        .filter(unit__in=units, dissolved_on__isnull=True)
        .annotate(member_count=Count("members", filter=Q(members__active=True)))
        .order_by("unit__order", "order", "id")
    )


def own_branches(scope: Scope) -> list[Branch]:
    """The branches a branch secretary keeps (one query)."""
    return list(scope.managed_branches().order_by("order", "id"))


def branch_members(scope: Scope, branches: list[Branch], limit: int = 200) -> QuerySet[Member]:
    """The active members of these branches: committee members first, then by name."""
    return scope.members().filter(active=True, branch__in=branches).order_by("-is_branch_committee", "name")[:limit]


# --- party life on the home pages -------------------------------------------------------------


#: The home page's chips, in this order: the month's rules, then the quarter's, then the year's.
FREQUENCY_ORDER = {Frequency.MONTH: 0, Frequency.QUARTER: 1, Frequency.YEAR: 2}


def branch_month_status(branches, *, today: dt.date):
    """For each branch: the cells of every rule whose window contains `today` (this month's, this quarter's and
    this year's), monthly rules first, via the engine. Windows the branch is not judged in are left out."""
    results = evaluate_branches(list(branches), Period.containing(today, Frequency.MONTH), today=today)
    shown = {Status.NA, Status.NOT_JUDGED, Status.ENDED}
    return {
        pk: sorted(
            (c for c in result.cells if c.status not in shown),
            key=lambda c: FREQUENCY_ORDER[c.window.kind],
        )
        for pk, result in results.items()
    }


def member_open_makeups(scope: Scope, *, today=None):
    """The member's own 补学 still to do, soonest first; `overdue` marks those past their due day."""
    today = today or timezone.localdate()
    return (
        scope.filter(MakeupTask.objects.filter(member_id=scope.member_id, done_at__isnull=True))
        .select_related("attendance__activity__activity_type")
        .annotate(overdue=ExpressionWrapper(Q(due_on__lt=today), output_field=BooleanField()))
        .order_by("due_on")
    )


def member_recent_activities(scope: Scope, limit: int = 8, *, today=None):
    """The latest submitted records the member was listed at (present or absent: what their scope shows them),
    each with their own attendance and 补学 status (partylife.selectors.with_own_attendance)."""
    activities = (
        scope.filter(Activity.objects.filter(submitted()))
        .select_related("activity_type", "branch")
        .order_by("-held_at")
    )
    return with_own_attendance(activities, scope.member_id, today=today or timezone.localdate())[:limit]


def member_study_progress(member: Member, *, today: dt.date) -> MemberProgress:
    """The member's year of study (the study app's progress block): a fixed number of queries."""
    return member_progress(member, today.year, today=today, detail=False)


def study_links() -> dict[str, str]:
    """The study pages the progress block points to (empty while one does not exist)."""
    return {"self_study_new": reverse("study:self_study_new"), "my_exams": reverse("study:my_exams")}
