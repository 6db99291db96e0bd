"""Study sessions through the services: places and people as of the session's day, the youth age boundary,
the "same event" link, and who may write where (the session where it is and where it goes)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core import study_hours
from apps.orgs.models import Membership
from apps.partylife.models import Attendance
from apps.study.ledger import SESSIONS_SOURCE
from apps.study.models import SessionKind, StudySession, YouthGroup
from apps.study.services import sessions as services
from tests.orgs.factories import BranchFactory, MemberFactory, UserFactory, make_branch_secretary
from tests.partylife.factories import ActivityFactory, activity_type, at

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 10)


def fields(**extra):
    return {"topic": "学习党章", "held_on": DAY, "place": "会议室", "hours": Decimal("2"), **extra}


def attend(*members, present=True, reason=""):
    return [services.AttendanceInput(m.pk, present, reason) for m in members]


def weekly(side, actor=None, **kwargs):
    return services.session_create(
        actor=actor or side.branch_secretary,
        kind=SessionKind.WEEKLY,
        branch=kwargs.pop("branch", side.branch),
        fields=fields(**kwargs.pop("extra", {})),
        **kwargs,
    )


def test_weekly_session_with_speeches_and_attendance(side_a):
    a, b, c = side_a.members
    session = weekly(
        side_a,
        extra={"leader": a},
        speeches=[services.SpeechInput(b.pk, "谈体会")],
        attendance=[*attend(a, b), *attend(c, present=False, reason="出差")],
    )
    assert session.unit == side_a.unit and session.branch == side_a.branch and session.leader == a
    assert [(s.speaker_id, s.summary) for s in session.speeches.all()] == [(b.pk, "谈体会")]
    assert {(x.member_id, x.present, x.absence_reason) for x in session.attendances.all()} == {
        (a.pk, True, ""),
        (b.pk, True, ""),
        (c.pk, False, "出差"),
    }
    hours = study_hours.get(SESSIONS_SOURCE).hours(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert hours == {a.pk: Decimal("2.0"), b.pk: Decimal("2.0")}


def test_absent_needs_a_reason_and_attendees_come_from_the_branch_on_the_day(side_a):
    with pytest.raises(ValidationError) as exc:
        weekly(side_a, attendance=attend(side_a.members[0], present=False))
    assert "缺席原因" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        weekly(side_a, attendance=attend(side_a.other_branch_member))
    assert "本支部在册党员" in str(exc.value)
    # A member who joined the branch after the day is not on its roster that day.
    newcomer = MemberFactory(branch=side_a.branch, membership=dt.date(2026, 7, 1))
    with pytest.raises(ValidationError):
        weekly(side_a, attendance=attend(newcomer))
    assert not StudySession.objects.exists()


def test_future_day_and_leader_outside_the_unit_are_refused(side_a, side_b):
    with pytest.raises(ValidationError) as exc:
        weekly(side_a, extra={"held_on": dt.date(2026, 12, 25)})
    assert "不能晚于今天" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        weekly(side_a, extra={"leader": side_b.member})
    assert exc.value.message_dict["leader"] == ["领学人须为本单位党员（以学习当天的组织关系为准）。"]
    with pytest.raises(ValidationError) as exc:
        weekly(side_a, speeches=[services.SpeechInput(side_b.member.pk, "外单位")])
    assert "研讨发言人须为本单位党员" in str(exc.value)


# --- who may write where ---------------------------------------------------------------------------------


def test_branch_secretary_cannot_write_another_branch_of_the_same_unit(side_a):
    with pytest.raises(PermissionDenied):
        weekly(side_a, branch=side_a.other_branch)
    session = weekly(side_a)
    # Nor move their own session there, nor change the other branch's session.
    with pytest.raises(PermissionDenied):
        services.session_update(
            actor=side_a.branch_secretary,
            session=session,
            unit=None,
            branch=side_a.other_branch,
            youth_group=None,
            fields={},
        )
    other = weekly(side_a, actor=side_a.unit_secretary, branch=side_a.other_branch)
    with pytest.raises(PermissionDenied):
        services.session_update(
            actor=side_a.branch_secretary, session=other, unit=None, branch=side_a.branch, youth_group=None, fields={}
        )
    with pytest.raises(PermissionDenied):
        services.session_delete(actor=side_a.branch_secretary, session=other)
    assert StudySession.objects.get(pk=other.pk).branch == side_a.other_branch


def test_unit_kinds_belong_to_the_unit_secretary(side_a, side_b):
    with pytest.raises(PermissionDenied):
        services.session_create(
            actor=side_a.branch_secretary, kind=SessionKind.TRAINING, unit=side_a.unit, fields=fields()
        )
    with pytest.raises(PermissionDenied):
        services.session_create(
            actor=side_a.unit_secretary, kind=SessionKind.READING, unit=side_b.unit, fields=fields()
        )
    session = services.session_create(
        actor=side_a.unit_secretary,
        kind=SessionKind.TRAINING,
        unit=side_a.unit,
        fields=fields(),
        attendance=attend(side_a.member, side_a.other_branch_member),  # the whole unit's roster
    )
    assert session.attendances.count() == 2
    with pytest.raises(PermissionDenied):
        services.session_update(
            actor=side_b.unit_secretary, session=session, unit=side_b.unit, branch=None, youth_group=None, fields={}
        )


def test_member_of_one_branch_and_secretary_of_another(side_a):
    """A person on the roster of branch 2 who is secretary of branch 1 keeps branch 1's 周学 only."""
    person = UserFactory(username="cross")
    side_a.other_branch_member.user = person
    side_a.other_branch_member.save()
    make_branch_secretary(person, side_a.branch)
    session = weekly(side_a, actor=person, extra={"leader": side_a.other_branch_member})  # leads in their unit
    assert session.leader == side_a.other_branch_member
    with pytest.raises(PermissionDenied):
        weekly(side_a, actor=person, branch=side_a.other_branch)


# --- youth groups: the exact birthday ------------------------------------------------------------------


@pytest.fixture
def youth(side_a):
    turning_35 = MemberFactory(branch=side_a.branch, name="满35", birth_date=dt.date(1991, 6, 10))
    turning_36 = MemberFactory(branch=side_a.other_branch, name="满36", birth_date=dt.date(1990, 6, 10))
    group = services.youth_group_create(
        actor=side_a.unit_secretary,
        fields={"unit": side_a.unit, "name": "青年理论学习小组", "max_age": 35, "active": True},
        members=[turning_35, turning_36],
    )
    return group, turning_35, turning_36


def youth_session(side, group, members, day=DAY):
    return services.session_create(
        actor=side.unit_secretary,
        kind=SessionKind.YOUTH,
        youth_group=group,
        fields=fields(held_on=day),
        attendance=attend(*members),
    )


def test_youth_on_the_35th_birthday_is_in_and_on_the_36th_is_out(side_a, youth):
    group, turning_35, turning_36 = youth
    session = youth_session(side_a, group, [turning_35])  # 35 today: in
    assert session.unit == side_a.unit and list(session.attendances.values_list("member_id", flat=True)) == [
        turning_35.pk
    ]
    with pytest.raises(ValidationError) as exc:
        youth_session(side_a, group, [turning_36])  # 36 today: out
    message = exc.value.message_dict["attendance"][0]
    assert "满36于2026年6月10日年满36周岁" in message and "年龄上限（35周岁）" in message
    # The day before the 36th birthday, still in.
    assert youth_session(side_a, group, [turning_36], day=dt.date(2026, 6, 9)).attendances.count() == 1
    people = services.place_people(kind=SessionKind.YOUTH, unit=None, branch=None, youth_group=group, on=DAY)
    assert list(people) == [turning_35]
    assert services.over_age_members(group, on=DAY) == [turning_36]


def test_youth_group_members_must_be_of_its_unit(side_a, side_b):
    with pytest.raises(ValidationError) as exc:
        services.youth_group_create(
            actor=side_a.unit_secretary,
            fields={"unit": side_a.unit, "name": "小组", "max_age": 35, "active": True},
            members=[side_b.member],
        )
    assert "组员只能是市A局的在册党员" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.youth_group_create(
            actor=side_a.unit_secretary, fields={"unit": side_b.unit, "name": "小组", "max_age": 35}, members=[]
        )
    with pytest.raises(PermissionDenied):
        services.youth_group_create(
            actor=side_a.branch_secretary, fields={"unit": side_a.unit, "name": "小组", "max_age": 35}, members=[]
        )
    assert not YouthGroup.objects.exists()


# --- the same event ----------------------------------------------------------------------------------------


def test_same_as_must_be_one_of_the_offered_records(side_a, side_b):
    lecture = ActivityFactory(
        activity_type=activity_type("party_lecture"), branch=side_a.branch, held_at=at(2026, 6, 10)
    )
    Attendance.objects.create(activity=lecture, member=side_a.members[0])
    offered = services.same_event_choices(unit=side_a.unit, branch=side_a.branch, held_on=DAY)
    ref = f"partylife.branch:{lecture.pk}"
    assert [r for r, _ in offered] == [ref]

    other_day = ActivityFactory(
        activity_type=activity_type("party_lecture"), branch=side_a.branch, held_at=at(2026, 6, 11)
    )
    elsewhere = ActivityFactory(
        activity_type=activity_type("party_lecture"), branch=side_b.branch, held_at=at(2026, 6, 10)
    )
    for bad in (f"partylife.branch:{other_day.pk}", f"partylife.branch:{elsewhere.pk}", "partylife.branch:999999", "x"):
        with pytest.raises(ValidationError) as exc:
            weekly(side_a, extra={"same_as": bad})
        assert "same_as" in exc.value.message_dict
    assert not StudySession.objects.exists()

    session = weekly(side_a, extra={"same_as": ref}, attendance=attend(*side_a.members))
    hours = study_hours.get(SESSIONS_SOURCE).hours(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    # The lecture already counted member 0: the session counts only the others.
    assert hours == {side_a.members[1].pk: Decimal("2.0"), side_a.members[2].pk: Decimal("2.0")}
    assert session.same_as == ref


def test_moving_a_session_checks_its_list_again(side_a):
    session = weekly(side_a, actor=side_a.unit_secretary, attendance=attend(side_a.members[0]))
    with pytest.raises(ValidationError) as exc:
        services.session_update(
            actor=side_a.unit_secretary,
            session=session,
            unit=None,
            branch=side_a.other_branch,
            youth_group=None,
            fields={},
        )
    assert "attendance" in exc.value.message_dict
    assert StudySession.objects.get(pk=session.pk).branch == side_a.branch
    moved = services.session_update(
        actor=side_a.unit_secretary,
        session=session,
        unit=None,
        branch=side_a.other_branch,
        youth_group=None,
        fields={"topic": "改到二支部"},
        attendance=attend(side_a.other_branch_member),
    )
    assert moved.branch == side_a.other_branch and moved.topic == "改到二支部"


def test_a_dissolved_branch_takes_no_session_after_its_end(side_a):
    branch = BranchFactory(unit=side_a.unit, name="旧支部", dissolved_on=dt.date(2026, 5, 1), end_reason="revoked")
    with pytest.raises(ValidationError) as exc:
        weekly(side_a, actor=side_a.unit_secretary, branch=branch)
    assert "撤销" in exc.value.message_dict["held_on"][0]
    assert Membership.objects.exists()
