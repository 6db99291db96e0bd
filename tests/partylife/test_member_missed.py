"""A member's list of activities marks the ones they missed (issue 7 §9): 缺席 with its reason, and the
补学 status — 待补学, 已逾期 (past its due day, an Asia/Shanghai day), 已完成 — on the member's records
list and on the member home; with the same number of queries for 3 records as for 30.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.partylife.models import Attendance, MakeupTask
from tests.partylife.factories import ActivityFactory, activity_type, at

pytestmark = pytest.mark.django_db


def row_of(page: str, marker: str) -> str:
    """The table row (list) or list item (home) that holds `marker`."""
    match = re.search(rf"<(tr|li)[^>]*>(?:(?!</\1>).)*{re.escape(marker)}(?:(?!</\1>).)*</\1>", page, re.S)
    assert match, marker
    return match.group(0)


@pytest.fixture
def history(side_a, side_b):
    """Four lectures of A's first branch with the member: present, absent (补学 open, overdue, done);
    one of B with B's member absent."""
    today = timezone.localdate()
    lecture = activity_type("party_lecture")
    rows = {}
    for n, (topic, present, due, done) in enumerate(
        [
            ("出席的党课", True, None, None),
            ("待补学的党课", False, today, None),  # due today: not overdue yet
            ("逾期的党课", False, today - dt.timedelta(days=1), None),
            ("已补学的党课", False, today - dt.timedelta(days=5), timezone.now()),
        ]
    ):
        day = today - dt.timedelta(days=40 + n)
        activity = ActivityFactory(
            branch=side_a.branch, activity_type=lecture, topic=topic, held_at=at(day.year, day.month, day.day)
        )
        attendance = Attendance.objects.create(
            activity=activity, member=side_a.member, present=present, absence_reason="" if present else f"{topic}病假"
        )
        if due is not None:
            MakeupTask.objects.create(attendance=attendance, member=side_a.member, due_on=due, done_at=done)
        rows[topic] = activity
    other = ActivityFactory(branch=side_b.branch, activity_type=lecture, topic="乙单位党课")
    Attendance.objects.create(activity=other, member=side_b.member, present=False, absence_reason="乙的原因")
    return rows


def test_the_members_list_marks_absences_and_makeup_status(client, side_a, history):
    client.force_login(side_a.member_user)
    page = client.get(reverse("partylife:activity_list")).content.decode()
    assert "我的出勤" in page and "乙单位党课" not in page and "乙的原因" not in page
    assert 'data-own="present"' in row_of(page, "出席的党课")
    expected = {"待补学的党课": "待补学", "逾期的党课": "补学已逾期", "已补学的党课": "已补学"}
    for topic, status in expected.items():
        row = row_of(page, topic)
        assert 'data-own="absent"' in row and f"{topic}病假" in row and status in row, topic


def test_the_member_home_marks_them_too(client, side_a, history):
    client.force_login(side_a.member_user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-makeup="overdue"' in row_of(page, "逾期的党课") and "补学已逾期" in page
    assert "待补学" in row_of(page, "待补学的党课") and "已补学" in row_of(page, "已补学的党课")
    assert 'data-own="present"' in row_of(page, "出席的党课")
    # The open tasks: the overdue one says so.
    assert "已逾期（应于" in page and "待补学 · " in page


def test_secretaries_lists_are_unchanged(client, side_a, history):
    client.force_login(side_a.branch_secretary)
    page = client.get(reverse("partylife:activity_list")).content.decode()
    assert "我的出勤" not in page and "data-own=" not in page


def test_the_members_list_query_count_does_not_grow(client, side_a, assert_constant_queries):
    lecture = activity_type("party_lecture")

    def grow(n):
        for i in range(n):
            activity = ActivityFactory(branch=side_a.branch, activity_type=lecture, topic=f"党课{i}")
            attendance = Attendance.objects.create(
                activity=activity, member=side_a.member, present=bool(i % 2), absence_reason="出差"
            )
            if not i % 2:
                MakeupTask.objects.create(attendance=attendance, member=side_a.member, due_on=timezone.localdate())

    grow(3)
    client.force_login(side_a.member_user)
    url = reverse("partylife:activity_list")
    client.get(url)
    # The member's own attendance is three subqueries of the page's one query: 15 with 3 rows as with 30.
    response = assert_constant_queries(lambda: client.get(url), grow=lambda: grow(27), expected=11)
    assert len(response.context["page"]) == 20
