"""Home pages show each role its own party-life picture, and nothing of other units."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.partylife.models import Attendance, MakeupTask
from tests.partylife.factories import SHANGHAI, ActivityFactory, activity_type

pytestmark = pytest.mark.django_db


def this_month_at_noon():
    today = timezone.localdate()
    return dt.datetime(today.year, today.month, 1, 12, tzinfo=SHANGHAI)


def test_branch_home_shows_this_months_rules(client, side_a):
    ActivityFactory(branch=side_a.branch, held_at=this_month_at_noon())
    client.force_login(side_a.branch_secretary)
    body = client.get(reverse("home")).content.decode()
    assert "本月组织生活" in body
    assert 'class="status-chip cs-met"' in body and "支部委员会会议：已完成" in body
    assert "主题党日：待完成" in body


def test_unit_home_lists_own_branches_with_status(client, side_a, side_b):
    ActivityFactory(branch=side_a.other_branch, held_at=this_month_at_noon())
    client.force_login(side_a.unit_secretary)
    body = client.get(reverse("home")).content.decode()
    assert side_a.branch.name in body and side_a.other_branch.name in body
    assert "支部委员会会议：已完成" in body
    assert side_b.branch.name not in body


def test_committee_home_ranks_units_behind(client, committee_user, side_a, side_b):
    # Unit A holds every 支委会 this year; unit B holds none: B is listed first.
    today = timezone.localdate()
    for month in range(1, today.month + 1):
        ActivityFactory(branch=side_a.branch, held_at=dt.datetime(today.year, month, 1, 9, tzinfo=SHANGHAI))
    client.force_login(committee_user)
    response = client.get(reverse("home"))
    behind = response.context["behind"]
    assert [row["unit"] for row in behind][:2] == [side_b.unit, side_a.unit]
    assert behind[0]["rate"] == 0 < behind[1]["rate"]


def test_member_home_shows_own_makeups_and_attended_activities_only(client, side_a, side_b):
    mine = ActivityFactory(branch=side_a.branch, activity_type=activity_type("party_lecture"), topic="我参加的党课")
    attendance = Attendance.objects.create(activity=mine, member=side_a.member, present=False, absence_reason="出差")
    MakeupTask.objects.create(attendance=attendance, member=side_a.member, due_on=dt.date(2026, 12, 31))
    ActivityFactory(branch=side_a.branch, topic="没参加的会")
    ActivityFactory(branch=side_b.branch, topic="外单位的会")
    client.force_login(side_a.member_user)
    body = client.get(reverse("home")).content.decode()
    assert "我参加的党课" in body and "12月31日前" in body
    assert "没参加的会" not in body and "外单位的会" not in body
