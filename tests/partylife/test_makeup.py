"""补学: an absence from a 党课/主题党日/党员大会 opens a make-up task; when done, the attendance counts.

Who may see and complete a task: the member, the secretaries of the record's branch and
unit, the committee — never another unit, a sibling branch or another member.
"""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.partylife import services
from apps.partylife.metrics import attendance_counts
from apps.partylife.models import Attendance, MakeupTask
from apps.partylife.services import AttendanceInput
from tests.export_jobs import export_job_rows
from tests.orgs.factories import MemberFactory, UserFactory, make_branch_secretary
from tests.partylife.factories import activity_type

LIST = reverse("partylife:makeup_list")


def _record(side, code="party_lecture", absent=(), submit=True, topic="学习党章"):
    """A record logged by the branch secretary through the service; `absent` members get a reason."""
    data = dict(
        activity_type=activity_type(code),
        branch=side.branch,
        fields={"topic": topic, "held_at": timezone.now() - dt.timedelta(days=2), "minutes": "会议记录"},
        attendance=[
            AttendanceInput(m.pk, present=m not in absent, absence_reason="" if m not in absent else "外出公务")
            for m in side.members
        ],
    )
    return services.activity_record(actor=side.branch_secretary, **data, submit=submit)


def _complete_url(task):
    return reverse("partylife:makeup_complete", args=[task.pk])


@pytest.fixture
def task(side_a):
    _record(side_a, absent=[side_a.member])
    return MakeupTask.objects.get(member=side_a.member)


# --- tasks are created ----------------------------------------------------------------------------


def test_absence_from_lecture_creates_one_task_due_in_30_days(side_a):
    activity = _record(side_a, absent=[side_a.member])
    task = MakeupTask.objects.get()
    assert task.member == side_a.member and task.attendance.activity == activity
    assert task.due_on == timezone.localdate(activity.held_at) + dt.timedelta(days=services.MAKEUP_DAYS)
    assert task.done_at is None
    assert not attendance_counts(task.attendance)


@pytest.mark.parametrize("code", ["theme_party_day", "branch_general_meeting"])
def test_other_makeup_types_create_tasks(side_a, code):
    _record(side_a, code=code, absent=side_a.members[:2])
    assert MakeupTask.objects.count() == 2


def test_no_task_for_drafts_or_types_without_makeup(side_a):
    _record(side_a, absent=[side_a.member], submit=False)
    _record(side_a, code="branch_committee_meeting", absent=[side_a.member])
    assert MakeupTask.objects.count() == 0


# --- the member completes it ---------------------------------------------------------------------------


def test_member_sees_and_completes_own_task(client, side_a, task):
    client.force_login(side_a.member_user)
    page = client.get(LIST).content.decode()
    assert "学习党章" in page and f'data-bs-target="#done-{task.pk}"' in page and "我的补学" in page
    response = client.post(_complete_url(task), {"note": "观看党课视频并写心得", "next": LIST})
    assert response.status_code == 302 and response["Location"] == LIST
    task.refresh_from_db()
    assert task.done_at is not None and task.note == "观看党课视频并写心得"
    assert task.confirmed_by == side_a.member_user
    assert attendance_counts(Attendance.objects.select_related("makeup").get(pk=task.attendance_id))
    page = client.get(LIST).content.decode()
    assert "已完成" in page and "出勤已计入" in page


def test_empty_note_is_refused_in_chinese_and_changes_nothing(client, side_a, task):
    client.force_login(side_a.member_user)
    response = client.post(_complete_url(task), {"note": "  "})
    assert response.status_code == 200
    assert "请填写补学情况" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is None


def test_completing_twice_is_refused(client, side_a, task):
    client.force_login(side_a.member_user)
    client.post(_complete_url(task), {"note": "自学"})
    done_at = MakeupTask.objects.get(pk=task.pk).done_at
    response = client.post(_complete_url(task), {"note": "再次"})
    assert "该补学已完成" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at == done_at and task.note == "自学"


def test_unsafe_next_is_ignored(client, side_a, task):
    client.force_login(side_a.member_user)
    response = client.post(_complete_url(task), {"note": "自学", "next": "https://evil.example.com/"})
    assert response.status_code == 302 and response["Location"] == LIST


# --- who else may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["branch_secretary", "unit_secretary"])
def test_secretaries_of_the_branch_and_unit_complete_for_the_member(client, side_a, task, who):
    client.force_login(getattr(side_a, who))
    page = client.get(LIST).content.decode()
    assert side_a.member.name in page and f'data-bs-target="#done-{task.pk}"' in page and "补学管理" in page
    assert client.get(_complete_url(task)).status_code == 200
    client.post(_complete_url(task), {"note": "支部组织集中补学"})
    task.refresh_from_db()
    assert task.done_at is not None and task.confirmed_by == getattr(side_a, who)


def test_committee_sees_all_and_filters_by_unit(client, side_a, side_b, committee_user, task):
    _record(side_b, absent=[side_b.member], topic="乙方党课")
    client.force_login(committee_user)
    page = client.get(LIST).content.decode()
    assert side_a.member.name in page and side_b.member.name in page
    page = client.get(LIST + f"?unit={side_b.unit.pk}").content.decode()
    assert side_b.member.name in page and side_a.member.name not in page


@pytest.mark.parametrize("who", ["unit_secretary", "branch_secretary", "member_user"])
def test_another_units_people_get_404_and_change_nothing(client, side_a, side_b, task, who):
    client.force_login(getattr(side_b, who))
    assert side_a.member.name not in client.get(LIST).content.decode()
    assert client.get(_complete_url(task)).status_code == 404
    assert client.post(_complete_url(task), {"note": "越权"}).status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


def test_sibling_branch_secretary_and_fellow_member_cannot(client, side_a, task):
    sibling = make_branch_secretary(UserFactory(username="sibling_sec"), side_a.other_branch)
    fellow = UserFactory(username="fellow")
    side_a.members[1].user = fellow
    side_a.members[1].save()
    for user in (sibling, fellow):
        client.force_login(user)
        assert side_a.member.name not in client.get(LIST).content.decode()
        assert client.post(_complete_url(task), {"note": "越权"}).status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


def test_the_button_and_the_service_follow_one_rule(client, side_a, side_b, committee_user, task):
    """permissions.can_complete_makeup decides both whether 标记完成 shows and whether the service accepts."""
    from django.core.exceptions import PermissionDenied

    from apps.orgs.access import scope_for
    from apps.partylife import permissions

    sibling = make_branch_secretary(UserFactory(username="sibling_rule"), side_a.other_branch)
    people = {
        side_a.member_user: True,
        side_a.branch_secretary: True,
        side_a.unit_secretary: True,
        committee_user: True,
        sibling: False,
        side_b.unit_secretary: False,
    }
    for user, allowed in people.items():
        assert permissions.can_complete_makeup(scope_for(user), task) is allowed, user
        client.force_login(user)
        shown = f'data-bs-target="#done-{task.pk}"' in client.get(LIST).content.decode()
        assert shown is allowed, user
    for user in (sibling, side_b.unit_secretary):
        with pytest.raises(PermissionDenied):
            services.makeup_complete(actor=user, task=task, note="越权")
    task.refresh_from_db()
    assert task.done_at is None


def test_a_user_without_any_role_is_refused(client, db):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(LIST).status_code == 403


# --- the list ------------------------------------------------------------------------------------------------


def test_open_tasks_come_first_and_status_filter(client, side_a):
    _record(side_a, absent=side_a.members[:2], topic="第一次党课")
    first = MakeupTask.objects.get(member=side_a.members[0])
    second = MakeupTask.objects.get(member=side_a.members[1])
    services.makeup_complete(actor=side_a.branch_secretary, task=first, note="已补学")
    client.force_login(side_a.branch_secretary)
    page = client.get(LIST).content.decode()
    assert page.index(f'data-task="{second.pk}"') < page.index(f'data-task="{first.pk}"')
    open_page = client.get(LIST + "?status=open").content.decode()
    assert f'data-task="{second.pk}"' in open_page and f'data-task="{first.pk}"' not in open_page
    done_page = client.get(LIST + "?status=done").content.decode()
    assert f'data-task="{first.pk}"' in done_page and f'data-task="{second.pk}"' not in done_page


def test_unit_secretary_filters_by_branch(client, side_a):
    _record(side_a, absent=[side_a.member])
    other = MemberFactory(branch=side_a.other_branch, name="二支部缺席者")
    data = dict(
        activity_type=activity_type("party_lecture"),
        branch=side_a.other_branch,
        fields={"topic": "二支部党课", "held_at": timezone.now() - dt.timedelta(days=1)},
        attendance=[AttendanceInput(other.pk, present=False, absence_reason="病假")],
    )
    services.activity_record(actor=side_a.unit_secretary, **data, submit=True)
    client.force_login(side_a.unit_secretary)
    page = client.get(LIST).content.decode()
    assert "二支部缺席者" in page and side_a.member.name in page
    page = client.get(LIST + f"?branch={side_a.other_branch.pk}").content.decode()
    assert "二支部缺席者" in page and side_a.member.name not in page


def test_export_is_scoped(client, side_a, side_b, task):
    _record(side_b, absent=[side_b.member])
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse("partylife:makeup_export"))
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    cells = [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert side_a.member.name in cells and side_b.member.name not in cells


def test_list_query_count_does_not_grow_with_tasks(client, side_a, assert_constant_queries):
    client.force_login(side_a.unit_secretary)
    _record(side_a, absent=side_a.members[:1])
    client.get(LIST)  # warm up (content types)

    def grow():
        for i in range(4):
            _record(side_a, absent=side_a.members, topic=f"党课{i}")
        assert MakeupTask.objects.count() == 13

    response = assert_constant_queries(lambda: client.get(LIST), grow=grow, expected=QUERIES)
    assert response.status_code == 200 and response.content.decode().count("data-task=") == 13


# session, user, scope (2 permission reads, managed units, managed branches, member row), tasks count,
# tasks page, branch choices, unread notifications, session save (savepoint, update, release)
QUERIES = 10


def test_a_large_makeup_export_is_a_job_holding_only_the_owners_unit(
    client, side_a, side_b, login, django_capture_on_commit_callbacks
):
    _record(side_a, absent=[side_a.member], topic="A局党课")
    _record(side_b, absent=[side_b.member], topic="B局党课")
    job, rows = export_job_rows(
        login(side_a.unit_secretary), reverse("partylife:makeup_export"), capture=django_capture_on_commit_callbacks
    )
    assert job.total == len(rows) == 1 and rows[0][2] == side_a.member.name and rows[0][4] == "A局党课"
