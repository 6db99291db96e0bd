"""Writes of party-life records (组织生活记录): the record, its attendance, problems and evidence, 补学.

One job per function, named entity then verb, with keyword-only arguments and one
transaction each; each asks `permissions` whether the actor may, where the record is
**and** where it goes, validates (Chinese ValidationErrors, nothing saved) and
`full_clean()`s before saving. Views and the API call these and nothing else.

A record is written in parts: `activity_create` / `activity_update` (its fields and
placement), `activity_attendance_set`, `activity_problems_set`, `activity_evidence_add`,
`activity_submit`. The one-page form calls `activity_record`, which runs those in one
transaction and removes stored evidence files again if anything fails.

What a record must satisfy beyond its model fields — its place, the life of that place, its
people on its date, no likely duplicate — is `validity`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core import batching, trash
from apps.core.periods import local_date
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import Branch, PartyGroup, Unit, User

from .. import counting, permissions
from ..models import (
    Activity,
    ActivityStatus,
    ActivityType,
    Attendance,
    EnterpriseProblem,
    MakeupTask,
    PeriodLock,
)
from . import notices
from .speeches import SpeechInput, speakers_check, speeches_write
from .validity import NOT_YET, check_life, duplicate_key, people, place_of, refuse_duplicate, validate_parts

MAKEUP_DAYS = 30
MAX_ID = 2**63 - 1  # the largest primary key any database here stores

#: Where a record is: its unit, and its branch and party group for branch-level types.
ACTIVITY_PLACEMENT = ("unit", "branch", "party_group")
#: What a secretary fills in (the form's and the serializer's fields come from here).
ACTIVITY_FIELDS = (
    "topic",
    "held_at",
    "place",
    "host",
    "lead_by",
    "study_hours",
    "minutes",
    "lesson_topic",
    "film_title",
    "practice_summary",
    "meeting_name",
    "material",
    "talker",
    "talkee",
    "enterprise_name",
    "cadre",
)

WRITE_DENIED = "您只能登记本人负责的支部（单位）的组织生活。"
LOCKED = "该记录所在月份已关账，不能修改。如需更正请联系工委解锁。"


# --- input rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceInput:
    member_id: int
    present: bool = True
    absence_reason: str = ""


@dataclass(frozen=True)
class ProblemInput:
    category: str
    description: str
    solved: bool = False
    solved_on: dt.date | None = None
    solution: str = ""


@dataclass
class EvidenceInput:
    kind: str
    upload: object  # an UploadedFile


# --- state of a record ------------------------------------------------------------------------


def is_locked(activity: Activity, *, now: dt.datetime | None = None) -> bool:
    """Locked when its month is closed (关账) and no unlock is in force."""
    now = now or timezone.now()
    if activity.unlocked_until and activity.unlocked_until > now:
        return False
    month = local_date(activity.held_at).replace(day=1)
    return PeriodLock.objects.filter(month=month).exists()


def _lacks(activity: Activity, activity_type: ActivityType) -> list[str]:
    return counting.missing_evidence(
        activity_type,
        minutes=activity.minutes,
        evidence_kinds=[e.kind for e in activity.evidence.all()],
        has_attendance=activity.attendances.exists(),
    )


def missing_evidence(activity: Activity) -> list[str]:
    """What a record still lacks to count (需补充), per its type's requirements (counting.missing_evidence)."""
    return _lacks(activity, activity.activity_type)


def also_counts(activity: Activity) -> list[dict]:
    """For each type the record also counts as (同时计为): whether it meets that type's evidence
    requirements too, what it lacks, and a line saying so (“不计为组织生活会：缺现场照片”)."""
    rows = []
    for other in activity.also_counts_as.all():
        lacks = _lacks(activity, other)
        text = f"不计为{other.name}：缺{'、'.join(lacks)}" if lacks else f"计为{other.name}"
        rows.append({"activity_type": other, "meets": not lacks, "missing": lacks, "text": text})
    return rows


def _settle(activity: Activity) -> None:
    """After any change: store whether the evidence is complete; a submitted record's absentees owe a 补学."""
    complete = not missing_evidence(activity)
    if complete != activity.evidence_complete:
        activity.evidence_complete = complete
        activity.save(update_fields=["evidence_complete", "updated_at"])
    if activity.status == ActivityStatus.SUBMITTED:
        _sync_makeup_tasks(activity)


def _sync_makeup_tasks(activity: Activity) -> None:
    if not activity.activity_type.makeup_on_absence:
        return
    due = local_date(activity.held_at) + dt.timedelta(days=MAKEUP_DAYS)
    created = [
        MakeupTask.objects.create(attendance=attendance, member_id=attendance.member_id, due_on=due)
        for attendance in activity.attendances.filter(present=False, makeup__isnull=True)
    ]
    if created:
        notices.makeup_tasks_created(activity, created)
    # Someone now marked present no longer owes a make-up.
    MakeupTask.objects.filter(attendance__activity=activity, attendance__present=True, done_at__isnull=True).delete()


def _for_change(
    *, actor: User, activity: Activity, denied: str = WRITE_DENIED, locked: str | None = LOCKED
) -> Activity:
    """The record read again FOR UPDATE, once the actor may change it where it is (and, unless
    `locked` is None, once its month is open); the message says what was refused."""
    activity = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("activity_type", "unit", "branch")
        .get(pk=activity.pk)
    )
    require(permissions.can_change(scope_for(actor), activity), denied)
    if locked is not None and is_locked(activity):
        raise ValidationError(locked)
    return activity


# --- fields and placement ---------------------------------------------------------------------------


def _write(
    activity: Activity,
    *,
    fields: dict,
    placement: tuple[Unit, Branch | None, PartyGroup | None],
    also_counts_as: Sequence[ActivityType] | None,
    allow_duplicate: bool,
    speeches: Sequence[SpeechInput] | None = None,
) -> Activity:
    """Apply fields and placement, validate, save; a talk's two people become its attendance.

    Given `speeches` (研讨发言) replace the saved ones; else a moved record's must still fit its place.

    Unless `allow_duplicate`, a new record (or one moved to another hour or place) that looks
    like one already logged (`likely_duplicates`) is refused until the user confirms.
    """
    t = activity.activity_type
    if not t.active:
        raise ValidationError({"activity_type": "该活动类型已停用。"})
    before = duplicate_key(activity) if activity.pk else None
    activity.unit, activity.branch, activity.party_group = placement
    for name in ACTIVITY_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(activity, name, value.strip() if isinstance(value, str) else value)
    validate_parts(activity)
    activity.full_clean(exclude=["evidence_complete", "created_by"])
    check_life(activity)
    if not allow_duplicate and duplicate_key(activity) != before:
        refuse_duplicate(activity)
    if activity.unlocked_until is None or activity.unlocked_until <= timezone.now():
        month = local_date(activity.held_at).replace(day=1)
        if PeriodLock.objects.filter(month=month).exists():
            raise ValidationError({"held_at": f"{month:%Y年%m月}已关账，不能再登记该月的记录。如需补登请联系工委。"})
    activity.save()
    if speeches is not None:
        speeches_write(activity, speeches)
    elif before is not None and duplicate_key(activity)[:4] != before[:4]:
        speakers_check(activity)
    if also_counts_as is not None:
        extra = [x for x in also_counts_as if x.pk != t.pk]
        if any(x.level != t.level for x in extra):
            raise ValidationError({"also_counts_as": "“同时计为”的活动须与本活动同一层级。"})
        activity.also_counts_as.set(extra)
    if t.has_talk_pair and activity.talker_id and activity.talkee_id:
        # The two people of a talk are its attendance: each then sees the record.
        _attendance_write(activity, [AttendanceInput(activity.talker_id), AttendanceInput(activity.talkee_id)])
    _settle(activity)
    return activity


def activity_create(
    *,
    actor: User,
    activity_type: ActivityType,
    unit: Unit | None = None,
    branch: Branch | None = None,
    party_group: PartyGroup | None = None,
    fields: dict,
    also_counts_as: Sequence[ActivityType] | None = None,
    allow_duplicate: bool = True,
    speeches: Sequence[SpeechInput] | None = None,
) -> Activity:
    """Log a new record (a draft) in a branch or unit the actor keeps records for.

    A draft may lack evidence and attendance; a month that is closed (关账) takes no new record,
    nor does a day outside the place's life (`_check_life`).
    """
    with batching.batch():
        placement = place_of(activity_type, unit=unit, branch=branch, party_group=party_group)
        allowed = permissions.can_write_activity(
            scope_for(actor), activity_type=activity_type, unit=placement[0], branch=placement[1]
        )
        require(allowed, WRITE_DENIED)
        activity = Activity(activity_type=activity_type, created_by=actor)
        return _write(
            activity,
            fields=fields,
            placement=placement,
            also_counts_as=also_counts_as,
            allow_duplicate=allow_duplicate,
            speeches=speeches,
        )


def activity_update(
    *,
    actor: User,
    activity: Activity,
    unit: Unit | None,
    branch: Branch | None,
    party_group: PartyGroup | None,
    fields: dict,
    activity_type: ActivityType | None = None,
    also_counts_as: Sequence[ActivityType] | None = None,
    allow_duplicate: bool = True,
    speeches: Sequence[SpeechInput] | None = None,
) -> Activity:
    """Change a record's fields and placement (fields not given stay as they are).

    The actor must keep the records of the branch (unit) the record is in **and** of the
    one it moves to. A closed month's record changes only while the committee's unlock lasts;
    the type of a record never changes.
    """
    with batching.batch():
        activity = _for_change(actor=actor, activity=activity)
        t = activity.activity_type
        if activity_type is not None and activity_type.pk != t.pk:
            raise ValidationError({"activity_type": "已登记的记录不能更改活动类型。"})
        placement = place_of(t, unit=unit, branch=branch, party_group=party_group)
        allowed = permissions.can_write_activity(
            scope_for(actor), activity_type=t, unit=placement[0], branch=placement[1]
        )
        require(allowed, WRITE_DENIED)
        return _write(
            activity,
            fields=fields,
            placement=placement,
            also_counts_as=also_counts_as,
            allow_duplicate=allow_duplicate,
            speeches=speeches,
        )


def activity_submit(*, actor: User, activity: Activity) -> Activity:
    """提交: the record counts from now on if its evidence is complete; absentees of a 党课 etc. owe a 补学
    (and are told). A returned record's reason is cleared; a submitted record stays submitted.
    """
    with batching.batch():
        activity = _for_change(actor=actor, activity=activity)
        if local_date(activity.held_at) > timezone.localdate():
            raise ValidationError({"held_at": NOT_YET})
        if activity.status != ActivityStatus.SUBMITTED:
            activity.status, activity.submitted_at = ActivityStatus.SUBMITTED, timezone.now()
            activity.return_reason = ""
            activity.save(update_fields=["status", "submitted_at", "return_reason", "updated_at"])
        _settle(activity)
        return activity


# --- attendance, problems, evidence -------------------------------------------------------------------


def _attendance_write(activity: Activity, rows: Sequence[AttendanceInput]) -> None:
    ids = [r.member_id for r in rows]
    if len(set(ids)) != len(ids):
        raise ValidationError({"attendance": "出勤名单中有重复的党员。"})
    plausible = [i for i in ids if 0 < i <= MAX_ID]  # a database cannot even compare the others
    valid = set(people(activity).filter(pk__in=plausible).values_list("pk", flat=True))
    # People already on this record stay valid (its date may have moved), so old records stay editable.
    valid |= set(activity.attendances.values_list("member_id", flat=True))
    if any(i not in valid for i in ids):
        raise ValidationError({"attendance": "出勤名单只能包含本支部（单位）在册党员（以活动当天的组织关系为准）。"})
    for r in rows:
        if not r.present and not r.absence_reason.strip():
            raise ValidationError({"attendance": "缺席的党员须填写缺席原因。"})
    existing = {a.member_id: a for a in activity.attendances.all()}
    Attendance.objects.filter(activity=activity).exclude(member_id__in=ids).delete()
    for r in rows:
        current = existing.get(r.member_id)
        reason = "" if r.present else r.absence_reason.strip()
        if current is None:
            Attendance.objects.create(
                activity=activity, member_id=r.member_id, present=r.present, absence_reason=reason
            )
        elif (current.present, current.absence_reason) != (r.present, reason):
            current.present, current.absence_reason = r.present, reason
            current.save(update_fields=["present", "absence_reason"])


def activity_attendance_set(*, actor: User, activity: Activity, rows: Sequence[AttendanceInput]) -> Activity:
    """Replace the attendance list: roster members only, each once, an absence with its reason."""
    with batching.batch():
        activity = _for_change(actor=actor, activity=activity)
        _attendance_write(activity, rows)
        _settle(activity)
        return activity


def activity_problems_set(*, actor: User, activity: Activity, rows: Sequence[ProblemInput]) -> Activity:
    """Replace the problems a linked enterprise raised (万名干部联万企); a solved one needs its date."""
    with batching.batch():
        activity = _for_change(actor=actor, activity=activity)
        if not activity.activity_type.has_enterprise:
            raise ValidationError({"problems": "该类活动没有企业问题清单。"})
        activity.problems.all().delete()
        for r in rows:
            if r.solved and r.solved_on is None:
                raise ValidationError({"problems": "已解决的问题须填写解决日期。"})
            problem = EnterpriseProblem(
                activity=activity,
                category=r.category,
                description=r.description.strip(),
                solved=r.solved,
                solved_on=r.solved_on if r.solved else None,
                solution=r.solution.strip(),
            )
            try:
                problem.full_clean(exclude=["activity"])
            except ValidationError as exc:
                raise ValidationError({"problems": f"企业问题填写有误：{'；'.join(exc.messages)}"}) from exc
            problem.save()
        return activity


def activity_delete(*, actor: User, activity: Activity) -> None:
    """Move a draft to the trash (回收站; the committee may restore it). A submitted record is kept: it can be
    corrected but not removed — nor can one the committee returned: it was submitted once, and is to be
    corrected and submitted again."""
    with batching.batch():
        activity = _for_change(actor=actor, activity=activity, denied="您不能删除该记录。", locked=None)
        if activity.status != ActivityStatus.DRAFT:
            raise ValidationError("已提交的记录不能删除，只能修改。")
        if activity.return_reason:
            raise ValidationError("工委退回的记录不能删除，请修改后重新提交。")
        # To the trash with its attendance, 补学, speeches, problems and evidence (files kept until purged).
        trash.trash_delete(activity, actor=actor, unit=activity.unit, branch=activity.branch)
