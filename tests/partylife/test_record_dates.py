"""Bounded dates (apps.core.dates.validate_record_date) on records: a record dated year 1 or 9999,
or a problem solved in year 1, is refused in Chinese through the form, the API and the services,
and nothing is saved."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.partylife import services
from apps.partylife.models import Activity, Attendance, EnterpriseProblem
from apps.partylife.services import ProblemInput
from tests.partylife.factories import ActivityFactory, activity_type

pytestmark = pytest.mark.django_db

API = "/api/partylife/activities/"
MESSAGE = "日期须在"


def _held_text(days_ago=2):
    return (timezone.localtime() - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("held_at", ["0001-01-01T10:00", "9999-12-31T10:00", "1999-05-04T10:00"])
def test_form_refuses_a_record_out_of_range(client, side_a, held_at):
    client.force_login(side_a.branch_secretary)
    data = {
        "branch": side_a.branch.pk,
        "held_at": held_at,
        "topic": "研究工作",
        "minutes": "记录",
        "action": "draft",
        "att": [m.pk for m in side_a.members],
        "present": [m.pk for m in side_a.members],
    }
    response = client.post(reverse("partylife:activity_create", args=["branch_committee_meeting"]), data)
    assert response.status_code == 200
    assert "时间：" + MESSAGE in response.content.decode()
    assert not Activity.objects.exists() and not Attendance.objects.exists()


@pytest.mark.parametrize(
    "held_at", ["0001-01-01T10:00:00+08:00", "9999-12-31T10:00:00+08:00", "0001-01-01T00:00:00-05:00", "1999-01-01"]
)
def test_api_refuses_a_record_out_of_range(client, side_a, held_at):
    client.force_login(side_a.branch_secretary)
    body = {
        "activity_type": activity_type("branch_committee_meeting").pk,
        "branch": side_a.branch.pk,
        "topic": "研究工作",
        "held_at": held_at,
    }
    response = client.post(API, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["held_at"]
    assert errors and all(any("\u4e00" <= ch <= "\u9fff" for ch in e) for e in errors), errors
    assert not Activity.objects.exists()


def test_api_patch_cannot_move_a_record_to_year_one(client, side_a):
    record = ActivityFactory(branch=side_a.branch, held_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(side_a.branch_secretary)
    body = json.dumps({"held_at": "0001-01-02T10:00:00+08:00"})
    response = client.patch(f"{API}{record.pk}/", body, content_type="application/json")
    assert response.status_code == 400 and MESSAGE in response.json()["held_at"][0]
    assert Activity.objects.get(pk=record.pk).held_at == record.held_at


def test_service_refuses_a_record_out_of_range(side_a):
    with pytest.raises(ValidationError, match=MESSAGE):
        services.activity_create(
            actor=side_a.branch_secretary,
            activity_type=activity_type("branch_committee_meeting"),
            branch=side_a.branch,
            fields={"topic": "研究工作", "held_at": timezone.make_aware(dt.datetime(1, 1, 2, 10))},
        )
    assert not Activity.objects.exists()


@pytest.fixture
def visit(side_a):
    return ActivityFactory(
        branch=side_a.branch,
        activity_type=activity_type("cadres_link_enterprises"),
        enterprise_name="某公司",
        cadre=side_a.members[0],
        held_at=timezone.now() - dt.timedelta(days=3),
    )


def test_problem_solved_in_year_one_is_refused(client, side_a, visit):
    with pytest.raises(ValidationError, match=MESSAGE):
        services.activity_problems_set(
            actor=side_a.branch_secretary,
            activity=visit,
            rows=[ProblemInput("financing", "贷款难", solved=True, solved_on=dt.date(1, 1, 1))],
        )
    client.force_login(side_a.branch_secretary)
    problems = [{"category": "financing", "description": "贷款难", "solved": True, "solved_on": "0001-01-01"}]
    response = client.patch(f"{API}{visit.pk}/", json.dumps({"problems": problems}), content_type="application/json")
    assert response.status_code == 400 and MESSAGE in json.dumps(response.json(), ensure_ascii=False)
    data = {
        "branch": side_a.branch.pk,
        "held_at": _held_text(),
        "topic": "走访企业",
        "enterprise_name": "某公司",
        "cadre": side_a.members[0].pk,
        "minutes": "记录",
        "action": "draft",
        "problems-0-category": "financing",
        "problems-0-description": "贷款难",
        "problems-0-solved": "1",
        "problems-0-solved_on": "9999-12-31",
    }
    response = client.post(reverse("partylife:activity_edit", args=[visit.pk]), data)
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    assert not EnterpriseProblem.objects.exists()
    assert Activity.objects.get(pk=visit.pk).topic == visit.topic
