"""学习进度统计: who is behind, for the members a secretary keeps — page, Excel export and API alike."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.study.ledger import Status
from apps.study.models import StudyYear
from tests.orgs.factories import BranchFactory, MemberFactory, UnitFactory, UserFactory, make_unit_secretary
from tests.study.progress_factories import attempt, exam, hours, item, studied

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1
MARCH = dt.date(LAST_YEAR, 3, 1)


def names(response) -> set[str]:
    return {row.member.name for row in response.context["page"]}


def table(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("study:progress_table"), params)
    assert response.status_code == 200
    return response


def export_rows(client, user, **params) -> list[tuple]:
    client.force_login(user)
    response = client.get(reverse("study:progress_export"), params)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def everyone(side) -> set[str]:
    return {m.name for m in side.members} | {side.other_branch_member.name}


# --- who sees whom ---------------------------------------------------------------------------------------------


def test_a_unit_secretary_sees_their_unit_and_never_another(client, side_a, side_b):
    assert names(table(client, side_a.unit_secretary)) == everyone(side_a)
    assert names(table(client, side_b.unit_secretary)) == everyone(side_b)
    # Asking for the other unit, or one of its branches, is ignored and named; the rows stay their own.
    response = table(client, side_b.unit_secretary, unit=side_a.unit.pk, branch=side_a.branch.pk)
    assert names(response) == everyone(side_b)
    assert len(response.context["filter_messages"]) == 2


def test_a_branch_secretary_sees_their_branch_only(client, side_a, side_b):
    response = table(client, side_a.branch_secretary)
    assert names(response) == {m.name for m in side_a.members}
    response = table(client, side_a.branch_secretary, branch=side_a.other_branch.pk)
    assert names(response) == {m.name for m in side_a.members} and response.context["filter_messages"]


def test_a_member_may_not_open_the_table_or_its_export(client, side_a):
    client.force_login(side_a.member_user)
    assert client.get(reverse("study:progress_table")).status_code == 403
    assert client.get(reverse("study:progress_export")).status_code == 403


def test_the_committee_sees_one_unit_at_a_time(client, committee_user, side_a, side_b):
    response = table(client, committee_user)
    first = response.context["table"].unit
    assert first in (side_a.unit, side_b.unit)
    assert names(response) == everyone(side_a if first == side_a.unit else side_b)  # never the whole city
    assert names(table(client, committee_user, unit=side_b.unit.pk)) == everyone(side_b)


def test_a_secretary_of_two_units_picks_one(client, side_a, side_b):
    both = make_unit_secretary(make_unit_secretary(UserFactory(username="two_units"), side_a.unit), side_b.unit)
    response = table(client, both)
    assert names(response) in (everyone(side_a), everyone(side_b))
    assert names(table(client, both, unit=side_b.unit.pk)) == everyone(side_b)


# --- what the rows say -----------------------------------------------------------------------------------------


def test_rows_carry_targets_hours_knowledge_and_exams(client, side_a):
    keen, idle, leader = side_a.members
    leader.is_branch_committee = True
    leader.save()
    hours([keen, leader], "40", day=MARCH)
    hours([idle], "10", day=MARCH)
    rules = item()
    studied(keen, rules)
    taken = exam(
        opens_at=timezone.make_aware(dt.datetime(LAST_YEAR, 5, 1, 9)),
        closes_at=timezone.make_aware(dt.datetime(LAST_YEAR, 5, 9, 9)),
    )
    attempt(taken, keen, passed=True)
    attempt(taken, idle, passed=False)

    response = table(client, side_a.unit_secretary, year=LAST_YEAR, sort="shortfall")
    rows = {row.member.name: row for row in response.context["page"]}
    assert rows[keen.name].ledger.status == Status.DONE and rows[keen.name].ledger.base_target == Decimal("32")
    assert rows[leader.name].ledger.status == Status.BEHIND and rows[leader.name].ledger.base_target == Decimal("56")
    assert rows[idle.name].ledger.total == Decimal("10.0")
    assert (rows[keen.name].knowledge_done, rows[keen.name].exams_taken, rows[keen.name].exams_passed) == (1, 1, 1)
    assert (rows[idle.name].exams_taken, rows[idle.name].exams_passed) == (1, 0)
    order = [row.member.name for row in response.context["page"]]
    assert order[0] == side_a.other_branch_member.name  # 32 behind: no hours at all
    summary = response.context["table"].summary
    assert (summary.members, summary.done, summary.behind) == (4, 1, 3)
    assert summary.average == Decimal("22.5")  # (40 + 40 + 10 + 0) / 4


def test_filters_by_status_role_branch_and_name(client, side_a):
    keen, idle, leader = side_a.members
    leader.is_branch_committee = True
    leader.save()
    hours([keen], "40", day=MARCH)

    def picked(**params):
        return names(table(client, side_a.unit_secretary, year=LAST_YEAR, **params))

    assert picked(status=Status.DONE) == {keen.name}
    assert picked(status=Status.BEHIND) == {idle.name, leader.name, side_a.other_branch_member.name}
    assert picked(role="leader") == {leader.name}
    assert picked(branch=side_a.other_branch.pk) == {side_a.other_branch_member.name}
    assert picked(q=keen.name) == {keen.name}


def test_bad_parameters_are_named_never_a_500(client, side_a):
    for params in (
        {"year": "abc"},
        {"year": "1800"},
        {"status": "late"},
        {"sort": "salary"},
        {"unit": "²"},
        {"q": "\x00"},
    ):
        response = table(client, side_a.unit_secretary, **params)
        assert response.context["filter_messages"], params
        assert names(response) == everyone(side_a)


def test_the_export_has_the_pages_rows_and_no_other_units(client, side_a, side_b):
    hours([side_a.member], "40", day=MARCH)
    rows = export_rows(client, side_a.unit_secretary, year=LAST_YEAR, status=Status.DONE)
    assert rows[0][:3] == ("单位", "支部", "姓名")
    assert [r[2] for r in rows[1:]] == [side_a.member.name]
    rows = export_rows(client, side_b.unit_secretary, year=LAST_YEAR)
    assert {r[2] for r in rows[1:]} == everyone(side_b)
    rows = export_rows(client, side_b.unit_secretary, unit=side_a.unit.pk)
    assert {r[2] for r in rows[1:]} == everyone(side_b)


def test_the_years_settings_decide_the_targets(client, side_a):
    StudyYear.objects.create(year=LAST_YEAR, member_target=Decimal("10"), leader_target=Decimal("20"))
    hours([side_a.member], "10", day=MARCH)
    response = table(client, side_a.unit_secretary, year=LAST_YEAR, status=Status.DONE)
    assert names(response) == {side_a.member.name}


# --- the query count is constant in the number of members ---------------------------------------------------------

# The request's own 7 (see test_progress_pages), the branches of the filter bar 1, the members 1,
# the year's settings 1, the ledger 4 (members, memberships, platform start, every source in one UNION ALL),
# 应知应会 done and total 2, exam tallies 1.
TABLE_QUERIES = 7 + 1 + 1 + 1 + 4 + 2 + 1


def test_table_query_count(client, assert_constant_queries):
    unit = UnitFactory()
    branch = BranchFactory(unit=unit)
    secretary = make_unit_secretary(UserFactory(username="qc_study"), unit)
    rules = item()

    def grow(n):
        people = [MemberFactory(branch=branch) for _ in range(n)]
        hours(people, "3", day=MARCH)
        for person in people:
            studied(person, rules)

    grow(3)
    client.force_login(secretary)
    url = reverse("study:progress_table") + f"?year={LAST_YEAR}"
    client.get(url)
    response = assert_constant_queries(lambda: client.get(url), grow=lambda: grow(27), expected=TABLE_QUERIES)
    assert response.context["table"].summary.members == 30
