"""The overviews as their users found they need them (issue 7 §9): a unit secretary exports the unit overview and
filters and sorts its branches by status and days left; a period in progress shows done / due / behind apart;
the committee's ✓ means every branch is done; the current month cannot be closed; year navigation stays within the
platform's data; a dissolved branch's calendar stops at its end. Permissions across two units, and for a person
who keeps two branches.
"""

import datetime as dt
import io
import re
from itertools import zip_longest

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.orgs import services as org_services
from apps.orgs.models import Platform
from apps.partylife import services
from apps.partylife.compliance import Status
from apps.partylife.models import ComplianceRule, PeriodLock
from tests.orgs.factories import UserFactory, make_branch_secretary, make_unit_secretary
from tests.partylife.factories import ActivityFactory, at, rule_for

pytestmark = pytest.mark.django_db


def only(*codes):
    ComplianceRule.objects.exclude(activity_type__code__in=codes).update(active=False)


def get(client, name, **params):
    return client.get(reverse(f"partylife:{name}"), params)


def xlsx(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = [
        list(r)
        for r in load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0].iter_rows(values_only=True)
    ]
    header = rows[0]
    return [dict(zip_longest(header, row)) for row in rows[1:]]  # a read-only sheet drops trailing blanks


def branch_names(response):
    return [row["branch"].name for row in response.context["rows"]]


# --- the unit secretary's export -----------------------------------------------------------------------------


def test_a_unit_secretary_exports_the_unit_overview(login, side_a, side_b):
    only("branch_committee_meeting", "first_topic")
    ActivityFactory(branch=side_a.branch, held_at=at(2025, 3, 3))
    rows = xlsx(get(login(side_a.unit_secretary), "unit_overview_export", period="2025"))
    by_branch = {row["支部"]: row for row in rows}
    assert set(by_branch) == {side_a.branch.name, side_a.other_branch.name, "（单位层面）"}
    first = by_branch[side_a.branch.name]
    assert (first["单位"], first["规则"], first["已完成"], first["预警"], first["落实率(%)"]) == (
        side_a.unit.name,
        rule_for("branch_committee_meeting").name,
        1,
        11,
        8.3,
    )
    assert first["支部状态"] == "在用" and by_branch["（单位层面）"]["不合格"] == 12
    assert not any(side_b.unit.name in str(row.values()) for row in rows)


def test_the_export_is_refused_outside_the_secretarys_units(login, side_a, side_b, committee_user):
    assert get(login(side_b.unit_secretary), "unit_overview_export", unit=side_a.unit.pk).status_code == 404
    assert get(login(side_b.unit_secretary), "unit_overview_export", unit="\x00").status_code == 404
    assert get(login(side_a.branch_secretary), "unit_overview_export").status_code == 403
    assert get(login(side_a.member_user), "unit_overview_export").status_code == 403
    assert get(login(committee_user), "unit_overview_export").status_code == 404  # no unit chosen
    assert get(login(committee_user), "unit_overview_export", unit=side_b.unit.pk).status_code == 200
    page = get(login(side_a.unit_secretary), "unit_overview", period="2025").content.decode()
    assert reverse("partylife:unit_overview_export") in page


def test_a_person_keeping_a_unit_and_another_units_branch_exports_only_their_unit(login, side_a, side_b):
    user = make_branch_secretary(make_unit_secretary(UserFactory(username="two_hats"), side_a.unit), side_b.branch)
    rows = xlsx(get(login(user), "unit_overview_export", period="2025"))
    assert {row["单位"] for row in rows} == {side_a.unit.name}
    assert get(login(user), "unit_overview_export", unit=side_b.unit.pk).status_code == 404


# --- filter and sort by status and days left -----------------------------------------------------------------


@pytest.fixture
def spring(side_a):
    """As of 20 March 2025: A's first branch held every 支委会 so far; its second branch none."""
    only("branch_committee_meeting", "org_life_meeting")
    for month in (1, 2, 3):
        ActivityFactory(branch=side_a.branch, held_at=at(2025, month, 5))
    return {"unit": side_a.unit.pk, "period": "2025", "as_of": "2025-03-20"}


def test_branches_filtered_by_status(login, committee_user, side_a, spring):
    client = login(committee_user)
    assert branch_names(get(client, "unit_overview", **spring, status="warning")) == [side_a.other_branch.name]
    assert branch_names(get(client, "unit_overview", **spring, status="met")) == [side_a.branch.name]
    both = get(client, "unit_overview", **spring, status="due")
    assert branch_names(both) == [side_a.branch.name, side_a.other_branch.name]
    export = xlsx(get(client, "unit_overview_export", **spring, status="warning"))
    assert {row["支部"] for row in export} == {side_a.other_branch.name}  # no unit-level rule is on


def test_branches_sorted_by_days_left_and_by_rate(login, committee_user, side_a, spring):
    client = login(committee_user)
    default = get(client, "unit_overview", **spring)
    assert branch_names(default) == [side_a.branch.name, side_a.other_branch.name]
    # The first branch's nearest deadline is the year's 组织生活会 (286 days); the second's, March's 支委会 (11).
    assert [row["days_left"] for row in default.context["rows"]] == [286, 11]
    by_days = get(client, "unit_overview", **spring, sort="days")
    assert branch_names(by_days) == [side_a.other_branch.name, side_a.branch.name]
    assert 'data-days-left="11"' in by_days.content.decode()
    by_rate = get(client, "unit_overview", **spring, sort="rate")
    assert branch_names(by_rate) == [side_a.other_branch.name, side_a.branch.name]
    bad = get(client, "unit_overview", **spring, sort="\x00")
    assert branch_names(bad) == branch_names(default) and any(
        m.startswith("排序：") for m in bad.context["filter_messages"]
    )


def test_a_period_in_progress_shows_done_due_and_behind_apart(login, side_a):
    # This year, every ended month held in both branches; this month still to hold.
    only("branch_committee_meeting")
    today = timezone.localdate()
    for branch in (side_a.branch, side_a.other_branch):
        for month in range(1, today.month):
            ActivityFactory(branch=branch, held_at=at(today.year, month, 5))
    response = get(login(side_a.unit_secretary), "unit_overview")
    summary = response.context["summary"]
    assert (summary.met, summary.due, summary.behind) == (2 * (today.month - 1), 2, 0)
    assert summary.decided_rate in (None, 100)  # what a rate of decided windows alone would read
    assert summary.rate < 100  # the page's 落实率 counts what is still due
    html = response.content.decode()
    assert 'data-stat="due">2<' in html and "待完成（进行中）" in html and "落后（已到期未完成）" in html


# --- the committee's ✓ ---------------------------------------------------------------------------------------


def test_a_committee_cell_shows_a_tick_only_when_every_branch_is_done(login, committee_user, side_a, side_b):
    only("branch_committee_meeting")
    ActivityFactory(branch=side_a.branch, held_at=at(2025, 3, 5))
    for branch in (side_b.branch, side_b.other_branch):
        ActivityFactory(branch=branch, held_at=at(2025, 3, 5))
    html = get(login(committee_user), "overview", period="2025-03", as_of="2025-03-20").content.decode()

    def mark(unit):
        row = re.search(rf'<tr data-unit="{unit.pk}">(.*?)</tr>', html, re.S).group(1)
        return re.search(r'data-mark="([^"]+)">([^<]+)</a>', row).groups()

    assert mark(side_a.unit) == ("due", "待1")  # one branch done, one still due: no ✓
    assert mark(side_b.unit) == ("met", "✓")


# --- 关账 of the current month -------------------------------------------------------------------------------


def test_the_current_month_cannot_be_closed_before_it_ends(login, committee_user):
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(ValidationError, match="本月尚未结束"):
        services.period_close(actor=committee_user, month=this_month)
    client = login(committee_user)
    response = client.post(reverse("partylife:period_close"), {"month": f"{this_month:%Y-%m}"}, follow=True)
    assert "本月尚未结束" in response.content.decode() and not PeriodLock.objects.exists()
    page = get(client, "period_list").content.decode()
    row = re.search(rf'<tr data-month="{this_month:%Y-%m}"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert "disabled" in row and "本月尚未结束" in row
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    services.period_close(actor=committee_user, month=last_month)
    assert PeriodLock.objects.get().month == last_month


# --- year navigation within the platform's data --------------------------------------------------------------


def test_year_navigation_is_bounded_by_the_platforms_data(login, committee_user, side_a):
    Platform.objects.create(pk=1, start_on=dt.date(2024, 10, 1))
    this_year = timezone.localdate().year
    client = login(committee_user)
    for name, params in (("overview", {}), ("unit_overview", {"unit": side_a.unit.pk})):
        first = get(client, name, period="2024", **params)
        assert first.context["period_nav"]["prev_qs"] is None and first.context["period_nav"]["next_qs"]
        last = get(client, name, period=str(this_year), **params)
        assert last.context["period_nav"]["next_qs"] is None
        for bad in ("2023", "2000", str(this_year + 1), "2074-Q1"):
            response = get(client, name, period=bad, **params)
            assert response.context["period"].year == this_year
            assert any(m.startswith("期间：年份应在 2024 至") for m in response.context["filter_messages"]), bad
    locks = get(client, "period_list", year="2024")
    assert locks.context["prev_qs"] is None and locks.context["next_qs"]
    assert get(client, "period_list", year=str(this_year)).context["next_qs"] is None
    for bad in ("2023", str(this_year + 1)):
        assert get(client, "period_list", year=bad).context["year"] == this_year


# --- a dissolved branch on the pages -------------------------------------------------------------------------


def test_a_dissolved_branchs_calendar_stops_at_its_end(login, committee_user, side_a):
    only("branch_committee_meeting")
    org_services.branch_dissolve(
        actor=committee_user,
        branch=side_a.other_branch,
        on=dt.date(2025, 9, 1),
        reason="merged",
        successor=side_a.branch,
    )
    client = login(side_a.unit_secretary)
    response = get(client, "calendar", branch=side_a.other_branch.pk, year="2025")
    html = response.content.decode()
    cells = dict(re.findall(r'data-window="([^"]+)" data-status="([^"]+)"', html))
    assert cells["2025-08"] == Status.WARNING and cells["2025-09"] == cells["2025-12"] == Status.ENDED
    assert "已撤销" in html and "data-branch-ended" in html
    assert side_a.other_branch in response.context["branch_choices"]  # it existed in 2025
    later = get(client, "calendar", year="2026")
    assert side_a.other_branch not in (later.context["branch_choices"] or [])
    overview = get(client, "unit_overview", period="2025")
    row = next(r for r in overview.context["rows"] if r["branch"] == side_a.other_branch)
    assert row["total"].warning == 8 and row["total"].ended == 0  # January–August, nothing after


def test_a_person_keeping_branches_of_two_units(login, side_a, side_b):
    user = make_branch_secretary(
        make_branch_secretary(UserFactory(username="two_branches"), side_a.branch), side_b.branch
    )
    client = login(user)
    response = get(client, "calendar", year="2025")
    assert {b.pk for b in response.context["branch_choices"]} == {side_a.branch.pk, side_b.branch.pk}
    assert response.context["show_unit_in_choice"] is False  # branch secretaries: no unit to show
    assert get(client, "calendar", branch=side_b.branch.pk, year="2025").context["branch"] == side_b.branch
    assert get(client, "calendar", branch=side_a.other_branch.pk, year="2025").status_code == 404
    assert get(client, "unit_overview").status_code == 403
    assert get(client, "unit_overview_export").status_code == 403


def test_legends_name_every_status(login, side_a):
    html = get(login(side_a.branch_secretary), "calendar", year="2025").content.decode()
    for label in ("已完成", "待完成", "未到期", "预警", "不合格", "不适用", "未纳入", "已撤销"):
        assert label in html, label
