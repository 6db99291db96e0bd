"""What party life feeds the study ledger (core study-hours registry): the lessons its records already hold.

A 党课, the lesson of a 主题党日, a 中心组学习 or a 第一议题 is typed once, here; its attendees
(present, or absent with a done 补学) earn its hours — the record's own `study_hours` when set,
else its type's default — once the record counts (submitted, evidence complete). Two sources, so
the member's bar tells branch lessons from unit-level study; each is one grouped query.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from apps.core import study_hours
from apps.core.periods import day_label, local_date, local_tz
from apps.core.study_hours import Entry

from .counting import counted
from .models import Activity, Attendance, Level

BRANCH_SOURCE = "partylife.branch"
UNIT_SOURCE = "partylife.unit"
HOURS = Coalesce(F("activity__study_hours"), F("activity__activity_type__study_hours"))


def _window(start: dt.date, end: dt.date) -> Q:
    tz = local_tz()
    first = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return Q(activity__held_at__gte=first, activity__held_at__lt=after)


def _counted_attendances(unit_level: bool) -> Q:
    level = Q(activity__activity_type__level=Level.UNIT)
    return (
        counted("activity__") & (Q(present=True) | Q(makeup__done_at__isnull=False)) & (level if unit_level else ~level)
    )


def _rows(unit_level: bool, start: dt.date, end: dt.date, member_ids):
    rows = Attendance.objects.filter(_counted_attendances(unit_level), _window(start, end))
    if member_ids is not None:
        rows = rows.filter(member_id__in=member_ids)
    return rows.annotate(hours=HOURS).filter(hours__gt=0)


def _hours_rows(unit_level: bool):
    def hours_rows(start: dt.date, end: dt.date, *, member_ids=None) -> QuerySet:
        rows = _rows(unit_level, start, end, member_ids).values("member_id")
        return rows.annotate(h=Sum(HOURS), ref=Value("")).values_list("member_id", "h", "ref")

    return hours_rows


def _entries(unit_level: bool):
    def entries(member_id: int, start: dt.date, end: dt.date) -> list[Entry]:
        rows = _rows(unit_level, start, end, [member_id]).select_related("activity__activity_type")
        return [
            Entry(
                day=local_date(row.activity.held_at),
                title=f"{row.activity.activity_type.name}：{row.activity.topic}",
                hours=row.hours,
                url=row.activity.get_absolute_url(),
            )
            for row in rows.order_by("-activity__held_at")
        ]

    return entries


def _attendees(unit_level: bool):
    def attendees(activity_ids: list[int]) -> set[tuple[int, int]]:
        rows = Attendance.objects.filter(_counted_attendances(unit_level), activity_id__in=activity_ids)
        return set(rows.values_list("activity_id", "member_id"))

    return attendees


def _events_on(unit_level: bool):
    key = UNIT_SOURCE if unit_level else BRANCH_SOURCE

    def events_on(unit_id: int, branch_id: int | None, day: dt.date) -> list[tuple[str, str]]:
        records = Activity.objects.filter(
            Q(study_hours__gt=0) | Q(study_hours__isnull=True, activity_type__study_hours__gt=0),
            unit_id=unit_id,
            held_at__gte=dt.datetime.combine(day, dt.time.min, tzinfo=local_tz()),
            held_at__lt=dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz()),
        )
        level = Q(activity_type__level=Level.UNIT)
        records = records.filter(level) if unit_level else records.filter(~level)
        if branch_id is not None and not unit_level:
            records = records.filter(branch_id=branch_id)
        return [
            (study_hours.make_ref(key, pk), f"{day_label(day)} {type_name}：{topic}")
            for pk, type_name, topic in records.values_list("pk", "activity_type__name", "topic")
        ]

    return events_on


SOURCES = tuple(
    study_hours.HoursSource(
        key=key,
        label=label,
        hours=study_hours.hours_from(_hours_rows(unit_level)),
        rows=_hours_rows(unit_level),
        entries=_entries(unit_level),
        attendees=_attendees(unit_level),
        events_on=_events_on(unit_level),
        order=order,
        colour=colour,
    )
    for unit_level, key, label, order, colour in (
        (False, BRANCH_SOURCE, "支部党课、主题党日", 10, "#c8102e"),
        (True, UNIT_SOURCE, "中心组学习、第一议题", 20, "#e8a33d"),
    )
)


def register() -> None:
    for source in SOURCES:
        study_hours.register(source)
