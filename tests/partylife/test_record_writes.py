"""Writes check where a record is and where it goes, for the web, the API and the services alike.

A person who attended branch X's record (so sees it) and is secretary of branch Y must not
move it into Y, nor rewrite its attendance, evidence or problems, nor delete it: seeing is not
keeping. The same person may still do all of that to Y's own records, and a unit secretary may
move a record between the branches of their unit.
"""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.orgs.access import forget_scope
from apps.partylife import services
from apps.partylife.models import Activity, ActivityStatus, Attendance, EnterpriseProblem, Evidence
from apps.partylife.services import AttendanceInput, EvidenceInput, ProblemInput
from tests.orgs.factories import make_branch_secretary
from tests.partylife.factories import ActivityFactory, activity_type, png_upload

pytestmark = pytest.mark.django_db

BASE = "/api/partylife/activities/"


def _past(days=2) -> dt.datetime:
    return timezone.localtime() - dt.timedelta(days=days)


@pytest.fixture(params=["sibling_branch", "branch_of_another_unit"])
def insider(request, side_a, side_b):
    """A member of A's first branch (X) who is secretary of branch Y: A's second branch, or B's branch.

    Returns (user, record of X they attended, branch Y, a member of Y).
    """
    user = side_a.member_user  # side_a.member's account: a member of X
    if request.param == "sibling_branch":
        branch_y, member_y = side_a.other_branch, side_a.other_branch_member
    else:
        branch_y, member_y = side_b.branch, side_b.members[1]
    make_branch_secretary(user, branch_y)
    forget_scope(user)
    record = ActivityFactory(
        branch=side_a.branch, topic="X支部的会", status=ActivityStatus.DRAFT, held_at=_past(), minutes="记录"
    )
    for m in side_a.members:
        Attendance.objects.create(activity=record, member=m)
    return user, record, branch_y, member_y


def _state(record):
    record.refresh_from_db()
    return (
        record.branch_id,
        record.unit_id,
        record.topic,
        sorted(record.attendances.values_list("member_id", "present")),
        record.evidence.count(),
    )


# --- the API ------------------------------------------------------------------------------------------


def test_api_patch_cannot_move_a_record_one_only_attended(client, insider):
    user, record, branch_y, member_y = insider
    before = _state(record)
    client.force_login(user)
    assert client.get(f"{BASE}{record.pk}/").status_code == 200  # they see it: they attended
    body = {"branch": branch_y.pk, "attendance": [{"member": member_y.pk}]}
    response = client.patch(f"{BASE}{record.pk}/", json.dumps(body), content_type="application/json")
    assert response.status_code in (403, 404)
    response = client.patch(f"{BASE}{record.pk}/", json.dumps({"branch": branch_y.pk}), content_type="application/json")
    assert response.status_code in (403, 404)
    assert _state(record) == before


def test_api_sub_resources_refuse_a_record_one_only_attended(client, insider):
    """Moved into Y first, the record would be theirs to rewrite: neither step is allowed."""
    user, record, branch_y, member_y = insider
    before = _state(record)
    client.force_login(user)
    url = f"{BASE}{record.pk}/"
    move = json.dumps({"branch": branch_y.pk})
    assert client.patch(url, move, content_type="application/json").status_code in (403, 404)
    rows = json.dumps([{"member": member_y.pk, "present": True}])
    assert client.put(url + "attendance/", rows, content_type="application/json").status_code in (403, 404)
    assert client.put(url + "attendance/", "[]", content_type="application/json").status_code in (403, 404)
    assert client.post(url + "evidence/", {"kind": "photo", "file": png_upload()}).status_code in (403, 404)
    assert client.delete(url).status_code in (403, 404)
    assert _state(record) == before and Evidence.objects.count() == 0


def test_api_the_same_person_still_keeps_their_own_branch(client, insider):
    user, _, branch_y, member_y = insider
    own = ActivityFactory(branch=branch_y, topic="Y支部的会", held_at=_past())
    client.force_login(user)
    rows = json.dumps([{"member": member_y.pk, "present": True}])
    assert client.put(f"{BASE}{own.pk}/attendance/", rows, content_type="application/json").status_code == 200
    response = client.patch(f"{BASE}{own.pk}/", json.dumps({"topic": "改过"}), content_type="application/json")
    assert response.status_code == 200, response.json()
    own.refresh_from_db()
    assert own.topic == "改过" and list(own.attendances.values_list("member_id", flat=True)) == [member_y.pk]


def test_api_unit_secretary_moves_a_record_within_the_unit_only(client, side_a, side_b):
    record = ActivityFactory(branch=side_a.branch, topic="一支部的会", held_at=_past())
    client.force_login(side_a.unit_secretary)
    url = f"{BASE}{record.pk}/"
    response = client.patch(url, json.dumps({"branch": side_b.branch.pk}), content_type="application/json")
    assert response.status_code == 400 and "branch" in response.json()  # not a branch they see
    response = client.patch(url, json.dumps({"branch": side_a.other_branch.pk}), content_type="application/json")
    assert response.status_code == 200, response.json()
    record.refresh_from_db()
    assert record.branch == side_a.other_branch and record.unit == side_a.unit


# --- the web form -------------------------------------------------------------------------------------------


def test_web_edit_refuses_a_record_one_only_attended(client, insider):
    user, record, branch_y, member_y = insider
    before = _state(record)
    client.force_login(user)
    url = reverse("partylife:activity_edit", args=[record.pk])
    assert client.get(url).status_code == 403
    data = {"branch": branch_y.pk, "held_at": _past().strftime("%Y-%m-%dT%H:%M"), "topic": "改", "action": "draft"}
    assert client.post(url, {**data, "att": [member_y.pk], "present": [member_y.pk]}).status_code == 403
    assert _state(record) == before


# --- the services (what the web and the API both call) -------------------------------------------------------


def test_services_check_the_record_where_it_is(insider):
    user, record, branch_y, member_y = insider
    before = _state(record)
    placement = {"unit": None, "branch": branch_y, "party_group": None}
    with pytest.raises(PermissionDenied):
        services.activity_update(actor=user, activity=record, **placement, fields={})
    with pytest.raises(PermissionDenied):
        services.activity_attendance_set(actor=user, activity=record, rows=[AttendanceInput(member_y.pk)])
    with pytest.raises(PermissionDenied):
        services.activity_evidence_add(actor=user, activity=record, items=[EvidenceInput("photo", png_upload())])
    with pytest.raises(PermissionDenied):
        services.activity_submit(actor=user, activity=record)
    with pytest.raises(PermissionDenied):
        services.activity_delete(actor=user, activity=record)
    with pytest.raises(PermissionDenied):
        services.activity_record(
            actor=user, activity_type=record.activity_type, activity=record, **placement, fields={"topic": "改"}
        )
    assert _state(record) == before


def test_services_check_where_the_record_goes(side_a, side_b):
    record = ActivityFactory(branch=side_a.branch, topic="一支部的会", held_at=_past())
    for secretary, target in ((side_a.branch_secretary, side_a.other_branch), (side_a.unit_secretary, side_b.branch)):
        with pytest.raises(PermissionDenied):
            services.activity_update(
                actor=secretary, activity=record, unit=None, branch=target, party_group=None, fields={}
            )
    record.refresh_from_db()
    assert record.branch == side_a.branch


def test_problems_only_for_enterprise_visits_and_only_by_their_keepers(side_a, side_b):
    visit = ActivityFactory(
        branch=side_a.branch,
        activity_type=activity_type("cadres_link_enterprises"),
        enterprise_name="某公司",
        cadre=side_a.members[0],
        held_at=_past(),
    )
    meeting = ActivityFactory(branch=side_a.branch, held_at=_past())
    rows = [ProblemInput("financing", "贷款难")]
    with pytest.raises(PermissionDenied):
        services.activity_problems_set(actor=side_b.unit_secretary, activity=visit, rows=rows)
    with pytest.raises(ValidationError, match="没有企业问题"):
        services.activity_problems_set(actor=side_a.branch_secretary, activity=meeting, rows=rows)
    services.activity_problems_set(actor=side_a.branch_secretary, activity=visit, rows=rows)
    assert list(EnterpriseProblem.objects.values_list("activity_id", "description")) == [(visit.pk, "贷款难")]


# --- the attendance body ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,content_type",
    [
        ("member=1&present=true", "application/x-www-form-urlencoded"),
        ("", "application/x-www-form-urlencoded"),
        ("", "application/json"),
        ('{"member": 1}', "application/json"),
    ],
)
def test_attendance_body_must_be_a_json_list(client, side_a, body, content_type):
    record = ActivityFactory(branch=side_a.branch, held_at=_past())
    for m in side_a.members:
        Attendance.objects.create(activity=record, member=m)
    client.force_login(side_a.branch_secretary)
    response = client.put(f"{BASE}{record.pk}/attendance/", body, content_type=content_type)
    assert response.status_code == 400
    assert "出勤名单须以 JSON 数组提交" in json.dumps(response.json(), ensure_ascii=False)
    assert record.attendances.count() == 3


def test_an_explicit_empty_list_clears_the_attendance(client, side_a):
    record = ActivityFactory(branch=side_a.branch, held_at=_past(), status=ActivityStatus.DRAFT)
    Attendance.objects.create(activity=record, member=side_a.member)
    client.force_login(side_a.branch_secretary)
    response = client.put(f"{BASE}{record.pk}/attendance/", "[]", content_type="application/json")
    assert response.status_code == 200 and response.json() == []
    assert not Activity.objects.get(pk=record.pk).attendances.exists()
