"""Closed periods stay closed (关账): nothing that changes a closed month's verdicts is accepted —
completing a 补学 of a record held in it, writing or rewriting a 未开展原因 of a window it ends,
changing a record's attendance or evidence — except through the committee's logged unlock
(ActivityUnlock) or reopening (PeriodLock's history). Services refuse in Chinese; pages show it.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.periods import Period
from apps.partylife import services
from apps.partylife.models import ActivityUnlock, Attendance, Evidence, EvidenceKind, MakeupTask, MissedReason
from apps.partylife.services import AttendanceInput, EvidenceInput
from tests.partylife.factories import activity_type, at, png_upload, rule_for

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)


def _lecture(side, *, absent, held_at=None):
    """A submitted 党课 (of 20 October 2026) with `absent` members owing a 补学."""
    return services.activity_record(
        actor=side.branch_secretary,
        activity_type=activity_type("party_lecture"),
        branch=side.branch,
        fields={"topic": "学习党章", "held_at": held_at or at(2026, 10, 20), "minutes": "讲稿"},
        attendance=[
            AttendanceInput(m.pk, present=m not in absent, absence_reason="出差" if m in absent else "")
            for m in side.members
        ],
        evidence=[EvidenceInput(EvidenceKind.PHOTO, png_upload())],
        submit=True,
    )


@pytest.fixture
def closed_lecture(side_a, committee_user):
    """October's 党课 with one absentee, then October closed by the committee."""
    activity = _lecture(side_a, absent=[side_a.member])
    services.period_close(actor=committee_user, month=OCTOBER)
    return activity


# --- 补学 ----------------------------------------------------------------------------------------------


def test_makeup_of_a_closed_month_is_refused_until_the_record_is_unlocked(side_a, committee_user, closed_lecture):
    task = MakeupTask.objects.get()
    with pytest.raises(ValidationError, match="已关账"):
        services.makeup_complete(actor=side_a.branch_secretary, task=task, note="观看视频")
    task.refresh_from_db()
    assert task.done_at is None and task.note == ""

    services.activity_unlock(actor=committee_user, activity=closed_lecture, reason="补学材料迟交")
    assert ActivityUnlock.objects.filter(activity=closed_lecture).count() == 1
    services.makeup_complete(actor=side_a.branch_secretary, task=task, note="观看视频")
    task.refresh_from_db()
    assert task.done_at is not None


def test_makeup_page_shows_the_refusal(client, side_a, closed_lecture):
    task = MakeupTask.objects.get()
    client.force_login(side_a.branch_secretary)
    response = client.post(reverse("partylife:makeup_complete", args=[task.pk]), {"note": "观看视频"})
    assert response.status_code in (200, 400)
    assert "已关账" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is None


def test_member_cannot_complete_own_makeup_of_a_closed_month(side_a, closed_lecture):
    task = MakeupTask.objects.get(member=side_a.member)
    with pytest.raises(ValidationError, match="联系工委解锁"):
        services.makeup_complete(actor=side_a.member_user, task=task, note="自学")
    assert not MakeupTask.objects.filter(done_at__isnull=False).exists()


# --- 未开展原因 --------------------------------------------------------------------------------------------


def _reason(side, window: str, reason: str):
    return services.missed_reason_set(
        actor=side.branch_secretary,
        rule=rule_for("democratic_appraisal"),
        unit=side.unit,
        branch=side.branch,
        window=Period.parse(window),
        reason=reason,
    )


def test_missed_reason_of_a_closed_window_is_refused_until_reopened(side_a, committee_user):
    services.period_close(actor=committee_user, month=dt.date(2025, 12, 1))  # the month that ends 2025
    with pytest.raises(ValidationError, match="已关账"):
        _reason(side_a, "2025", "换届推迟")
    assert not MissedReason.objects.exists()

    services.period_reopen(actor=committee_user, month=dt.date(2025, 12, 1))
    _reason(side_a, "2025", "换届推迟")
    assert MissedReason.objects.get().reason == "换届推迟"


def test_missed_reason_of_a_closed_window_cannot_be_rewritten(side_a, committee_user):
    _reason(side_a, "2025", "换届推迟")
    services.period_close(actor=committee_user, month=dt.date(2025, 12, 1))
    with pytest.raises(ValidationError, match="不能再填写或修改"):
        _reason(side_a, "2025", "改写的原因")
    assert MissedReason.objects.get().reason == "换届推迟"


def test_closing_an_earlier_month_leaves_the_window_open(side_a, committee_user):
    services.period_close(actor=committee_user, month=dt.date(2025, 3, 1))  # not the month that ends 2025
    assert _reason(side_a, "2025", "换届推迟").reason == "换届推迟"


def test_missed_reason_page_shows_the_refusal(client, side_a, committee_user):
    services.period_close(actor=committee_user, month=dt.date(2025, 2, 1))
    client.force_login(side_a.branch_secretary)
    params = {
        "branch": side_a.branch.pk,
        "rule": rule_for("branch_committee_meeting").pk,
        "window": "2025-02",
        "reason": "春节假期",
    }
    response = client.post(reverse("partylife:missed_reason"), params)
    assert response.status_code == 400 and "已关账" in response.content.decode()
    assert not MissedReason.objects.exists()


# --- attendance and evidence -----------------------------------------------------------------------------------


def test_attendance_of_a_closed_month_is_refused_until_unlocked(side_a, committee_user, closed_lecture):
    rows = [AttendanceInput(m.pk) for m in side_a.members]
    with pytest.raises(ValidationError, match="已关账"):
        services.activity_attendance_set(actor=side_a.branch_secretary, activity=closed_lecture, rows=rows)
    assert Attendance.objects.filter(activity=closed_lecture, present=False).count() == 1
    services.activity_unlock(actor=committee_user, activity=closed_lecture, reason="出勤登记有误")
    services.activity_attendance_set(actor=side_a.branch_secretary, activity=closed_lecture, rows=rows)
    assert not Attendance.objects.filter(activity=closed_lecture, present=False).exists()


def test_evidence_of_a_closed_month_cannot_be_added_or_deleted(side_a, closed_lecture):
    photo = Evidence.objects.get(activity=closed_lecture)
    with pytest.raises(ValidationError, match="已关账"):
        services.activity_evidence_add(
            actor=side_a.branch_secretary,
            activity=closed_lecture,
            items=[EvidenceInput(EvidenceKind.PHOTO, png_upload("second.png"))],
        )
    with pytest.raises(ValidationError, match="已关账"):
        services.evidence_delete(actor=side_a.branch_secretary, evidence=photo)
    assert list(Evidence.objects.filter(activity=closed_lecture)) == [photo]


def test_a_record_cannot_be_moved_into_or_out_of_a_closed_month(side_a, committee_user, closed_lecture):
    with pytest.raises(ValidationError, match="已关账"):
        services.activity_update(
            actor=side_a.branch_secretary,
            activity=closed_lecture,
            unit=None,
            branch=side_a.branch,
            party_group=None,
            fields={"held_at": at(2026, 11, 5)},
        )
    november = _lecture(side_a, absent=[], held_at=at(2026, 11, 5))
    with pytest.raises(ValidationError, match="已关账"):
        services.activity_update(
            actor=side_a.branch_secretary,
            activity=november,
            unit=None,
            branch=side_a.branch,
            party_group=None,
            fields={"held_at": at(2026, 10, 5)},
        )


def test_the_api_cannot_settle_a_closed_months_makeup_by_rewriting_attendance(client, side_a, closed_lecture):
    """The API has no 补学 endpoint; marking the absentee present (PUT attendance) is the other way to it."""
    client.force_login(side_a.branch_secretary)
    rows = [{"member": m.pk, "present": True} for m in side_a.members]
    url = f"/api/partylife/activities/{closed_lecture.pk}/attendance/"
    response = client.put(url, rows, content_type="application/json")
    assert response.status_code == 400 and "已关账" in response.content.decode()
    assert MakeupTask.objects.get().done_at is None
    assert Attendance.objects.filter(activity=closed_lecture, present=False).count() == 1
