"""Reads of party-life records shown to a user (活动记录、补学), always through the user's scope.

Every queryset here starts from the user's `Scope` (`scope.filter(...)`, or the org nodes
the scope manages), with its joins applied, so a page's query count does not grow with
its rows. Lists go through the FilterSets of `filters.py`, shared by pages, exports and API.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.orgs.access import Role, Scope, scope_for
from apps.orgs.models import Branch, Member, PartyGroup, Unit
from apps.orgs.tree import members_on

from .filters import ActivityFilter, MakeupFilter
from .models import (
    Activity,
    ActivityReturn,
    ActivitySpeech,
    ActivityType,
    Attendance,
    Evidence,
    Level,
    MakeupTask,
    PeriodLock,
    StagedEvidence,
)

# --- what the user may log ----------------------------------------------------------------


def loggable_branches(scope: Scope, *, on: dt.date | None = None) -> QuerySet[Branch]:
    """Current branches whose records this user keeps (scope.managed_branches); with `on`, also those
    that existed that day and have ended since (a merged branch's last records are still theirs to log)."""
    branches = scope.managed_branches().filter(unit__active=True)
    if on is None:
        return branches.current()
    return branches.current() | branches.existing_on(on)


def loggable_units(scope: Scope) -> QuerySet[Unit]:
    """Active units whose unit-level records (中心组学习, 第一议题) this user keeps."""
    return scope.managed_units().filter(active=True)


def loggable_levels(scope: Scope) -> set[str]:
    """The activity levels this user may log: branch-level if they keep a branch's records, unit-level if a unit's."""
    levels: set[str] = set()
    if scope.is_committee or scope.branch_ids or (scope.unit_ids and loggable_branches(scope).exists()):
        levels |= {Level.BRANCH, Level.PARTY_GROUP}
    if scope.is_unit_manager:
        levels.add(Level.UNIT)
    return levels


def active_types() -> QuerySet[ActivityType]:
    """Activity types in use (configuration every signed-in user reads)."""
    return ActivityType.objects.filter(active=True)


def loggable_types(scope: Scope) -> list[ActivityType]:
    levels = loggable_levels(scope)
    return [t for t in active_types() if t.level in levels]


def has_party_groups(scope: Scope) -> bool:
    """Whether any branch this user keeps records for has an active party group (党小组会 needs one)."""
    return PartyGroup.objects.filter(branch__in=loggable_branches(scope)).current().exists()


def party_groups_of(branch: Branch | None, *, on: dt.date | None = None) -> QuerySet[PartyGroup]:
    """A branch's current party groups; with `on`, also those that existed that day."""
    if branch is None:
        return PartyGroup.objects.none()
    groups = PartyGroup.objects.filter(branch=branch)
    groups = groups.current() if on is None else groups.current() | groups.existing_on(on)
    return groups.order_by("name", "id")


def place_members(*, unit: Unit | None, branch: Branch | None, on: dt.date) -> QuerySet[Member]:
    """The members of a branch (else of every branch of a unit) on a day, by their memberships
    (orgs.tree.members_on), whatever their roster today: one who transferred in later is not among
    them, one who transferred out later is. Unscoped: the caller checks the user keeps the place."""
    if branch is not None:
        return members_on([branch.pk], on)
    if unit is not None:
        return members_on(Branch.objects.filter(unit=unit).values_list("pk", flat=True), on)
    return Member.objects.none()


def roster(scope: Scope, *, unit: Unit | None, branch: Branch | None, on: dt.date) -> QuerySet[Member]:
    """The members a record held on `on` may list: those of the branch — or, for a unit-level type, of the
    unit's branches — on that day, among the branches whose records the user keeps (a branch secretary's
    unit-wide list is their own branch's)."""
    kept = scope.managed_branches()
    if branch is not None:
        kept, order = kept.filter(pk=branch.pk), ("-is_branch_committee", "name", "id")
    elif unit is not None:
        kept = kept.filter(unit=unit)
        order = ("branch__order", "branch_id", "-is_leading_cadre", "-is_branch_committee", "name", "id")
    else:
        return Member.objects.none()
    members = members_on(kept.values_list("pk", flat=True), on)
    return members.select_related("branch__unit", "party_group").order_by(*order)


def expected_attendance(
    scope: Scope,
    *,
    activity_type: ActivityType,
    unit: Unit | None,
    branch: Branch | None,
    party_group: PartyGroup | None,
    on: dt.date,
) -> tuple[list[Member], list[Member]]:
    """(expected, others): who is ticked present by default, and the rest of the roster one may add,
    among the members of the branch or unit on the activity's day (`roster`).

    Expected: the party group's members for 党小组会, only 支部委员 for a type marked
    “默认仅支部委员出席” (支委会), only 领导干部 for “默认仅领导干部出席” (中心组学习,
    第一议题), otherwise every member of the branch or unit that day.
    """
    place = branch if activity_type.level != Level.UNIT else None
    everyone = list(roster(scope, unit=unit, branch=place, on=on))
    if activity_type.level == Level.PARTY_GROUP:
        if party_group is None:
            return [], everyone
        expected = [m for m in everyone if m.party_group_id == party_group.pk]
    elif activity_type.attendance_committee_only:
        expected = [m for m in everyone if m.is_branch_committee]
    elif activity_type.attendance_leaders_only:
        expected = [m for m in everyone if m.is_leading_cadre]
    else:
        expected = everyone
    chosen = {m.pk for m in expected}
    return expected, [m for m in everyone if m.pk not in chosen]


def recent_place(scope: Scope, *, unit: Unit | None, branch: Branch | None) -> str:
    """Where this branch (or unit) last met, so the place need not be typed again."""
    qs = scope.filter(Activity.objects.exclude(place=""))
    if branch is not None:
        qs = qs.filter(branch=branch)
    elif unit is not None:
        qs = qs.filter(unit=unit, branch__isnull=True)
    else:
        return ""
    return qs.order_by("-held_at", "-id").values_list("place", flat=True).first() or ""


# --- one record ---------------------------------------------------------------------------------


def activity_get(*, user, pk: int) -> Activity | None:
    """One record with everything its page shows, if the user may see it; None otherwise (→ 404)."""
    attendances = Attendance.objects.select_related("member__branch", "makeup").order_by(
        "-present", "-member__is_branch_committee", "member__name", "member_id"
    )
    qs = scope_for(user).filter(Activity.objects.all())
    return (
        qs.select_related(
            "activity_type", "unit", "branch", "party_group", "talker", "talkee", "cadre", "lead_by", "created_by"
        )
        .prefetch_related(
            Prefetch("attendances", queryset=attendances),
            Prefetch("speeches", queryset=ActivitySpeech.objects.select_related("speaker__branch")),
            "evidence",
            "problems",
            "also_counts_as",
            Prefetch("returns", queryset=ActivityReturn.objects.select_related("returned_by")),
        )
        .filter(pk=pk)
        .first()
    )


def speech_history(activity: Activity, *, limit: int = 20) -> list:
    """The latest changes of a record's 研讨发言 (added, changed, removed), newest first, with their speakers."""
    rows = ActivitySpeech.history.filter(activity_id=activity.pk).select_related("history_user", "speaker")
    return list(rows.order_by("-history_date", "-history_id")[:limit])


def evidence_get(*, user, pk: int) -> Evidence | None:
    """One evidence file if the user may see its record; None otherwise (→ 404)."""
    qs = scope_for(user).filter(Evidence.objects.all())
    return qs.select_related("activity__activity_type", "activity__unit", "activity__branch").filter(pk=pk).first()


# --- lists ------------------------------------------------------------------------------------------


def _attendance_count(*, present: bool):
    """Attendance rows of one record, as a correlated subquery: computed for the rows a page or an export reads,
    where a join + GROUP BY counted every record in scope before the page took its 20 (and made the paginator's
    COUNT aggregate them all too)."""
    rows = (
        Attendance.objects.filter(activity=OuterRef("pk"), present=present)
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def activity_filter(*, user, filters=None) -> ActivityFilter:
    """The records this user sees (a member: those they attended), with attendance counts, as a FilterSet.

    The page takes it for its rows (`.qs`) and the parameters it ignored (`.messages()`).
    """
    scope = scope_for(user)
    qs = (
        scope.filter(Activity.objects.all())
        .select_related("activity_type", "unit", "branch", "party_group")
        .annotate(present_count=_attendance_count(present=True), absent_count=_attendance_count(present=False))
        .order_by("-held_at", "-id")
    )
    if scope.role == Role.MEMBER:  # a member's own list says where they were absent, and their 补学
        qs = with_own_attendance(qs, scope.member_id, today=timezone.localdate())
    return ActivityFilter(filters, qs, scope=scope)


def activity_list(*, user, filters=None) -> QuerySet[Activity]:
    """The filtered records (the export's rows)."""
    return activity_filter(user=user, filters=filters).qs


def filter_places(scope: Scope, *, unit: Unit | None) -> tuple[QuerySet[Unit] | None, QuerySet[Branch] | None]:
    """A list's unit and branch choices: units for those who span several; the branches they keep
    (of the chosen unit only, when they span units: the committee has hundreds). None: no such filter."""
    units = loggable_units(scope) if scope.spans_units else None
    branches = None
    if scope.is_manager:
        branches = scope.managed_branches()
        if scope.spans_units:
            branches = branches.filter(unit=unit) if unit is not None else branches.none()
    return units, branches


def locked_months() -> set:
    """First days of the closed months (关账), to mark locked rows without a query per row."""
    return set(PeriodLock.objects.values_list("month", flat=True))


def month_lock(day: dt.date) -> PeriodLock | None:
    """The 关账 of the month containing `day` (with who closed it), if that month is closed."""
    return PeriodLock.objects.filter(month=day.replace(day=1)).select_related("closed_by").first()


def staged_evidence(scope: Scope) -> QuerySet[StagedEvidence]:
    """The files this user chose on a refused record form that are still attachable (theirs only, not expired)."""
    return scope.filter(StagedEvidence.objects.fresh()).order_by("staged_at", "id")


def with_own_attendance(activities: QuerySet[Activity], member_id: int, *, today: dt.date) -> QuerySet[Activity]:
    """Annotate each record with the member's own attendance: `my_present` (None: not listed),
    `my_absence_reason`, and `my_makeup` — "" (none owed), "open" (待补学), "overdue" (已逾期), "done" (已完成)."""
    mine = Attendance.objects.filter(activity=OuterRef("pk"), member_id=member_id)
    makeup = Case(
        When(makeup__isnull=True, then=Value("")),
        When(makeup__done_at__isnull=False, then=Value("done")),
        When(makeup__due_on__lt=today, then=Value("overdue")),
        default=Value("open"),
        output_field=CharField(),
    )
    return activities.annotate(
        my_present=Subquery(mine.values("present")[:1]),
        my_absence_reason=Subquery(mine.values("absence_reason")[:1]),
        my_makeup=Subquery(mine.annotate(state=makeup).values("state")[:1]),
    )


# --- 补学 --------------------------------------------------------------------------------------------


def _makeup_tasks(scope: Scope) -> QuerySet[MakeupTask]:
    return scope.filter(
        MakeupTask.objects.select_related(
            "member__branch__unit",
            "attendance__activity__activity_type",
            "attendance__activity__branch",
            "confirmed_by",
        )
    ).order_by(F("done_at").asc(nulls_first=True), "due_on", "id")


def makeup_filter(*, user, filters=None) -> MakeupFilter:
    """The 补学 tasks this user sees, open ones first, then by due date, as a FilterSet."""
    scope = scope_for(user)
    return MakeupFilter(filters, _makeup_tasks(scope), scope=scope)


def makeup_list(*, user, filters=None) -> QuerySet[MakeupTask]:
    return makeup_filter(user=user, filters=filters).qs


def makeup_get(*, user, pk: int) -> MakeupTask | None:
    """One task if the user may see it; None otherwise (→ 404)."""
    return _makeup_tasks(scope_for(user)).filter(pk=pk).first()
