"""Study-session pages: the one-page form, detail, delete, list and export, youth groups; scoped by unit and branch."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.partylife.models import Attendance
from apps.study.models import SessionAttendance, SessionKind, StudySession, YouthGroup
from tests.orgs.factories import MemberFactory
from tests.partylife.factories import ActivityFactory, activity_type, at

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 10)


def make_session(side, *, branch=None, kind=SessionKind.WEEKLY, topic="周学", members=(), day=DAY):
    session = StudySession.objects.create(
        kind=kind,
        unit=side.unit,
        branch=(branch or side.branch) if kind == SessionKind.WEEKLY else None,
        topic=topic,
        held_on=day,
        hours=Decimal("2"),
    )
    for m in members:
        SessionAttendance.objects.create(session=session, member=m)
    return session


def post_data(side, **extra):
    a, b, c = side.members
    data = {
        "action": "save",
        "branch": side.branch.pk,
        "held_on": DAY.isoformat(),
        "hours": "1.5",
        "topic": "学习二十届三中全会精神",
        "place": "三楼会议室",
        "leader": a.pk,
        "materials": "《决定》全文",
        "same_as": "",
        "speech-0-speaker": b.pk,
        "speech-0-summary": "结合岗位谈体会",
        "att": [a.pk, b.pk, c.pk],
        "present": [a.pk, b.pk],
        f"reason_{c.pk}": "病假",
    }
    data.update(extra)
    return data


CREATE_WEEKLY = reverse("study:session_create", args=["weekly"])


def test_branch_secretary_logs_a_weekly_session_on_one_page(client, side_a):
    client.force_login(side_a.branch_secretary)
    page = client.get(CREATE_WEEKLY)
    assert page.status_code == 200
    text = page.content.decode()
    # The only branch is chosen; its roster on today is listed, all present.
    assert page.context["form"].chosen_branch == side_a.branch
    assert {r["member"] for r in page.context["attendance_rows"]} == set(side_a.members)
    assert side_a.other_branch_member.name not in text

    response = client.post(CREATE_WEEKLY, post_data(side_a))
    session = StudySession.objects.get()
    assert response.status_code == 302 and response.url == session.get_absolute_url()
    assert session.created_by == side_a.branch_secretary and session.hours == Decimal("1.5")
    assert session.attendances.filter(present=False).get().absence_reason == "病假"
    detail = client.get(session.get_absolute_url()).content.decode()
    assert "结合岗位谈体会" in detail and "病假" in detail and "删除" in detail


def test_refused_save_keeps_what_was_typed_and_says_why(client, side_a, side_b):
    client.force_login(side_a.branch_secretary)
    a = side_a.members[0]
    response = client.post(CREATE_WEEKLY, post_data(side_a, present=[a.pk], **{f"reason_{side_a.members[1].pk}": ""}))
    assert response.status_code == 200 and not StudySession.objects.exists()
    assert "缺席的党员须填写缺席原因" in response.content.decode()
    assert response.context["form"]["topic"].value() == "学习二十届三中全会精神"
    # Another unit's member as speaker: no such choice on the page, refused by the service.
    response = client.post(CREATE_WEEKLY, post_data(side_a, **{"speech-0-speaker": side_b.member.pk}))
    assert "研讨发言人须为本单位党员" in response.content.decode() and not StudySession.objects.exists()
    # Junk in the repeated rows is a message, never a 500.
    response = client.post(CREATE_WEEKLY, post_data(side_a, att=["x"]))
    assert response.status_code == 200 and "名单数据有误" in response.content.decode()


def test_add_speech_row_redraws_without_saving_or_errors(client, side_a):
    client.force_login(side_a.branch_secretary)
    response = client.post(CREATE_WEEKLY, post_data(side_a, action="add_speech", topic=""))
    assert response.status_code == 200 and not StudySession.objects.exists()
    assert len(response.context["speech_rows"]) == 2 and not response.context["has_errors"]


def test_same_event_choice_is_offered_and_explained(client, side_a):
    lecture = ActivityFactory(
        activity_type=activity_type("party_lecture"), branch=side_a.branch, held_at=at(2026, 6, 10)
    )
    Attendance.objects.create(activity=lecture, member=side_a.members[0])
    client.force_login(side_a.branch_secretary)
    page = client.get(CREATE_WEEKLY + f"?branch={side_a.branch.pk}&held_on=2026-06-10")
    ref = f"partylife.branch:{lecture.pk}"
    assert ref in page.content.decode()
    response = client.post(CREATE_WEEKLY, post_data(side_a, same_as="partylife.branch:424242"))
    assert response.status_code == 200 and not StudySession.objects.exists()
    client.post(CREATE_WEEKLY, post_data(side_a, same_as=ref))
    session = StudySession.objects.get()
    detail = client.get(session.get_absolute_url()).content.decode()
    assert "与组织生活记录为同一次活动" in detail and "不再重复计入学时" in detail


def test_branch_secretary_cannot_open_or_post_for_another_branch(client, side_a):
    client.force_login(side_a.branch_secretary)
    response = client.post(CREATE_WEEKLY, post_data(side_a, branch=side_a.other_branch.pk))
    assert response.status_code == 200 and not StudySession.objects.exists()
    assert "branch" in response.context["form"].errors
    other = make_session(side_a, branch=side_a.other_branch)
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("study:session_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("study:session_delete", args=[other.pk])).status_code == 404
    assert client.get(reverse("study:session_create", args=["training"])).status_code == 403
    assert StudySession.objects.filter(pk=other.pk).exists()


def test_edit_and_delete_with_confirmation(client, side_a):
    session = make_session(side_a, members=side_a.members)
    client.force_login(side_a.unit_secretary)
    edit_url = reverse("study:session_edit", args=[session.pk])
    page = client.get(edit_url)
    assert {r["member"] for r in page.context["attendance_rows"]} == set(side_a.members)
    response = client.post(edit_url, post_data(side_a, topic="改过的主题"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.topic == "改过的主题" and session.speeches.count() == 1
    detail = client.get(session.get_absolute_url()).content.decode()
    assert "data-confirm" in detail
    response = client.post(reverse("study:session_delete", args=[session.pk]))
    assert response.status_code == 302 and not StudySession.objects.exists()


def test_permission_matrix_on_pages_and_export(client, side_a, side_b, committee_user):
    a1 = make_session(side_a, topic="甲一支部周学", members=[side_a.member])
    a2 = make_session(side_a, branch=side_a.other_branch, topic="甲二支部周学")
    b1 = make_session(side_b, topic="乙单位周学", members=[side_b.member])
    training = make_session(side_a, kind=SessionKind.TRAINING, topic="甲单位培训")
    seen = {
        side_a.unit_secretary: {a1, a2, training},
        side_a.branch_secretary: {a1},
        side_a.member_user: {a1},  # attended
        side_b.unit_secretary: {b1},
        committee_user: {a1, a2, b1, training},
    }
    for user, expected in seen.items():
        client.force_login(user)
        page = client.get(reverse("study:session_list"))
        assert set(page.context["page"].object_list) == expected, user
        export = client.get(reverse("study:session_export"))
        rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True))
        assert {row[3] for row in rows} == {s.topic for s in expected}, user
        for session in (a1, a2, b1, training):
            status = client.get(session.get_absolute_url()).status_code
            assert status == (200 if session in expected else 404), (user, session)
    client.force_login(side_b.unit_secretary)
    assert client.get(reverse("study:session_list") + f"?unit={side_a.unit.pk}").context["filter_messages"]


def test_member_reads_but_cannot_change(client, side_a):
    session = make_session(side_a, members=[side_a.member])
    client.force_login(side_a.member_user)
    detail = client.get(session.get_absolute_url())
    assert detail.status_code == 200 and not detail.context["can_change"]
    assert client.get(reverse("study:session_edit", args=[session.pk])).status_code == 403
    assert client.post(reverse("study:session_delete", args=[session.pk])).status_code == 403
    assert client.get(CREATE_WEEKLY).status_code == 403


def test_list_filters_and_bad_parameters(client, side_a):
    make_session(side_a, topic="春季周学", day=dt.date(2026, 3, 1))
    make_session(side_a, kind=SessionKind.READING, topic="读书班", day=dt.date(2026, 9, 1))
    client.force_login(side_a.unit_secretary)
    url = reverse("study:session_list")
    assert [s.topic for s in client.get(url + "?kind=reading").context["page"]] == ["读书班"]
    assert [s.topic for s in client.get(url + "?end=2026-06-30").context["page"]] == ["春季周学"]
    assert [s.topic for s in client.get(url + "?q=春季").context["page"]] == ["春季周学"]
    response = client.get(url + "?branch=%C2%B2&start=2026-99-01&q=%00")
    assert response.status_code == 200 and len(response.context["filter_messages"]) == 3


@pytest.mark.parametrize("who", ["branch_secretary", "committee"])
def test_session_list_query_count_does_not_grow(client, side_a, committee_user, assert_constant_queries, who):
    user = committee_user if who == "committee" else side_a.branch_secretary
    client.force_login(user)
    url = reverse("study:session_list")

    def make(n):
        for i in range(n):
            make_session(side_a, topic=f"周学{i}", members=side_a.members, day=DAY - dt.timedelta(days=i))

    make(3)
    client.get(url)  # warm-up: content types, sessions
    expected = {"branch_secretary": 9, "committee": 10}[who]  # the committee: no branch choices until a unit
    response = assert_constant_queries(lambda: client.get(url), grow=lambda: make(27), expected=expected)
    assert len(response.context["page"]) == 20 and response.context["page"].paginator.count == 30


# --- youth groups -------------------------------------------------------------------------------------------


def test_youth_groups_pages(client, side_a, side_b):
    young = MemberFactory(branch=side_a.branch, name="青年", birth_date=dt.date(1998, 1, 1))
    old = MemberFactory(branch=side_a.other_branch, name="年长", birth_date=dt.date(1980, 1, 1))
    client.force_login(side_a.unit_secretary)
    create = reverse("study:youth_group_create")
    page = client.get(create)
    assert young.pk in [m.pk for m in page.context["form"].fields["members"].queryset]
    assert side_b.member.pk not in [m.pk for m in page.context["form"].fields["members"].queryset]
    data = {
        "unit": side_a.unit.pk,
        "name": "甲局青年学习小组",
        "max_age": 35,
        "active": "on",
        "members": [young.pk, old.pk],
    }
    response = client.post(create, data, follow=True)
    group = YouthGroup.objects.get()
    assert set(group.members.all()) == {young, old}
    assert "年长 已超过35周岁" in response.content.decode()
    listing = client.get(reverse("study:youth_group_list")).content.decode()
    assert "已超龄：年长" in listing
    # Another unit's member is refused; another unit's group is not found.
    response = client.post(reverse("study:youth_group_edit", args=[group.pk]), {**data, "members": [side_b.member.pk]})
    assert response.status_code == 200 and set(group.members.all()) == {young, old}
    client.force_login(side_b.unit_secretary)
    assert client.get(reverse("study:youth_group_edit", args=[group.pk])).status_code == 404
    assert not client.get(reverse("study:youth_group_list")).context["page"].object_list
    client.force_login(side_a.branch_secretary)
    assert client.get(reverse("study:youth_group_list")).status_code == 403


def test_youth_session_form_lists_only_members_under_the_age_on_the_day(client, side_a):
    in_age = MemberFactory(branch=side_a.branch, name="满35", birth_date=dt.date(1991, 6, 10))
    over = MemberFactory(branch=side_a.branch, name="满36", birth_date=dt.date(1990, 6, 10))
    group = YouthGroup.objects.create(unit=side_a.unit, name="青年组", max_age=35)
    group.members.set([in_age, over])
    client.force_login(side_a.unit_secretary)
    url = reverse("study:session_create", args=["youth"])
    page = client.get(url + f"?youth_group={group.pk}&held_on=2026-06-10")
    assert [r["member"] for r in page.context["attendance_rows"]] == [in_age]
    assert page.context["over_age"] == [over]
    data = {
        "action": "save",
        "youth_group": group.pk,
        "held_on": "2026-06-10",
        "hours": "1",
        "topic": "青年学习",
        "att": [in_age.pk, over.pk],
        "present": [in_age.pk, over.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "年龄上限（35周岁）" in response.content.decode()
    data["att"] = data["present"] = [in_age.pk]
    assert client.post(url, data).status_code == 302
    assert StudySession.objects.get().attendances.get().member == in_age


def test_refresh_for_another_day_redraws_the_roster_of_that_day(client, side_a):
    """The htmx refresh (a GET with the place and day): the roster, 领学人 and same-event choices of that day."""
    newcomer = MemberFactory(branch=side_a.branch, name="新转入", membership=dt.date(2026, 7, 1))
    client.force_login(side_a.branch_secretary)
    leader = side_a.members[0].pk
    before = client.get(CREATE_WEEKLY + f"?branch={side_a.branch.pk}&held_on=2026-06-10&leader={leader}")
    after = client.get(CREATE_WEEKLY + f"?branch={side_a.branch.pk}&held_on=2026-07-10&leader={leader}")
    assert newcomer not in {r["member"] for r in before.context["attendance_rows"]}
    assert newcomer in {r["member"] for r in after.context["attendance_rows"]}
    assert after.context["form"]["leader"].value() == leader
    assert 'hx-select-oob="#f-leader,#f-same_as,#attendance-block,#speech-block"' in after.content.decode()
