"""Writes of study sessions (集中学习: 支部周学, 青年理论学习小组, 专题培训, 读书班) and of youth groups.

One job per function, keyword-only arguments, one transaction each. Every write asks
`permissions` whether the actor keeps sessions where the session is **and** where it goes,
validates in Chinese (nothing saved on a refusal) and `full_clean()`s before saving.

A session is written whole: its fields, its 研讨发言 rows and its attendance. Its people are
read from the tree as it was on the session's day (`session_people`): the branch's members for
a 周学, the unit's for 专题培训 and 读书班, and for a youth group the group's members in the
unit who were at most `max_age` that day (the 36th birthday is the first day out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.core import audit, study_hours, trash
from apps.core.periods import add_years, day_label
from apps.core.permissions import require
from apps.orgs.access import Scope, scope_for
from apps.orgs.models import Branch, Member, Unit, User
from apps.orgs.tree import members_on

from .. import permissions
from ..models import SessionAttendance, SessionKind, SessionSpeech, StudySession, YouthGroup

#: What a secretary fills in (the form's and the serializer's fields come from here).
SESSION_FIELDS = ("topic", "held_on", "place", "materials", "leader", "hours", "same_as")
#: Where a session is: a branch (周学), a youth group, or a unit (专题培训, 读书班).
SESSION_PLACEMENT = ("unit", "branch", "youth_group")
YOUTH_GROUP_FIELDS = ("unit", "name", "max_age", "active")

WRITE_DENIED = "您只能登记本人负责的支部（单位）的集中学习。"
GROUP_DENIED = "只有本单位党务干部和工委管理员可以设置青年理论学习小组。"
NOT_YET = "学习尚未开展：日期不能晚于今天，请在学习开展后再登记。"
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class AttendanceInput:
    member_id: int
    present: bool = True
    absence_reason: str = ""


@dataclass(frozen=True)
class SpeechInput:
    speaker_id: int
    summary: str


# --- who, where ----------------------------------------------------------------------------------


def youth_cutoff(day: dt.date, max_age: int) -> dt.date:
    """Members born on or before this day are past `max_age` on `day` (their birthday number max_age+1 has come)."""
    return add_years(day, -(max_age + 1))


def is_over_age(member: Member, group: YouthGroup, day: dt.date) -> bool:
    return member.birth_date <= youth_cutoff(day, group.max_age)


def unit_people(unit: Unit | None, day: dt.date) -> QuerySet[Member]:
    """The members of every branch of a unit on a day (by their memberships)."""
    if unit is None:
        return Member.objects.none()
    return members_on(list(Branch.objects.filter(unit=unit).values_list("pk", flat=True)), day)


def place_people(
    *, kind: str, unit: Unit | None, branch: Branch | None, youth_group: YouthGroup | None, on: dt.date
) -> QuerySet[Member]:
    """Who may attend a session of this kind at this place on a day (unscoped: the caller keeps the place).

    周学: the branch's members that day; 专题培训, 读书班: the unit's; youth: the group's members
    in the unit that day, aged at most the group's `max_age`.
    """
    if kind == SessionKind.WEEKLY:
        return members_on([branch.pk], on) if branch is not None else Member.objects.none()
    if kind == SessionKind.YOUTH:
        if youth_group is None:
            return Member.objects.none()
        return unit_people(youth_group.unit, on).filter(
            pk__in=youth_group.members.values("pk"), birth_date__gt=youth_cutoff(on, youth_group.max_age)
        )
    return unit_people(unit, on)


def session_people(session: StudySession) -> QuerySet[Member]:
    return place_people(
        kind=session.kind,
        unit=session.unit,
        branch=session.branch,
        youth_group=session.youth_group,
        on=session.held_on,
    )


def same_event_choices(*, unit: Unit | None, branch: Branch | None, held_on: dt.date | None) -> list[tuple[str, str]]:
    """The other apps' records this session may be the same event as (core.study_hours.events_on)."""
    if unit is None or held_on is None:
        return []
    return study_hours.events_on(unit.pk, branch.pk if branch else None, held_on)


def placement_of(
    kind: str, *, unit: Unit | None, branch: Branch | None, youth_group: YouthGroup | None
) -> tuple[Unit, Branch | None, YouthGroup | None]:
    """Where a session of this kind goes: (unit, branch, youth_group), the unit following the branch or group."""
    if kind not in SessionKind.values:
        raise ValidationError({"kind": "请选择学习类型。"})
    if kind == SessionKind.WEEKLY:
        if branch is None:
            raise ValidationError({"branch": "支部周学须选择支部。"})
        return branch.unit, branch, None
    if kind == SessionKind.YOUTH:
        if youth_group is None:
            raise ValidationError({"youth_group": "青年理论学习小组的学习须选择小组。"})
        return youth_group.unit, None, youth_group
    if unit is None:
        raise ValidationError({"unit": "请选择单位。"})
    return unit, None, None


# --- checks ------------------------------------------------------------------------------------------


def _check_place(session: StudySession, *, was_group: int | None) -> None:
    day = session.held_on
    if day > timezone.localdate():
        raise ValidationError({"held_on": NOT_YET})
    if not session.unit.active and session.pk is None:
        raise ValidationError({"unit": f"{session.unit.name}已停用，不能登记新的学习。"})
    branch = session.branch
    if branch is not None:
        if day < branch.founded_on:
            raise ValidationError(
                {"held_on": f"{branch.name}于{day_label(branch.founded_on)}成立，不能登记成立之前的学习。"}
            )
        if branch.dissolved_on is not None and day >= branch.dissolved_on:
            raise ValidationError(
                {"held_on": f"{branch.name}已于{day_label(branch.dissolved_on)}撤销，不能登记该日及以后的学习。"}
            )
    group = session.youth_group
    if group is not None and not group.active and group.pk != was_group:
        raise ValidationError({"youth_group": f"{group.name}已停用，不能登记新的学习。"})


def _check_people(scope: Scope, session: StudySession, *, field: str, ids: Sequence[int], label: str) -> None:
    """Leader and speakers: members of the session's unit on its day whom the actor keeps."""
    plausible = [i for i in ids if 0 < i <= MAX_ID]
    allowed = scope.filter(unit_people(session.unit, session.held_on)).filter(pk__in=plausible)
    found = set(allowed.values_list("pk", flat=True))
    if any(i not in found for i in ids):
        raise ValidationError({field: f"{label}须为本单位党员（以学习当天的组织关系为准）。"})


def _check_same_as(session: StudySession) -> None:
    if not session.same_as:
        return
    offered = {ref for ref, _ in same_event_choices(unit=session.unit, branch=session.branch, held_on=session.held_on)}
    if session.same_as not in offered:
        raise ValidationError({"same_as": "所选的组织生活记录不是本单位（支部）当天可关联的学习，请重新选择或留空。"})


def _write_speeches(session: StudySession, rows: Sequence[SpeechInput], scope: Scope) -> None:
    for n, row in enumerate(rows, start=1):
        if not row.summary.strip():
            raise ValidationError({"speeches": f"第{n}条研讨发言：请填写发言要点。"})
        if len(row.summary.strip()) > 300:
            raise ValidationError({"speeches": f"第{n}条研讨发言：发言要点不能超过300字。"})
    _check_people(scope, session, field="speeches", ids=[r.speaker_id for r in rows], label="研讨发言人")
    session.speeches.all().delete()
    created = SessionSpeech.objects.bulk_create(
        SessionSpeech(session=session, speaker_id=row.speaker_id, summary=row.summary.strip(), order=n)
        for n, row in enumerate(rows, start=1)
    )
    audit.record_bulk(created, action=audit.CREATE)


def _write_attendance(session: StudySession, rows: Sequence[AttendanceInput]) -> None:
    ids = [r.member_id for r in rows]
    if len(set(ids)) != len(ids):
        raise ValidationError({"attendance": "出勤名单中有重复的党员。"})
    plausible = [i for i in ids if 0 < i <= MAX_ID]
    valid = set(session_people(session).filter(pk__in=plausible).values_list("pk", flat=True))
    invalid = [i for i in ids if i not in valid]
    if invalid:
        if session.kind == SessionKind.YOUTH:
            _refuse_youth(session, invalid)
        where = {SessionKind.WEEKLY: "本支部"}.get(session.kind, "本单位")
        raise ValidationError({"attendance": f"出勤名单只能包含{where}在册党员（以学习当天的组织关系为准）。"})
    for r in rows:
        if not r.present and not r.absence_reason.strip():
            raise ValidationError({"attendance": "缺席的党员须填写缺席原因。"})
    session.attendances.all().delete()
    created = SessionAttendance.objects.bulk_create(
        SessionAttendance(
            session=session,
            member_id=r.member_id,
            present=r.present,
            absence_reason="" if r.present else r.absence_reason.strip()[:100],
        )
        for r in rows
    )
    audit.record_bulk(created, action=audit.CREATE)


def _refuse_youth(session: StudySession, invalid: list[int]) -> None:
    """Name the first member who is past the group's age on the day, or not in the group."""
    group, day = session.youth_group, session.held_on
    in_group = set(group.members.values_list("pk", flat=True))
    for member in unit_people(session.unit, day).filter(pk__in=[i for i in invalid if 0 < i <= MAX_ID]):
        if member.pk in in_group and is_over_age(member, group, day):
            turned = add_years(member.birth_date, group.max_age + 1)
            raise ValidationError(
                {
                    "attendance": f"{member.name}于{day_label(turned)}年满{group.max_age + 1}周岁，学习当天已超过"
                    f"{group.name}的年龄上限（{group.max_age}周岁），不能参加青年理论学习小组学习。"
                }
            )
    raise ValidationError({"attendance": f"出勤名单只能包含{group.name}的组员（学习当天在本单位在册）。"})


# --- sessions ------------------------------------------------------------------------------------------


def _write(
    session: StudySession,
    *,
    scope: Scope,
    fields: dict,
    placement: tuple[Unit, Branch | None, YouthGroup | None],
    speeches: Sequence[SpeechInput] | None,
    attendance: Sequence[AttendanceInput] | None,
) -> StudySession:
    was_group = session.youth_group_id if session.pk else None
    session.unit, session.branch, session.youth_group = placement
    for name in SESSION_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(session, name, value.strip() if isinstance(value, str) else value)
    session.full_clean(exclude=["created_by"])
    _check_place(session, was_group=was_group)
    if session.leader_id is not None:
        _check_people(scope, session, field="leader", ids=[session.leader_id], label="领学人")
    _check_same_as(session)
    session.save()
    if speeches is not None:
        _write_speeches(session, speeches, scope)
    if attendance is not None:
        _write_attendance(session, attendance)
    return session


def session_create(
    *,
    actor: User,
    kind: str,
    unit: Unit | None = None,
    branch: Branch | None = None,
    youth_group: YouthGroup | None = None,
    fields: dict,
    speeches: Sequence[SpeechInput] = (),
    attendance: Sequence[AttendanceInput] = (),
) -> StudySession:
    """Log a session (its speeches and attendance too) at a place the actor keeps sessions for.

    Refused: a place outside the actor's keeping (403); a future date, a day outside the branch's
    life, a leader or speaker outside the unit that day, an attendee outside the place's roster that
    day (a youth group: past its age), a `same_as` that `events_on` did not offer (400, nothing saved).
    """
    with transaction.atomic():
        placement = placement_of(kind, unit=unit, branch=branch, youth_group=youth_group)
        scope = scope_for(actor)
        require(
            permissions.can_keep_session(scope, kind=kind, unit_id=placement[0].pk, branch=placement[1]), WRITE_DENIED
        )
        session = StudySession(kind=kind, created_by=actor)
        return _write(
            session, scope=scope, fields=fields, placement=placement, speeches=speeches, attendance=attendance
        )


def _for_change(*, actor: User, session: StudySession, denied: str = WRITE_DENIED) -> tuple[StudySession, Scope]:
    session = (
        StudySession.objects.select_for_update(of=("self",))
        .select_related("unit", "branch", "youth_group")
        .get(pk=session.pk)
    )
    scope = scope_for(actor)
    require(permissions.can_change_session(scope, session), denied)
    return session, scope


def session_update(
    *,
    actor: User,
    session: StudySession,
    unit: Unit | None,
    branch: Branch | None,
    youth_group: YouthGroup | None,
    fields: dict,
    speeches: Sequence[SpeechInput] | None = None,
    attendance: Sequence[AttendanceInput] | None = None,
) -> StudySession:
    """Change a session (fields not given stay; speeches and attendance replaced when given).

    The actor must keep sessions where it is and where it goes; its kind never changes.
    """
    with transaction.atomic():
        session, scope = _for_change(actor=actor, session=session)
        placement = placement_of(session.kind, unit=unit, branch=branch, youth_group=youth_group)
        allowed = permissions.can_keep_session(scope, kind=session.kind, unit_id=placement[0].pk, branch=placement[1])
        require(allowed, WRITE_DENIED)
        moved = placement != (session.unit, session.branch, session.youth_group) or (
            "held_on" in fields and fields["held_on"] != session.held_on
        )
        if moved and attendance is None and session.attendances.exists():
            # The list was of the old place or day: check it again where the session now is.
            attendance = [AttendanceInput(a.member_id, a.present, a.absence_reason) for a in session.attendances.all()]
        if moved and speeches is None and session.speeches.exists():
            speeches = [SpeechInput(s.speaker_id, s.summary) for s in session.speeches.all()]
        return _write(
            session, scope=scope, fields=fields, placement=placement, speeches=speeches, attendance=attendance
        )


def session_delete(*, actor: User, session: StudySession) -> None:
    """Delete a session with its speeches and attendance (its hours leave the ledger)."""
    with transaction.atomic():
        session, _ = _for_change(actor=actor, session=session, denied="您不能删除该学习记录。")
        trash.trash_delete(session, actor=actor)


# --- youth groups -------------------------------------------------------------------------------------


def _group_members(group: YouthGroup, members: Sequence[Member] | None, scope: Scope) -> None:
    if members is None:
        return
    ids = sorted({m.pk for m in members})
    kept = set(group.members.values_list("pk", flat=True))
    allowed = set(
        scope.filter(Member.objects.filter(branch__unit=group.unit, active=True, pk__in=ids)).values_list(
            "pk", flat=True
        )
    )
    # Those already in the group stay valid (they may have moved on since): the group keeps its history.
    if any(i not in allowed and i not in kept for i in ids):
        raise ValidationError({"members": f"组员只能是{group.unit.name}的在册党员。"})
    group.members.set(ids)


def youth_group_create(*, actor: User, fields: dict, members: Sequence[Member] = ()) -> YouthGroup:
    """Set up a unit's 青年理论学习小组 (its unit's secretary or the committee); members of that unit only."""
    with transaction.atomic():
        scope = scope_for(actor)
        unit = fields.get("unit")
        require(unit is not None and permissions.can_keep_youth_groups(scope, unit.pk), GROUP_DENIED)
        group = YouthGroup()
        for name in YOUTH_GROUP_FIELDS:
            if name in fields:
                setattr(group, name, fields[name].strip() if isinstance(fields[name], str) else fields[name])
        group.full_clean()
        group.save()
        _group_members(group, members, scope)
        return group


def youth_group_update(
    *, actor: User, group: YouthGroup, fields: dict, members: Sequence[Member] | None = None
) -> YouthGroup:
    """Change a group: its unit's secretary (of the unit it is in and the one it goes to) or the committee.

    A group that already has sessions stays in its unit (their attendance was of that unit).
    """
    with transaction.atomic():
        group = YouthGroup.objects.select_for_update().select_related("unit").get(pk=group.pk)
        scope = scope_for(actor)
        require(permissions.can_keep_youth_groups(scope, group.unit_id), GROUP_DENIED)
        unit = fields.get("unit", group.unit)
        require(unit is not None and permissions.can_keep_youth_groups(scope, unit.pk), GROUP_DENIED)
        if unit.pk != group.unit_id and group.sessions.exists():
            raise ValidationError({"unit": "该小组已有学习记录，不能改到其他单位。"})
        for name in YOUTH_GROUP_FIELDS:
            if name in fields:
                setattr(group, name, fields[name].strip() if isinstance(fields[name], str) else fields[name])
        group.full_clean()
        group.save()
        _group_members(group, members, scope)
        return group


def over_age_members(group: YouthGroup, *, on: dt.date) -> list[Member]:
    """The group's members past its age on a day (to warn: they can no longer attend its sessions)."""
    return list(group.members.filter(birth_date__lte=youth_cutoff(on, group.max_age)).order_by("birth_date", "name"))
