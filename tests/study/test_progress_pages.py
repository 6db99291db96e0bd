"""The member's 学习进度 page (and the member home's first block): their own year only, on a phone."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core import study_hours
from apps.orgs.models import Membership
from apps.study.ledger import PRORATION_NOTE
from apps.study.models import StudyYear
from tests.orgs.factories import MemberFactory, UserFactory
from tests.study.progress_factories import attempt, exam, hours, item, self_study, studied

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1


def page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("study:progress"), params)
    assert response.status_code == 200
    return response


def test_role_targets_and_pro_rated_targets_are_shown(client, side_a):
    # On a roster since long before the year (the factory's birth dates come from a shared counter: a late one
    # would start the membership mid-year and pro-rate the target).
    Membership.objects.filter(member__in=side_a.members[:2]).update(start_on=dt.date(2000, 1, 1))
    leader = side_a.members[1]
    leader.is_branch_committee = True
    leader.user = UserFactory(username="leader_a")
    leader.save()
    joined = MemberFactory(branch=side_a.branch, membership=dt.date(LAST_YEAR, 7, 1))
    joined.user = UserFactory(username="joined_a")
    joined.save()

    body = page(client, side_a.member_user, year=LAST_YEAR).content.decode()
    assert "党员年度目标 32 学时" in body and "折算" not in body.split("data-role-target")[1].split("</div>")[0]

    body = page(client, leader.user, year=LAST_YEAR).content.decode()
    assert "支部书记、支部委员年度目标 56 学时" in body

    response = page(client, joined.user, year=LAST_YEAR)
    days = (dt.date(LAST_YEAR, 12, 31) - dt.date(LAST_YEAR, 7, 1)).days + 1
    year_days = (dt.date(LAST_YEAR, 12, 31) - dt.date(LAST_YEAR, 1, 1)).days + 1
    target = (Decimal(32) * days / year_days).quantize(Decimal("0.1"))
    assert response.context["p"].ledger.target == target
    body = response.content.decode()
    assert f"按今年在册天数折算为 {target} 学时" in body
    assert PRORATION_NOTE in body  # the page says how the target is pro-rated


def test_the_bar_has_a_segment_per_source_with_its_hours_and_the_legend_lists_every_source(client, side_a):
    member = side_a.member
    hours([member], "4", day=dt.date(LAST_YEAR, 3, 1))
    self_study(member, "2", day=dt.date(LAST_YEAR, 4, 1))

    response = page(client, side_a.member_user, year=LAST_YEAR)
    body = response.content.decode()
    segments = re.findall(r'data-segment="([\w.]+)"', body)
    assert segments == ["study.sessions", "study.self"]  # sources with hours, in the registry's order
    legend = re.findall(r'data-legend-item="([\w.]+)"', body)
    assert legend == [s.key for s in study_hours.sources()]  # every source keeps its place in the legend
    p = response.context["p"]
    assert p.ledger.total == Decimal("6.0")
    widths = {s.key: s.width for s in p.segments}
    assert widths["study.sessions"] == Decimal("12.5")  # 4 of 32
    assert "data-status-badge>进度落后<" in body  # a past year ends behind when below its target
    assert "全年还需" not in body and "比应完成还差 26 学时" in body


def test_this_year_says_what_is_due_by_today_and_by_the_end_of_the_year(client, side_a, side_b):
    today = timezone.localdate()
    member = side_a.member
    StudyYear.objects.create(year=today.year, member_target=Decimal("20"), leader_target=Decimal("40"))
    hours([member], "3", day=today, topic="我的培训")
    hours([side_a.members[1]], "5", day=today, topic="别人的培训")
    hours([side_b.member], "5", day=today, topic="外单位培训")
    due = exam(title="民法典考试", units=[side_a.unit])
    exam(title="外单位考试", units=[side_b.unit])
    taken = exam(title="已考完", opens_at=timezone.now() - dt.timedelta(days=3))
    wrong_item, studied_item, untouched = item("宪法"), item("监督法"), item("保密法")
    attempt(taken, member, passed=True, wrong=[wrong_item, studied_item])
    studied(member, studied_item)

    response = page(client, side_a.member_user)
    body = response.content.decode()
    p = response.context["p"]
    assert f"应完成 {p.ledger.expected} 学时（截至今天）" in body
    assert "我的培训" in body and "别人的培训" not in body and "外单位培训" not in body
    assert "民法典考试" in body and "外单位考试" not in body
    assert timezone.localtime(due.closes_at).strftime("%-m月%-d日") in body
    assert p.exams_taken == 1 and p.exams_passed == 1
    assert [i.title for i in p.suggested] == ["宪法"]  # missed and not yet studied
    assert f'data-suggested-item="{wrong_item.pk}"' in body and str(untouched) not in body.split("data-suggested")[1]
    assert p.knowledge_done == 1 and p.knowledge_total == 3 and "还有 <strong>2</strong> 项未学" in body
    assert "还需 <strong>17</strong> 学时" in body  # 20 − 3, by 31 December
    assert f"{today.year}年目标（工委设置）：党员 20 学时" in body


def test_a_bad_year_is_ignored_and_named(client, side_a):
    for bad in ("abc", "1900", "\x00", "2026.5", "²"):
        response = page(client, side_a.member_user, year=bad)
        assert response.context["year"] == timezone.localdate().year
        assert "data-filter-error" in response.content.decode()


def test_an_account_without_a_member_row_is_told_so(client, side_a):
    body = page(client, side_a.unit_secretary).content.decode()
    assert "data-no-member" in body and "data-study-progress" not in body


def test_the_ledger_lines_are_paginated(client, side_a):
    for day in range(1, 26):
        hours([side_a.member], "1", day=dt.date(LAST_YEAR, 2, day))
    first = page(client, side_a.member_user, year=LAST_YEAR)
    assert len(first.context["entry_rows"]) == 20
    second = page(client, side_a.member_user, year=LAST_YEAR, page=2)
    assert len(second.context["entry_rows"]) == 5


# The request's own: session, user, the scope (one query), the bell, the session save (savepoint, update,
# release): 7. Then the member 1, the year's settings for the note 1, the ledger 3 (memberships, platform start,
# every source's hours in one UNION ALL — the settings are the note's, the member's role is the page's), the lines
# 5 (one per source), 应知应会 done/total and the exams taken/passed 1 (one row of counts), exams due 1, the
# suggested items (missed, not yet studied) 1.
LEDGER_QUERIES = 1 + 1 + 1
PROGRESS_PAGE_QUERIES = 7 + 1 + 1 + LEDGER_QUERIES + 5 + 1 + 1 + 1


def test_progress_page_query_count(client, side_a, assert_constant_queries):
    today = timezone.localdate()
    member = side_a.member

    def grow(n):
        for _ in range(n):
            hours([member], "1", day=today)
            self_study(member, "0.5", day=today)
            attempt(exam(), member, passed=False, wrong=[item()])

    grow(2)
    client.force_login(side_a.member_user)
    client.get(reverse("study:progress"))
    response = assert_constant_queries(
        lambda: client.get(reverse("study:progress")), grow=lambda: grow(10), expected=PROGRESS_PAGE_QUERIES
    )
    assert len(response.context["entry_rows"]) == 20


def test_the_member_home_opens_with_the_progress_block(client, side_a):
    hours([side_a.member], "2", day=timezone.localdate())
    client.force_login(side_a.member_user)
    body = client.get(reverse("home")).content.decode()
    assert body.index("data-study-progress") < body.index("我的党员信息")
    assert "查看学习进度" in body and reverse("study:progress") in body


def test_the_page_is_built_for_a_phone(client, side_a):
    body = page(client, side_a.member_user).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert "progress-stacked" in body and "table-responsive" in body


def test_a_secretary_who_is_a_member_sees_their_own_progress(client, side_a, side_b):
    own = side_a.members[2]
    own.user = side_a.branch_secretary
    own.is_branch_committee = True
    own.save()
    hours([own], "7", day=timezone.localdate(), topic="书记的培训")
    hours([side_a.member], "3", day=timezone.localdate(), topic="党员的培训")
    response = page(client, side_a.branch_secretary)
    body = response.content.decode()
    assert response.context["p"].member == own and response.context["p"].ledger.base_target == Decimal("56")
    assert "书记的培训" in body and "党员的培训" not in body
    nav = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("study:progress")}">我的学习进度' in nav
