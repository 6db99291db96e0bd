"""`manage.py seed_demo` (演示数据): a believable, deterministic demo city with one account per role."""

import datetime as dt
import random
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.test import RequestFactory
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

from apps.core.periods import add_years
from apps.orgs import demo_data
from apps.orgs.access import Role, scope_for
from apps.orgs.demo import CURRENT_YEAR_BRANCHES, DemoCity, history_days
from apps.orgs.demo_data import DEMO_USERNAMES
from apps.orgs.models import (
    Branch,
    BranchEnd,
    BranchKind,
    HeadcountSnapshot,
    Member,
    Membership,
    MemberStatus,
    PartyGroup,
    Platform,
    Unit,
    UnitCategory,
    User,
)
from tests.orgs.memberships import assert_memberships_consistent

ORG_MODELS = (Unit, Branch, PartyGroup, Member)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (*ORG_MODELS, User, HeadcountSnapshot)}


def roster() -> list[tuple]:
    return sorted(
        Member.objects.values_list(
            "branch__unit__name",
            "branch__name",
            "name",
            "birth_date",
            "gender",
            "position",
            "status",
            "is_leading_cadre",
            "is_branch_committee",
        )
    )


def test_seed_builds_a_believable_city(db):
    out = seed("--only", "partylife")  # the city and the party life it checks the output of
    today = timezone.localdate()

    units = list(Unit.objects.all())
    assert len(units) >= 30
    assert {u.category for u in units} == set(UnitCategory.values)
    assert Unit.objects.filter(name__in=[demo_data.DEMO_UNIT, demo_data.DEMO_UNIT_2]).count() == 2
    assert 180 <= Branch.objects.count() <= 230
    assert 2700 <= Member.objects.count() <= 3300
    assert f"单位 {len(units)} 个" in out and f"党员 {Member.objects.count()} 名" in out
    assert "组织生活记录" in out and "补学任务" in out and "企业问题" in out  # party life: tests/partylife/test_demo.py
    for header in ("角色", "用户名", "密码", "所属", demo_data.DEMO_PASSWORD, *DEMO_USERNAMES):
        assert header in out

    # Every unit: 3–12 branches, exactly one of them the retirees' branch.
    per_unit = Counter(Branch.objects.values_list("unit_id", flat=True))
    assert set(per_unit) == {u.pk for u in units}
    assert all(3 <= n <= 12 for n in per_unit.values())
    retired = Branch.objects.filter(kind=BranchKind.RETIRED)
    assert sorted(retired.values_list("unit_id", flat=True)) == sorted(u.pk for u in units)
    assert set(retired.values_list("name", flat=True)) == {demo_data.RETIRED_BRANCH_NAME}

    # Founding dates: spread over past years, a few this year, none in the future.
    founded = list(Branch.objects.values_list("founded_on", flat=True))
    assert max(founded) <= today
    assert 1 <= sum(d.year == today.year for d in founded) <= 6
    assert len({d.year for d in founded}) >= 15

    members = list(Member.objects.select_related("branch", "party_group"))
    for m in members:
        assert m.join_date <= today, m
        assert m.join_date >= add_years(m.birth_date, 18), m
        assert 23 <= m.age(demo_data.REFERENCE_DATE) <= 80, m
        if m.branch.kind == BranchKind.RETIRED:
            assert m.age(demo_data.REFERENCE_DATE) >= 55 and m.position == demo_data.RETIRED_POSITION, m
        else:
            assert m.age(demo_data.REFERENCE_DATE) <= 59 and m.position != demo_data.RETIRED_POSITION, m
        if m.party_group_id:
            assert m.party_group.branch_id == m.branch_id, m
    assert len({(m.branch_id, m.name, m.birth_date) for m in members}) == len(members)
    assert {m.gender for m in members} == {"M", "F"}

    # About 5% probationary, all of them joined within the last year and none on a branch committee.
    probationary = [m for m in members if m.status == MemberStatus.PROBATIONARY]
    assert 0.03 <= len(probationary) / len(members) <= 0.07
    assert all(today - m.join_date <= dt.timedelta(days=366) for m in probationary)
    assert not any(m.is_branch_committee for m in probationary)

    # 3–7 branch committee members per branch; leading cadres are the unit leaders and 处长-level heads.
    # The merged branch's committee members sit in its successor's committee with its own (until re-elected).
    committee = Counter(m.branch_id for m in members if m.is_branch_committee)
    merged = Branch.objects.exclude(dissolved_on=None).get()
    joined = Member.objects.filter(memberships__branch=merged, is_branch_committee=True).count()
    own = {**committee, merged.successor_id: committee[merged.successor_id] - joined}
    assert set(committee) == set(Branch.objects.current().values_list("pk", flat=True))
    assert 3 <= joined <= 7 and all(3 <= n <= 7 for n in own.values()), own
    cadres = [m for m in members if m.is_leading_cadre]
    assert 0.05 <= len(cadres) / len(members) <= 0.2
    assert {m.branch.unit_id for m in cadres} == {u.pk for u in units}
    assert {"局长", "副局长", "处长"} <= {m.position for m in cadres}
    assert not any(m.branch.kind == BranchKind.RETIRED for m in cadres)

    # Some branches have 2–3 party groups.
    groups = Counter(PartyGroup.objects.values_list("branch_id", flat=True))
    assert len(groups) >= 10
    assert set(groups.values()) <= {2, 3}

    # Every row passes model validation, constraints included.
    for obj in [*units, *Branch.objects.all(), *PartyGroup.objects.all(), *random.Random(0).sample(members, 100)]:
        obj.full_clean()

    # History was written with the rows (and with this year's changes), and the committee home has today's headcount.
    assert_history_of_rows_and_changes()
    snapshots = HeadcountSnapshot.objects.filter(date=today)
    assert snapshots.count() == len(units)
    assert sum(s.members for s in snapshots) == len(members)


def assert_history_of_rows_and_changes() -> None:
    """One "+" version per row; a "~" version exactly for what this year's changes touched."""
    for model in (*ORG_MODELS, Membership):
        history = get_history_model_for_model(model).objects
        assert history.filter(history_type="+").count() == model.objects.count(), model
    ended_groups = PartyGroup.objects.exclude(dissolved_on=None)
    changed = {
        Unit: Unit.objects.exclude(joined_on=None),
        Branch: Branch.objects.exclude(dissolved_on=None),
        PartyGroup: ended_groups,
        Membership: Membership.objects.exclude(end_on=None),
        # moved (a merge, a transfer), or left in no group by its group's end
        Member: Member.objects.filter(
            Q(pk__in=Membership.objects.exclude(end_on=None).values("member_id"))
            | Q(pk__in=Member.history.filter(party_group__in=ended_groups).values("id"))
        ),
    }
    for model, rows in changed.items():
        versions = get_history_model_for_model(model).objects.filter(history_type="~")
        assert set(versions.values_list("id", flat=True)) == set(rows.values_list("pk", flat=True)), model


def test_the_tree_has_this_years_history(db):
    """The platform starts with last year's fourth quarter; one unit joined in January; mid-year a branch
    merged into a sibling, a party group was dissolved and five members moved branch; nothing in the future."""
    seed("--org-only")
    today = timezone.localdate()
    days = history_days(today)
    assert Platform.start() == dt.date(today.year - 1, 10, 1) == days.platform_start
    assert list(Unit.objects.exclude(joined_on=None).values_list("name", "joined_on")) == [
        (demo_data.JOINED_UNIT, dt.date(today.year, 1, 1))
    ]

    merged = Branch.objects.select_related("successor").get(dissolved_on__isnull=False)
    assert (merged.unit.name, merged.name, merged.end_reason) == (
        demo_data.DEMO_UNIT_2,
        demo_data.MERGED_BRANCH,
        BranchEnd.MERGED,
    )
    assert merged.successor.unit_id == merged.unit_id and merged.successor.is_current
    assert merged.dissolved_on == days.merged_on <= today and days.merged_on.day == 1
    assert not merged.members.filter(active=True).exists()
    moved = Membership.objects.filter(branch=merged)
    assert moved.count() >= 10 and not moved.filter(Q(end_on=None) | ~Q(end_on=merged.dissolved_on)).exists()
    successors = Membership.objects.filter(member__in=moved.values("member_id"), end_on=None)
    assert set(successors.values_list("branch", "start_on")) == {(merged.successor_id, merged.dissolved_on)}
    assert set(PartyGroup.objects.filter(branch=merged).values_list("dissolved_on", flat=True)) == {merged.dissolved_on}

    group = PartyGroup.objects.exclude(branch=merged).get(dissolved_on__isnull=False)
    assert (group.branch.unit.name, group.branch.name, group.name) == (
        demo_data.DEMO_UNIT,
        demo_data.GROUP_BRANCH,
        demo_data.DISSOLVED_GROUP,
    )
    assert group.dissolved_on == days.group_dissolved_on <= today and not group.members.exists()
    assert Member.history.filter(party_group=group).values("id").distinct().count() >= 5  # it had members

    transfers = Membership.objects.exclude(end_on=None).exclude(branch=merged).select_related("branch__unit")
    assert len(transfers) == len(demo_data.TRANSFERS) == 5
    for old, (unit, source, target), day in zip(
        transfers.order_by("end_on"), demo_data.TRANSFERS, days.transfers, strict=True
    ):
        new = Membership.objects.select_related("branch").get(member=old.member_id, end_on=None)
        assert (old.branch.unit.name, old.branch.name, new.branch.name) == (unit, source, target)
        assert old.end_on == new.start_on == day <= today and dt.date(today.year, 1, 1) <= day
        assert not (new.member.is_branch_committee or new.member.is_leading_cadre)
    assert_memberships_consistent()


@pytest.mark.parametrize(
    "today", [dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 4, 1), dt.date(2027, 11, 27)]
)
def test_history_days_are_mid_year_and_never_after_today(today):
    days = history_days(today)
    every = [days.joined_on, days.merged_on, days.group_dissolved_on, *days.transfers]
    assert all(dt.date(today.year, 1, 1) <= day <= today for day in every)
    assert days.merged_on == max(q for q in (dt.date(today.year, m, 1) for m in (1, 4, 7)) if q <= today)
    assert days.group_dissolved_on.day == 1 and list(days.transfers) == sorted(days.transfers)
    assert days.platform_start == dt.date(today.year - 1, 10, 1)
    assert history_days(today) == days  # the same for the same day


def test_demo_accounts_log_in_with_their_roles(db):
    seed("--org-only")
    expected = {
        "gongwei": Role.COMMITTEE,
        "danwei": Role.UNIT,
        "danwei2": Role.UNIT,
        "zhibu": Role.BRANCH,
        "dangyuan": Role.MEMBER,
    }
    users = {}
    for username, role in expected.items():
        user = authenticate(
            RequestFactory().post("/accounts/login/"), username=username, password=demo_data.DEMO_PASSWORD
        )
        assert user is not None, username
        assert scope_for(user).role == role, username
        assert not user.must_change_password and not user.password_expired()
        validate_password(demo_data.DEMO_PASSWORD, user)  # the project's own rules accept it
        users[username] = user
    assert authenticate(RequestFactory().post("/accounts/login/"), username="danwei", password="wrong-Pass1") is None

    finance = Unit.objects.get(name=demo_data.DEMO_UNIT)
    reform = Unit.objects.get(name=demo_data.DEMO_UNIT_2)
    assert scope_for(users["gongwei"]).members().count() == Member.objects.count()

    # Each unit secretary sees their own unit's members and none of the other's.
    danwei = scope_for(users["danwei"])
    assert list(danwei.units()) == [finance]
    assert danwei.members().count() == Member.objects.filter(branch__unit=finance).count() > 0
    assert not danwei.members().filter(branch__unit=reform).exists()
    danwei2 = scope_for(users["danwei2"])
    assert list(danwei2.units()) == [reform]
    assert not danwei2.members().filter(branch__unit=finance).exists()

    # The branch secretary and the plain member are both on the demo branch's roster.
    secretary = Member.objects.select_related("branch__unit").get(user=users["zhibu"])
    branch = secretary.branch
    assert (branch.unit, branch.name) == (finance, demo_data.DEMO_BRANCH)
    assert secretary.is_branch_committee and secretary.status == MemberStatus.FULL
    zhibu = scope_for(users["zhibu"])
    assert zhibu.branch_ids == frozenset({branch.pk})
    assert set(zhibu.members()) == set(branch.members.all())
    plain = Member.objects.get(user=users["dangyuan"])
    assert plain.branch == branch and not plain.is_branch_committee and not plain.is_leading_cadre
    assert list(scope_for(users["dangyuan"]).members()) == [plain]


def test_reset_rebuilds_the_same_city(db):
    seed("--only", "partylife")  # with party life, whose records the reset must clear before the org tree
    before, numbers = roster(), counts()
    ids_before = set(Member.objects.values_list("pk", flat=True))

    out = seed("--reset", "--org-only")

    assert "演示数据已导入" in out
    assert counts() == numbers
    assert roster() == before
    assert not ids_before & set(Member.objects.values_list("pk", flat=True))  # new rows, not left-overs
    # The history of the old rows is gone, not doubled.
    assert_history_of_rows_and_changes()
    assert User.objects.filter(username__in=DEMO_USERNAMES).count() == len(DEMO_USERNAMES)
    assert Member.objects.get(user__username="zhibu").branch.name == demo_data.DEMO_BRANCH
    assert "未生成组织生活记录" in out
    from apps.partylife.models import Activity

    assert not Activity.objects.exists()


def test_if_empty_loads_once_and_a_plain_rerun_refuses(db):
    assert "演示数据已导入" in seed("--if-empty", "--org-only")  # an empty database gets the demo
    numbers = counts()
    last_member = Member.objects.order_by("-pk").values_list("pk", "updated_at").first()

    out = seed("--if-empty")

    assert "演示数据已存在" in out
    with pytest.raises(CommandError, match="--reset"):
        seed("--org-only")
    assert counts() == numbers
    assert Member.objects.order_by("-pk").values_list("pk", "updated_at").first() == last_member


def test_todays_date_changes_no_name():
    """Only probationary join dates and this year's branch founding follow the calendar."""

    def people(city: DemoCity) -> list[tuple]:
        return [(m.branch.unit.name, m.branch.name, m.name, m.birth_date, m.position) for m in city.members]

    now, later = DemoCity(today=dt.date(2026, 11, 27)), DemoCity(today=dt.date(2028, 3, 5))
    assert people(now) == people(later)
    full = [(a.join_date, b.join_date) for a, b in zip(now.members, later.members, strict=True) if a.status == "full"]
    assert all(a == b for a, b in full)
    assert sum(b.founded_on.year == 2026 for b in now.branches) == CURRENT_YEAR_BRANCHES
    assert sum(b.founded_on == dt.date(2028, 2, 2) for b in later.branches) == CURRENT_YEAR_BRANCHES  # mid-way
