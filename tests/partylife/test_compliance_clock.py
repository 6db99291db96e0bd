"""One clock (issue 7 §5, §6): the engine, every metric, the compliance pages and the API judge as of an evaluation
day they are given — never the wall clock — so a past day is computed as it was, and no test patches the clock.

Future windows are 未到期; only the window containing the evaluation day is 待完成.
"""

import datetime as dt
import inspect
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core import metrics as registry
from apps.core.periods import Period
from apps.orgs.models import Platform
from apps.partylife import metrics
from apps.partylife.compliance import Status, evaluate_branches
from apps.partylife.models import Attendance, ComplianceRule, EnterpriseProblem, MakeupTask
from tests.orgs.factories import BranchFactory, MemberFactory
from tests.partylife.factories import ActivityFactory, activity_type, at, rule_for

pytestmark = pytest.mark.django_db

Y2025 = Period.parse("2025")


def only(*codes):
    ComplianceRule.objects.exclude(activity_type__code__in=codes).update(active=False)


def monthly_statuses(branch, today, period="2025"):
    result = evaluate_branches([branch], Period.parse(period), today=today)[branch.pk]
    return [c.status for c in result.cells if c.rule.pk == rule_for("branch_committee_meeting").pk]


@pytest.fixture
def branch():
    return BranchFactory(founded_on=dt.date(2010, 1, 1))


# --- 未到期 and 待完成 -----------------------------------------------------------------------------------------------


def test_only_the_window_containing_the_evaluation_day_is_due(branch):
    assert monthly_statuses(branch, dt.date(2025, 11, 30))[10:] == [Status.DUE, Status.UPCOMING]
    assert monthly_statuses(branch, dt.date(2025, 12, 1))[10:] == [Status.WARNING, Status.DUE]
    assert monthly_statuses(branch, dt.date(2025, 12, 31))[11] == Status.DUE
    assert monthly_statuses(branch, dt.date(2026, 1, 1))[11] == Status.WARNING
    assert monthly_statuses(branch, dt.date(2024, 12, 31)) == [Status.UPCOMING] * 12


def test_a_future_window_met_in_advance_is_met(branch):
    ActivityFactory(branch=branch, held_at=at(2025, 12, 1, 0, 0))
    assert monthly_statuses(branch, dt.date(2025, 12, 1))[11] == Status.MET


# --- records after the evaluation day do not count --------------------------------------------------------------------


def test_records_count_up_to_the_end_of_the_evaluation_day_in_shanghai(branch):
    ActivityFactory(branch=branch, held_at=at(2025, 3, 10, 23, 59))
    assert monthly_statuses(branch, dt.date(2025, 3, 9))[2] == Status.DUE
    assert monthly_statuses(branch, dt.date(2025, 3, 10))[2] == Status.MET
    late = BranchFactory(founded_on=dt.date(2010, 1, 1))
    # 16:00 UTC on 10 March is 00:00 on 11 March in Shanghai.
    ActivityFactory(branch=late, held_at=dt.datetime(2025, 3, 10, 16, 0, tzinfo=dt.UTC))
    assert monthly_statuses(late, dt.date(2025, 3, 10))[2] == Status.DUE
    assert monthly_statuses(late, dt.date(2025, 3, 11))[2] == Status.MET


# --- metrics take the evaluation day ----------------------------------------------------------------------------------


def test_every_metric_takes_the_evaluation_day_and_no_other_clock():
    for metric in registry.all_metrics():
        parameters = inspect.signature(metric.fn).parameters
        assert parameters["today"].kind == inspect.Parameter.KEYWORD_ONLY, metric.key
        assert parameters["today"].default is inspect.Parameter.empty, metric.key
    with pytest.raises(TypeError):
        registry.get("partylife.compliance_rate").compute(Y2025)  # no silent wall clock


def test_a_past_period_is_computed_as_of_its_end(branch):
    only("branch_committee_meeting")
    for month in range(1, 12):
        ActivityFactory(branch=branch, held_at=at(2025, month, 5))
    ActivityFactory(branch=branch, held_at=at(2026, 1, 1, 0, 0))  # next year: never December's
    compute = registry.get("partylife.compliance_rate").compute
    # A metric judges as of the close of its evaluation day (issue 10: a ranking of 2025 is evaluated on
    # 31 December): on 30 December the December window is still due; at the close of 31 December it is missed,
    # and nothing later changes that.
    assert compute(Y2025, today=dt.date(2025, 12, 30)) == {branch.unit_id: Decimal("100.0")}
    assert compute(Y2025, today=dt.date(2025, 12, 31)) == {branch.unit_id: Decimal("91.7")}
    assert compute(Y2025, today=dt.date(2026, 1, 1)) == {branch.unit_id: Decimal("91.7")}


def test_record_metrics_leave_out_what_happened_after_the_evaluation_day(branch):
    member = MemberFactory(branch=branch)
    lecture = ActivityFactory(branch=branch, activity_type=activity_type("party_lecture"), held_at=at(2025, 5, 5))
    absent = Attendance.objects.create(activity=lecture, member=member, present=False, absence_reason="出差")
    MakeupTask.objects.create(attendance=absent, member=member, due_on=dt.date(2025, 6, 5), done_at=at(2025, 6, 1))
    visit = ActivityFactory(
        branch=branch, activity_type=activity_type("cadres_link_enterprises"), cadre=member, held_at=at(2025, 5, 6)
    )
    EnterpriseProblem.objects.create(
        activity=visit, category="labour", description="用工难", solved=True, solved_on=dt.date(2025, 9, 1)
    )
    ActivityFactory(branch=branch, held_at=at(2025, 7, 1), evidence_complete=False)
    unit = branch.unit_id
    may, july = dt.date(2025, 5, 31), dt.date(2025, 7, 1)
    assert metrics.attendance_rate(Y2025, today=may) == {unit: Decimal("0.0")}  # the 补学 came in June
    assert metrics.attendance_rate(Y2025, today=july) == {unit: Decimal("100.0")}
    assert metrics.enterprise_problems_solved(Y2025, today=july) == {unit: Decimal("0")}
    assert metrics.enterprise_problems_solved(Y2025, today=dt.date(2025, 9, 1)) == {unit: Decimal("1")}
    assert metrics.evidence_completeness(Y2025, today=may) == {unit: Decimal("100.0")}
    assert metrics.evidence_completeness(Y2025, today=july) == {unit: Decimal("66.7")}


# --- pages and the API -----------------------------------------------------------------------------------------------


def statuses_on_page(html, rule):
    row = re.search(rf'<tr data-rule="{rule.pk}">(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-window="([^"]+)" data-status="([^"]+)"', row))


def test_the_committee_sees_a_calendar_as_of_a_past_day(login, committee_user, side_a):
    ActivityFactory(branch=side_a.branch, held_at=at(2025, 6, 30, 23, 59))
    ActivityFactory(branch=side_a.branch, held_at=at(2025, 7, 2))
    client = login(committee_user)
    response = client.get(reverse("partylife:calendar"), {"branch": side_a.branch.pk, "as_of": "2025-06-30"})
    assert response.context["year"] == 2025 and response.context["as_of"] == dt.date(2025, 6, 30)
    html = response.content.decode()
    got = statuses_on_page(html, rule_for("branch_committee_meeting"))
    assert (got["2025-05"], got["2025-06"], got["2025-07"], got["2025-12"]) == (
        "warning",
        "met",
        "upcoming",
        "upcoming",
    )
    assert "按 2025年6月30日 的情况评判" in html
    assert "as_of=2025-06-30" in html  # cell links and year links carry the day on
    cell = client.get(
        reverse("partylife:cell"),
        {"branch": side_a.branch.pk, "rule": rule_for("branch_committee_meeting").pk, "window": "2025-07"}
        | {"as_of": "2025-06-30"},
    )
    assert cell.context["cell"].status == Status.UPCOMING and cell.context["cell"].count == 0


@pytest.mark.parametrize("value", ["2017-12-31", "2099-01-01", "2025-13-01", "abc", "\x00", "20250630"])
def test_a_bad_evaluation_day_is_ignored_with_a_message(login, committee_user, side_a, value):
    response = login(committee_user).get(reverse("partylife:calendar"), {"branch": side_a.branch.pk, "as_of": value})
    assert response.status_code == 200 and response.context["as_of"] is None
    assert any(m.startswith("评价日：") for m in response.context["filter_messages"])


def test_only_the_committee_picks_the_evaluation_day(login, side_a):
    response = login(side_a.branch_secretary).get(reverse("partylife:calendar"), {"as_of": "2025-06-30"})
    assert response.status_code == 200
    assert response.context["as_of"] is None and response.context["today"] == timezone.localdate()


def test_overviews_and_exports_as_of_a_past_day(login, committee_user, side_a, side_b):
    only("branch_committee_meeting")
    ActivityFactory(branch=side_a.branch, held_at=at(2025, 3, 3))
    client = login(committee_user)
    overview = client.get(reverse("partylife:overview"), {"period": "2025-Q1", "as_of": "2025-03-15"})
    row = next(r for r in overview.context["rows"] if r.unit == side_a.unit)
    assert (row.total.met, row.total.due, row.total.warning, row.total.upcoming) == (1, 1, 4, 0)
    assert row.url.endswith("as_of=2025-03-15")  # the drill-down keeps the day
    unit_page = client.get(
        reverse("partylife:unit_overview"), {"unit": side_a.unit.pk, "period": "2025", "as_of": "2025-03-15"}
    )
    assert unit_page.context["summary"].upcoming == 2 * 9  # April–December of two branches
    assert all(r["url"].endswith("as_of=2025-03-15") for r in unit_page.context["rows"])


def test_the_api_takes_the_evaluation_day(client, side_a):
    ActivityFactory(branch=side_a.branch, held_at=at(2025, 6, 30, 23, 59))
    client.force_login(side_a.branch_secretary)
    url = "/api/partylife/compliance/"
    body = client.get(url, {"branch": side_a.branch.pk, "period": "2025-Q2", "as_of": "2025-06-29"}).json()
    june = next(c for c in body["cells"] if c["window"] == "2025-06")
    assert body["as_of"] == "2025-06-29" and (june["status"], june["days_left"]) == ("due", 1)
    body = client.get(url, {"branch": side_a.branch.pk, "period": "2025-Q2", "as_of": "2025-06-30"}).json()
    assert next(c for c in body["cells"] if c["window"] == "2025-06")["status"] == "met"
    future = client.get(url, {"branch": side_a.branch.pk, "period": "2025", "as_of": "2099-01-01"})
    assert future.status_code == 400 and "评价日应在" in future.content.decode()
    Platform.objects.create(pk=1, start_on=dt.date(2024, 1, 1))
    early = client.get(url, {"branch": side_a.branch.pk, "period": "2025", "as_of": "2023-12-31"})
    assert early.status_code == 400
