"""The hours ledger: every source summed once, pro-rated targets by role, the evaluation day as the only clock."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.core import study_hours
from apps.orgs.models import Membership
from apps.partylife.models import Attendance, MakeupTask
from apps.partylife.study_sources import BRANCH_SOURCE, UNIT_SOURCE
from apps.study.ledger import SELF_STUDY_SOURCE, SESSIONS_SOURCE, Status, ledger_for, ledgers
from apps.study.models import SelfStudy, SessionAttendance, SessionKind, StudySession, StudyYear
from apps.study.sources import LINKED_NOTE
from tests.orgs.factories import MemberFactory
from tests.partylife.factories import ActivityFactory, activity_type, at

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 31)


def lesson(branch, members, *, code="party_lecture", when=None, present=True, **kwargs):
    record = ActivityFactory(
        activity_type=activity_type(code), branch=branch, held_at=when or at(2026, 3, 10), **kwargs
    )
    for member in members:
        Attendance.objects.create(activity=record, member=member, present=present)
    return record


def session(side, members, *, hours="2", same_as="", held_on=dt.date(2026, 3, 10)):
    row = StudySession.objects.create(
        kind=SessionKind.WEEKLY,
        unit=side.unit,
        branch=side.branch,
        topic="周学",
        held_on=held_on,
        hours=Decimal(hours),
        same_as=same_as,
    )
    for member in members:
        SessionAttendance.objects.create(session=row, member=member)
    return row


def test_every_source_adds_to_the_ledger(side_a):
    member = side_a.member
    lesson(side_a.branch, [member])  # 党课: its type's 2 学时
    unit_study = ActivityFactory(
        activity_type=activity_type("center_group_study"), branch=None, unit=side_a.unit, held_at=at(2026, 4, 2)
    )
    unit_study.study_hours = Decimal("4")  # the record's override beats the type's 3
    unit_study.save()
    Attendance.objects.create(activity=unit_study, member=member)
    session(side_a, [member], hours="1.5")
    SelfStudy.objects.create(member=member, studied_on=dt.date(2026, 5, 1), title="读原著", hours=Decimal("1"))

    ledger = ledgers(2026, today=TODAY, members=[member.pk])[member.pk]

    assert ledger.by_source == {
        BRANCH_SOURCE: Decimal("2.0"),
        UNIT_SOURCE: Decimal("4.0"),
        SESSIONS_SOURCE: Decimal("1.5"),
        SELF_STUDY_SOURCE: Decimal("1.0"),
    }
    assert ledger.total == Decimal("8.5")
    assert [e.source for e in study_hours.entries_for(member.pk, dt.date(2026, 1, 1), TODAY)] == [
        SELF_STUDY_SOURCE,
        UNIT_SOURCE,
        SESSIONS_SOURCE,
        BRANCH_SOURCE,
    ]


def test_only_counted_records_and_present_members_earn_hours(side_a):
    present, absent, made_up = side_a.members
    lesson(side_a.branch, [present])
    lesson(side_a.branch, [present], status="draft")  # a draft does not count
    lesson(side_a.branch, [present], evidence_complete=False)  # nor one that lacks evidence
    record = lesson(side_a.branch, [absent, made_up], present=False)
    task = MakeupTask.objects.create(
        attendance=Attendance.objects.get(activity=record, member=made_up), member=made_up, due_on=dt.date(2026, 4, 1)
    )
    task.done_at = at(2026, 3, 20)
    task.save()
    lesson(side_a.branch, [present], code="branch_committee_meeting")  # a type worth no hours

    found = ledgers(2026, today=TODAY, members=side_a.unit.branches.first().members.all())

    assert found[present.pk].by_source == {BRANCH_SOURCE: Decimal("2.0")}
    assert found[absent.pk].by_source == {}
    assert found[made_up.pk].by_source == {BRANCH_SOURCE: Decimal("2.0")}  # 补学 done: the lesson counts


def test_a_session_that_is_the_same_event_as_a_party_life_record_counts_once(side_a):
    both, only_session, only_record = side_a.members
    record = lesson(side_a.branch, [both, only_record])
    ref = study_hours.make_ref(BRANCH_SOURCE, record.pk)
    assert (ref, f"2026年3月10日 党课：{record.topic}") in study_hours.events_on(
        side_a.unit.pk, side_a.branch.pk, dt.date(2026, 3, 10)
    )
    session(side_a, [both, only_session], hours="2", same_as=ref)

    found = ledgers(2026, today=TODAY, members=[both.pk, only_session.pk, only_record.pk])

    assert found[both.pk].total == Decimal("2.0")  # once, not four
    assert found[both.pk].by_source == {BRANCH_SOURCE: Decimal("2.0")}
    assert found[only_session.pk].by_source == {SESSIONS_SOURCE: Decimal("2.0")}
    assert found[only_record.pk].by_source == {BRANCH_SOURCE: Decimal("2.0")}
    lines = study_hours.entries_for(both.pk, dt.date(2026, 1, 1), TODAY)
    assert sum(line.hours for line in lines) == Decimal("2.0")
    linked = next(line for line in lines if line.source == SESSIONS_SOURCE)
    assert linked.hours == 0 and linked.title.endswith(LINKED_NOTE)  # the line says why it adds nothing
    alone = study_hours.entries_for(only_session.pk, dt.date(2026, 1, 1), TODAY)
    assert [line.title.endswith(LINKED_NOTE) for line in alone] == [False]


def test_targets_by_role_and_pro_rated_by_days_on_a_roster(side_a):
    whole_year = side_a.members[0]
    leader = side_a.members[1]
    leader.is_branch_committee = True
    leader.save()
    joined_july = MemberFactory(branch=side_a.branch, membership=dt.date(2026, 7, 1))
    moved = MemberFactory(branch=side_a.branch, membership=dt.date(2020, 1, 1))
    first = Membership.objects.get(member=moved)
    first.end_on = dt.date(2026, 5, 1)
    first.save()
    first.pk = None
    Membership.objects.create(member=moved, branch=side_a.other_branch, start_on=dt.date(2026, 5, 1))

    found = ledgers(2026, today=TODAY, members=[whole_year.pk, leader.pk, joined_july.pk, moved.pk])

    assert found[whole_year.pk].target == Decimal("32.0")
    assert found[leader.pk].target == Decimal("56.0")
    assert found[joined_july.pk].target == Decimal("16.1")  # 32 × 184 / 365
    assert found[moved.pk].target == Decimal("32.0")  # a transfer inside the city keeps the whole year
    assert found[moved.pk].branch_id == side_a.other_branch.pk


def test_the_years_settings_and_the_evaluation_day_decide_what_is_due(side_a):
    StudyYear.objects.create(year=2026, member_target=Decimal("40"), leader_target=Decimal("60"))
    member = side_a.member
    lesson(side_a.branch, [member], when=at(2026, 1, 5))

    mid_year = ledgers(2026, today=dt.date(2026, 7, 2), members=[member.pk])[member.pk]

    assert mid_year.target == Decimal("40.0")
    assert mid_year.expected == Decimal("20.1")  # 40 × 183 / 365 = 20.05
    assert mid_year.status == Status.BEHIND
    early = ledgers(2026, today=dt.date(2026, 1, 15), members=[member.pk])[member.pk]
    assert early.status == Status.ON_TRACK  # 2 学时 ≥ 40 × 15 / 365
    assert StudyYear.for_year(2027).member_target == Decimal("40")  # a new year starts from the last one's


def test_hours_after_the_evaluation_day_do_not_count_yet(side_a):
    member = side_a.member
    lesson(side_a.branch, [member], when=at(2026, 6, 1))
    assert ledger_for(member, 2026, today=dt.date(2026, 5, 31)).total == 0
    assert ledger_for(member, 2026, today=dt.date(2026, 6, 1)).total == Decimal("2.0")


def test_self_study_beyond_the_years_cap_does_not_count(side_a):
    member = side_a.member
    for day in range(1, 8):
        SelfStudy.objects.create(member=member, studied_on=dt.date(2026, 3, day), title="自学", hours=Decimal("2"))
    assert ledger_for(member, 2026, today=TODAY).by_source[SELF_STUDY_SOURCE] == Decimal("12")  # 14 logged


def test_the_ledger_of_a_branch_takes_the_same_queries_however_many_members(side_a, django_assert_num_queries):
    def run():
        return ledgers(2026, today=TODAY, members=side_a.branch.members.all())

    lesson(side_a.branch, side_a.members)
    session(side_a, side_a.members, same_as=study_hours.make_ref(BRANCH_SOURCE, 999999))
    # settings, members, memberships, the platform start, every source's hours (one UNION ALL), and the party-life
    # attendees of the linked session
    with django_assert_num_queries(6):
        first = run()
    more = [MemberFactory(branch=side_a.branch) for _ in range(5)]
    lesson(side_a.branch, more)
    session(side_a, more)
    with django_assert_num_queries(6):
        second = run()
    assert len(second) == len(first) + 5
