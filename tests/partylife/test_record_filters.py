"""List filters of records and 补学 (filters.py): bad parameters are a Chinese message, never a 500.

A page shows each ignored parameter and applies the others; the API answers 400; the record
form and the type picker treat a bad ?branch= as no choice.
"""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.partylife.models import ActivityStatus, Attendance, MakeupTask
from tests.partylife.factories import ActivityFactory, activity_type

pytestmark = pytest.mark.django_db

API = "/api/partylife/activities/"
BAD = [
    ("branch=%C2%B2", "支部"),
    ("unit=%C2%B2", "单位"),
    ("q=%00", "搜索"),
    ("held_at__gte=2026-01-01T00:00:00%2B99:00", "时间不早于"),
    ("held_at__lt=0001-01-01T00:00:00%2B08:00", "时间早于"),
    ("period=2026-Q5", "期间"),
    ("status=nonsense", "状态"),
    ("type=no-such-type", "类型"),
]


@pytest.fixture
def records(side_a):
    ActivityFactory(branch=side_a.branch, topic="一支部党课", activity_type=activity_type("party_lecture"))
    ActivityFactory(branch=side_a.other_branch, topic="二支部草稿", status=ActivityStatus.DRAFT)


@pytest.mark.parametrize("query,label", BAD)
def test_list_page_reports_a_bad_parameter_and_applies_the_others(client, side_a, records, query, label):
    client.force_login(side_a.unit_secretary)
    other = "q=草稿" if query.startswith("status=") else "status=draft"
    response = client.get(reverse("partylife:activity_list") + f"?{query}&{other}")
    assert response.status_code == 200
    [message] = response.context["filter_messages"]
    assert message.startswith(label) and f"{message}（已忽略该条件）" in response.content.decode()
    assert [a.topic for a in response.context["page"]] == ["二支部草稿"]  # the other filter still applies


@pytest.mark.parametrize("query,label", BAD)
def test_export_ignores_a_bad_parameter(client, side_a, records, query, label):
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse("partylife:activity_export") + f"?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.parametrize("query,label", [*BAD, ("search=%00", "search")])
def test_api_answers_400_for_a_bad_parameter(client, side_a, records, query, label):
    client.force_login(side_a.unit_secretary)
    response = client.get(f"{API}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in json.dumps(body, ensure_ascii=False)), body


def test_api_filters_by_period_status_and_time(client, side_a, records):
    ActivityFactory(branch=side_a.branch, topic="去年的会", held_at=timezone.make_aware(dt.datetime(2025, 5, 6, 9)))
    client.force_login(side_a.unit_secretary)

    def topics(query):
        response = client.get(f"{API}?{query}")
        assert response.status_code == 200, response.json()
        return sorted(r["topic"] for r in response.json()["results"])

    assert topics("period=2025") == ["去年的会"]
    assert topics("status=incomplete") == []
    assert topics("status=complete&held_at__lt=2026-01-01T00:00:00%2B08:00") == ["去年的会"]
    assert topics(f"branch={side_a.other_branch.pk}") == ["二支部草稿"]
    assert topics("type=party_lecture") == ["一支部党课"]


def test_another_units_branch_is_not_a_valid_choice(client, side_a, side_b, records):
    client.force_login(side_a.unit_secretary)
    assert client.get(f"{API}?branch={side_b.branch.pk}").status_code == 400
    response = client.get(reverse("partylife:activity_list") + f"?branch={side_b.branch.pk}")
    assert response.status_code == 200 and "支部：" in response.content.decode()
    assert len(response.context["page"]) == 2


@pytest.mark.parametrize("query", ["branch=%C2%B2", "unit=%C2%B2", "q=%00", "status=x", "mine=%C2%B2"])
def test_makeup_list_reports_a_bad_parameter(client, side_a, query):
    record = ActivityFactory(branch=side_a.branch, activity_type=activity_type("party_lecture"))
    absent = Attendance.objects.create(activity=record, member=side_a.member, present=False, absence_reason="病假")
    MakeupTask.objects.create(attendance=absent, member=side_a.member, due_on=timezone.localdate())
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse("partylife:makeup_list") + f"?{query}")
    assert response.status_code == 200
    assert response.content.decode().count("data-task=") == 1
    if not query.startswith("mine"):  # 只看我的 is a yes/no box: anything else is "no"
        assert "（已忽略该条件）" in response.content.decode()
    assert client.get(reverse("partylife:makeup_export") + f"?{query}").status_code == 200


@pytest.mark.parametrize("value", ["%C2%B2", "%00", "999999", "abc"])
def test_type_picker_and_form_take_no_bad_branch(client, side_a, value):
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse("partylife:activity_new") + f"?branch={value}")
    assert response.status_code == 200 and "?branch=" not in response.content.decode()
    for code in ("branch_general_meeting", "party_group_meeting"):
        url = reverse("partylife:activity_create", args=[code])
        response = client.get(f"{url}?branch={value}&party_group={value}&date={value}")
        assert response.status_code == 200 and response.context["form"].chosen_branch is None


def test_type_picker_passes_a_branch_the_user_keeps(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    text = client.get(reverse("partylife:activity_new") + f"?branch={side_a.other_branch.pk}").content.decode()
    assert f"?branch={side_a.other_branch.pk}" in text
    text = client.get(reverse("partylife:activity_new") + f"?branch={side_b.branch.pk}").content.decode()
    assert "?branch=" not in text


def test_actions_with_a_bad_id_answer_404(client, side_a):
    client.force_login(side_a.branch_secretary)
    for url in (f"{API}%C2%B2/", f"{API}%C2%B2/attendance/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{API}%C2%B2/evidence/", {"kind": "photo"}).status_code == 404
