"""The record form as its users found they need it (issue 7 §4, §9):

- it says a month is closed (关账) before the user fills it in — for the initial date and when the date
  changes (htmx) — and who to ask;
- a refused submit keeps the chosen files: valid uploads are staged for their user, listed as
  “已选择，提交后保存” and attached by the next successful save; another user's or an expired stage never is;
- a likely duplicate (same branch, type and local hour) is saved only once the user confirms;
- 谈心谈话 asks for a 谈话记录, not a 会议记录;
- “同时计为” says whether the record meets the other type's evidence requirements (page and API).
"""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.partylife import services
from apps.partylife.models import Activity, Evidence, StagedEvidence
from apps.partylife.services import AttendanceInput, EvidenceInput
from tests.partylife.factories import ActivityFactory, activity_type, at, png_upload

pytestmark = pytest.mark.django_db

API = "/api/partylife/activities/"


def create_url(code="branch_committee_meeting"):
    return reverse("partylife:activity_create", args=[code])


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return at(day.year, day.month, day.day, hh, mm)


def text_of(day: dt.date, hh: int, mm: int = 0) -> str:
    return f"{day.isoformat()}T{hh:02d}:{mm:02d}"


def posted(side, held_at: str, **extra) -> dict:
    members = side.members
    return {
        "branch": side.branch.pk,
        "held_at": held_at,
        "topic": "研究发展党员工作",
        "minutes": "议定事项",
        "action": "submit",
        "att": [m.pk for m in members],
        "present": [m.pk for m in members],
        **extra,
    }


@pytest.fixture
def closed_month(committee_user):
    """A month two months back, closed by the committee member 王工委."""
    committee_user.display_name = "王工委"
    committee_user.save()
    first = (timezone.localdate().replace(day=1) - dt.timedelta(days=40)).replace(day=1)
    services.period_close(actor=committee_user, month=first)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


# --- the closed month, said before filling in -----------------------------------------------------------------


def test_a_closed_month_is_said_before_the_form_is_filled(client, side_a, closed_month):
    first, last = closed_month
    client.force_login(side_a.branch_secretary)
    page = client.get(create_url(), {"date": last.isoformat()}).content.decode()
    assert "data-month-closed" in page
    assert f"{first.year}年{first.month}月已关账" in page and "请联系市直机关工委解锁（关账人：王工委，" in page
    # The date field refreshes the notice: 23:59 on the last day is still the closed month; 00:00 next is not.
    evening = client.get(create_url(), {"held_at": text_of(last, 23, 59)}, HTTP_HX_REQUEST="true")
    morning = client.get(create_url(), {"held_at": text_of(last + dt.timedelta(days=1), 0, 0)}, HTTP_HX_REQUEST="true")
    assert "data-month-closed" in evening.content.decode() and "data-month-closed" not in morning.content.decode()
    assert 'id="month-notice"' in morning.content.decode()  # the empty slot a later refresh fills
    assert "#month-notice" in page  # what the date input's refresh swaps in
    # Today's month is open: no notice by default.
    assert "data-month-closed" not in client.get(create_url()).content.decode()


def test_an_unlocked_record_says_until_when(client, side_a, closed_month, committee_user):
    first, last = closed_month
    record = ActivityFactory(branch=side_a.branch, held_at=local(last, 10))
    services.activity_unlock(actor=committee_user, activity=record, reason="补充材料")
    record.refresh_from_db()
    client.force_login(side_a.branch_secretary)
    page = client.get(reverse("partylife:activity_edit", args=[record.pk])).content.decode()
    until = timezone.localtime(record.unlocked_until)
    assert "data-month-unlocked" in page and f"{until:%Y-%m-%d %H:%M} 前可修改" in page
    assert "data-month-closed" not in page


# --- a refused submit keeps the chosen files -------------------------------------------------------------------


def test_a_refused_submit_keeps_the_files_and_the_next_save_attaches_them(client, side_a, settings):
    client.force_login(side_a.branch_secretary)
    held = text_of(timezone.localdate() - dt.timedelta(days=2), 10)
    refused = client.post(create_url(), {**posted(side_a, held, topic=""), "photos": png_upload("现场.png")})
    page = refused.content.decode()
    assert refused.status_code == 200 and not Activity.objects.exists() and not Evidence.objects.exists()
    stage = StagedEvidence.objects.get()
    assert stage.user == side_a.branch_secretary and stage.original_name == "现场.png"
    assert "已选择，提交后保存" in page and "现场.png" in page
    assert f'<input type="hidden" name="staged" value="{stage.pk}">' in page
    # The corrected form is sent again without choosing the file: the record gets it, the stage is gone.
    response = client.post(create_url(), posted(side_a, held, staged=[stage.pk]))
    record = Activity.objects.get()
    assert response.status_code == 302 and record.evidence_complete
    assert record.evidence.get().original_name == "现场.png"
    assert not StagedEvidence.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert (media / record.evidence.get().file.name).exists()


def test_another_users_or_an_expired_stage_is_never_attached(client, side_a, side_b):
    held = text_of(timezone.localdate() - dt.timedelta(days=2), 10)
    [theirs] = services.evidence_stage(actor=side_b.branch_secretary, items=[EvidenceInput("photo", png_upload())])
    [mine] = services.evidence_stage(actor=side_a.branch_secretary, items=[EvidenceInput("photo", png_upload())])
    StagedEvidence.objects.filter(pk=mine.pk).update(staged_at=timezone.now() - StagedEvidence.LIFETIME)
    client.force_login(side_a.branch_secretary)
    for stage in (theirs, mine):
        response = client.post(create_url(), posted(side_a, held, staged=[stage.pk]))
        assert response.status_code == 200 and "已选择的文件已过期或不可用" in response.content.decode()
        assert 'name="staged"' not in response.content.decode()  # not listed as chosen
    assert not Activity.objects.exists() and not Evidence.objects.exists()
    for bad in ("x", "-1", str(10**30)):  # never a 500
        assert client.post(create_url(), posted(side_a, held, staged=[bad])).status_code == 200


def test_stale_stages_are_cleared_and_a_user_keeps_a_bounded_number(side_a, django_capture_on_commit_callbacks):
    actor = side_a.branch_secretary
    [old] = services.evidence_stage(actor=actor, items=[EvidenceInput("photo", png_upload())])
    name = old.file.name
    StagedEvidence.objects.filter(pk=old.pk).update(staged_at=timezone.now() - dt.timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_stage(actor=actor, items=[EvidenceInput("photo", png_upload())])
    assert not StagedEvidence.objects.filter(pk=old.pk).exists() and not old.file.storage.exists(name)
    items = [EvidenceInput("photo", png_upload(f"{i}.png")) for i in range(services.evidence.MAX_STAGED + 3)]
    services.evidence_stage(actor=actor, items=items)
    assert StagedEvidence.objects.filter(user=actor).count() == services.evidence.MAX_STAGED


def test_the_daily_job_clears_stale_stages_and_can_run_twice(side_a, django_capture_on_commit_callbacks):
    from apps.partylife.tasks import purge_staged_evidence_task
    from organ_portal.celery import app

    [fresh, stale] = services.evidence_stage(
        actor=side_a.branch_secretary, items=[EvidenceInput("photo", png_upload()) for _ in range(2)]
    )
    StagedEvidence.objects.filter(pk=stale.pk).update(staged_at=timezone.now() - StagedEvidence.LIFETIME)
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_staged_evidence_task() == 1
    assert purge_staged_evidence_task() == 0
    assert list(StagedEvidence.objects.all()) == [fresh] and not stale.file.storage.exists(stale.file.name)
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "apps.partylife.tasks.purge_staged_evidence_task" in tasks


def test_a_fake_file_is_not_staged(client, side_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(side_a.branch_secretary)
    fake = SimpleUploadedFile("假.jpg", b"text pretending", content_type="image/jpeg")
    held = text_of(timezone.localdate() - dt.timedelta(days=2), 10)
    response = client.post(create_url(), {**posted(side_a, held), "photos": [png_upload("真.png"), fake]})
    assert "“假.jpg”不是可接受的文件类型" in response.content.decode()
    assert list(StagedEvidence.objects.values_list("original_name", flat=True)) == ["真.png"]


# --- likely duplicates -----------------------------------------------------------------------------------------


def test_a_likely_duplicate_asks_for_confirmation(client, side_a):
    day = timezone.localdate() - dt.timedelta(days=3)
    services.activity_record(
        actor=side_a.unit_secretary,
        activity_type=activity_type("branch_committee_meeting"),
        branch=side_a.branch,
        fields={"topic": "单位书记已登记", "held_at": local(day, 9, 0), "minutes": "记录"},
        attendance=[AttendanceInput(m.pk) for m in side_a.members],
    )
    client.force_login(side_a.branch_secretary)
    response = client.post(create_url(), posted(side_a, text_of(day, 9, 59)))
    page = response.content.decode()
    assert response.status_code == 200 and Activity.objects.count() == 1
    assert "可能重复" in page and "“单位书记已登记”" in page and 'name="confirm_duplicate"' in page
    response = client.post(create_url(), posted(side_a, text_of(day, 9, 59), confirm_duplicate="on"))
    assert response.status_code == 302 and Activity.objects.count() == 2
    # Another hour (10:00 local), another branch or another type is no duplicate.
    assert client.post(create_url(), posted(side_a, text_of(day, 10, 0))).status_code == 302
    lecture = client.post(create_url("party_lecture"), posted(side_a, text_of(day, 9, 30)))
    assert lecture.status_code == 302
    # Editing a record without moving it does not ask again.
    first = Activity.objects.get(topic="单位书记已登记")
    edit = client.post(reverse("partylife:activity_edit", args=[first.pk]), posted(side_a, text_of(day, 9, 0)))
    assert edit.status_code == 302


def test_the_api_asks_too(client, side_a):
    client.force_login(side_a.branch_secretary)
    held = f"{(timezone.localdate() - dt.timedelta(days=3)).isoformat()}T09:15:00+08:00"
    body = {
        "activity_type": activity_type("branch_committee_meeting").pk,
        "branch": side_a.branch.pk,
        "topic": "研究工作",
        "held_at": held,
    }
    assert client.post(API, json.dumps(body), content_type="application/json").status_code == 201
    again = client.post(API, json.dumps(body), content_type="application/json")
    assert again.status_code == 400 and "可能是重复登记" in again.json()["duplicate"][0]
    body["confirm_duplicate"] = True
    assert client.post(API, json.dumps(body), content_type="application/json").status_code == 201


def test_talks_with_other_people_in_the_same_hour_are_no_duplicates(side_a):
    a, b, c = side_a.members
    day = timezone.localdate() - dt.timedelta(days=3)
    base = {"actor": side_a.branch_secretary, "activity_type": activity_type("heart_talk"), "branch": side_a.branch}
    fields = {"topic": "谈心", "held_at": local(day, 9), "minutes": "谈话记录"}
    services.activity_create(**base, fields={**fields, "talker": a, "talkee": b}, allow_duplicate=False)
    services.activity_create(**base, fields={**fields, "talker": a, "talkee": c}, allow_duplicate=False)
    with pytest.raises(ValidationError, match="可能是重复登记"):
        services.activity_create(**base, fields={**fields, "talker": b, "talkee": a}, allow_duplicate=False)


# --- 谈心谈话 asks for a 谈话记录 ---------------------------------------------------------------------------------


def test_heart_talk_asks_for_a_talk_record(client, side_a):
    client.force_login(side_a.branch_secretary)
    page = client.get(create_url("heart_talk")).content.decode()
    assert "谈话记录" in page and "本类活动须有：谈话记录" in page and "本类活动须有谈话记录" in page
    assert "谈话记录扫描件" in page and "会议记录" not in page
    a, b = side_a.members[:2]
    held = text_of(timezone.localdate() - dt.timedelta(days=2), 10)
    data = {"branch": side_a.branch.pk, "held_at": held, "topic": "谈心", "talker": a.pk, "talkee": b.pk}
    response = client.post(create_url("heart_talk"), {**data, "action": "draft"}, follow=True)
    assert "提交前还需补充：谈话记录" in response.content.decode()
    record = Activity.objects.get()
    assert services.missing_evidence(record) == ["谈话记录"]
    detail = client.get(record.get_absolute_url()).content.decode()
    assert "提交前还需：<strong>谈话记录</strong>" in detail and "会议记录" not in detail


# --- “同时计为” meets the other type's requirements too -----------------------------------------------------------


def test_also_counts_as_says_what_the_other_type_lacks(client, side_a):
    held = timezone.localtime() - dt.timedelta(days=2)
    record = services.activity_record(
        actor=side_a.branch_secretary,
        activity_type=activity_type("branch_general_meeting"),
        branch=side_a.branch,
        fields={"topic": "党员大会", "held_at": held, "minutes": "记录"},
        also_counts_as=[activity_type("org_life_meeting"), activity_type("democratic_appraisal")],
        attendance=[AttendanceInput(m.pk) for m in side_a.members],
        submit=True,
    )
    assert record.counts  # the 党员大会 needs no photo
    client.force_login(side_a.branch_secretary)
    page = client.get(record.get_absolute_url()).content.decode()
    assert "不计为组织生活会：缺现场照片" in page and "计为民主评议党员" in page
    body = client.get(f"{API}{record.pk}/").json()
    assert [(r["name"], r["meets"], r["missing"], r["text"]) for r in body["also_counts_as_detail"]] == [
        ("组织生活会", False, ["现场照片"], "不计为组织生活会：缺现场照片"),
        ("民主评议党员", True, [], "计为民主评议党员"),
    ]
    services.activity_evidence_add(
        actor=side_a.branch_secretary, activity=record, items=[EvidenceInput("photo", png_upload())]
    )
    assert "计为组织生活会" in client.get(record.get_absolute_url()).content.decode()
    assert "不计为组织生活会" not in client.get(record.get_absolute_url()).content.decode()
