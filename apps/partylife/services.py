"""Every write of party life: records, attendance, evidence, 补学, locks, rules.

Each function takes keyword-only arguments, checks the actor's scope, validates,
and commits in one transaction. Views and the API call these and nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.files import IMAGE_TYPES, PDF_TYPE, check_upload
from apps.core.periods import Period, local_date
from apps.orgs.access import scope_for
from apps.orgs.models import Branch, Member, PartyGroup, Unit, User

from . import counting
from .models import (
    Activity,
    ActivityStatus,
    ActivityType,
    ActivityUnlock,
    Attendance,
    ComplianceRule,
    EnterpriseProblem,
    Evidence,
    EvidenceKind,
    Level,
    MakeupTask,
    MissedReason,
    PeriodLock,
    RuleOverride,
    Strength,
)

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {*IMAGE_TYPES, PDF_TYPE}
MAKEUP_DAYS = 30
UNLOCK_DAYS = 7

ACTIVITY_FIELDS = (
    "topic",
    "held_at",
    "place",
    "host",
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


def _deny(message: str) -> None:
    raise PermissionDenied(message)


# --- input shapes ------------------------------------------------------------------------


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


@dataclass
class ActivityInput:
    """What a secretary fills in for one record (the form and the API both build this)."""

    activity_type: ActivityType
    unit: Unit | None = None
    branch: Branch | None = None
    party_group: PartyGroup | None = None
    fields: dict = field(default_factory=dict)
    also_counts_as: list[ActivityType] | None = None
    attendance: list[AttendanceInput] | None = None
    problems: list[ProblemInput] | None = None
    evidence: list[EvidenceInput] = field(default_factory=list)


# --- who may write what --------------------------------------------------------------------


def can_write_for(user: User, *, activity_type: ActivityType, unit: Unit | None, branch: Branch | None) -> bool:
    scope = scope_for(user)
    if activity_type.level == Level.UNIT:
        return unit is not None and scope.manages_unit(unit.pk)
    return branch is not None and scope.manages_branch(branch)


def is_locked(activity: Activity, *, now: dt.datetime | None = None) -> bool:
    """Locked when its month is closed (关账) and no unlock is in force."""
    now = now or timezone.now()
    if activity.unlocked_until and activity.unlocked_until > now:
        return False
    month = local_date(activity.held_at).replace(day=1)
    return PeriodLock.objects.filter(month=month).exists()


def _check_month_open(held_at: dt.datetime) -> None:
    month = local_date(held_at).replace(day=1)
    if PeriodLock.objects.filter(month=month).exists():
        raise ValidationError({"held_at": f"{month:%Y年%m月}已关账，不能再登记该月的记录。如需补登请联系工委。"})


# --- evidence completeness -----------------------------------------------------------------------


def missing_evidence(activity: Activity) -> list[str]:
    """What a record still lacks to count (需补充), per its type's requirements (counting.missing_evidence)."""
    return counting.missing_evidence(
        activity.activity_type,
        minutes=activity.minutes,
        evidence_kinds=[e.kind for e in activity.evidence.all()],
        has_attendance=activity.attendances.exists(),
    )


def _refresh_completeness(activity: Activity) -> None:
    complete = not missing_evidence(activity)
    if complete != activity.evidence_complete:
        activity.evidence_complete = complete
        activity.save(update_fields=["evidence_complete", "updated_at"])


# --- records --------------------------------------------------------------------------------------


def _place(data: ActivityInput) -> tuple[Unit, Branch | None, PartyGroup | None]:
    t = data.activity_type
    if t.level == Level.UNIT:
        if data.unit is None:
            raise ValidationError({"unit": "请选择单位。"})
        return data.unit, None, None
    if data.branch is None:
        raise ValidationError({"branch": "请选择支部。"})
    group = data.party_group
    if t.level == Level.PARTY_GROUP and group is None:
        raise ValidationError({"party_group": "党小组会须选择党小组。"})
    if group is not None and group.branch_id != data.branch.pk:
        raise ValidationError({"party_group": "党小组须属于所选支部。"})
    return data.branch.unit, data.branch, group


def _roster(unit: Unit, branch: Branch | None):
    members = Member.objects.filter(active=True)
    return members.filter(branch=branch) if branch is not None else members.filter(branch__unit=unit)


def _validate_fields(activity: Activity, t: ActivityType, unit: Unit, branch: Branch | None) -> None:
    errors = {}
    if not activity.topic.strip():
        errors["topic"] = "请填写主题。"
    if activity.held_at is None:
        errors["held_at"] = "请填写时间。"
    roster = _roster(unit, branch)
    if t.has_talk_pair:
        if activity.talker is None or activity.talkee is None:
            errors["talkee"] = "谈心谈话须填写谈话双方。"
        elif activity.talker.pk == activity.talkee.pk:
            errors["talkee"] = "谈话双方不能是同一人。"
        elif roster.filter(pk__in=[activity.talker.pk, activity.talkee.pk]).count() != 2:
            errors["talkee"] = "谈话双方须为本支部在册党员。"
    if t.has_first_topic and not activity.material.strip():
        errors["material"] = "请填写第一议题学习内容。"
    if t.has_enterprise:
        if not activity.enterprise_name.strip():
            errors["enterprise_name"] = "请填写联系企业。"
        if activity.cadre is None:
            errors["cadre"] = "请选择联系干部。"
        elif not Member.objects.filter(pk=activity.cadre.pk, branch__unit=unit).exists():
            errors["cadre"] = "联系干部须为本单位党员。"
    if errors:
        raise ValidationError(errors)


def _set_attendance(activity: Activity, rows: list[AttendanceInput], roster) -> None:
    ids = [r.member_id for r in rows]
    if len(set(ids)) != len(ids):
        raise ValidationError({"attendance": "出勤名单中有重复的党员。"})
    valid = set(roster.filter(pk__in=ids).values_list("pk", flat=True))
    # People already on this record stay valid after they leave the roster, so old records stay editable.
    valid |= set(activity.attendances.values_list("member_id", flat=True))
    strangers = [i for i in ids if i not in valid]
    if strangers:
        raise ValidationError({"attendance": "出勤名单只能包含本支部（单位）在册党员。"})
    for r in rows:
        if not r.present and not r.absence_reason.strip():
            raise ValidationError({"attendance": "缺席的党员须填写缺席原因。"})
    existing = {a.member_id: a for a in activity.attendances.all()}
    keep = set(ids)
    Attendance.objects.filter(activity=activity).exclude(member_id__in=keep).delete()
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


def _set_problems(activity: Activity, rows: list[ProblemInput]) -> None:
    activity.problems.all().delete()
    for r in rows:
        problem = EnterpriseProblem(
            activity=activity,
            category=r.category,
            description=r.description.strip(),
            solved=r.solved,
            solved_on=r.solved_on if r.solved else None,
            solution=r.solution.strip(),
        )
        if r.solved and r.solved_on is None:
            raise ValidationError({"problems": "已解决的问题须填写解决日期。"})
        try:
            problem.full_clean(exclude=["activity"])
        except ValidationError as exc:
            raise ValidationError({"problems": f"企业问题填写有误：{'；'.join(exc.messages)}"}) from exc
        problem.save()


def _add_evidence(activity: Activity, items: list[EvidenceInput], actor: User, written: list) -> None:
    """Store new evidence files; each stored file is noted in `written` so a rollback can remove it."""
    for item in items:
        if item.kind not in EvidenceKind.values:
            raise ValidationError({"evidence": "未知的材料类型。"})
        allowed = set(IMAGE_TYPES) if item.kind == EvidenceKind.PHOTO else EVIDENCE_TYPES
        try:
            sniffed = check_upload(item.upload, allowed=allowed, max_bytes=EVIDENCE_MAX_BYTES)
        except ValidationError as exc:
            raise ValidationError({"evidence": exc.messages}) from exc
        evidence = Evidence(
            activity=activity,
            kind=item.kind,
            original_name=str(getattr(item.upload, "name", "file"))[:200],
            content_type=sniffed.content_type,
            size=item.upload.size,
            uploaded_by=actor,
        )
        evidence.file.save("upload", item.upload, save=False)
        written.append(evidence.file)
        evidence.save()


def _create_makeup_tasks(activity: Activity) -> None:
    if not activity.activity_type.makeup_on_absence:
        return
    due = local_date(activity.held_at) + dt.timedelta(days=MAKEUP_DAYS)
    for attendance in activity.attendances.filter(present=False, makeup__isnull=True):
        MakeupTask.objects.create(attendance=attendance, member_id=attendance.member_id, due_on=due)
    # Someone now marked present no longer owes a make-up.
    MakeupTask.objects.filter(attendance__activity=activity, attendance__present=True, done_at__isnull=True).delete()


def activity_save(
    *, actor: User, data: ActivityInput, activity: Activity | None = None, submit: bool = False
) -> Activity:
    """Create or update a record with its attendance, problems and new evidence; optionally submit it.

    A draft may be saved incomplete. Submitting needs a past time. A record whose
    month is closed cannot be changed unless the committee unlocked it. Evidence
    files written before a failure are removed again.
    """
    written: list = []
    try:
        with transaction.atomic():
            return _activity_save(actor=actor, data=data, activity=activity, submit=submit, written=written)
    except BaseException:
        for stored in written:  # the rows are gone with the rollback; so must their files be
            stored.storage.delete(stored.name)
        raise


def _activity_save(*, actor, data, activity, submit, written):
    t = data.activity_type
    unit, branch, group = _place(data)
    if not can_write_for(actor, activity_type=t, unit=unit, branch=branch):
        _deny("您只能登记本人负责的支部（单位）的组织生活。")
    if not t.active:
        raise ValidationError({"activity_type": "该活动类型已停用。"})
    if activity is None:
        activity = Activity(activity_type=t, created_by=actor)
    else:
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        if is_locked(activity):
            raise ValidationError("该记录所在月份已关账，不能修改。如需更正请联系工委解锁。")
        if activity.activity_type_id != t.pk:
            raise ValidationError({"activity_type": "已登记的记录不能更改活动类型。"})
    activity.unit, activity.branch, activity.party_group = unit, branch, group
    for name in ACTIVITY_FIELDS:
        if name in data.fields:
            value = data.fields[name]
            setattr(activity, name, value.strip() if isinstance(value, str) else value)
    _validate_fields(activity, t, unit, branch)
    if activity.unlocked_until is None or activity.unlocked_until <= timezone.now():
        _check_month_open(activity.held_at)
    if submit:
        if local_date(activity.held_at) > timezone.localdate():
            raise ValidationError({"held_at": "活动尚未开展，不能提交；可先保存为草稿。"})
        if activity.status != ActivityStatus.SUBMITTED:
            activity.status = ActivityStatus.SUBMITTED
            activity.submitted_at = timezone.now()
    activity.full_clean(exclude=["evidence_complete", "created_by"])
    activity.save()
    if data.also_counts_as is not None:
        extra = [x for x in data.also_counts_as if x.pk != t.pk]
        if any(x.level != t.level for x in extra):
            raise ValidationError({"also_counts_as": "“同时计为”的活动须与本活动同一层级。"})
        activity.also_counts_as.set(extra)
    roster = _roster(unit, branch)
    if data.attendance is not None:
        _set_attendance(activity, data.attendance, roster)
    elif t.has_talk_pair and activity.talker_id and activity.talkee_id:
        # The two people of a talk are its attendance: each then sees the record.
        _set_attendance(activity, [AttendanceInput(activity.talker_id), AttendanceInput(activity.talkee_id)], roster)
    if data.problems is not None and t.has_enterprise:
        _set_problems(activity, data.problems)
    _add_evidence(activity, data.evidence, actor, written)
    _refresh_completeness(activity)
    if activity.status == ActivityStatus.SUBMITTED:
        _create_makeup_tasks(activity)
    return activity


def evidence_delete(*, actor: User, evidence: Evidence) -> None:
    activity = evidence.activity
    if not can_write_for(actor, activity_type=activity.activity_type, unit=activity.unit, branch=activity.branch):
        _deny("您不能删除该材料。")
    if is_locked(activity):
        raise ValidationError("该记录所在月份已关账，不能删除材料。")
    with transaction.atomic():
        name, storage = evidence.file.name, evidence.file.storage
        evidence.delete()
        _refresh_completeness(activity)
        _delete_unreferenced_files([(name, storage)])


def activity_delete(*, actor: User, activity: Activity) -> None:
    """Delete a draft (a submitted record is kept; it can be corrected but not removed)."""
    if not can_write_for(actor, activity_type=activity.activity_type, unit=activity.unit, branch=activity.branch):
        _deny("您不能删除该记录。")
    if activity.status != ActivityStatus.DRAFT:
        raise ValidationError("已提交的记录不能删除，只能修改。")
    with transaction.atomic():
        files = [(e.file.name, e.file.storage) for e in activity.evidence.all()]
        activity.delete()
        _delete_unreferenced_files(files)


def _delete_unreferenced_files(files) -> None:
    """After commit, remove stored files no evidence row points at any more (demo rows share files)."""
    still_used = set(Evidence.objects.filter(file__in=[name for name, _ in files]).values_list("file", flat=True))
    doomed = [(name, storage) for name, storage in files if name not in still_used]
    transaction.on_commit(lambda: [storage.delete(name) for name, storage in doomed])


# --- 补学 ------------------------------------------------------------------------------------------


@transaction.atomic
def makeup_complete(*, actor: User, task: MakeupTask, note: str) -> MakeupTask:
    """Mark a make-up done: by the member themself or a secretary of the branch. Attendance then counts."""
    task = (
        MakeupTask.objects.select_for_update(of=("self",))
        .select_related("attendance__activity__branch")
        .get(pk=task.pk)
    )
    scope = scope_for(actor)
    activity = task.attendance.activity
    own = scope.member_id == task.member_id
    if not own and not can_write_for(
        actor, activity_type=activity.activity_type, unit=activity.unit, branch=activity.branch
    ):
        _deny("您不能办理该补学。")
    if task.done_at:
        raise ValidationError("该补学已完成。")
    if not note.strip():
        raise ValidationError({"note": "请填写补学情况（学习内容、方式）。"})
    task.done_at, task.note = timezone.now(), note.strip()
    task.confirmed_by = actor
    task.save()
    return task


# --- 未开展原因 -------------------------------------------------------------------------------------


@transaction.atomic
def missed_reason_set(
    *, actor: User, rule: ComplianceRule, unit: Unit, branch: Branch | None, window: Period, reason: str
) -> MissedReason:
    scope = scope_for(actor)
    allowed = scope.manages_branch(branch) if branch is not None else scope.manages_unit(unit.pk)
    if not allowed:
        _deny("您不能为该支部（单位）填写未开展原因。")
    if window.end >= timezone.localdate():
        raise ValidationError("该周期尚未结束，不需要填写未开展原因。")
    override = RuleOverride.objects.filter(rule=rule, unit=unit).first()
    if (override.strength if override else rule.strength) == Strength.HARD:
        raise ValidationError("刚性要求未完成即为不合格，不能以未开展原因代替。")
    if not reason.strip():
        raise ValidationError({"reason": "请填写未开展原因。"})
    obj, _ = MissedReason.objects.update_or_create(
        rule=rule,
        unit=unit,
        branch=branch,
        window=window.key,
        defaults={"reason": reason.strip()[:300], "created_by": actor},
    )
    return obj


# --- locks (committee) -----------------------------------------------------------------------------------


def _committee(actor: User, message: str) -> None:
    if not scope_for(actor).is_committee:
        _deny(message)


@transaction.atomic
def period_close(*, actor: User, month: dt.date) -> PeriodLock:
    """关账: lock every record held in the month."""
    _committee(actor, "只有工委管理员可以关账。")
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError("不能关闭尚未到来的月份。")
    lock, _ = PeriodLock.objects.get_or_create(month=month, defaults={"closed_by": actor})
    return lock


@transaction.atomic
def period_reopen(*, actor: User, month: dt.date) -> None:
    _committee(actor, "只有工委管理员可以重新开放月份。")
    for lock in PeriodLock.objects.filter(month=month.replace(day=1)):
        lock.delete()  # the deletion is kept in the lock's history (留痕)


@transaction.atomic
def activity_unlock(*, actor: User, activity: Activity, reason: str, days: int = UNLOCK_DAYS) -> ActivityUnlock:
    """Let one locked record be corrected for a few days; the unlock is logged with its reason."""
    _committee(actor, "只有工委管理员可以解锁记录。")
    if not reason.strip():
        raise ValidationError({"reason": "请填写解锁原因。"})
    until = timezone.now() + dt.timedelta(days=days)
    Activity.objects.filter(pk=activity.pk).update(unlocked_until=until)
    return ActivityUnlock.objects.create(activity=activity, unlocked_by=actor, reason=reason.strip(), until=until)


# --- rules (committee) ------------------------------------------------------------------------------------

RULE_FIELDS = ("name", "frequency", "min_count", "strength", "source", "source_text", "remind_days_before", "active")


@transaction.atomic
def rule_update(*, actor: User, rule: ComplianceRule, data: dict) -> ComplianceRule:
    _committee(actor, "只有工委管理员可以修改规则。")
    rule = ComplianceRule.objects.select_for_update().get(pk=rule.pk)
    for name in RULE_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    if rule.min_count < 1:
        raise ValidationError({"min_count": "每周期至少次数须大于0。"})
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def rule_override_set(
    *,
    actor: User,
    rule: ComplianceRule,
    unit: Unit,
    frequency: str,
    min_count: int,
    strength: str,
    applies: bool = True,
    note: str = "",
) -> RuleOverride:
    _committee(actor, "只有工委管理员可以调整单位规则。")
    if applies and min_count < 1:
        raise ValidationError({"min_count": "每周期至少次数须大于0。"})
    override = RuleOverride.objects.filter(rule=rule, unit=unit).first() or RuleOverride(rule=rule, unit=unit)
    override.frequency, override.min_count, override.strength = frequency, min_count, strength
    override.applies, override.note = applies, note.strip()
    override.full_clean()
    override.save()
    return override


@transaction.atomic
def rule_override_delete(*, actor: User, override: RuleOverride) -> None:
    _committee(actor, "只有工委管理员可以调整单位规则。")
    override.delete()
