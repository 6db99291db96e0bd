"""Writes of 典型案例 (publish, confirm read per unit) and 警示教育 sessions (with attendance from the roster).

One job per function, keyword-only arguments, one transaction each. The committee publishes cases; a
unit's secretary confirms a case read for their unit, once per unit. A session is kept by the unit's
secretary or the committee, checked where it is and where it goes; its attendees are the unit's members
on the session's day, and their hours reach the study ledger through `study_sources` (entered once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core import audit, trash
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import Unit, User

from .. import permissions
from ..models import Case, CaseReceipt, WarningAttendance, WarningKind, WarningSession
from ..reminders import cards as notices
from ..selectors.education import case_targets, cases_sent_to, session_roster

CASE_FIELDS = ("title", "category", "summary", "lesson", "units")
WARNING_FIELDS = ("unit", "kind", "title", "held_on", "place", "content", "cases", "hours")

CASE_DENIED = "只有工委管理员可以发布典型案例。"
READ_DENIED = "只有案例发送单位的党务干部可以确认已阅。"
WARNING_DENIED = "只有本单位党务干部和工委管理员可以登记警示教育。"


@dataclass(frozen=True)
class AttendanceInput:
    member_id: int
    present: bool = True
    absence_reason: str = ""


# --- cases -------------------------------------------------------------------------------------------------


@transaction.atomic
def case_publish(
    *,
    actor: User,
    title: str,
    summary: str,
    category: str = "",
    lesson: str = "",
    units: Iterable[Unit] = (),
    now: dt.datetime | None = None,
) -> Case:
    """Publish a case to some units (none chosen: all); their secretaries are told once."""
    require(permissions.can_supervise(scope_for(actor)), CASE_DENIED)
    case = Case(
        title=(title or "").strip(),
        category=(category or "").strip(),
        summary=(summary or "").strip(),
        lesson=(lesson or "").strip(),
        published_at=now or timezone.now(),
        created_by=actor,
    )
    case.full_clean()
    case.save()
    case.units.set(list(units))
    transaction.on_commit(lambda: notices.notify_cases([case]))
    return case


@transaction.atomic
def case_read(*, actor: User, case: Case, unit: Unit | None = None) -> tuple[CaseReceipt, bool]:
    """Confirm a case read (已阅) for a unit the actor keeps and the case was sent to; once per unit.

    Returns (receipt, created): a second confirmation keeps the first receipt.
    """
    scope = scope_for(actor)
    if unit is None:
        mine = list(case_targets(case).filter(pk__in=sorted(scope.unit_ids))) if case.published_at else []
        if len(mine) != 1:
            require(bool(mine), READ_DENIED)
            raise ValidationError({"unit": "请选择确认已阅的单位。"})
        unit = mine[0]
    require(permissions.can_read_case_for(scope, unit.pk), READ_DENIED)
    if not cases_sent_to([unit.pk]).filter(pk=case.pk).exists():
        raise ValidationError({"unit": "该案例未发送给该单位。"})
    return CaseReceipt.objects.get_or_create(case=case, unit=unit, defaults={"read_by": actor})


# --- warning-education sessions --------------------------------------------------------------------------------


def _check_attendance(unit: Unit, day: dt.date, rows: Sequence[AttendanceInput]) -> None:
    roster = set(session_roster(unit, day).values_list("pk", flat=True))
    seen = set()
    for row in rows:
        if row.member_id not in roster:
            raise ValidationError({"attendance": "出勤名单只能是该单位当日在册的党员。"})
        if row.member_id in seen:
            raise ValidationError({"attendance": "出勤名单中有重复的党员。"})
        seen.add(row.member_id)
        if not row.present and not row.absence_reason.strip():
            raise ValidationError({"attendance": "缺席的党员须填写缺席原因。"})


@transaction.atomic
def warning_session_save(
    *,
    actor: User,
    session: WarningSession | None = None,
    unit: Unit,
    kind: str = WarningKind.WARNING,
    title: str,
    held_on: dt.date,
    place: str = "",
    content: str = "",
    cases: Iterable[Case] = (),
    hours: Decimal = Decimal("2"),
    attendance: Sequence[AttendanceInput] | None = None,
    today: dt.date | None = None,
) -> WarningSession:
    """Record (or correct) a session with its attendance; `attendance=None` on an update keeps the rows."""
    scope = scope_for(actor)
    require(permissions.can_keep_warning(scope, unit.pk if unit else None), WARNING_DENIED)
    if session is not None:
        require(permissions.can_keep_warning(scope, session.unit_id), WARNING_DENIED)
    today = today or timezone.localdate()
    if held_on and held_on > today:
        raise ValidationError({"held_on": "警示教育尚未开展：日期不能晚于今天。"})
    cases = list(cases)
    allowed = set(cases_sent_to([unit.pk]).values_list("pk", flat=True))
    if any(c.pk not in allowed for c in cases):
        raise ValidationError({"cases": "只能关联已发送给该单位的典型案例。"})
    if session is None:
        session = WarningSession(created_by=actor)
        if attendance is None:
            attendance = []
    moved = session.pk is not None and (session.unit_id != unit.pk or session.held_on != held_on)
    if attendance is None and moved:
        attendance = [
            AttendanceInput(member_id=a.member_id, present=a.present, absence_reason=a.absence_reason)
            for a in session.attendances.all()
        ]
    session.unit, session.kind, session.title, session.held_on = unit, kind, (title or "").strip(), held_on
    session.place, session.content, session.hours = (place or "").strip(), content or "", hours
    session.full_clean()
    if attendance is not None:
        _check_attendance(unit, held_on, attendance)
    session.save()
    session.cases.set(cases)
    if attendance is not None:
        session.attendances.all().delete()
        created = WarningAttendance.objects.bulk_create(
            WarningAttendance(
                session=session,
                member_id=row.member_id,
                present=row.present,
                absence_reason="" if row.present else row.absence_reason.strip()[:100],
            )
            for row in attendance
        )
        audit.record_bulk(created, action=audit.CREATE)
    return session


@transaction.atomic
def warning_session_delete(*, actor: User, session: WarningSession) -> None:
    """Delete a session; its attendees' hours leave the study ledger with it."""
    require(permissions.can_keep_warning(scope_for(actor), session.unit_id), WARNING_DENIED)
    trash.trash_delete(session, actor=actor)
