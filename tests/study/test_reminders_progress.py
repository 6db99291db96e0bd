"""学习提醒: members behind their pro-rated target (once a month) and open exams (once per exam), never twice."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Notification
from apps.study.models import StudyYear
from apps.study.services.progress import CATEGORY_BEHIND, CATEGORY_EXAM_OPEN, send_reminders
from apps.study.tasks import send_reminders_task
from tests.orgs.factories import UserFactory
from tests.study.progress_factories import attempt, exam, hours

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 2)  # 183 days gone: 32 × 183 / 365 = 16.0 学时 due
NOW = timezone.make_aware(dt.datetime(2026, 7, 2, 8, 30))


def with_account(member, username):
    member.user = UserFactory(username=username)
    member.save()
    return member.user


def sent(category, user=None):
    rows = Notification.objects.filter(category=category)
    return rows.filter(user=user) if user else rows


def test_only_members_behind_are_reminded_once_a_month(side_a, side_b):
    behind = side_a.member  # has an account (side fixture), no hours
    on_track = side_a.members[1]
    on_track_user = with_account(on_track, "on_track_a")
    hours([on_track], "20", day=dt.date(2026, 3, 1))
    nearly = side_a.members[2]
    nearly_user = with_account(nearly, "nearly_a")
    hours([nearly], "15.5", day=dt.date(2026, 3, 1))  # 0.6 short: not worth a message
    # side_b.member is behind too; members without an account (other_branch_member) get nothing.

    assert send_reminders(today=TODAY, now=NOW) == 2
    mine = sent(CATEGORY_BEHIND, side_a.member_user).get()
    assert mine.dedupe_key == "study-behind:2026-07"
    assert "已完成 0 学时" in mine.body and "应完成 16 学时" in mine.body and "年度目标 32 学时" in mine.body
    assert mine.url == reverse("study:progress")
    assert sent(CATEGORY_BEHIND, side_b.member_user).exists()
    assert not sent(CATEGORY_BEHIND, on_track_user).exists() and not sent(CATEGORY_BEHIND, nearly_user).exists()
    assert behind.user_id == side_a.member_user.pk

    assert send_reminders(today=TODAY, now=NOW) == 0  # a second run sends nothing
    assert send_reminders(today=TODAY + dt.timedelta(days=3), now=NOW) == 0  # nor does the same month
    assert send_reminders(today=dt.date(2026, 8, 3), now=NOW) == 3  # a new month: once more (now 3.3 short too)
    assert sent(CATEGORY_BEHIND, side_a.member_user).count() == 2
    assert sent(CATEGORY_BEHIND, nearly_user).count() == 1 and not sent(CATEGORY_BEHIND, on_track_user).exists()


def test_the_years_target_decides_who_is_behind(side_a):
    StudyYear.objects.create(year=2026, member_target=Decimal("1"), leader_target=Decimal("4"))
    assert send_reminders(today=TODAY, now=NOW) == 0  # 0.5 学时 due: less than the threshold


def test_open_exams_are_announced_once_to_those_they_are_for(side_a, side_b):
    hours([side_a.member, side_b.member], "20", day=dt.date(2026, 3, 1))  # nobody behind: only exam notices
    opens = NOW - dt.timedelta(days=1)
    for_a = exam(title="A局考试", opens_at=opens, closes_at=NOW + dt.timedelta(days=5), units=[side_a.unit])
    for_all = exam(title="全市考试", opens_at=opens, closes_at=NOW + dt.timedelta(days=5))
    exam(title="已截止", opens_at=opens - dt.timedelta(days=9), closes_at=NOW - dt.timedelta(hours=1))
    exam(title="未开始", opens_at=NOW + dt.timedelta(days=1), closes_at=NOW + dt.timedelta(days=9))
    attempt(for_all, side_b.member, passed=True, submitted=False)  # already started: no notice

    assert send_reminders(today=TODAY, now=NOW) == 2
    a_titles = sorted(n.title for n in sent(CATEGORY_EXAM_OPEN, side_a.member_user))
    assert a_titles == ["考试通知：A局考试", "考试通知：全市考试"]
    assert not sent(CATEGORY_EXAM_OPEN, side_b.member_user).filter(title__contains="A局考试").exists()
    assert sent(CATEGORY_EXAM_OPEN).filter(title__contains="全市考试").count() == 1  # B's member has begun it
    keys = set(sent(CATEGORY_EXAM_OPEN).values_list("dedupe_key", flat=True))
    assert keys == {f"study-exam-open:{for_a.pk}", f"study-exam-open:{for_all.pk}"}

    assert send_reminders(today=TODAY, now=NOW + dt.timedelta(hours=12)) == 0  # never twice
    assert sent(CATEGORY_EXAM_OPEN).count() == 2


def test_the_daily_task_runs_the_service(side_a):
    assert send_reminders_task.delay().get() >= 0
    first = Notification.objects.count()
    assert send_reminders_task.delay().get() == 0
    assert Notification.objects.count() == first
