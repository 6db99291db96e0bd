"""Record services: save/submit, evidence, completeness, lock and unlock, 补学, rules."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.partylife import services
from apps.partylife.models import (
    Activity,
    ActivityStatus,
    ActivityUnlock,
    Attendance,
    Evidence,
    EvidenceKind,
    MakeupTask,
    PeriodLock,
)
from apps.partylife.services import AttendanceInput, EvidenceInput, ProblemInput
from tests.partylife.factories import activity_type, at, pdf_upload, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings):
    """Where this test's uploads go (the root conftest gives every test its own folder)."""
    return Path(settings.MEDIA_ROOT)


def stored_files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def committee_meeting(side, *, attendance=None, evidence=None, **fields) -> dict:
    """The arguments of `services.activity_record` for a 支委会 of the side's first branch."""
    return {
        "activity_type": activity_type("branch_committee_meeting"),
        "branch": side.branch,
        "fields": {"topic": "研究发展党员", "held_at": at(2026, 11, 3, 15), "minutes": "议定事项", **fields},
        "attendance": attendance if attendance is not None else [AttendanceInput(m.pk) for m in side.members],
        "evidence": evidence if evidence is not None else [EvidenceInput(EvidenceKind.PHOTO, png_upload())],
    }


def test_submit_complete_record(side_a, media):
    record = services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a), submit=True)
    assert record.status == ActivityStatus.SUBMITTED and record.submitted_at
    assert record.evidence_complete and record.counts
    assert record.unit == side_a.unit and record.attendances.count() == 3
    evidence = record.evidence.get()
    assert evidence.content_type == "image/png" and evidence.original_name == "photo.png"
    assert (media / evidence.file.name).exists()


def test_missing_photo_is_需补充_until_added(side_a):
    record = services.activity_record(
        actor=side_a.branch_secretary, **committee_meeting(side_a, evidence=[]), submit=True
    )
    assert not record.evidence_complete
    assert services.missing_evidence(record) == ["现场照片"]
    data = committee_meeting(side_a, evidence=[EvidenceInput(EvidenceKind.PHOTO, png_upload())])
    record = services.activity_record(actor=side_a.branch_secretary, **data, activity=record)
    assert record.evidence_complete and services.missing_evidence(record) == []


def test_minutes_scan_can_replace_minutes_text(side_a):
    data = committee_meeting(
        side_a,
        minutes="",
        evidence=[EvidenceInput(EvidenceKind.PHOTO, png_upload()), EvidenceInput(EvidenceKind.MINUTES, pdf_upload())],
    )
    record = services.activity_record(actor=side_a.branch_secretary, **data, submit=True)
    assert record.evidence_complete
    assert {e.content_type for e in record.evidence.all()} == {"image/png", "application/pdf"}


def test_bad_upload_saves_nothing_and_leaves_no_file(side_a, media):
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    data = committee_meeting(
        side_a, evidence=[EvidenceInput(EvidenceKind.PHOTO, png_upload()), EvidenceInput(EvidenceKind.PHOTO, fake)]
    )
    with pytest.raises(ValidationError) as exc:
        services.activity_record(actor=side_a.branch_secretary, **data, submit=True)
    assert "不是可接受的文件类型" in str(exc.value)
    assert not Activity.objects.exists() and not Evidence.objects.exists()
    assert stored_files(media) == []


def test_a_failure_after_the_upload_removes_the_stored_file(side_a, side_b, media):
    """activity_record stores the photo, then attaching a staged file that is not the actor's fails: no row, no
    new file. (A future record, the failure used before issue 7, is now refused before any upload.)"""
    [theirs] = services.evidence_stage(actor=side_b.branch_secretary, items=[EvidenceInput("photo", png_upload())])
    before = stored_files(media)
    with pytest.raises(ValidationError, match="过期或不可用"):
        services.activity_record(
            actor=side_a.branch_secretary, **committee_meeting(side_a), staged=[theirs], submit=True
        )
    assert not Activity.objects.exists() and not Evidence.objects.exists()
    assert stored_files(media) == before  # the photo stored for this record is gone; B's staged one stays


def test_one_job_services_compose_to_the_same_record(side_a):
    """The API's path (create, then attendance, evidence, submit one by one) gives what the form's gives."""
    actor, data = side_a.branch_secretary, committee_meeting(side_a)
    record = services.activity_create(
        actor=actor, activity_type=data["activity_type"], branch=side_a.branch, fields=data["fields"]
    )
    assert record.status == ActivityStatus.DRAFT and not record.evidence_complete
    services.activity_attendance_set(actor=actor, activity=record, rows=data["attendance"])
    [photo] = services.activity_evidence_add(actor=actor, activity=record, items=data["evidence"])
    record = services.activity_submit(actor=actor, activity=record)
    assert record.status == ActivityStatus.SUBMITTED and record.evidence_complete and record.counts
    assert photo.activity_id == record.pk and record.attendances.count() == 3


def test_pdf_refused_as_photo(side_a):
    data = committee_meeting(side_a, evidence=[EvidenceInput(EvidenceKind.PHOTO, pdf_upload())])
    with pytest.raises(ValidationError, match="只接受图片"):
        services.activity_record(actor=side_a.branch_secretary, **data, submit=True)


def test_size_cap(side_a, settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="超过"):
        services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a), submit=True)
    assert not Activity.objects.exists()


def test_absent_needs_reason(side_a):
    rows = [AttendanceInput(side_a.members[0].pk), AttendanceInput(side_a.members[1].pk, present=False)]
    with pytest.raises(ValidationError, match="缺席原因"):
        services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a, attendance=rows))
    assert not Activity.objects.exists()


def test_attendance_only_from_own_roster(side_a, side_b):
    rows = [AttendanceInput(side_a.members[0].pk), AttendanceInput(side_b.members[0].pk)]
    with pytest.raises(ValidationError, match="在册党员"):
        services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a, attendance=rows))
    assert not Attendance.objects.exists()


def test_cannot_log_for_another_branch_or_unit(side_a, side_b):
    with pytest.raises(PermissionDenied):
        services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_b))
    data = committee_meeting(side_a, attendance=[])
    data["branch"] = side_a.other_branch
    with pytest.raises(PermissionDenied):
        services.activity_record(actor=side_a.branch_secretary, **data)
    unit_level = dict(
        activity_type=activity_type("first_topic"),
        unit=side_a.unit,
        fields={"topic": "第一议题", "held_at": at(2026, 11, 2), "material": "重要讲话"},
    )
    with pytest.raises(PermissionDenied):
        services.activity_record(actor=side_a.branch_secretary, **unit_level)
    assert services.activity_record(actor=side_a.unit_secretary, **unit_level).branch is None
    assert Activity.objects.count() == 1


def test_future_record_is_refused_even_as_draft(side_a):
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    data = committee_meeting(side_a, held_at=future)
    with pytest.raises(ValidationError, match="尚未开展"):
        services.activity_record(actor=side_a.branch_secretary, **data, submit=True)
    # issue 7 §5: a record in the future is refused, a draft too.
    with pytest.raises(ValidationError, match="尚未开展"):
        services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a, held_at=future))
    assert not Activity.objects.exists()


def test_closed_month_locks_and_committee_unlock_is_logged(side_a, committee_user):
    record = services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a), submit=True)
    services.period_close(actor=committee_user, month=dt.date(2026, 11, 1))
    assert services.is_locked(record)
    with pytest.raises(ValidationError, match="已关账"):
        services.activity_record(
            actor=side_a.branch_secretary, **committee_meeting(side_a, topic="改"), activity=record
        )
    with pytest.raises(ValidationError, match="已关账"):  # nor can a new record be logged into that month
        services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a))
    with pytest.raises(PermissionDenied):
        services.activity_unlock(actor=side_a.unit_secretary, activity=record, reason="更正")
    services.activity_unlock(actor=committee_user, activity=record, reason="更正出席人数")
    record.refresh_from_db()
    assert not services.is_locked(record)
    log = ActivityUnlock.objects.get()
    assert log.unlocked_by == committee_user and log.reason == "更正出席人数"
    services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a, topic="改"), activity=record)
    record.refresh_from_db()
    assert record.topic == "改"


def test_only_committee_closes_and_not_the_future(side_a, committee_user):
    with pytest.raises(PermissionDenied):
        services.period_close(actor=side_a.unit_secretary, month=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="尚未到来"):
        services.period_close(actor=committee_user, month=dt.date(2099, 1, 1))
    services.period_close(actor=committee_user, month=dt.date(2026, 1, 1))
    services.period_reopen(actor=committee_user, month=dt.date(2026, 1, 1))
    assert not PeriodLock.objects.exists()
    assert PeriodLock.history.filter(history_type="-").count() == 1


def test_absence_from_lecture_creates_makeup_and_completion_counts(side_a):
    absentee = side_a.members[1]
    data = dict(
        activity_type=activity_type("party_lecture"),
        branch=side_a.branch,
        fields={"topic": "党课", "held_at": at(2026, 10, 20), "minutes": "讲稿"},
        attendance=[
            AttendanceInput(side_a.members[0].pk),
            AttendanceInput(absentee.pk, present=False, absence_reason="出差"),
        ],
        evidence=[EvidenceInput(EvidenceKind.PHOTO, png_upload())],
    )
    record = services.activity_record(actor=side_a.branch_secretary, **data, submit=True)
    task = MakeupTask.objects.get()
    assert task.member == absentee and task.due_on == dt.date(2026, 11, 19)
    with pytest.raises(PermissionDenied):  # a fellow member cannot tick it
        services.makeup_complete(actor=side_a.member_user, task=task, note="已学")
    absentee.user = side_a.member_user.__class__.objects.create(username="absentee")
    absentee.save()
    with pytest.raises(ValidationError, match="补学情况"):
        services.makeup_complete(actor=absentee.user, task=task, note="  ")
    services.makeup_complete(actor=absentee.user, task=task, note="观看党课录像并撰写心得")
    task.refresh_from_db()
    assert task.done_at and task.confirmed_by == absentee.user
    # Saving the record again does not create the task twice.
    services.activity_record(actor=side_a.branch_secretary, **data, activity=record)
    assert MakeupTask.objects.count() == 1


def test_talk_pair_becomes_attendance(side_a):
    a, b = side_a.members[0], side_a.members[1]
    data = dict(
        activity_type=activity_type("heart_talk"),
        branch=side_a.branch,
        fields={"topic": "谈心", "held_at": at(2026, 9, 1), "minutes": "谈话记录", "talker": a, "talkee": a},
    )
    with pytest.raises(ValidationError, match="同一人"):
        services.activity_record(actor=side_a.branch_secretary, **data)
    data["fields"]["talkee"] = b
    record = services.activity_record(actor=side_a.branch_secretary, **data, submit=True)
    assert set(record.attendances.values_list("member_id", flat=True)) == {a.pk, b.pk}
    assert record.evidence_complete  # 谈心谈话 needs the talk record only


def test_enterprise_problems(side_a):
    base = {
        "topic": "走访企业",
        "held_at": at(2026, 8, 12),
        "minutes": "走访记录",
        "enterprise_name": "某某科技有限公司",
    }
    data = dict(
        activity_type=activity_type("cadres_link_enterprises"),
        branch=side_a.branch,
        fields={**base, "cadre": side_a.members[0]},
        problems=[ProblemInput("financing", "贷款难", solved=True)],
    )
    with pytest.raises(ValidationError, match="解决日期"):
        services.activity_record(actor=side_a.branch_secretary, **data, submit=True)
    data["problems"] = [
        ProblemInput("financing", "贷款难", solved=True, solved_on=dt.date(2026, 9, 1), solution="对接银行"),
        ProblemInput("labour", "招工难"),
    ]
    record = services.activity_record(actor=side_a.branch_secretary, **data, submit=True)
    assert sorted(record.problems.values_list("category", "solved")) == [("financing", True), ("labour", False)]


def test_delete_only_drafts(side_a, media, django_capture_on_commit_callbacks):
    draft = services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a))
    submitted = services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a), submit=True)
    with pytest.raises(ValidationError, match="不能删除"):
        services.activity_delete(actor=side_a.branch_secretary, activity=submitted)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_delete(actor=side_a.branch_secretary, activity=draft)
    assert list(Activity.objects.all()) == [submitted]
    assert len(stored_files(media)) == 2  # the draft's photo stays while the draft is in the trash (回收站)


def test_evidence_delete_recomputes_completeness(side_a, side_b):
    record = services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a), submit=True)
    evidence = record.evidence.get()
    with pytest.raises(PermissionDenied):
        services.evidence_delete(actor=side_b.unit_secretary, evidence=evidence)
    services.evidence_delete(actor=side_a.branch_secretary, evidence=evidence)
    record.refresh_from_db()
    assert not record.evidence_complete


def test_rule_update_and_override_need_committee(side_a, committee_user):
    from apps.partylife.models import RuleOverride
    from tests.partylife.factories import rule_for

    rule = rule_for("party_lecture")
    with pytest.raises(PermissionDenied):
        services.rule_update(actor=side_a.unit_secretary, rule=rule, data={"min_count": 2})
    with pytest.raises(ValidationError):
        services.rule_update(actor=committee_user, rule=rule, data={"min_count": 0})
    rule.refresh_from_db()
    assert rule.min_count == 1
    services.rule_update(actor=committee_user, rule=rule, data={"min_count": 2, "frequency": "month"})
    rule.refresh_from_db()
    assert (rule.min_count, rule.frequency) == (2, "month")
    services.rule_override_set(
        actor=committee_user, rule=rule, unit=side_a.unit, frequency="quarter", min_count=1, strength="soft"
    )
    services.rule_override_set(
        actor=committee_user, rule=rule, unit=side_a.unit, frequency="quarter", min_count=3, strength="hard"
    )
    override = RuleOverride.objects.get()
    assert (override.min_count, override.strength) == (3, "hard")


def test_missed_reason_only_for_ended_soft_windows(side_a, side_b):
    from apps.core.periods import Period
    from apps.partylife.models import MissedReason
    from tests.partylife.factories import rule_for

    soft, hard = rule_for("democratic_appraisal"), rule_for("org_life_meeting")
    kwargs = {"unit": side_a.unit, "branch": side_a.branch, "reason": "换届推迟"}
    with pytest.raises(ValidationError, match="尚未结束"):
        services.missed_reason_set(actor=side_a.branch_secretary, rule=soft, window=Period.parse("2099"), **kwargs)
    with pytest.raises(ValidationError, match="刚性要求"):
        services.missed_reason_set(actor=side_a.branch_secretary, rule=hard, window=Period.parse("2025"), **kwargs)
    with pytest.raises(PermissionDenied):
        services.missed_reason_set(actor=side_b.branch_secretary, rule=soft, window=Period.parse("2025"), **kwargs)
    saved = services.missed_reason_set(actor=side_a.branch_secretary, rule=soft, window=Period.parse("2025"), **kwargs)
    assert MissedReason.objects.get() == saved and saved.window == "2025"


def test_a_file_shared_by_two_records_survives_deleting_one(side_a, media, django_capture_on_commit_callbacks):
    first = services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a), submit=True)
    shared = first.evidence.get()
    second = services.activity_record(actor=side_a.branch_secretary, **committee_meeting(side_a, evidence=[]))
    Evidence.objects.create(
        activity=second,
        kind=shared.kind,
        file=shared.file.name,
        original_name="同一张.png",
        content_type=shared.content_type,
        size=shared.size,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_delete(actor=side_a.branch_secretary, activity=second)
    assert (media / shared.file.name).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(actor=side_a.branch_secretary, evidence=shared)
    assert (media / shared.file.name).exists()  # both rows are in the trash (回收站): the file waits for the purge
    from django.utils import timezone

    from apps.core import trash
    from apps.core.models import TrashEntry

    TrashEntry.objects.update(deleted_at=timezone.now() - dt.timedelta(days=trash.retention_days() + 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert trash.purge_expired() == 2
    assert not (media / shared.file.name).exists()
