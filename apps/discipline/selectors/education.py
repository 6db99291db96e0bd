"""Reads of 典型案例 and 警示教育 sessions: cases for the committee and the secretaries of the units they were sent
to; sessions for the committee and the unit's secretary (a member sees only their hours in the study ledger)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.orgs.access import Scope, scope_for
from apps.orgs.models import Branch, Member, Unit
from apps.orgs.tree import members_on

from ..filters.education import CaseFilter, WarningSessionFilter
from ..models import Case, CaseReceipt, WarningAttendance, WarningSession

# --- cases ---------------------------------------------------------------------------------------------


def cases_sent_to(unit_ids) -> QuerySet[Case]:
    """Published cases sent to any of these units (a case sent to no unit in particular goes to all)."""
    unit_ids = sorted(unit_ids)
    sent = Case.units.through.objects.filter(case_id=OuterRef("pk"))
    return Case.objects.filter(published_at__isnull=False).filter(
        ~Exists(sent) | Exists(sent.filter(unit_id__in=unit_ids))
    )


def visible_cases(scope: Scope) -> QuerySet[Case]:
    if scope.is_committee:
        return Case.objects.all()
    if not scope.unit_ids:
        return Case.objects.none()
    return cases_sent_to(scope.unit_ids)


def case_filter(*, user, filters=None) -> CaseFilter:
    """Cases this user sees; the committee gets receipt counts, a secretary whether their unit has read each."""
    scope = scope_for(user)
    qs = visible_cases(scope).select_related("created_by")
    if scope.is_committee:
        qs = qs.annotate(receipt_count=Count("receipts", distinct=True))
    else:
        mine = CaseReceipt.objects.filter(case=OuterRef("pk"), unit_id__in=sorted(scope.unit_ids))
        qs = qs.annotate(read=Exists(mine))
    return CaseFilter(filters, qs.order_by("-published_at", "-id"), scope=scope)


def case_get(*, user, pk: int) -> Case | None:
    return visible_cases(scope_for(user)).prefetch_related("units").filter(pk=pk).first()


def case_targets(case: Case) -> QuerySet[Unit]:
    """The units a case was sent to (none chosen: every active unit)."""
    chosen = list(case.units.all())
    if chosen:
        return Unit.objects.filter(pk__in=[u.pk for u in chosen]).order_by("order", "id")
    return Unit.objects.filter(active=True).order_by("order", "id")


def case_receipts(case: Case) -> list[dict]:
    """Per target unit: its receipt (None: not read yet). Two queries whatever the number of units."""
    receipts = {r.unit_id: r for r in CaseReceipt.objects.filter(case=case).select_related("read_by")}
    return [{"unit": unit, "receipt": receipts.get(unit.pk)} for unit in case_targets(case)]


def readable_units(scope: Scope, case: Case) -> list[Unit]:
    """The user's units this case was sent to that have not confirmed it yet."""
    if not scope.unit_ids or case.published_at is None:
        return []
    targets = case_targets(case).filter(pk__in=sorted(scope.unit_ids))
    return list(targets.exclude(pk__in=CaseReceipt.objects.filter(case=case).values("unit_id")))


# --- warning-education sessions ----------------------------------------------------------------------------


def visible_sessions(scope: Scope) -> QuerySet[WarningSession]:
    """Sessions for managers only: the committee, and the unit's secretary (never through an attendance)."""
    qs = WarningSession.objects.all()
    if scope.is_committee:
        return qs
    return qs.filter(unit_id__in=sorted(scope.unit_ids))


def _attendance_count(*, present: bool):
    """Attendance rows of one session, as a correlated subquery: computed for the rows a page or an export reads
    (a join + GROUP BY counted every session in scope before the page took its 20, and made the paginator's
    COUNT aggregate them all too)."""
    rows = (
        WarningAttendance.objects.filter(session=OuterRef("pk"), present=present)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def warning_filter(*, user, filters=None) -> WarningSessionFilter:
    scope = scope_for(user)
    qs = (
        visible_sessions(scope)
        .select_related("unit")
        .annotate(present_count=_attendance_count(present=True), absent_count=_attendance_count(present=False))
        .order_by("-held_on", "-id")
    )
    return WarningSessionFilter(filters, qs, scope=scope)


def warning_get(*, user, pk: int) -> WarningSession | None:
    attendances = WarningAttendance.objects.select_related("member__branch").order_by("-present", "member__name", "id")
    return (
        visible_sessions(scope_for(user))
        .select_related("unit", "created_by")
        .prefetch_related(Prefetch("attendances", queryset=attendances), "cases")
        .filter(pk=pk)
        .first()
    )


def keepable_units(scope: Scope) -> QuerySet[Unit]:
    return scope.managed_units().filter(active=True)


def session_roster(unit: Unit | None, day: dt.date | None) -> QuerySet[Member]:
    """The unit's members on the day (by their memberships of its branches), whatever their status today."""
    if unit is None or day is None:
        return Member.objects.none()
    branch_ids = list(Branch.objects.filter(unit=unit).values_list("pk", flat=True))
    return members_on(branch_ids, day).select_related("branch").order_by("branch__order", "branch_id", "name", "id")


def linkable_cases(unit: Unit | None) -> QuerySet[Case]:
    if unit is None:
        return Case.objects.filter(published_at__isnull=False).order_by("-published_at")
    return cases_sent_to([unit.pk]).order_by("-published_at", "-id")
