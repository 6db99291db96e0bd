"""What discipline feeds the study ledger (core study-hours registry): 警示教育 sessions, entered once here."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet, Sum, Value

from apps.core import study_hours
from apps.core.study_hours import Entry

from .models import WarningAttendance

SOURCE = "discipline.warning"


def _attended(start: dt.date, end: dt.date, member_ids):
    rows = WarningAttendance.objects.filter(
        present=True, session__held_on__gte=start, session__held_on__lte=end, session__hours__gt=0
    )
    if member_ids is not None:
        rows = rows.filter(member_id__in=member_ids)
    return rows


def hours_rows(start: dt.date, end: dt.date, *, member_ids=None) -> QuerySet:
    rows = _attended(start, end, member_ids).values("member_id")
    return rows.annotate(h=Sum("session__hours"), ref=Value("")).values_list("member_id", "h", "ref")


hours = study_hours.hours_from(hours_rows)


def entries(member_id: int, start: dt.date, end: dt.date) -> list[Entry]:
    rows = _attended(start, end, [member_id]).select_related("session").order_by("-session__held_on")
    return [
        Entry(
            day=row.session.held_on,
            title=f"{row.session.get_kind_display()}：{row.session.title}",
            hours=row.session.hours,
        )
        for row in rows
    ]


def attendees(session_ids: list[int]) -> set[tuple[int, int]]:
    rows = WarningAttendance.objects.filter(present=True, session_id__in=session_ids, session__hours__gt=0)
    return set(rows.values_list("session_id", "member_id"))


SOURCE_SPEC = study_hours.HoursSource(
    key=SOURCE,
    label="警示教育",
    hours=hours,
    rows=hours_rows,
    entries=entries,
    attendees=attendees,
    order=40,
    colour="#6f42c1",
)


def register() -> None:
    study_hours.register(SOURCE_SPEC)
