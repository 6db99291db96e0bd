"""Home pages show each role its own party-life picture, and nothing of other units."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.partylife.models import Attendance, MakeupTask
from tests.orgs.factories import (
    BranchFactory,
    MemberFactory,
    PartyGroupFactory,
    UnitFactory,
    UserFactory,
    make_branch_secretary,
    make_unit_secretary,
)
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


def test_the_chips_say_which_rules_are_monthly_quarterly_or_yearly(client, side_a):
    ActivityFactory(branch=side_a.branch, held_at=this_month_at_noon())
    client.force_login(side_a.branch_secretary)
    body = client.get(reverse("home")).content.decode()
    chips = re.findall(r'data-frequency="(\w+)"[^>]*>\s*<small class="opacity-75">(\S+)</small> (\S+?)：', body)
    assert ("month", "每月", "支部委员会会议") in chips and ("quarter", "每季度", "支部党员大会") in chips
    assert ("year", "每年", "组织生活会") in chips
    frequencies = [f for f, *_ in chips]
    assert frequencies == sorted(frequencies, key=["month", "quarter", "year"].index)  # the month's first
    assert "截至" in body  # a quarter's or a year's deadline is said


def test_unit_home_lists_own_branches_with_status(client, side_a, side_b):
    ActivityFactory(branch=side_a.other_branch, held_at=this_month_at_noon())
    client.force_login(side_a.unit_secretary)
    body = client.get(reverse("home")).content.decode()
    assert side_a.branch.name in body and side_a.other_branch.name in body
    assert "支部委员会会议：已完成" in body
    assert side_b.branch.name not in body


def test_member_home_study_first_then_upcoming_activities(client, side_a, side_b):
    future = timezone.now() + dt.timedelta(days=3)
    ActivityFactory(branch=side_a.branch, topic="下周的主题党日", held_at=future)
    ActivityFactory(branch=side_a.other_branch, topic="别的支部的会", held_at=future)
    ActivityFactory(branch=side_b.branch, topic="外单位的会", held_at=future)
    client.force_login(side_a.member_user)
    response = client.get(reverse("home"))
    body = response.content.decode()
    blocks = [body.index(marker) for marker in ("data-expected", "data-upcoming", "<span>我的补学</span>")]
    assert blocks == sorted(blocks)  # study progress, then upcoming activities, then 补学
    assert "下周的主题党日" in body and "别的支部的会" not in body and "外单位的会" not in body
    due = response.context["upcoming"]["due"]
    assert due and all(c.status == "due" for c in due)  # what the branch still has to hold now
    assert "支部尚待召开" in body


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


# --- query counts: the same with 3 rows as with 30 ---------------------------------------------------------

# Every page: session, user, the scope (one query: apps.orgs.access), the bell's unread count, the session save
# (savepoint, update, release): 7. Then each page's grouped reads; the engine is 8 queries for branches (each
# unit's judging start, rules, overrides, party groups, the grouped counts (one UNION ALL), reasons, 谈心谈话's
# memberships and talks) and 4 for units (+1 for the judging start when asked alone); within one GET the rules,
# the closes and the judging starts are read once (apps.core.request_cache).
# The committee's: units with their member counts, roster, no run yet (published, then any); with runs see
# test_committee.
COMMITTEE_HOME_QUERIES = 7 + 1 + 1 + 2
# The unit's: units with their member counts, roster, branches, this month's verdicts, score card, history,
# to-dos (rectifications, reports, returned records, study figures).
UNIT_HOME_QUERIES = 7 + 1 + 1 + 1 + 8 + 1 + 1 + 4 + 1  # + the closed months (关账)
BRANCH_HOME_QUERIES = 7 + 1 + 8 + 1 + 1 + 1  # branches, this month's verdicts, roster, members; 关账
# The member's: member, the study progress block (issue 8: the year's settings 1, the ledger 2 (memberships, every
# source in one UNION ALL; the judging start is the engine's), 应知应会 and exams taken 1, exams due 1), open 补学,
# recent records. Then the branch's cells now (the engine for one branch: 8) and its records ahead (1).
MEMBER_HOME_QUERIES = 7 + 1 + (1 + 2 + 1 + 1) + 8 + 1 + 1 + 1 + 1  # + the closed months (关账)


def pinned(assert_constant_queries, client, *, grow, expected):
    """Warm up (content types, sessions), then pin the home page's query count before and after `grow`."""
    client.get(reverse("home"))
    response = assert_constant_queries(lambda: client.get(reverse("home")), grow=grow, expected=expected)
    assert response.status_code == 200
    return response


def busy_branch(unit):
    """A branch with two members and this month's 支委会, so every row has something to show."""
    branch = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
    MemberFactory(branch=branch)
    MemberFactory(branch=branch, is_leading_cadre=True)
    ActivityFactory(branch=branch, held_at=this_month_at_noon())
    return branch


def test_committee_home_query_count(login, committee_user, assert_constant_queries):
    def grow(n):
        for _ in range(n):
            busy_branch(UnitFactory())

    grow(3)
    response = pinned(
        assert_constant_queries, login(committee_user), grow=lambda: grow(27), expected=COMMITTEE_HOME_QUERIES
    )
    assert response.context["unit_count"] == 30


def test_unit_home_query_count(login, assert_constant_queries):
    unit = UnitFactory()
    secretary = make_unit_secretary(UserFactory(username="qc_unit"), unit)

    def grow(n):
        for _ in range(n):
            busy_branch(unit)

    grow(3)
    response = pinned(assert_constant_queries, login(secretary), grow=lambda: grow(27), expected=UNIT_HOME_QUERIES)
    assert len(response.context["branches"]) == 30


def test_branch_home_query_count(login, assert_constant_queries):
    branch = busy_branch(UnitFactory())
    secretary = make_branch_secretary(UserFactory(username="qc_branch"), branch)

    def grow(n):
        for _ in range(n):
            MemberFactory(branch=branch, party_group=PartyGroupFactory(branch=branch))

    grow(1)  # with busy_branch's two: 3 members
    response = pinned(assert_constant_queries, login(secretary), grow=lambda: grow(27), expected=BRANCH_HOME_QUERIES)
    assert len(response.context["members"]) == 30


def test_member_home_query_count(login, side_a, assert_constant_queries):
    lecture = activity_type("party_lecture")

    def grow(n):
        for _ in range(n):
            activity = ActivityFactory(branch=side_a.branch, activity_type=lecture, held_at=this_month_at_noon())
            attendance = Attendance.objects.create(
                activity=activity, member=side_a.member, present=False, absence_reason="出差"
            )
            MakeupTask.objects.create(attendance=attendance, member=side_a.member, due_on=dt.date(2026, 12, 31))

    grow(3)
    response = pinned(
        assert_constant_queries, login(side_a.member_user), grow=lambda: grow(27), expected=MEMBER_HOME_QUERIES
    )
    assert len(response.context["makeups"]) == 30 and len(response.context["activities"]) == 8
