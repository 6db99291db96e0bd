"""Activity record pages: the type picker, the one-page form, detail, list, export, evidence files.

Every write goes through the page as a secretary would; errors are Chinese and save
nothing (no rows, no files); people of unit B never reach unit A's records.
"""

import datetime as dt
import io
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.partylife import services
from apps.partylife.models import (
    Activity,
    ActivityStatus,
    ActivityUnlock,
    Attendance,
    EnterpriseProblem,
    Evidence,
    EvidenceKind,
    PeriodLock,
)
from apps.partylife.services import AttendanceInput, EvidenceInput
from tests.orgs.factories import MemberFactory, PartyGroupFactory
from tests.partylife.factories import ActivityFactory, activity_type, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings):
    """Where this test's uploads go (the root conftest gives every test its own folder)."""
    return Path(settings.MEDIA_ROOT)


def stored_files(root) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def held(days_ago: int = 2) -> dt.datetime:
    """A past local time (10:00 a few days ago), so submitting is allowed whatever today is."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def held_text(days_ago: int = 2) -> str:
    return timezone.localtime(held(days_ago)).strftime("%Y-%m-%dT%H:%M")


def month_of(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date().replace(day=1)


@pytest.fixture
def committee7(side_a):
    """Seven 支部委员 in A's first branch (its three plain members stay off a 支委会's default list)."""
    return [MemberFactory(branch=side_a.branch, name=f"A支委{i}", is_branch_committee=True) for i in range(7)]


def create_url(code="branch_committee_meeting"):
    return reverse("partylife:activity_create", args=[code])


def form_data(branch, members, *, absent=(), reasons=None, action="submit", **fields):
    """What the browser posts from the record form: everyone listed, all ticked present but `absent`."""
    reasons = reasons or {}
    data = {
        "branch": branch.pk,
        "held_at": held_text(),
        "place": "三楼会议室",
        "host": "书记",
        "topic": "研究发展党员工作",
        "minutes": "议定事项：一、二、三",
        "action": action,
        "att": [m.pk for m in members],
        "present": [m.pk for m in members if m not in absent],
    }
    for m in absent:
        data[f"reason_{m.pk}"] = reasons.get(m.pk, "")
    data.update(fields)
    return data


def log(side, actor, *, code="branch_committee_meeting", attendees=None, photo=True, submit=True, **fields):
    """A record made through the service (the setup of tests that look at it)."""
    return services.activity_record(
        actor=actor,
        activity_type=activity_type(code),
        branch=side.branch,
        fields={"topic": "研究支部工作", "held_at": held(), "minutes": "记录", **fields},
        attendance=[AttendanceInput(m.pk) for m in (attendees if attendees is not None else side.members)],
        evidence=[EvidenceInput(EvidenceKind.PHOTO, png_upload())] if photo else [],
        submit=submit,
    )


def page_text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        wb = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    return response.content.decode()


# --- the type picker ---------------------------------------------------------------------------------


def test_branch_secretary_picks_among_branch_types(client, side_a):
    client.force_login(side_a.branch_secretary)
    response = client.get(reverse("partylife:activity_new") + f"?branch={side_a.branch.pk}")
    text = page_text(response)
    assert response.status_code == 200
    for heading in ("组织生活", "理论学习", "实践活动"):
        assert heading in text
    assert create_url() + f"?branch={side_a.branch.pk}" in text
    assert "须有：会议记录、现场照片、出勤名单" in text  # 支委会's required evidence
    assert create_url("center_group_study") not in text  # unit-level: not for a branch secretary
    assert client.get(create_url("center_group_study")).status_code == 403


def test_unit_secretary_also_logs_unit_types(client, side_a):
    client.force_login(side_a.unit_secretary)
    text = page_text(client.get(reverse("partylife:activity_new")))
    assert create_url("center_group_study") in text and create_url("first_topic") in text
    assert create_url() in text


def test_member_cannot_log(client, side_a):
    client.force_login(side_a.member_user)
    assert client.get(reverse("partylife:activity_new")).status_code == 403
    assert client.get(create_url()).status_code == 403
    assert client.post(create_url(), form_data(side_a.branch, side_a.members)).status_code == 403
    assert not Activity.objects.exists()


# --- logging a 支委会 ------------------------------------------------------------------------------------


def test_committee_meeting_with_seven_attendees_and_a_photo(client, side_a, committee7, media):
    client.force_login(side_a.branch_secretary)
    page = client.get(create_url())
    text = page_text(page)
    assert page.status_code == 200
    # Defaults: the only branch preselected, the 7 committee members ticked present, the time set.
    assert f'<option value="{side_a.branch.pk}" selected>' in text
    for m in committee7:
        assert f'name="present" value="{m.pk}" id="att-{m.pk}" data-att-present-box checked>' in text
    assert page.context["form"]["held_at"].value() is not None

    response = client.post(create_url(), {**form_data(side_a.branch, committee7), "photos": png_upload("现场.png")})
    record = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    assert record.status == ActivityStatus.SUBMITTED and record.evidence_complete and record.counts
    assert (
        record.branch == side_a.branch and record.unit == side_a.unit and record.created_by == side_a.branch_secretary
    )
    assert Attendance.objects.filter(activity=record, present=True).count() == 7
    evidence = record.evidence.get()
    assert evidence.kind == EvidenceKind.PHOTO and evidence.original_name == "现场.png"
    assert (media / evidence.file.name).exists()

    detail = page_text(client.get(response["Location"]))
    assert "已提交" in detail and "需补充" not in detail
    assert reverse("partylife:evidence_file", args=[evidence.pk]) in detail
    assert "出席 7 人" in detail
    file_response = client.get(reverse("partylife:evidence_file", args=[evidence.pk]))
    assert file_response.status_code == 200
    assert file_response["Content-Type"] == "image/png"
    assert file_response["Content-Disposition"] == f"inline; filename*=UTF-8''{quote('现场.png')}"
    assert file_response["X-Content-Type-Options"] == "nosniff"
    assert "private" in file_response["Cache-Control"]
    assert b"".join(file_response.streaming_content).startswith(b"\x89PNG")


def test_absent_member_with_reason_and_extra_attendee(client, side_a, committee7):
    client.force_login(side_a.branch_secretary)
    guest = side_a.members[1]  # not a committee member: added to the list as 列席
    data = form_data(side_a.branch, [*committee7, guest], absent=[committee7[0]], reasons={committee7[0].pk: "出差"})
    client.post(create_url(), {**data, "photos": png_upload()})
    record = Activity.objects.get()
    rows = {a.member_id: a for a in record.attendances.all()}
    assert len(rows) == 8 and rows[guest.pk].present
    assert not rows[committee7[0].pk].present and rows[committee7[0].pk].absence_reason == "出差"
    # On edit the saved attendance is shown, the absence with its reason.
    edit = page_text(client.get(reverse("partylife:activity_edit", args=[record.pk])))
    assert f'name="reason_{committee7[0].pk}" value="出差"' in edit
    assert f'name="present" value="{committee7[0].pk}" id="att-{committee7[0].pk}" data-att-present-box>' in edit


def test_draft_may_be_incomplete(client, side_a, committee7):
    client.force_login(side_a.branch_secretary)
    response = client.post(create_url(), form_data(side_a.branch, committee7, action="draft"), follow=True)
    record = Activity.objects.get()
    assert record.status == ActivityStatus.DRAFT and not record.evidence_complete
    assert "草稿已保存。提交前还需补充：现场照片" in page_text(response)


def test_submitted_without_photo_shows_需补充(client, side_a, committee7):
    client.force_login(side_a.branch_secretary)
    response = client.post(create_url(), form_data(side_a.branch, committee7), follow=True)
    record = Activity.objects.get()
    assert record.status == ActivityStatus.SUBMITTED and not record.evidence_complete and not record.counts
    text = page_text(response)
    assert "需补充：现场照片" in text  # the message after saving
    assert "需补充" in page_text(client.get(record.get_absolute_url()))
    listing = page_text(client.get(reverse("partylife:activity_list") + "?status=incomplete"))
    assert record.topic in listing


def test_absent_without_reason_saves_nothing(client, side_a, committee7, media):
    client.force_login(side_a.branch_secretary)
    data = form_data(side_a.branch, committee7, absent=[committee7[2]])
    response = client.post(create_url(), {**data, "photos": png_upload()})
    assert response.status_code == 200
    text = page_text(response)
    # issue 7: the chosen file is kept (暂存) for the next submit instead of being dropped.
    assert "缺席的党员须填写缺席原因" in text and "已选择的文件已暂存，无须重新选择" in text
    # What was entered is kept: the absent person stays unticked, the topic stays.
    assert f'name="present" value="{committee7[2].pk}" id="att-{committee7[2].pk}" data-att-present-box>' in text
    assert "研究发展党员工作" in text
    assert not Activity.objects.exists() and not Attendance.objects.exists() and not Evidence.objects.exists()
    assert stored_files(media / "evidence") == [] and len(stored_files(media / "staged")) == 1  # the staged file only


def test_fake_image_is_refused_and_saves_nothing(client, side_a, committee7, media):
    client.force_login(side_a.branch_secretary)
    fake = SimpleUploadedFile("photo.jpg", b"this is only text pretending to be a photo", content_type="image/jpeg")
    response = client.post(create_url(), {**form_data(side_a.branch, committee7), "photos": [png_upload(), fake]})
    assert response.status_code == 200
    assert "“photo.jpg”不是可接受的文件类型" in page_text(response)
    assert not Activity.objects.exists() and not Evidence.objects.exists()
    # The good PNG written before the bad file was removed again; issue 7 keeps it staged for the next submit.
    assert stored_files(media / "evidence") == [] and len(stored_files(media / "staged")) == 1


def test_oversized_file_is_refused(client, side_a, committee7, media, settings):
    settings.PORTAL_EVIDENCE_MAX_BYTES = 200
    client.force_login(side_a.branch_secretary)
    big = png_upload("big.png", size=(400, 300))
    assert big.size > 200
    response = client.post(create_url(), {**form_data(side_a.branch, committee7), "photos": big})
    assert response.status_code == 200
    assert "“big.png”超过" in page_text(response)
    assert not Activity.objects.exists() and stored_files(media) == []


def test_missing_topic_and_future_submit_are_refused(client, side_a, committee7):
    client.force_login(side_a.branch_secretary)
    response = client.post(create_url(), form_data(side_a.branch, committee7, topic=""))
    assert response.status_code == 200 and "主题：该字段是必填项" in page_text(response)
    future = timezone.localtime() + dt.timedelta(days=3)
    response = client.post(
        create_url(), form_data(side_a.branch, committee7, held_at=future.strftime("%Y-%m-%dT%H:%M"))
    )
    assert "活动尚未开展：时间不能晚于今天" in page_text(response)  # issue 7: not even as a draft
    assert not Activity.objects.exists()


def test_branch_secretary_cannot_log_for_the_sibling_branch(client, side_a):
    client.force_login(side_a.branch_secretary)
    other = [side_a.other_branch_member]
    response = client.post(create_url(), form_data(side_a.other_branch, other))
    assert response.status_code == 200
    assert "选择一个有效的选项" in page_text(response)
    assert not Activity.objects.exists()
    # The branch select offers their own branch only.
    assert side_a.other_branch.name not in page_text(client.get(create_url()))


def test_attendance_must_come_from_the_roster(client, side_a, side_b):
    client.force_login(side_a.branch_secretary)
    response = client.post(create_url(), form_data(side_a.branch, [side_a.members[0], side_b.members[0]]))
    assert "出勤名单只能包含本支部（单位）在册党员" in page_text(response)
    assert not Activity.objects.exists()


# --- type-specific parts -------------------------------------------------------------------------------


def test_heart_talk_needs_two_different_people(client, side_a):
    client.force_login(side_a.branch_secretary)
    url = create_url("heart_talk")
    page = page_text(client.get(url))
    assert 'name="talker"' in page and 'name="talkee"' in page and 'name="att"' not in page
    a, b = side_a.members[0], side_a.members[1]
    base = {"branch": side_a.branch.pk, "held_at": held_text(), "topic": "谈思想谈工作", "action": "submit"}
    response = client.post(url, {**base, "talker": a.pk, "talkee": a.pk, "minutes": "谈话要点"})
    assert response.status_code == 200 and "谈话双方不能是同一人" in page_text(response)
    assert not Activity.objects.exists()
    client.post(url, {**base, "talker": a.pk, "talkee": b.pk, "minutes": "谈话要点"})
    record = Activity.objects.get()
    assert (record.talker, record.talkee) == (a, b) and record.evidence_complete
    assert set(record.attendances.values_list("member_id", flat=True)) == {a.pk, b.pk}


def test_enterprise_visit_with_problems(client, side_a):
    client.force_login(side_a.branch_secretary)
    url = create_url("cadres_link_enterprises")
    page = page_text(client.get(url))
    assert "添加问题" in page and "交通物流" in page and 'name="problems-0-category"' in page
    base = {
        "branch": side_a.branch.pk,
        "held_at": held_text(),
        "topic": "走访企业",
        "enterprise_name": "某某制造有限公司",
        "cadre": side_a.members[1].pk,
        "minutes": "走访记录",
        "action": "submit",
        "problems-0-category": "financing",
        "problems-0-description": "流动资金紧张",
        "problems-0-solved": "1",
        "problems-3-category": "labour",  # rows cloned in the browser may skip numbers
        "problems-3-description": "招工难",
        "problems-5-category": "",  # a blank row is ignored
    }
    response = client.post(url, base)
    assert response.status_code == 200 and "已解决的问题须填写解决日期" in page_text(response)
    assert not Activity.objects.exists() and not EnterpriseProblem.objects.exists()

    solved_on = timezone.localdate().isoformat()
    response = client.post(url, {**base, "problems-0-solved_on": solved_on, "problems-0-solution": "协调贷款"})
    record = Activity.objects.get()
    assert response.status_code == 302
    problems = list(record.problems.order_by("id"))
    assert [(p.category, p.description, p.solved) for p in problems] == [
        ("financing", "流动资金紧张", True),
        ("labour", "招工难", False),
    ]
    assert problems[0].solved_on.isoformat() == solved_on
    assert record.cadre == side_a.members[1] and record.enterprise_name == "某某制造有限公司"
    detail = page_text(client.get(record.get_absolute_url()))
    assert "流动资金紧张" in detail and "融资" in detail and "未解决" in detail


def test_party_group_meeting_lists_the_groups_members(client, side_a):
    group = PartyGroupFactory(branch=side_a.branch, name="第一党小组")
    PartyGroupFactory(branch=side_a.other_branch, name="别支部小组")
    in_group = side_a.members[:2]
    for m in in_group:
        m.party_group = group
        m.save()
    client.force_login(side_a.branch_secretary)
    url = create_url("party_group_meeting")
    text = page_text(client.get(url))
    assert "第一党小组" in text and "别支部小组" not in text
    text = page_text(client.get(url + f"?party_group={group.pk}"))
    ticked = [m for m in side_a.members if f'value="{m.pk}" id="att-{m.pk}" data-att-present-box checked>' in text]
    assert ticked == in_group
    response = client.post(url, {**form_data(side_a.branch, in_group), "party_group": group.pk})
    assert response.status_code == 302
    assert Activity.objects.get().party_group == group


def test_unit_secretary_logs_center_group_study(client, side_a):
    leader = side_a.members[0]
    leader.is_leading_cadre = True
    leader.save()
    client.force_login(side_a.unit_secretary)
    url = create_url("center_group_study")
    text = page_text(client.get(url))
    everyone = [*side_a.members, side_a.other_branch_member]
    # 中心组: the unit's leaders are expected and ticked; the rest of the unit can be added.
    assert f'value="{leader.pk}" id="att-{leader.pk}" data-att-present-box checked>' in text
    for m in everyone[1:]:
        assert f'value="{m.pk}" id="att-{m.pk}" data-att-present-box checked>' not in text
        assert f'value="{m.pk}"' in text
    data = {
        "unit": side_a.unit.pk,
        "held_at": held_text(),
        "topic": "学习全会精神",
        "minutes": "研讨发言",
        "action": "submit",
        "att": [m.pk for m in everyone],
        "present": [m.pk for m in everyone],
    }
    assert client.post(url, data).status_code == 302
    record = Activity.objects.get()
    assert record.unit == side_a.unit and record.branch is None and record.attendances.count() == 4


def test_also_counts_as_is_saved(client, side_a):
    client.force_login(side_a.branch_secretary)
    appraisal = activity_type("democratic_appraisal")
    data = form_data(side_a.branch, side_a.members, also_counts_as=[appraisal.pk])
    client.post(create_url("org_life_meeting"), {**data, "photos": png_upload()})
    record = Activity.objects.get()
    assert list(record.also_counts_as.all()) == [appraisal]
    assert "民主评议党员" in page_text(client.get(record.get_absolute_url()))


# --- edit, lock, unlock, delete -----------------------------------------------------------------------------


def test_edit_changes_record_and_keeps_history(client, side_a):
    record = log(side_a, side_a.branch_secretary)
    client.force_login(side_a.branch_secretary)
    url = reverse("partylife:activity_edit", args=[record.pk])
    page = page_text(client.get(url))
    assert "研究支部工作" in page and "保存修改" in page and "保存草稿" not in page
    data = form_data(side_a.branch, side_a.members, topic="研究支部工作（更正）")
    assert client.post(url, data).status_code == 302
    record.refresh_from_db()
    assert record.topic == "研究支部工作（更正）" and record.evidence_complete  # the photo is still there
    detail = page_text(client.get(record.get_absolute_url()))
    assert "变更记录" in detail and "主题" in detail


def test_locked_month_blocks_edit_until_committee_unlocks(client, side_a, committee_user):
    record = log(side_a, side_a.branch_secretary)
    PeriodLock.objects.create(month=month_of(record.held_at))
    edit_url = reverse("partylife:activity_edit", args=[record.pk])
    client.force_login(side_a.branch_secretary)
    response = client.get(edit_url, follow=True)
    assert response.redirect_chain[-1][0] == record.get_absolute_url()
    text = page_text(response)
    assert "已关账，不能修改" in text and "🔒 已关账" in text and edit_url not in text
    client.post(edit_url, form_data(side_a.branch, side_a.members, topic="偷偷改"))
    record.refresh_from_db()
    assert record.topic == "研究支部工作"
    # Only the committee unlocks, with a reason.
    unlock_url = reverse("partylife:activity_unlock", args=[record.pk])
    assert client.post(unlock_url, {"reason": "补充材料"}).status_code == 403
    client.force_login(committee_user)
    assert "解锁该记录" in page_text(client.get(record.get_absolute_url()))
    client.post(unlock_url, {"reason": ""})
    assert not ActivityUnlock.objects.exists()
    client.post(unlock_url, {"reason": "补充会议记录"})
    unlock = ActivityUnlock.objects.get()
    assert unlock.reason == "补充会议记录" and unlock.unlocked_by == committee_user
    # Now the branch secretary can edit.
    client.force_login(side_a.branch_secretary)
    assert client.get(edit_url).status_code == 200
    assert client.post(edit_url, form_data(side_a.branch, side_a.members, topic="补充后")).status_code == 302
    record.refresh_from_db()
    assert record.topic == "补充后"
    assert "补充会议记录" in page_text(client.get(record.get_absolute_url()))  # the unlock log


def test_delete_draft_but_not_submitted(client, side_a, media, django_capture_on_commit_callbacks):
    draft = log(side_a, side_a.branch_secretary, submit=False)
    submitted = log(side_a, side_a.branch_secretary)
    client.force_login(side_a.branch_secretary)
    detail = page_text(client.get(draft.get_absolute_url()))
    assert reverse("partylife:activity_delete", args=[draft.pk]) in detail and "data-confirm" in detail
    assert reverse("partylife:activity_delete", args=[submitted.pk]) not in page_text(
        client.get(submitted.get_absolute_url())
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("partylife:activity_delete", args=[draft.pk]))
    assert response.status_code == 302 and not Activity.objects.filter(pk=draft.pk).exists()
    assert len(stored_files(media)) == 2  # the draft's photo stays while it is in the trash (回收站)
    assert client.get(reverse("partylife:activity_delete", args=[submitted.pk])).status_code == 405
    response = client.post(reverse("partylife:activity_delete", args=[submitted.pk]), follow=True)
    assert "已提交的记录不能删除" in page_text(response)
    assert Activity.objects.filter(pk=submitted.pk).exists()


def test_evidence_delete_makes_record_需补充(client, side_a, media, django_capture_on_commit_callbacks):
    record = log(side_a, side_a.branch_secretary)
    evidence = record.evidence.get()
    client.force_login(side_a.branch_secretary)
    edit = page_text(client.get(reverse("partylife:activity_edit", args=[record.pk])))
    assert reverse("partylife:evidence_delete", args=[evidence.pk]) in edit
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("partylife:evidence_delete", args=[evidence.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert not Evidence.objects.exists() and not record.evidence_complete
    assert len(stored_files(media)) == 1  # kept until the trash entry is purged


# --- permissions: two units ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["unit_secretary", "branch_secretary", "member_user"])
def test_people_of_b_get_nothing_of_a(client, side_a, side_b, committee_user, who, media):
    record = log(side_a, side_a.branch_secretary, topic="甲单位机密议题", submit=False)
    evidence = record.evidence.get()
    client.force_login(getattr(side_b, who))
    urls = [
        ("get", reverse("partylife:activity_detail", args=[record.pk])),
        ("get", reverse("partylife:activity_edit", args=[record.pk])),
        ("post", reverse("partylife:activity_edit", args=[record.pk])),
        ("post", reverse("partylife:activity_delete", args=[record.pk])),
        ("post", reverse("partylife:activity_unlock", args=[record.pk])),
        ("get", reverse("partylife:evidence_file", args=[evidence.pk])),
        ("post", reverse("partylife:evidence_delete", args=[evidence.pk])),
    ]
    for method, url in urls:
        response = getattr(client, method)(url, {"topic": "改", "reason": "改"} if method == "post" else None)
        assert response.status_code in (403, 404), (method, url, response.status_code)
        assert "甲单位机密议题" not in page_text(response)
    record.refresh_from_db()
    assert record.topic == "甲单位机密议题" and Evidence.objects.filter(pk=evidence.pk).exists()
    assert not ActivityUnlock.objects.exists()
    for name in ("partylife:activity_list", "partylife:activity_export"):
        assert "甲单位机密议题" not in page_text(client.get(reverse(name)))
    # B's own record is there for B's managers.
    log(side_b, side_b.branch_secretary, topic="乙单位议题")
    if who != "member_user":
        assert "乙单位议题" in page_text(client.get(reverse("partylife:activity_list")))


def test_sibling_branch_secretary_cannot_reach_the_branch_records(client, side_a):
    from tests.orgs.factories import UserFactory, make_branch_secretary

    record = log(side_a, side_a.branch_secretary, topic="一支部议题")
    sibling = make_branch_secretary(UserFactory(username="sibling"), side_a.other_branch)
    client.force_login(sibling)
    assert client.get(record.get_absolute_url()).status_code == 404
    assert client.get(reverse("partylife:evidence_file", args=[record.evidence.get().pk])).status_code == 404
    assert "一支部议题" not in page_text(client.get(reverse("partylife:activity_list")))
    # The unit secretary sees and may edit it.
    client.force_login(side_a.unit_secretary)
    assert client.get(reverse("partylife:activity_edit", args=[record.pk])).status_code == 200


def test_member_sees_only_activities_attended(client, side_a):
    attended = log(side_a, side_a.branch_secretary, topic="我参加的会", attendees=side_a.members)
    other = log(side_a, side_a.branch_secretary, topic="别人的会", attendees=side_a.members[1:])
    client.force_login(side_a.member_user)
    listing = page_text(client.get(reverse("partylife:activity_list")))
    assert "我参加的会" in listing and "别人的会" not in listing and "我的组织生活" in listing
    export = page_text(client.get(reverse("partylife:activity_export")))
    assert "我参加的会" in export and "别人的会" not in export
    assert client.get(attended.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    own_file = reverse("partylife:evidence_file", args=[attended.evidence.get().pk])
    assert client.get(own_file).status_code == 200
    assert client.get(reverse("partylife:evidence_file", args=[other.evidence.get().pk])).status_code == 404
    # Seeing is not editing.
    detail = page_text(client.get(attended.get_absolute_url()))
    assert reverse("partylife:activity_edit", args=[attended.pk]) not in detail and "变更记录" not in detail
    assert client.get(reverse("partylife:activity_edit", args=[attended.pk])).status_code == 403
    response = client.post(reverse("partylife:evidence_delete", args=[attended.evidence.get().pk]))
    assert response.status_code == 403 and Evidence.objects.filter(activity=attended).exists()


def test_missing_file_on_disk_is_404_not_500(client, side_a, media):
    record = log(side_a, side_a.branch_secretary)
    evidence = record.evidence.get()
    (media / evidence.file.name).unlink()
    client.force_login(side_a.branch_secretary)
    assert client.get(reverse("partylife:evidence_file", args=[evidence.pk])).status_code == 404


# --- the list and its export ------------------------------------------------------------------------------------


def test_list_filters(client, side_a):
    lecture = activity_type("party_lecture")
    ActivityFactory(branch=side_a.branch, topic="三月支委会", held_at=held(0).replace(year=2025, month=3, day=10))
    ActivityFactory(
        branch=side_a.branch,
        topic="七月党课",
        activity_type=lecture,
        held_at=held(0).replace(year=2025, month=7, day=1),
    )
    ActivityFactory(branch=side_a.other_branch, topic="二支部草稿", status=ActivityStatus.DRAFT, held_at=held())
    client.force_login(side_a.unit_secretary)
    url = reverse("partylife:activity_list")

    def topics(query):
        response = client.get(url + query)
        assert response.status_code == 200
        return sorted(a.topic for a in response.context["page"])

    assert topics("") == ["七月党课", "三月支委会", "二支部草稿"]
    assert topics("?type=party_lecture") == ["七月党课"]
    assert topics(f"?branch={side_a.other_branch.pk}") == ["二支部草稿"]
    assert topics("?period=2025-03") == ["三月支委会"]
    assert topics("?period=2025-Q3") == ["七月党课"]
    assert topics("?period=2025") == ["七月党课", "三月支委会"]
    assert topics("?status=draft") == ["二支部草稿"]
    assert topics("?status=submitted&q=党课") == ["七月党课"]
    response = client.get(url + "?period=2025-13")
    assert response.status_code == 200 and "期间“2025-13”无法识别：月份应在 1 到 12 之间" in page_text(response)
    assert len(response.context["page"]) == 3  # a bad period is reported and not applied
    assert client.get(url + "?period=明年&page=abc&branch=x").status_code == 200


def test_export_columns(client, side_a):
    record = log(side_a, side_a.branch_secretary, attendees=side_a.members, place="党员活动室", host="张书记")
    Attendance.objects.filter(activity=record, member=side_a.members[2]).update(present=False, absence_reason="病假")
    client.force_login(side_a.branch_secretary)
    response = client.get(reverse("partylife:activity_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[0] == (
        "单位",
        "支部",
        "类型",
        "主题",
        "时间",
        "地点",
        "主持人",
        "出席人数",
        "缺席人数",
        "状态",
        "材料是否齐全",
    )
    local = timezone.localtime(record.held_at).replace(tzinfo=None)
    assert rows[1] == (
        side_a.unit.name,
        side_a.branch.name,
        "支部委员会会议",
        "研究支部工作",
        local,
        "党员活动室",
        "张书记",
        2,
        1,
        "已提交",
        "是",
    )


@pytest.mark.parametrize("who", ["branch_secretary", "committee"])
def test_list_query_count_does_not_grow(client, side_a, committee_user, assert_constant_queries, who):
    user = committee_user if who == "committee" else side_a.branch_secretary
    client.force_login(user)
    url = reverse("partylife:activity_list")

    def make(n):
        for i in range(n):
            record = ActivityFactory(branch=side_a.branch, topic=f"会议{i}", held_at=held(i % 20 + 1))
            for m in side_a.members:
                Attendance.objects.create(activity=record, member=m, present=m != side_a.members[2], absence_reason="")

    make(3)
    client.get(url)  # warm-up: content types, sessions
    expected = {"branch_secretary": 12, "committee": 12}[who]
    response = assert_constant_queries(lambda: client.get(url), grow=lambda: make(27), expected=expected)
    assert response.status_code == 200
    assert len(response.context["page"]) == 20 and response.context["page"].paginator.count == 30


def test_branch_choice_preselected_from_the_url_and_roster_follows(client, side_a):
    client.force_login(side_a.unit_secretary)  # two branches: nothing is preselected by default
    response = client.get(create_url("branch_general_meeting"))
    assert response.context["form"].chosen_branch is None
    assert 'name="att"' not in page_text(response) and "请先选择支部" in page_text(response)
    # ?branch= (from the calendar or the branch page) chooses it; the roster is that branch's.
    text = page_text(client.get(create_url("branch_general_meeting") + f"?branch={side_a.other_branch.pk}"))
    assert f'<option value="{side_a.other_branch.pk}" selected>' in text
    member = side_a.other_branch_member
    assert f'value="{member.pk}" id="att-{member.pk}" data-att-present-box checked>' in text
    assert all(f'id="att-{m.pk}"' not in text for m in side_a.members)
    # A branch outside the user's scope in the URL is ignored.
    response = client.get(create_url("branch_general_meeting") + "?branch=999999")
    assert response.status_code == 200 and response.context["form"].chosen_branch is None
    assert '<option value="" selected>请选择支部</option>' in page_text(response)


def test_the_list_counts_attendance_only_for_the_rows_it_shows(client, side_a):
    """Issue 12: the records list pages before it counts attendance — the paginator's COUNT reads the records
    alone (no join of the attendance rows, no GROUP BY), and the counts shown are each record's own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    two_away = log(side_a, side_a.branch_secretary, topic="两人缺席", attendees=side_a.members)
    Attendance.objects.filter(activity=two_away, member__in=side_a.members[:2]).update(present=False)
    log(side_a, side_a.branch_secretary, topic="全体出席", attendees=side_a.members)
    client.force_login(side_a.unit_secretary)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("partylife:activity_list"))
    assert response.status_code == 200
    table = Attendance._meta.db_table
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(") and "partylife_activity" in q["sql"]]
    assert counts and all(table not in sql and "GROUP BY" not in sql for sql in counts), counts
    rows = {a.topic: (a.present_count, a.absent_count) for a in response.context["page"]}
    everyone = len(side_a.members)
    assert rows["两人缺席"] == (everyone - 2, 2) and rows["全体出席"] == (everyone, 0)
