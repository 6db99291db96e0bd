"""Reads of 履责报告: the reports the user sees (committee: all; a unit's secretary: their unit's; nobody else),
their files and review log, and the committee's round summaries."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Prefetch, QuerySet

from apps.orgs.access import scope_for

from ..filters.reports import DutyReportFilter
from ..models import Attachment, DutyReport, ReportReview, ReportRound
from ..services.reports import on_time_status


def report_filter(*, user, filters=None, now: dt.datetime | None = None) -> DutyReportFilter:
    scope = scope_for(user)
    qs = (
        scope.filter(DutyReport.objects.all())
        .select_related("round", "unit")
        .order_by("-round__due_on", "-round_id", "unit__order", "unit_id")
    )
    filterset = DutyReportFilter(filters, qs, scope=scope)
    filterset.now = now
    return filterset


def report_list(*, user, filters=None, now: dt.datetime | None = None) -> QuerySet[DutyReport]:
    return report_filter(user=user, filters=filters, now=now).qs


def report_get(*, user, pk: int) -> DutyReport | None:
    return (
        scope_for(user)
        .filter(DutyReport.objects.filter(pk=pk))
        .select_related("round", "unit")
        .prefetch_related("files", Prefetch("reviews", queryset=ReportReview.objects.select_related("by")))
        .first()
    )


def report_attachment_get(*, user, pk: int) -> Attachment | None:
    """A report's file, if the user may see its unit's reports (404 for everyone else)."""
    return (
        scope_for(user)
        .filter(Attachment.objects.filter(pk=pk, report__isnull=False))
        .select_related("report__round")
        .first()
    )


def round_list() -> QuerySet[ReportRound]:
    return ReportRound.objects.prefetch_related("units").order_by("-due_on", "-id")


def round_get(pk: int) -> ReportRound | None:
    return ReportRound.objects.filter(pk=pk).prefetch_related("units").first()


def round_summaries(round_ids, *, now: dt.datetime) -> dict[int, Counter]:
    """Per round: how many reports, and how many per status and per on-time status (one query)."""
    out: dict[int, Counter] = defaultdict(Counter)
    rows = DutyReport.objects.filter(round_id__in=list(round_ids)).values_list(
        "round_id", "status", "first_submitted_at", "round__due_on"
    )
    for round_id, status, first, due_on in rows:
        counts = out[round_id]
        counts["total"] += 1
        counts[status] += 1
        counts[on_time_status(due_on=due_on, first_submitted_at=first, now=now)] += 1
    return out
