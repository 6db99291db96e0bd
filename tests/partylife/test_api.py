"""Party-life API: records CRUD through the services, attendance, evidence upload, compliance; scoped."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.partylife.models import Activity, ActivityStatus, Attendance, Evidence, MakeupTask
from tests.partylife.factories import ActivityFactory, activity_type, at, png_upload, rule_for

BASE = "/api/partylife/activities/"
COMPLIANCE = "/api/partylife/compliance/"


def _past(days=2) -> str:
    return (timezone.localtime() - dt.timedelta(days=days)).isoformat()


def _payload(side, **extra):
    data = {
        "activity_type": activity_type("branch_committee_meeting").pk,
        "branch": side.branch.pk,
        "topic": "研究第四季度工作",
        "held_at": _past(),
        "place": "三楼会议室",
        "host": "张书记",
        "minutes": "会议研究了……",
        "attendance": [{"member": m.pk, "present": True} for m in side.members],
    }
    data.update(extra)
    return data


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def record_b(side_b):
    activity = ActivityFactory(branch=side_b.branch, topic="乙单位支委会", held_at=at(2026, 10, 9))
    Attendance.objects.create(activity=activity, member=side_b.member)
    return activity


# --- CRUD ---------------------------------------------------------------------------------------------


def test_create_draft_then_submit_then_read(client, side_a):
    client.force_login(side_a.branch_secretary)
    response = _post(client, BASE, _payload(side_a))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["unit"] == side_a.unit.pk
    assert body["missing_evidence"] == ["现场照片"] and body["evidence_complete"] is False
    assert {row["member"] for row in body["attendance"]} == {m.pk for m in side_a.members}
    pk = body["id"]
    response = _patch(client, f"{BASE}{pk}/", {"submit": True, "place": "党员活动室"})
    assert response.status_code == 200, response.json()
    activity = Activity.objects.get(pk=pk)
    assert activity.status == ActivityStatus.SUBMITTED and activity.place == "党员活动室"
    assert activity.attendances.count() == 3  # PATCH without attendance keeps it
    detail = client.get(f"{BASE}{pk}/").json()
    assert detail["status_display"] == "已提交" and detail["activity_type_name"] == "支部委员会会议"
    assert detail["attendance"][0]["member_name"] and detail["locked"] is False


def test_put_replaces_the_record(client, side_a):
    client.force_login(side_a.branch_secretary)
    pk = _post(client, BASE, _payload(side_a)).json()["id"]
    data = _payload(side_a, topic="改过的主题", attendance=[{"member": side_a.members[0].pk}])
    response = client.put(f"{BASE}{pk}/", json.dumps(data), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["topic"] == "改过的主题" and len(response.json()["attendance"]) == 1


def test_delete_draft_only(client, side_a):
    client.force_login(side_a.branch_secretary)
    draft = _post(client, BASE, _payload(side_a)).json()["id"]
    assert client.delete(f"{BASE}{draft}/").status_code == 204
    assert not Activity.objects.filter(pk=draft).exists()
    submitted = _post(client, BASE, _payload(side_a, submit=True)).json()["id"]
    response = client.delete(f"{BASE}{submitted}/")
    assert response.status_code == 400 and "已提交的记录不能删除" in str(response.json())
    assert Activity.objects.filter(pk=submitted).exists()


def test_unit_level_record_by_unit_secretary(client, side_a):
    client.force_login(side_a.unit_secretary)
    data = {
        "activity_type": activity_type("first_topic").pk,
        "unit": side_a.unit.pk,
        "topic": "党组会议第一议题",
        "held_at": _past(),
        "material": "学习重要讲话精神",
        "minutes": "记录",
        "submit": True,
    }
    response = _post(client, BASE, data)
    assert response.status_code == 201, response.json()
    assert response.json()["branch"] is None and response.json()["status"] == "submitted"


def test_enterprise_problems_round_trip(client, side_a):
    client.force_login(side_a.branch_secretary)
    data = _payload(
        side_a,
        activity_type=activity_type("cadres_link_enterprises").pk,
        enterprise_name="某某科技有限公司",
        cadre=side_a.members[1].pk,
        problems=[
            {"category": "financing", "description": "流动资金紧张"},
            {"category": "labour", "description": "招工难", "solved": True, "solved_on": "2026-11-01"},
        ],
    )
    data.pop("attendance")
    response = _post(client, BASE, data)
    assert response.status_code == 201, response.json()
    assert [(p["category_display"], p["solved"]) for p in response.json()["problems"]] == [
        ("融资", False),
        ("用工", True),
    ]


# --- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change,message",
    [
        ({"topic": "  "}, "该字段不能为空"),
        ({"held_at": (timezone.localtime() + dt.timedelta(days=3)).isoformat(), "submit": True}, "活动尚未开展"),
        ({"attendance": [{"member": 0, "present": True}]}, "出勤名单只能包含本支部"),
        ({"attendance": [{"member": -1, "present": False}]}, "出勤名单只能包含本支部"),
        ({"attendance": [{"member": 10**30}]}, "出勤名单只能包含本支部"),  # no database compares such an id
    ],
)
def test_bad_record_is_400_in_chinese_and_nothing_saved(client, side_a, change, message):
    client.force_login(side_a.branch_secretary)
    response = _post(client, BASE, _payload(side_a, **change))
    assert response.status_code == 400
    assert message in json.dumps(response.json(), ensure_ascii=False)
    assert Activity.objects.count() == 0 and Attendance.objects.count() == 0


def test_absent_without_reason_and_stranger_in_attendance(client, side_a, side_b):
    client.force_login(side_a.branch_secretary)
    response = _post(client, BASE, _payload(side_a, attendance=[{"member": side_a.member.pk, "present": False}]))
    assert response.status_code == 400 and "缺席的党员须填写缺席原因" in str(response.json())
    response = _post(client, BASE, _payload(side_a, attendance=[{"member": side_b.member.pk}]))
    assert response.status_code == 400 and "出勤名单只能包含本支部" in str(response.json())
    assert Activity.objects.count() == 0


def test_talk_with_oneself_is_refused(client, side_a):
    client.force_login(side_a.branch_secretary)
    data = _payload(
        side_a, activity_type=activity_type("heart_talk").pk, talker=side_a.member.pk, talkee=side_a.member.pk
    )
    data.pop("attendance")
    response = _post(client, BASE, data)
    assert response.status_code == 400 and response.json()["talkee"] == ["谈话双方不能是同一人。"]


def test_cannot_create_for_another_unit(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    response = _post(client, BASE, _payload(side_b))
    assert response.status_code == 400 and "branch" in response.json()
    assert Activity.objects.count() == 0


# --- attendance and 补学 ---------------------------------------------------------------------------------


def test_attendance_get_and_replace_creates_makeup(client, side_a):
    client.force_login(side_a.branch_secretary)
    data = _payload(side_a, activity_type=activity_type("party_lecture").pk, submit=True)
    pk = _post(client, BASE, data).json()["id"]
    rows = [{"member": m.pk, "present": True} for m in side_a.members[1:]]
    rows.append({"member": side_a.member.pk, "present": False, "absence_reason": "出差"})
    response = client.put(f"{BASE}{pk}/attendance/", json.dumps(rows), content_type="application/json")
    assert response.status_code == 200, response.json()
    absent = [r for r in response.json() if not r["present"]]
    assert absent == [
        {
            "member": side_a.member.pk,
            "member_name": side_a.member.name,
            "present": False,
            "absence_reason": "出差",
            "makeup": "open",
            "counts": False,
        }
    ]
    assert MakeupTask.objects.filter(member=side_a.member).count() == 1
    assert len(client.get(f"{BASE}{pk}/attendance/").json()) == 3


def test_bad_attendance_changes_nothing(client, side_a):
    client.force_login(side_a.branch_secretary)
    pk = _post(client, BASE, _payload(side_a)).json()["id"]
    rows = [{"member": side_a.member.pk}, {"member": side_a.member.pk}]
    response = client.put(f"{BASE}{pk}/attendance/", json.dumps(rows), content_type="application/json")
    assert response.status_code == 400 and "重复" in str(response.json())
    assert Attendance.objects.filter(activity_id=pk).count() == 3


# --- evidence ---------------------------------------------------------------------------------------------


def test_evidence_upload_completes_the_record(client, side_a):
    client.force_login(side_a.branch_secretary)
    pk = _post(client, BASE, _payload(side_a, submit=True)).json()["id"]
    response = client.post(f"{BASE}{pk}/evidence/", {"kind": "photo", "file": png_upload()})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "photo" and body["content_type"] == "image/png" and body["url"].endswith(f"/{body['id']}/")
    assert Activity.objects.get(pk=pk).evidence_complete is True
    assert client.get(f"{BASE}{pk}/").json()["missing_evidence"] == []


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("photo.png", b"this is not an image at all", content_type="image/png"),
        SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, content_type="image/png"),
    ],
)
def test_fake_image_is_refused(client, side_a, upload):
    client.force_login(side_a.branch_secretary)
    pk = _post(client, BASE, _payload(side_a)).json()["id"]
    response = client.post(f"{BASE}{pk}/evidence/", {"kind": "photo", "file": upload})
    assert response.status_code == 400
    assert "photo.png" in str(response.json())
    assert Evidence.objects.count() == 0


def test_evidence_needs_a_file(client, side_a):
    client.force_login(side_a.branch_secretary)
    pk = _post(client, BASE, _payload(side_a)).json()["id"]
    response = client.post(f"{BASE}{pk}/evidence/", {"kind": "photo"})
    assert response.status_code == 400 and "file" in response.json()


# --- permissions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["unit_secretary", "branch_secretary", "member_user"])
def test_people_of_a_get_nothing_of_b(client, side_a, side_b, record_b, who):
    client.force_login(getattr(side_a, who))
    listing = client.get(BASE).content.decode()
    assert "乙单位支委会" not in listing
    url = f"{BASE}{record_b.pk}/"
    assert client.get(url).status_code == 404
    assert _patch(client, url, {"topic": "篡改"}).status_code == 404
    assert client.delete(url).status_code == 404
    assert client.get(url + "attendance/").status_code == 404
    rows = json.dumps([{"member": side_b.member.pk, "present": True}])
    assert client.put(url + "attendance/", rows, content_type="application/json").status_code == 404
    assert client.post(url + "evidence/", {"kind": "photo", "file": png_upload()}).status_code == 404
    assert client.get(COMPLIANCE + f"?branch={side_b.branch.pk}&period=2026-Q4").status_code == 404
    assert client.get(COMPLIANCE + f"?unit={side_b.unit.pk}&period=2026").status_code == 404
    record_b.refresh_from_db()
    assert record_b.topic == "乙单位支委会" and Evidence.objects.count() == 0


def test_branch_secretary_does_not_see_sibling_branch(client, side_a):
    sibling = ActivityFactory(branch=side_a.other_branch, topic="二支部的会")
    client.force_login(side_a.branch_secretary)
    assert client.get(f"{BASE}{sibling.pk}/").status_code == 404
    assert client.get(COMPLIANCE + f"?branch={side_a.other_branch.pk}&period=2026").status_code == 404
    client.force_login(side_a.unit_secretary)
    assert client.get(f"{BASE}{sibling.pk}/").status_code == 200


def test_member_sees_only_attended_and_cannot_write(client, side_a):
    attended = ActivityFactory(branch=side_a.branch, topic="我参加的会")
    Attendance.objects.create(activity=attended, member=side_a.member)
    ActivityFactory(branch=side_a.branch, topic="我没参加的会")
    client.force_login(side_a.member_user)
    rows = client.get(BASE).json()["results"]
    assert [r["topic"] for r in rows] == ["我参加的会"]
    response = _patch(client, f"{BASE}{attended.pk}/", {"topic": "改"})
    assert response.status_code == 403 and "您只能登记" in response.json()["detail"]
    assert _post(client, BASE, _payload(side_a)).status_code in (400, 403)
    assert Activity.objects.count() == 2


def test_committee_sees_both_units(client, side_a, side_b, record_b, committee_user):
    ActivityFactory(branch=side_a.branch, topic="甲单位支委会")
    client.force_login(committee_user)
    topics = {r["topic"] for r in client.get(BASE).json()["results"]}
    assert topics == {"甲单位支委会", "乙单位支委会"}
    topics = {r["topic"] for r in client.get(BASE + f"?unit={side_b.unit.pk}").json()["results"]}
    assert topics == {"乙单位支委会"}


def test_anonymous_refused(client, db):
    for url in (BASE, COMPLIANCE + "?unit=1&period=2026", "/api/partylife/rules/"):
        assert client.get(url).status_code in (401, 403)


# --- compliance ----------------------------------------------------------------------------------------------


def test_compliance_for_a_branch(client, side_a):
    ActivityFactory(branch=side_a.branch, held_at=at(2026, 7, 9))
    client.force_login(side_a.branch_secretary)
    response = client.get(COMPLIANCE + f"?branch={side_a.branch.pk}&period=2026-Q3")
    assert response.status_code == 200
    body = response.json()
    assert body["subject"] == {
        "type": "branch",
        "id": side_a.branch.pk,
        "name": side_a.branch.name,
        "unit": side_a.unit.pk,
    }
    assert body["period"] == "2026-Q3" and body["period_label"] == "2026年第3季度"
    rule = rule_for("branch_committee_meeting")
    cells = [c for c in body["cells"] if c["rule"] == rule.pk]
    assert [(c["window"], c["status"], c["count"]) for c in cells] == [
        ("2026-07", "met", 1),
        ("2026-08", "warning", 0),
        ("2026-09", "warning", 0),
    ]
    assert cells[1]["status_label"] == "未完成（预警）" and "第十二条" in cells[1]["clause"]
    assert cells[0]["window_end"] == "2026-07-31" and cells[0]["requirement"] == "每月至少1次"
    assert body["tally"]["met"] >= 1 and body["rate"] is not None


def test_compliance_for_a_unit(client, side_a):
    ActivityFactory(branch=None, unit=side_a.unit, activity_type=activity_type("first_topic"), held_at=at(2026, 9, 9))
    client.force_login(side_a.unit_secretary)
    body = client.get(COMPLIANCE + f"?unit={side_a.unit.pk}&period=2026-09").json()
    statuses = {c["rule_name"]: c["status"] for c in body["cells"]}
    assert statuses == {"中心组集体学习每月至少1次": "warning", "“第一议题”每月至少1次": "met"}


@pytest.mark.parametrize(
    "query,message",
    [
        ("?period=2026", "请指定"),
        ("?branch=1&unit=1&period=2026", "请指定"),
        ("?branch=1&period=2026-13", "月份"),
        ("?branch=1&period=abc", "期间格式"),
        ("?branch=1", "period"),
    ],
)
def test_compliance_bad_query_is_400_in_chinese(client, side_a, query, message):
    client.force_login(side_a.unit_secretary)
    response = client.get(COMPLIANCE + query)
    assert response.status_code == 400
    assert message in json.dumps(response.json(), ensure_ascii=False)


# --- configuration lists, schema, query counts -----------------------------------------------------------


def test_types_and_rules_are_readable(client, side_a):
    client.force_login(side_a.member_user)
    types = client.get("/api/partylife/activity-types/").json()["results"]
    assert "主题党日" in {t["name"] for t in types}
    rules = client.get("/api/partylife/rules/?frequency=year").json()["results"]
    assert {r["name"] for r in rules} >= {"组织生活会每年至少1次"}
    assert all(r["frequency"] == "year" for r in rules)
    assert client.post("/api/partylife/rules/", {}).status_code == 405


def test_schema_lists_partylife_endpoints(client, side_a):
    client.force_login(side_a.unit_secretary)
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path in [
        "/api/partylife/activities/",
        "/api/partylife/activities/{id}/",
        "/api/partylife/activities/{id}/attendance/",
        "/api/partylife/activities/{id}/evidence/",
        "/api/partylife/compliance/",
        "/api/partylife/activity-types/",
        "/api/partylife/rules/",
    ]:
        assert path in paths, path
    assert "multipart/form-data" in paths["/api/partylife/activities/{id}/evidence/"]["post"]["requestBody"]["content"]


def test_list_query_count_does_not_grow(client, side_a, assert_constant_queries):
    def add(n):
        for i in range(n):
            a = ActivityFactory(branch=side_a.branch, topic=f"会{i}")
            for m in side_a.members:
                Attendance.objects.create(activity=a, member=m, present=m != side_a.member, absence_reason="病假")
            a.also_counts_as.add(activity_type("democratic_appraisal"))

    client.force_login(side_a.unit_secretary)
    add(2)
    client.get(BASE)
    # session, user, scope (5), count, page, attendances (+ member, makeup), speeches (+ speaker), evidence,
    # problems, also_counts_as, closed months, session save (3)
    response = assert_constant_queries(lambda: client.get(BASE), grow=lambda: add(6), expected=14)
    assert response.status_code == 200 and len(response.json()["results"]) == 8
