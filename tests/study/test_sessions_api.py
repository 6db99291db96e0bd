"""Study-sessions API: CRUD through the services with nested speeches and attendance; scoped like the pages."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from apps.study.models import SessionAttendance, SessionKind, StudySession

pytestmark = pytest.mark.django_db
BASE = "/api/study/sessions/"


def payload(side, **extra):
    a, b, c = side.members
    data = {
        "kind": "weekly",
        "branch": side.branch.pk,
        "topic": "学习党章",
        "held_on": "2026-06-10",
        "hours": "2",
        "leader": a.pk,
        "speeches": [{"speaker": b.pk, "summary": "谈体会"}],
        "attendance": [
            {"member": a.pk},
            {"member": b.pk},
            {"member": c.pk, "present": False, "absence_reason": "出差"},
        ],
    }
    data.update(extra)
    return data


def send(client, method, url, data):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def send_as(client, user, data) -> int:
    client.force_login(user)
    response = send(client, "post", BASE, data)
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_create_read_update_delete(client, side_a):
    client.force_login(side_a.branch_secretary)
    response = send(client, "post", BASE, payload(side_a))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["unit"] == side_a.unit.pk and body["kind_display"] == "支部周学"
    assert [s["speaker_name"] for s in body["speeches"]] == [side_a.members[1].name]
    assert {(r["member"], r["present"]) for r in body["attendance"]} == {
        (side_a.members[0].pk, True),
        (side_a.members[1].pk, True),
        (side_a.members[2].pk, False),
    }
    pk = body["id"]
    response = send(
        client, "patch", f"{BASE}{pk}/", {"topic": "改过", "attendance": [{"member": side_a.members[0].pk}]}
    )
    assert response.status_code == 200, response.json()
    session = StudySession.objects.get(pk=pk)
    assert session.topic == "改过" and session.attendances.count() == 1 and session.speeches.count() == 1
    assert send(client, "patch", f"{BASE}{pk}/", {"kind": "training"}).status_code == 400
    assert client.delete(f"{BASE}{pk}/").status_code == 204
    assert not StudySession.objects.exists()


def test_bad_input_is_400_and_saves_nothing(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    cases = [
        ({"same_as": "partylife.branch:12345"}, "same_as"),
        ({"held_on": "2030-01-01"}, "held_on"),
        ({"attendance": {"member": 1}}, "attendance"),
        ({"attendance": [{"member": side_b.member.pk}]}, "attendance"),
        ({"leader": side_b.member.pk}, "leader"),  # another unit's id: no such object for this user
        ({"branch": side_b.branch.pk}, "branch"),
        ({"hours": "30"}, "hours"),
    ]
    for extra, key in cases:
        response = send(client, "post", BASE, payload(side_a, **extra))
        assert response.status_code == 400 and key in response.json(), (extra, response.json())
    assert not StudySession.objects.exists()


def test_permissions_where_it_is_and_where_it_goes(client, side_a, side_b):
    client.force_login(side_a.branch_secretary)
    # Another branch of the unit is not theirs to write to: no such choice (400), as a page's select.
    response = send(client, "post", BASE, payload(side_a, branch=side_a.other_branch.pk, attendance=[], speeches=[]))
    assert response.status_code == 400 and "branch" in response.json()
    response = send(client, "post", BASE, {**payload(side_a), "kind": "training", "unit": side_a.unit.pk})
    assert response.status_code == 403
    pk = send(client, "post", BASE, payload(side_a)).json()["id"]
    response = send(client, "patch", f"{BASE}{pk}/", {"branch": side_a.other_branch.pk})
    assert response.status_code == 400 and "branch" in response.json()
    # The unit secretary's session in branch 2 is out of the branch secretary's reach (it is not even seen).
    other = send_as(client, side_a.unit_secretary, payload(side_a, branch=side_a.other_branch.pk, attendance=[]))
    client.force_login(side_a.branch_secretary)
    assert send(client, "patch", f"{BASE}{other}/", {"topic": "x"}).status_code == 404
    assert StudySession.objects.get(pk=pk).branch == side_a.branch

    client.force_login(side_b.unit_secretary)
    assert client.get(f"{BASE}{pk}/").status_code == 404
    assert send(client, "patch", f"{BASE}{pk}/", {"topic": "x"}).status_code == 404
    assert client.delete(f"{BASE}{pk}/").status_code == 404
    assert client.get(BASE).json()["results"] == []
    assert client.get(BASE + f"?unit={side_a.unit.pk}").status_code == 400

    client.force_login(side_a.member_user)  # attended: reads, cannot change
    assert [r["id"] for r in client.get(BASE).json()["results"]] == [pk]
    assert send(client, "patch", f"{BASE}{pk}/", {"topic": "x"}).status_code == 403
    assert StudySession.objects.get(pk=pk).topic == "学习党章"


def test_list_query_count_does_not_grow(client, side_a, assert_constant_queries):
    client.force_login(side_a.unit_secretary)

    def make(n):
        for i in range(n):
            session = StudySession.objects.create(
                kind=SessionKind.TRAINING,
                unit=side_a.unit,
                topic=f"培训{i}",
                held_on=dt.date(2026, 5, 1),
                hours=Decimal("3"),
            )
            for m in side_a.members:
                SessionAttendance.objects.create(session=session, member=m)

    make(3)
    client.get(BASE)
    response = assert_constant_queries(lambda: client.get(BASE), grow=lambda: make(27), expected=10)
    assert response.json()["count"] == 30
