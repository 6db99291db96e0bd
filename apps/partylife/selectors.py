"""Reads of party-life records shown to a user (活动记录), always through the user's scope.

Every queryset here starts from `scope_for(user).filter(...)` or the scope's own
branch/unit/member lists, with its joins applied, so a page's query count does
not grow with its rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from apps.core.periods import Period
from apps.orgs.access import Scope, scope_for
from apps.orgs.models import Branch, Member, PartyGroup, Unit

from .models import Activity, ActivityStatus, ActivityType, Attendance, Evidence, Level, PeriodLock

# --- what the user may log ----------------------------------------------------------------


def writable_branches(scope: Scope) -> QuerySet[Branch]:
    """Active branches this user keeps records for (their own, their units' branches, or all for the committee)."""
    qs = Branch.objects.filter(active=True, unit__active=True).select_related("unit")
    if not scope.is_committee:
        qs = qs.filter(Q(pk__in=sorted(scope.branch_ids)) | Q(unit_id__in=sorted(scope.unit_ids)))
    return qs.order_by("unit__order", "unit_id", "order", "id")


def writable_units(scope: Scope) -> QuerySet[Unit]:
    """Active units whose unit-level records (中心组学习, 第一议题) this user keeps."""
    qs = Unit.objects.filter(active=True)
    if not scope.is_committee:
        qs = qs.filter(pk__in=sorted(scope.unit_ids))
    return qs.order_by("order", "id")


def loggable_levels(scope: Scope) -> set[str]:
    """The activity levels this user may log: branch-level if they manage a branch, unit-level if a unit."""
    levels: set[str] = set()
    if scope.is_committee or scope.branch_ids or (scope.unit_ids and writable_branches(scope).exists()):
        levels |= {Level.BRANCH, Level.PARTY_GROUP}
    if scope.is_committee or scope.unit_ids:
        levels.add(Level.UNIT)
    return levels


def loggable_types(scope: Scope) -> list[ActivityType]:
    levels = loggable_levels(scope)
    return [t for t in ActivityType.objects.filter(active=True) if t.level in levels]


def party_groups_of(branch: Branch | None) -> QuerySet[PartyGroup]:
    if branch is None:
        return PartyGroup.objects.none()
    return PartyGroup.objects.filter(branch=branch, active=True).order_by("name", "id")


def roster(scope: Scope, *, unit: Unit | None, branch: Branch | None) -> QuerySet[Member]:
    """Active members a record of this branch (or unit, for unit-level types) may list, as the user sees them."""
    members = scope.members().filter(active=True)
    if branch is not None:
        return members.filter(branch=branch).order_by("-is_branch_committee", "name", "id")
    if unit is not None:
        return members.filter(branch__unit=unit).order_by(
            "branch__order", "branch_id", "-is_leading_cadre", "-is_branch_committee", "name", "id"
        )
    return Member.objects.none()


def expected_attendance(
    scope: Scope,
    *,
    activity_type: ActivityType,
    unit: Unit | None,
    branch: Branch | None,
    party_group: PartyGroup | None,
) -> tuple[list[Member], list[Member]]:
    """(expected, others): who is ticked present by default, and the rest of the roster one may add.

    Expected: the party group's members for 党小组会, only 支部委员 for a type marked
    “默认仅支部委员出席” (支委会), only 领导干部 for “默认仅领导干部出席” (中心组学习,
    第一议题), otherwise every active member of the branch or unit.
    """
    everyone = list(roster(scope, unit=unit, branch=branch if activity_type.level != Level.UNIT else None))
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
        qs.select_related("activity_type", "unit", "branch", "party_group", "talker", "talkee", "cadre", "created_by")
        .prefetch_related(
            Prefetch("attendances", queryset=attendances),
            "evidence",
            "problems",
            "also_counts_as",
        )
        .filter(pk=pk)
        .first()
    )


def evidence_get(*, user, pk: int) -> Evidence | None:
    """One evidence file if the user may see its record; None otherwise (→ 404)."""
    qs = scope_for(user).filter(Evidence.objects.all())
    return qs.select_related("activity__activity_type", "activity__unit", "activity__branch").filter(pk=pk).first()


# --- lists ------------------------------------------------------------------------------------------

STATUS_CHOICES = [
    ("", "全部状态"),
    ("draft", "草稿"),
    ("submitted", "已提交"),
    ("complete", "已提交·材料齐全"),
    ("incomplete", "需补充"),
]


@dataclass(frozen=True)
class ActivityFilters:
    """The list's filters, already checked (a bad period is reported, not applied)."""

    type: str = ""
    unit: str = ""
    branch: str = ""
    period: Period | None = None
    status: str = ""
    q: str = ""


def parse_filters(params) -> tuple[ActivityFilters, str | None]:
    """Read the list's GET parameters; return the filters and a Chinese message for a bad period."""
    error = None
    period = None
    text = (params.get("period") or "").strip()
    if text:
        try:
            period = Period.parse(text)
        except ValueError as exc:
            error = f"期间“{text}”无法识别：{exc}"
    status = (params.get("status") or "").strip()
    return (
        ActivityFilters(
            type=(params.get("type") or "").strip(),
            unit=(params.get("unit") or "").strip(),
            branch=(params.get("branch") or "").strip(),
            period=period,
            status=status if status in dict(STATUS_CHOICES) else "",
            q=(params.get("q") or "").strip()[:100],
        ),
        error,
    )


def activity_list(*, user, filters: ActivityFilters) -> QuerySet[Activity]:
    """The records this user sees (a member: those they attended), filtered, with attendance counts."""
    qs = scope_for(user).filter(Activity.objects.all())
    if filters.type:
        qs = qs.filter(activity_type__code=filters.type)
    if filters.unit.isdigit():
        qs = qs.filter(unit_id=int(filters.unit))
    if filters.branch.isdigit():
        qs = qs.filter(branch_id=int(filters.branch))
    if filters.period is not None:
        start, end = filters.period.bounds()
        qs = qs.filter(held_at__gte=start, held_at__lt=end)
    if filters.status == "draft":
        qs = qs.filter(status=ActivityStatus.DRAFT)
    elif filters.status == "submitted":
        qs = qs.filter(status=ActivityStatus.SUBMITTED)
    elif filters.status == "complete":
        qs = qs.filter(status=ActivityStatus.SUBMITTED, evidence_complete=True)
    elif filters.status == "incomplete":
        qs = qs.filter(status=ActivityStatus.SUBMITTED, evidence_complete=False)
    if filters.q:
        qs = qs.filter(topic__icontains=filters.q)
    return (
        qs.select_related("activity_type", "unit", "branch", "party_group")
        .annotate(
            present_count=Count("attendances", filter=Q(attendances__present=True)),
            absent_count=Count("attendances", filter=Q(attendances__present=False)),
        )
        .order_by("-held_at", "-id")
    )


def locked_months() -> set:
    """First days of the closed months (关账), to mark locked rows without a query per row."""
    return set(PeriodLock.objects.values_list("month", flat=True))
