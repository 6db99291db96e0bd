"""The study app's own study-hours sources (core registry): its sessions and 自学.

Each `hours` is one grouped query; a session linked to another app's record (`same_as`) gives
its hours only to members that record did not already count (two more queries, only when some
session in the window is linked).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet, Sum, Value
from django.urls import reverse

from apps.core import study_hours
from apps.core.study_hours import Entry

from .ledger import SELF_STUDY_SOURCE, SESSIONS_SOURCE
from .models import SelfStudy, SessionAttendance, SessionKind

#: Said on a 学时明细 line whose hours the same event's party-life record already counted.
LINKED_NOTE = "（与组织生活同一次活动，学时已在该记录计入）"


def _attended(start: dt.date, end: dt.date, member_ids):
    rows = SessionAttendance.objects.filter(present=True, session__held_on__gte=start, session__held_on__lte=end)
    if member_ids is not None:
        rows = rows.filter(member_id__in=member_ids)
    return rows


def session_rows(start: dt.date, end: dt.date, *, member_ids=None) -> list[QuerySet]:
    """Two arms: hours per member of the sessions linked to no other record (ref ""), and one row per attendance
    at a session that is the same event as another app's record (ref: that record), settled by `settle_sessions`."""
    rows = _attended(start, end, member_ids)
    unlinked = (
        rows.filter(session__same_as="")
        .values("member_id")
        .annotate(h=Sum("session__hours"), ref=Value(""))
        .values_list("member_id", "h", "ref")
    )
    linked = rows.exclude(session__same_as="").values_list("member_id", "session__hours", "session__same_as")
    return [unlinked, linked]


def settle_sessions(rows: list[study_hours.Row]) -> dict[int, Decimal]:
    """A linked session's hours go only to the members its record did not count (one query, only when linked)."""
    refs = {ref for _, _, ref in rows if ref}
    counted = study_hours.counted_attendees(refs) if refs else set()
    out = study_hours.sum_rows(row for row in rows if not row[2] or (row[2], row[0]) not in counted)
    return {member_id: hours for member_id, hours in out.items() if hours > 0}


session_hours = study_hours.hours_from(session_rows, settle_sessions)


def session_entries(member_id: int, start: dt.date, end: dt.date) -> list[Entry]:
    rows = list(
        _attended(start, end, [member_id])
        .select_related("session")
        .order_by("-session__held_on")
        .values_list(
            "session_id", "session__kind", "session__topic", "session__held_on", "session__hours", "session__same_as"
        )
    )
    counted = study_hours.counted_attendees({row[5] for row in rows if row[5]})
    kinds = dict(SessionKind.choices)
    return [
        Entry(
            day=held_on,
            title=f"{kinds.get(kind, kind)}：{topic}{LINKED_NOTE if (same_as, member_id) in counted else ''}",
            hours=Decimal("0") if (same_as, member_id) in counted else hours,
            url=reverse("study:session_detail", args=[pk]),
        )
        for pk, kind, topic, held_on, hours, same_as in rows
    ]


def self_study_rows(start: dt.date, end: dt.date, *, member_ids=None) -> QuerySet:
    rows = SelfStudy.objects.filter(studied_on__gte=start, studied_on__lte=end)
    if member_ids is not None:
        rows = rows.filter(member_id__in=member_ids)
    return rows.values("member_id").annotate(h=Sum("hours"), ref=Value("")).values_list("member_id", "h", "ref")


self_study_hours = study_hours.hours_from(self_study_rows)


def self_study_entries(member_id: int, start: dt.date, end: dt.date) -> list[Entry]:
    rows = SelfStudy.objects.filter(member_id=member_id, studied_on__gte=start, studied_on__lte=end)
    return [
        Entry(day=row.studied_on, title=f"自学：{row.title}", hours=row.hours, url=reverse("study:self_study_list"))
        for row in rows.order_by("-studied_on", "-id")
    ]


def register() -> None:
    study_hours.register(
        study_hours.HoursSource(
            key=SESSIONS_SOURCE,
            label="集中学习（周学、青年学习、培训、读书班）",
            hours=session_hours,
            rows=session_rows,
            settle=settle_sessions,
            entries=session_entries,
            order=30,
            colour="#0d6efd",
        )
    )
    study_hours.register(
        study_hours.HoursSource(
            key=SELF_STUDY_SOURCE,
            label="自学",
            hours=self_study_hours,
            rows=self_study_rows,
            entries=self_study_entries,
            order=90,
            colour="#6c757d",
        )
    )
