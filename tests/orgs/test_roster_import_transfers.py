"""Roster import with 转入日期 (issue 7): a new member's membership starts on it; a person on another branch of
the same unit with a date is a transfer on that day; every bad date is a row-level message and imports nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.orgs import roster_import as importer
from apps.orgs.models import Member, Membership, User
from tests.orgs.factories import BranchFactory, MemberFactory
from tests.orgs.memberships import assert_memberships_consistent
from tests.orgs.test_roster_import import HEADER, XLSX, result_of, upload, xlsx_bytes

HEADER_SINCE = [*HEADER, "转入日期"]
HistoricalMembership = Membership.history.model


@pytest.fixture
def mover(side_a):
    """A member of A's second branch since 2020-03-01, born and joined on fixed days."""
    member = MemberFactory(
        branch=side_a.other_branch,
        name="周转",
        birth_date=dt.date(1985, 2, 3),
        join_date=dt.date(2010, 7, 1),
        membership=dt.date(2020, 3, 1),
    )
    return member


def _row(member, branch_name, since, **overrides):
    row = {
        "unit": "市A局",
        "branch": branch_name,
        "name": member.name,
        "gender": "男",
        "birth": member.birth_date,
        "join": member.join_date,
        "status": "正式党员",
        "position": "科员",
        "since": since,
        **overrides,
    }
    return list(row.values())


def _state():
    return (
        list(Member.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        HistoricalMembership.objects.count(),
    )


def test_a_new_member_comes_in_on_the_transfer_date(client, committee_user, side_a):
    client.force_login(committee_user)
    rows = [
        ["市A局", "A局第一党支部", "新甲", "女", dt.date(1991, 1, 1), dt.date(2015, 7, 1), "正式", "", "2021-04-01"],
        ["市A局", "A局第一党支部", "新乙", "男", dt.date(1992, 1, 1), dt.date(2016, 7, 1), "正式", "", "—"],
    ]
    result = result_of(upload(client, rows, header=HEADER_SINCE))
    assert result.ok and result.created == 2
    assert Membership.objects.get(member__name="新甲").start_on == dt.date(2021, 4, 1)
    assert Membership.objects.get(member__name="新乙").start_on == dt.date(2016, 7, 1)  # blank: default_since
    for membership in Membership.objects.filter(member__name__in=["新甲", "新乙"]):
        record = membership.history.get()
        assert (record.history_user, record.history_change_reason) == (committee_user, importer.CHANGE_REASON)
    assert_memberships_consistent()


def test_a_person_on_another_branch_with_a_date_is_transferred(client, committee_user, side_a, mover):
    client.force_login(committee_user)
    versions = mover.history.count()
    row = _row(mover, "A局第一党支部", "2026-06-01", position="副科长")

    dry = result_of(upload(client, [row], header=HEADER_SINCE, dry_run=True))
    assert (dry.created, dry.updated, dry.transferred) == (0, 1, 1)
    assert not Membership.objects.filter(end_on__isnull=False).exists()  # a dry run writes nothing

    response = upload(client, [row], header=HEADER_SINCE)
    result = result_of(response)
    assert result.ok and (result.created, result.updated, result.transferred) == (0, 1, 1)
    assert "其中转入本单位其他支部 1 人" in response.content.decode()
    mover.refresh_from_db()
    assert (mover.branch, mover.party_group, mover.position) == (side_a.branch, None, "副科长")
    assert mover.history.count() == versions + 1
    assert [(m.branch, m.start_on, m.end_on) for m in Membership.objects.filter(member=mover)] == [
        (side_a.other_branch, dt.date(2020, 3, 1), dt.date(2026, 6, 1)),
        (side_a.branch, dt.date(2026, 6, 1), None),
    ]
    new = Membership.objects.get(member=mover, end_on__isnull=True)
    assert new.reason == "由A局第二党支部转入（名册导入）"
    records = HistoricalMembership.objects.filter(member=mover, history_user=committee_user)
    assert sorted(records.values_list("history_type", flat=True)) == ["+", "~"]  # the old one ended, the new opened
    assert_memberships_consistent()
    # The same file again changes nothing: the person is where it says, since that day.
    again = result_of(upload(client, [row], header=HEADER_SINCE))
    assert (again.created, again.updated, again.transferred, again.unchanged) == (0, 0, 0, 1)


@pytest.mark.parametrize(
    ("since", "problem"),
    [
        (None, "已登记在本单位“A局第二党支部”；如已转入本支部，请填写转入日期"),
        ("2020-02-29", "转入日期不能早于该党员转入“A局第二党支部”的日期（2020-03-01）"),
        ("2010-06-30", "转入日期不能早于入党日期（2010-07-01）"),
        ("2999-01-01", "转入日期不能晚于今天"),
        ("2026-02-30", "转入日期“2026-02-30”无法识别"),
        ("=TODAY()", "转入日期不能是公式"),
    ],
)
def test_bad_transfer_dates_are_row_errors_and_import_nothing(client, committee_user, side_a, mover, since, problem):
    client.force_login(committee_user)
    before = _state()
    result = result_of(upload(client, [_row(mover, "A局第一党支部", since)], header=HEADER_SINCE))
    assert len(result.row_errors) == 1
    assert any(problem in p for p in result.row_errors[0].problems), result.row_errors[0].problems
    assert _state() == before


def test_transfer_date_before_the_target_branch_was_founded(client, committee_user, side_a, mover):
    BranchFactory(unit=side_a.unit, name="A局新支部", founded_on=dt.date(2026, 5, 1))
    client.force_login(committee_user)
    before = _state()
    result = result_of(upload(client, [_row(mover, "A局新支部", "2026-04-30")], header=HEADER_SINCE))
    assert "转入日期早于“A局新支部”的成立日期（2026-05-01）" in result.row_errors[0].problems
    assert _state() == before
    assert result_of(upload(client, [_row(mover, "A局新支部", "2026-05-01")], header=HEADER_SINCE)).transferred == 1


def test_one_person_in_two_rows_and_a_changed_date_for_a_member_already_there(client, committee_user, side_a, mover):
    client.force_login(committee_user)
    before = _state()
    rows = [_row(mover, "A局第二党支部", None), _row(mover, "A局第一党支部", "2026-06-01")]
    result = result_of(upload(client, rows, header=HEADER_SINCE))
    assert [e.row for e in result.row_errors] == [3]
    assert "与第 2 行是同一人" in result.row_errors[0].problems[0]
    result = result_of(upload(client, [_row(mover, "A局第二党支部", "2021-01-01")], header=HEADER_SINCE))
    assert "已于 2020-03-01 转入本支部，与转入日期不一致" in result.row_errors[0].problems[0]
    assert _state() == before
    same_day = result_of(upload(client, [_row(mover, "A局第二党支部", "2020-03-01")], header=HEADER_SINCE))
    assert same_day.ok and same_day.transferred == 0


def test_a_unit_secretary_moves_no_one_out_of_another_unit(client, side_a, side_b):
    """The same person (name, birth date) on B's roster is B's: A's secretary's row for B is refused,
    and a row for A's own branch registers a new member of A, never moves B's."""
    person = side_b.members[1]
    client.force_login(side_a.unit_secretary)
    row = _row(person, "B局第一党支部", "2026-06-01", unit="市B局")
    result = result_of(upload(client, [row], header=HEADER_SINCE))
    assert "无权导入其他单位的党员" in result.row_errors[0].problems[0]
    result = result_of(upload(client, [_row(person, "A局第一党支部", "2026-06-01")], header=HEADER_SINCE))
    assert result.ok and (result.created, result.transferred) == (1, 0)
    person.refresh_from_db()
    assert person.branch == side_b.branch
    assert_memberships_consistent()


def test_transfer_date_of_today_at_the_shanghai_day_edge(client, committee_user, side_a, mover, shanghai_clock):
    shanghai_clock("2026-06-01 00:20")  # 31 May in UTC
    client.force_login(committee_user)
    result = result_of(upload(client, [_row(mover, "A局第一党支部", "2026-06-02")], header=HEADER_SINCE))
    assert "转入日期不能晚于今天" in result.row_errors[0].problems
    result = result_of(upload(client, [_row(mover, "A局第一党支部", "2026-06-01")], header=HEADER_SINCE))
    assert result.transferred == 1
    assert Membership.objects.get(member=mover, end_on__isnull=True).start_on == dt.date(2026, 6, 1)


def test_transfer_query_count_does_not_grow_with_rows(committee_user, side_a, assert_constant_queries):
    batch = {}

    def prepare(n: int, tag: str) -> None:
        movers = [
            MemberFactory(
                branch=side_a.other_branch,
                name=f"{tag}{i}",
                birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=i),
                join_date=dt.date(2005, 1, 1),
                membership=dt.date(2016, 1, 1),
            )
            for i in range(n)
        ]
        rows = [_row(m, "A局第一党支部", "2026-06-01") for m in movers]
        batch["n"] = n
        batch["file"] = SimpleUploadedFile("名册.xlsx", xlsx_bytes(rows, HEADER_SINCE), content_type=XLSX)
        batch["actor"] = User.objects.get(pk=committee_user.pk)

    def run() -> None:
        result = importer.roster_import(actor=batch["actor"], file=batch["file"])
        assert result.transferred == batch["n"], result.row_errors

    prepare(3, "甲")
    # scope 3, savepoint, units, branches, members (locked), open memberships (locked), update members and
    # their history, end memberships and their history, open memberships and their history, release: 15.
    assert_constant_queries(
        run, grow=lambda: prepare(30, "乙"), expected=26 + 6
    )  # + audit (units, parents, inserts), 关账, verdict-store batch
    assert_memberships_consistent()
