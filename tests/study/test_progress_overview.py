"""各单位学习情况: stored snapshots (refresh_snapshots) and the committee's page over them; 学时目标设置."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.orgs.models import Membership
from apps.study.models import StudyYear, UnitStudySnapshot
from apps.study.services.progress import refresh_snapshots
from apps.study.tasks import refresh_snapshots_task
from tests.orgs.factories import BranchFactory, MemberFactory, UnitFactory
from tests.study.progress_factories import attempt, exam, hours, item, studied

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1
MARCH = dt.date(LAST_YEAR, 3, 1)
AS_OF = dt.date(LAST_YEAR, 12, 31)


def last_years_exam(**kwargs):
    opens = timezone.make_aware(dt.datetime(LAST_YEAR, 5, 1, 9))
    return exam(opens_at=opens, closes_at=opens + dt.timedelta(days=7), **kwargs)


def snapshot(unit) -> UnitStudySnapshot:
    return UnitStudySnapshot.objects.get(unit=unit, year=LAST_YEAR)


# --- refresh_snapshots ---------------------------------------------------------------------------------------


def test_snapshot_values_for_two_units(side_a, side_b):
    a0, a1, a2 = side_a.members
    hours([a0, a1], "32", day=MARCH)
    hours([a2], "10", day=MARCH)
    hours([side_b.member], "40", day=MARCH)
    first, second = item(), item()
    studied(a0, first, second)
    studied(a1, first)
    for_all = last_years_exam()
    only_a = last_years_exam(units=[side_a.unit])
    attempt(for_all, a0, passed=True)
    attempt(only_a, a0, passed=False)
    attempt(for_all, a1, passed=True)
    attempt(for_all, side_b.member, passed=False)
    last_years_exam(units=[side_a.unit], title="未发布").__class__.objects.filter(title="未发布").update(
        published=False
    )

    assert refresh_snapshots(year=LAST_YEAR, today=timezone.localdate()) == 2

    a = snapshot(side_a.unit)
    assert a.as_of == AS_OF
    assert (a.members, a.target_met, a.on_track, a.behind) == (4, 2, 0, 2)
    assert a.hours_total == Decimal("74.0") and a.hours_average == Decimal("18.5")
    assert a.knowledge_rate == Decimal("37.5")  # 3 studied of 4 members × 2 items
    assert a.exam_participation == Decimal("37.5")  # 3 sat of 4 members × 2 exams
    assert a.exam_pass_rate == Decimal("66.7")  # 2 passed of 3 sat
    b = snapshot(side_b.unit)
    assert (b.members, b.target_met, b.behind) == (4, 1, 3)
    assert b.hours_total == Decimal("40.0")
    assert b.knowledge_rate == Decimal("0.0")
    assert b.exam_participation == Decimal("25.0")  # 1 sat of 4 members × 1 exam (the unit-A exam is not theirs)
    assert b.exam_pass_rate == Decimal("0.0")


def test_refreshing_again_updates_the_rows_in_place(side_a):
    refresh_snapshots(year=LAST_YEAR, today=timezone.localdate())
    before = snapshot(side_a.unit)
    assert before.hours_total == 0 and before.exam_pass_rate is None and before.knowledge_rate is None
    hours(side_a.members, "40", day=MARCH)
    refresh_snapshots(year=LAST_YEAR, today=timezone.localdate())
    assert UnitStudySnapshot.objects.filter(unit=side_a.unit, year=LAST_YEAR).count() == 1
    after = snapshot(side_a.unit)
    assert after.target_met == 3 and after.hours_total == Decimal("120.0")


def test_a_member_counts_in_the_unit_they_were_last_in(side_a, side_b):
    mover = MemberFactory(branch=side_a.branch)
    hours([mover], "5", day=MARCH)
    Membership.objects.filter(member=mover).update(end_on=dt.date(LAST_YEAR, 7, 1))
    Membership.objects.create(member=mover, branch=side_b.branch, start_on=dt.date(LAST_YEAR, 7, 1))
    refresh_snapshots(year=LAST_YEAR, today=timezone.localdate())
    assert snapshot(side_a.unit).members == 4 and snapshot(side_b.unit).members == 5
    assert snapshot(side_b.unit).hours_total == Decimal("5.0")


# Active units 1, the ledger of everyone 5 (settings, members, memberships, platform start, every hours source in
# one UNION ALL), 应知应会 done and total 2, exam tallies 1, exam seats 1, the upsert 1 inside its transaction
# (savepoint, release 2).
REFRESH_QUERIES = 1 + 5 + 2 + 1 + 1 + 1 + 2


def test_refresh_query_count_does_not_grow_with_units_or_members(django_assert_num_queries):
    def grow(n):
        for _ in range(n):
            unit = UnitFactory()
            people = [MemberFactory(branch=BranchFactory(unit=unit)) for _ in range(3)]
            hours(people, "2", day=MARCH)
            attempt(last_years_exam(), people[0], passed=True)

    grow(2)
    with django_assert_num_queries(REFRESH_QUERIES):
        refresh_snapshots(year=LAST_YEAR, today=timezone.localdate())
    grow(10)
    with django_assert_num_queries(REFRESH_QUERIES):
        assert refresh_snapshots(year=LAST_YEAR, today=timezone.localdate()) == 12


def test_the_task_refreshes_this_year_by_default(side_a):
    assert refresh_snapshots_task.delay().get() >= 1
    assert UnitStudySnapshot.objects.filter(unit=side_a.unit, year=timezone.localdate().year).exists()


# --- the overview page ----------------------------------------------------------------------------------------


def overview(client, user, **params):
    client.force_login(user)
    return client.get(reverse("study:overview"), params)


def test_only_the_committee_opens_the_overview(client, side_a):
    for user in (side_a.unit_secretary, side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        assert client.get(reverse("study:overview")).status_code == 403
        assert client.get(reverse("study:overview_export")).status_code == 403
        assert client.post(reverse("study:overview_refresh")).status_code == 403
    assert not UnitStudySnapshot.objects.exists()


def test_the_overview_shows_the_stored_rows_with_their_date_and_a_chart(client, committee_user, side_a, side_b):
    hours(side_a.members, "40", day=MARCH)
    refresh_snapshots(year=LAST_YEAR, today=timezone.localdate())
    hours([side_b.member], "40", day=MARCH)  # after the snapshot: not shown until the next refresh

    response = overview(client, committee_user, year=LAST_YEAR)
    assert response.status_code == 200
    body = response.content.decode()
    rows = {r["unit"]: r for r in response.context["rows"]}
    assert rows[side_a.unit]["met_rate"] == Decimal("75.0") and rows[side_b.unit]["met_rate"] == Decimal("0.0")
    assert f"统计截至 {LAST_YEAR}年12月31日 · 计算于" in body
    chart = json.loads(response.context["chart"])
    assert {"name": side_a.unit.short_name, "value": 75.0} in chart
    assert "echarts.min.js" in body and "study-met-chart" in body

    ranked = overview(client, committee_user, year=LAST_YEAR, sort="met").context["rows"]
    assert [r["unit"] for r in ranked] == [side_b.unit, side_a.unit]


def test_the_overview_filters_by_category_and_names_bad_parameters(client, committee_user, side_a, side_b):
    side_b.unit.category = "party_mass"
    side_b.unit.save()
    side_a.unit.category = "government"
    side_a.unit.save()
    refresh_snapshots(year=LAST_YEAR, today=timezone.localdate())
    response = overview(client, committee_user, year=LAST_YEAR, category="party_mass")
    assert [r["unit"] for r in response.context["rows"]] == [side_b.unit]
    response = overview(client, committee_user, year="abc", category="nope", sort="\x00")
    assert response.status_code == 200 and len(response.context["filter_messages"]) == 3


def test_the_overview_export_has_the_pages_rows(client, committee_user, side_a, side_b):
    refresh_snapshots(year=LAST_YEAR, today=timezone.localdate())
    client.force_login(committee_user)
    response = client.get(reverse("study:overview_export"), {"year": LAST_YEAR})
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "单位" and {r[0] for r in rows[1:]} == {side_a.unit.name, side_b.unit.name}


# The committee's request 7 (session, user, scope, bell, session save 3), the snapshots 1.
OVERVIEW_QUERIES = 7 + 1


def test_the_overview_reads_snapshots_only(client, committee_user, assert_constant_queries):
    def grow(n):
        for _ in range(n):
            unit = UnitFactory()
            hours([MemberFactory(branch=BranchFactory(unit=unit))], "3", day=MARCH)
        refresh_snapshots(year=LAST_YEAR, today=timezone.localdate())

    grow(3)
    client.force_login(committee_user)
    url = reverse("study:overview") + f"?year={LAST_YEAR}"
    client.get(url)
    response = assert_constant_queries(lambda: client.get(url), grow=lambda: grow(20), expected=OVERVIEW_QUERIES)
    assert len(response.context["rows"]) == 23
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "orgs_membership" not in tables and "study_sessionattendance" not in tables  # no ledger on request


def test_refresh_now_queues_the_recount(client, committee_user, side_a, django_capture_on_commit_callbacks):
    hours(side_a.members, "40", day=MARCH)
    client.force_login(committee_user)
    assert client.get(reverse("study:overview_refresh")).status_code == 405
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("study:overview_refresh"), {"year": LAST_YEAR})
    assert response.status_code == 302 and len(callbacks) == 1
    assert snapshot(side_a.unit).target_met == 3


# --- 学时目标设置 -----------------------------------------------------------------------------------------------


def test_the_committee_sets_a_years_targets(client, committee_user, side_a):
    client.force_login(committee_user)
    assert client.get(reverse("study:settings")).status_code == 200
    data = {
        "year": LAST_YEAR,
        "member_target": "40",
        "leader_target": "60",
        "self_study_daily_cap": "2",
        "self_study_yearly_cap": "10",
        "note": "",
    }
    response = client.post(reverse("study:settings"), data)
    assert response.status_code == 302
    assert StudyYear.objects.get(year=LAST_YEAR).member_target == Decimal("40")

    again = client.post(reverse("study:settings"), data)  # a year is set once, then edited
    assert again.status_code == 200 and again.context["form"].errors["year"]
    bad = client.post(reverse("study:settings"), {**data, "year": LAST_YEAR - 1, "member_target": "-1"})
    assert bad.status_code == 200 and bad.context["form"].errors["member_target"]
    assert not StudyYear.objects.filter(year=LAST_YEAR - 1).exists()

    edit = reverse("study:settings_edit", args=[LAST_YEAR])
    response = client.post(edit, {**data, "year": LAST_YEAR + 5, "member_target": "36"})
    assert response.status_code == 302
    row = StudyYear.objects.get(year=LAST_YEAR)  # the year itself cannot be moved
    assert row.member_target == Decimal("36") and row.leader_target == Decimal("60")

    # The member's page shows the year's targets read-only.
    client.force_login(side_a.member_user)
    body = client.get(reverse("study:progress"), {"year": LAST_YEAR}).content.decode()
    assert f"{LAST_YEAR}年目标（工委设置）：党员 36 学时，支部书记、支部委员 60 学时" in body


def test_nobody_else_sets_targets(client, side_a):
    for user in (side_a.unit_secretary, side_a.member_user):
        client.force_login(user)
        assert client.get(reverse("study:settings")).status_code == 403
        assert client.post(reverse("study:settings"), {"year": LAST_YEAR, "member_target": "1"}).status_code == 403
    assert not StudyYear.objects.exists()
