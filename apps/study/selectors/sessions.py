"""Reads of study sessions (集中学习) and youth groups shown to a user, always through the user's scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet

from apps.orgs.access import Scope, scope_for
from apps.orgs.models import Branch, Member, Unit

from .. import permissions
from ..filters.sessions import SessionFilter, YouthGroupFilter
from ..models import SessionAttendance, SessionKind, SessionSpeech, StudySession, YouthGroup

# --- where the user may log ---------------------------------------------------------------------


def keepable_kinds(scope: Scope) -> list[tuple[str, str]]:
    """The kinds this user may log: 周学 if they keep a branch, the unit kinds if they keep a unit."""
    kinds = []
    if scope.is_committee or scope.branch_ids or scope.unit_ids:
        kinds.append((SessionKind.WEEKLY.value, SessionKind.WEEKLY.label))
    if scope.is_unit_manager:
        kinds.extend((k.value, k.label) for k in (SessionKind.YOUTH, SessionKind.TRAINING, SessionKind.READING))
    return kinds


def keepable_branches(scope: Scope, *, on: dt.date | None = None) -> QuerySet[Branch]:
    """Branches whose 周学 this user keeps: current ones, and with `on` those that existed that day."""
    branches = scope.managed_branches().filter(unit__active=True)
    if on is None:
        return branches.current()
    return branches.current() | branches.existing_on(on)


def keepable_units(scope: Scope) -> QuerySet[Unit]:
    return scope.managed_units().filter(active=True)


def keepable_groups(scope: Scope) -> QuerySet[YouthGroup]:
    return YouthGroup.objects.filter(unit__in=keepable_units(scope), active=True).select_related("unit")


# --- sessions --------------------------------------------------------------------------------------


def _sessions(scope: Scope) -> QuerySet[StudySession]:
    return scope.filter(StudySession.objects.all()).select_related("unit", "branch", "youth_group", "leader")


def session_filter(*, user, filters=None) -> SessionFilter:
    """The sessions this user sees (a member: those they attended), with attendance counts, as a FilterSet."""
    scope = scope_for(user)
    qs = _sessions(scope).annotate(
        present_count=Count("attendances", filter=Q(attendances__present=True)),
        absent_count=Count("attendances", filter=Q(attendances__present=False)),
    )
    return SessionFilter(filters, qs.order_by("-held_on", "-id"), scope=scope)


def session_list(*, user, filters=None) -> QuerySet[StudySession]:
    return session_filter(user=user, filters=filters).qs


def session_get(*, user, pk: int) -> StudySession | None:
    """One session with its speeches and attendance, if the user may see it; None otherwise (→ 404)."""
    attendances = SessionAttendance.objects.select_related("member__branch").order_by(
        "-present", "member__branch_id", "member__name", "member_id"
    )
    return (
        _sessions(scope_for(user))
        .select_related("created_by")
        .prefetch_related(
            Prefetch("attendances", queryset=attendances),
            Prefetch("speeches", queryset=SessionSpeech.objects.select_related("speaker")),
        )
        .filter(pk=pk)
        .first()
    )


def can_change(scope: Scope, session: StudySession) -> bool:
    return permissions.can_change_session(scope, session)


# --- youth groups ------------------------------------------------------------------------------------


def youth_group_filter(*, user, filters=None) -> YouthGroupFilter:
    """The youth groups of the units this user keeps (the committee: all), with member counts."""
    scope = scope_for(user)
    qs = (
        YouthGroup.objects.filter(unit__in=scope.managed_units())
        .select_related("unit")
        .annotate(member_count=Count("members", distinct=True), session_count=Count("sessions", distinct=True))
        .order_by("unit__order", "unit_id", "name", "id")
    )
    return YouthGroupFilter(filters, qs, scope=scope)


def youth_group_get(*, user, pk: int) -> YouthGroup | None:
    """A group this user keeps (its unit's secretary, the committee); None otherwise (→ 404)."""
    scope = scope_for(user)
    group = YouthGroup.objects.select_related("unit").filter(pk=pk).first()
    if group is None or not permissions.can_keep_youth_groups(scope, group.unit_id):
        return None
    return group


def youth_candidates(scope: Scope, unit: Unit | None) -> QuerySet[Member]:
    """Who may be put in a unit's youth group: its members on the roster today, within the user's scope."""
    if unit is None:
        return Member.objects.none()
    return (
        scope.filter(Member.objects.filter(branch__unit=unit, active=True))
        .select_related("branch")
        .order_by("-birth_date", "name", "id")
    )
