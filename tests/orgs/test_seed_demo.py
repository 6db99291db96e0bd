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
from django.test import RequestFactory
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

from apps.core.periods import add_years
from apps.orgs import demo_data
from apps.orgs.access import Role, scope_for
from apps.orgs.demo import CURRENT_YEAR_BRANCHES, DemoCity
from apps.orgs.demo_data import DEMO_USERNAMES
from apps.orgs.models import (
    Branch,
    BranchKind,
    HeadcountSnapshot,
    Member,
    MemberStatus,
    PartyGroup,
    Unit,
    UnitCategory,
    User,
)

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
    out = seed()
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
    committee = Counter(m.branch_id for m in members if m.is_branch_committee)
    assert set(committee) == set(Branch.objects.values_list("pk", flat=True))
    assert all(3 <= n <= 7 for n in committee.values())
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

    # History was written with the rows, and the committee home has today's headcount.
    for model in ORG_MODELS:
        assert get_history_model_for_model(model).objects.count() == model.objects.count()
    snapshots = HeadcountSnapshot.objects.filter(date=today)
    assert snapshots.count() == len(units)
    assert sum(s.members for s in snapshots) == len(members)


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
    seed()  # with party life, whose records the reset must clear before the org tree
    before, numbers = roster(), counts()
    ids_before = set(Member.objects.values_list("pk", flat=True))

    out = seed("--reset", "--org-only")

    assert "演示数据已导入" in out
    assert counts() == numbers
    assert roster() == before
    assert not ids_before & set(Member.objects.values_list("pk", flat=True))  # new rows, not left-overs
    # The history of the old rows is gone, not doubled.
    for model in ORG_MODELS:
        assert get_history_model_for_model(model).objects.count() == model.objects.count()
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
