"""Reads of 督促检查 (inspections), findings and 整改 (rectifications), starting from the user's scope.

Inspections are the committee's (COMMITTEE_ONLY); findings, rectifications, their events and files are
the committee's and the owner unit's secretary's (`ScopePaths(unit=…)`): nobody else sees any of them.
Rectification lists put the overdue first (`is_overdue` annotated as of `today`), then by deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from apps.orgs.access import Scope, scope_for

from ..filters.inspections import InspectionFilter, RectificationFilter, overdue_q
from ..models import Attachment, Finding, Inspection, Rectification, RectificationEvent
from ..models import RectificationStatus as S

#: "Due soon" on a unit's page and in reminders: the deadline is this many days away or fewer.
DUE_SOON_DAYS = 7


def with_overdue(queryset: QuerySet[Rectification], *, today: dt.date) -> QuerySet[Rectification]:
    """Annotate `is_overdue` as of `today`; order overdue first, then the open ones by deadline, then the closed
    (已销号) ones, latest deadline first."""
    flag = Case(When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField())
    closed = Case(When(status=S.ACCEPTED, then=Value(True)), default=Value(False), output_field=BooleanField())
    open_deadline = Case(When(status=S.ACCEPTED, then=Value(None)), default=F("deadline"))
    return queryset.annotate(is_overdue=flag, is_closed=closed, open_deadline=open_deadline).order_by(
        "-is_overdue", "is_closed", "open_deadline", "-deadline", "id"
    )


# --- inspections ----------------------------------------------------------------------------------------


def inspections(*, user) -> QuerySet[Inspection]:
    """Inspections with their finding counts: how many, how many not yet 已销号."""
    qs = scope_for(user).filter(Inspection.objects.all())
    return qs.annotate(
        finding_count=Count("findings", distinct=True),
        open_count=Count("findings", filter=~Q(findings__rectification__status=S.ACCEPTED), distinct=True),
    ).order_by("-held_on", "-id")


def inspection_filter(*, user, filters=None) -> InspectionFilter:
    return InspectionFilter(filters, inspections(user=user), scope=scope_for(user))


def inspection_get(*, user, pk: int) -> Inspection | None:
    return scope_for(user).filter(Inspection.objects.all()).filter(pk=pk).first()


def inspection_findings(inspection: Inspection, *, today: dt.date) -> list[Finding]:
    """The inspection's findings with their rectification (and `rect_overdue`), by unit."""
    rows = list(
        Finding.objects.filter(inspection=inspection)
        .select_related("unit", "rectification")
        .order_by("unit__order", "id")
    )
    for finding in rows:
        rect = getattr(finding, "rectification", None)
        finding.rect_overdue = rect is not None and rect.status != S.ACCEPTED and today > rect.deadline
    return rows


def finding_get(*, user, pk: int) -> Finding | None:
    qs = Finding.objects.select_related("inspection", "unit", "rectification")
    return scope_for(user).filter(qs).filter(pk=pk).first()


def findings(*, user) -> QuerySet[Finding]:
    return scope_for(user).filter(Finding.objects.select_related("unit", "rectification")).order_by("-id")


# --- rectifications ------------------------------------------------------------------------------------------


def rectifications(*, user, today: dt.date | None = None) -> QuerySet[Rectification]:
    today = today or timezone.localdate()
    qs = Rectification.objects.select_related("unit", "finding__inspection")
    return with_overdue(scope_for(user).filter(qs), today=today)


def rectification_filter(*, user, filters=None, today: dt.date | None = None) -> RectificationFilter:
    """The rectifications list (page, export, API): overdue first, then by deadline."""
    today = today or timezone.localdate()
    return RectificationFilter(filters, rectifications(user=user, today=today), scope=scope_for(user), today=today)


def rectification_get(*, user, pk: int, today: dt.date | None = None) -> Rectification | None:
    return rectifications(user=user, today=today).filter(pk=pk).first()


def rectification_events(rectification: Rectification) -> QuerySet[RectificationEvent]:
    return rectification.events.select_related("by").order_by("at", "id")


def rectification_files(rectification: Rectification) -> QuerySet[Attachment]:
    return rectification.files.select_related("uploaded_by").order_by("uploaded_at", "id")


def attachment_get(*, user, pk: int) -> Attachment | None:
    """A rectification's evidence file, if the user sees its unit (the committee or that unit's secretary)."""
    qs = Attachment.objects.filter(rectification__isnull=False).select_related("rectification")
    return scope_for(user).filter(qs).filter(pk=pk).first()


@dataclass(frozen=True)
class Owed:
    """What a unit owes (its secretary's summary): to submit, overdue, due within DUE_SOON_DAYS, awaiting review."""

    to_submit: int
    overdue: int
    due_soon: int
    awaiting: int
    next_deadline: dt.date | None


def owed(scope: Scope, *, today: dt.date) -> Owed:
    """One grouped query over the rectifications the user sees."""
    qs = scope.filter(Rectification.objects.all())
    owing = Q(status__in=(S.OPEN, S.RETURNED))
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    row = qs.aggregate(
        to_submit=Count("id", filter=owing),
        overdue=Count("id", filter=owing & Q(deadline__lt=today)),
        due_soon=Count("id", filter=owing & Q(deadline__gte=today, deadline__lte=soon)),
        awaiting=Count("id", filter=Q(status=S.SUBMITTED)),
    )
    nxt = qs.filter(owing, deadline__gte=today).order_by("deadline").values_list("deadline", flat=True).first()
    return Owed(next_deadline=nxt, **row)


def open_counts_by_unit(*, today: dt.date, unit_ids=None) -> dict[int, dict[str, int]]:
    """Contract for the board: per unit, rectifications not 已销号 (`open`) and of them overdue (`overdue`).

    One grouped query for all units (or `unit_ids`); the caller has already checked the user is the committee.
    """
    qs = Rectification.objects.exclude(status=S.ACCEPTED)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    rows = qs.values("unit_id").annotate(open=Count("id"), overdue=Count("id", filter=Q(deadline__lt=today)))
    return {r["unit_id"]: {"open": r["open"], "overdue": r["overdue"]} for r in rows}
