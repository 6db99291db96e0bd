"""People are told of new work (issue 7 §9), and the committee's review of records:

- a member is told of a new 补学 task (once, by e-mail too when configured);
- a record's secretaries are told when the committee unlocks it, and when it returns (退回) it;
- 退回: committee only, a submitted record goes back to 草稿 with its reason shown, history kept, page and API;
- times in these messages are Asia/Shanghai, not UTC (the unlock message was 8 hours off).

Permissions are tried with two units and with a person who belongs to two branches (secretary of one,
member of the other).
"""

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Notification
from apps.partylife import services
from apps.partylife.models import Activity, ActivityReturn, ActivityStatus, ActivityUnlock, PeriodLock
from apps.partylife.services import AttendanceInput
from tests.orgs.factories import UserFactory, make_branch_secretary
from tests.partylife.factories import activity_type

pytestmark = pytest.mark.django_db

API = "/api/partylife/activities/"


def held(days_ago=3) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def log(side, *, branch=None, code="branch_committee_meeting", absent=(), submit=True, actor=None):
    branch = branch or side.branch
    members = [m for m in side.members if m.branch_id == branch.pk] or [side.other_branch_member]
    return services.activity_record(
        actor=actor or side.unit_secretary,
        activity_type=activity_type(code),
        branch=branch,
        fields={"topic": "研究工作", "held_at": held(), "minutes": "记录"},
        attendance=[
            AttendanceInput(m.pk, present=m not in absent, absence_reason="出差" if m in absent else "")
            for m in members
        ],
        submit=submit,
    )


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("id"))


@pytest.fixture
def two_branch_person(side_a):
    """Secretary of A's first branch who is, as a party member, in A's second branch."""
    user = make_branch_secretary(UserFactory(username="two_branches"), side_a.branch)
    member = side_a.other_branch_member
    member.user = user
    member.save()
    return user


# --- 补学 tasks ------------------------------------------------------------------------------------------------


def test_a_member_is_told_of_a_new_makeup_task_once(side_a, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_NOTIFY_BY_EMAIL = True
    side_a.member_user.email = "a0@example.com"
    side_a.member_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        record = log(side_a, code="party_lecture", absent=[side_a.member, side_a.members[1]])
    [note] = inbox(side_a.member_user)  # members[1] has no account: nobody to tell
    assert note.title == "新的补学任务：党课“研究工作”" and note.url == reverse("partylife:makeup_list")
    day = timezone.localdate(held())
    due = day + dt.timedelta(days=services.MAKEUP_DAYS)
    assert f"您缺席了{day.year}年{day.month}月{day.day}日 10:00的党课“研究工作”（出差）" in note.body
    assert f"请于{due.year}年{due.month}月{due.day}日前完成补学" in note.body
    assert [m.to for m in mail.outbox] == [["a0@example.com"]] and note.title in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):  # saved again: no new task, no new notice
        services.activity_attendance_set(
            actor=side_a.unit_secretary,
            activity=record,
            rows=[AttendanceInput(m.pk, present=m != side_a.member, absence_reason="出差") for m in side_a.members],
        )
    assert len(inbox(side_a.member_user)) == 1 and len(mail.outbox) == 1


def test_no_task_no_notice_for_a_draft(side_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log(side_a, code="party_lecture", absent=[side_a.member], submit=False)
    assert inbox(side_a.member_user) == []


# --- unlock ----------------------------------------------------------------------------------------------------


def test_unlock_tells_the_branch_secretaries_in_shanghai_time(
    client, side_a, side_b, committee_user, two_branch_person, django_capture_on_commit_callbacks
):
    record = log(side_a)
    PeriodLock.objects.create(month=timezone.localdate(record.held_at).replace(day=1))
    client.force_login(committee_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("partylife:activity_unlock", args=[record.pk]), {"reason": "补充会议记录"}, follow=True
        )
    until = ActivityUnlock.objects.get().until
    local, utc = timezone.localtime(until), until.astimezone(dt.UTC)
    page = response.content.decode()
    assert f"记录已解锁，{local:%Y-%m-%d %H:%M} 前可修改" in page and f"{utc:%Y-%m-%d %H:%M} 前" not in page
    for user in (side_a.branch_secretary, two_branch_person):  # both keep the first branch's records
        [note] = inbox(user)
        assert note.title == "记录已解锁：研究工作" and note.url == record.get_absolute_url()
        label = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
        assert f"{label}前可修改" in note.body and "解锁原因：补充会议记录" in note.body
    # Not the unit's secretary (the branch has its own), nobody of unit B, not the member.
    for user in (side_a.unit_secretary, side_b.unit_secretary, side_b.branch_secretary, side_a.member_user):
        assert inbox(user) == []


def test_a_branch_without_a_secretary_tells_the_units(
    side_a, committee_user, two_branch_person, django_capture_on_commit_callbacks
):
    """The second branch has no secretary: its unit's are told; the person who is only its member is not."""
    record = log(side_a, branch=side_a.other_branch)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_unlock(actor=committee_user, activity=record, reason="更正")
    assert [n.title for n in inbox(side_a.unit_secretary)] == ["记录已解锁：研究工作"]
    assert inbox(two_branch_person) == [] and inbox(side_a.branch_secretary) == []


# --- 退回 (return) -------------------------------------------------------------------------------------------------


def test_committee_returns_a_submitted_record(
    client, side_a, committee_user, two_branch_person, django_capture_on_commit_callbacks
):
    record = log(side_a)
    versions = record.history.count()
    client.force_login(committee_user)
    detail = client.get(record.get_absolute_url()).content.decode()
    assert "退回该记录" in detail and reverse("partylife:activity_return", args=[record.pk]) in detail
    url = reverse("partylife:activity_return", args=[record.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "出勤人数与签到表不符"}, follow=True)
    assert "记录已退回为草稿" in response.content.decode()
    record.refresh_from_db()
    assert record.status == ActivityStatus.DRAFT and not record.counts
    assert record.return_reason == "出勤人数与签到表不符" and record.submitted_at is None
    log_row = ActivityReturn.objects.get()
    assert log_row.returned_by == committee_user and log_row.reason == "出勤人数与签到表不符"
    assert record.history.count() == versions + 1  # 留痕: the change of status is in the record's history
    assert record.history.first().status == "draft" and record.history.all()[1].status == "submitted"
    for user in (side_a.branch_secretary, two_branch_person):
        [note] = inbox(user)
        assert note.title == "记录被退回：研究工作" and "原因：出勤人数与签到表不符" in note.body
    # The secretary sees why, on the record and in the list; resubmitting clears it.
    client.force_login(side_a.branch_secretary)
    page = client.get(record.get_absolute_url()).content.decode()
    assert "工委已退回该记录" in page and "出勤人数与签到表不符" in page and url not in page
    assert "已退回" in client.get(reverse("partylife:activity_list")).content.decode()
    # It was submitted once: it is corrected and submitted again, never deleted.
    assert reverse("partylife:activity_delete", args=[record.pk]) not in page
    with pytest.raises(ValidationError, match="工委退回的记录不能删除"):
        services.activity_delete(actor=side_a.branch_secretary, activity=record)
    services.activity_submit(actor=side_a.branch_secretary, activity=record)
    record.refresh_from_db()
    assert record.status == ActivityStatus.SUBMITTED and record.return_reason == ""
    assert "工委已退回该记录" not in client.get(record.get_absolute_url()).content.decode()


def test_only_the_committee_returns_and_only_submitted_records(
    client, side_a, side_b, committee_user, two_branch_person
):
    record = log(side_a)
    url = reverse("partylife:activity_return", args=[record.pk])
    for user in (side_a.unit_secretary, side_a.branch_secretary, two_branch_person, side_a.member_user):
        with pytest.raises(PermissionDenied):
            services.activity_return(actor=user, activity=record, reason="退回")
        client.force_login(user)
        assert client.post(url, {"reason": "退回"}).status_code == 403
        assert url not in client.get(record.get_absolute_url()).content.decode()
    for user in (side_b.unit_secretary, side_b.branch_secretary, side_b.member_user):
        client.force_login(user)
        assert client.post(url, {"reason": "退回"}).status_code in (403, 404)
    record.refresh_from_db()
    assert record.status == ActivityStatus.SUBMITTED and not ActivityReturn.objects.exists()
    with pytest.raises(ValidationError, match="请填写退回原因"):
        services.activity_return(actor=committee_user, activity=record, reason="  ")
    draft = log(side_a, submit=False)
    with pytest.raises(ValidationError, match="只有已提交的记录可以退回"):
        services.activity_return(actor=committee_user, activity=draft, reason="退回")


def test_returning_a_record_of_a_closed_month_unlocks_it(side_a, committee_user):
    record = log(side_a)
    PeriodLock.objects.create(month=timezone.localdate(record.held_at).replace(day=1))
    assert services.is_locked(record)
    services.activity_return(actor=committee_user, activity=record, reason="补充照片")
    record.refresh_from_db()
    assert not services.is_locked(record) and ActivityUnlock.objects.get().reason == "退回：补充照片"
    services.activity_update(
        actor=side_a.branch_secretary,
        activity=record,
        unit=None,
        branch=side_a.branch,
        party_group=None,
        fields={"topic": "研究工作（已更正）"},
    )


def test_the_api_returns_too(client, side_a, side_b, committee_user):
    record = log(side_a)
    url = f"{API}{record.pk}/return/"
    client.force_login(side_b.unit_secretary)
    assert client.post(url, {"reason": "退回"}, content_type="application/json").status_code == 404
    client.force_login(side_a.unit_secretary)
    assert client.post(url, {"reason": "退回"}, content_type="application/json").status_code == 403
    client.force_login(committee_user)
    assert client.post(url, {"reason": ""}, content_type="application/json").status_code == 400
    response = client.post(url, json.dumps({"reason": "请补充"}), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "draft" and response.json()["return_reason"] == "请补充"
    again = client.post(url, json.dumps({"reason": "再退"}), content_type="application/json")
    assert again.status_code == 400 and "只有已提交的记录可以退回" in json.dumps(again.json(), ensure_ascii=False)
    assert Activity.objects.get().status == "draft"
