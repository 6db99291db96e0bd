"""Closed periods stay closed for rule edits (issue 11, bullet 4): after 关账, an edit of a rule or of a unit's
override applies to open months only; a closed window is judged by the rules as they were at its close, until
the committee reopens the month (its logged unlock).
"""

import datetime as dt

import pytest
from django.urls import reverse

from apps.core.periods import Frequency, Period
from apps.partylife import services
from apps.partylife.compliance import Status, evaluate_branches, evaluate_by_unit
from apps.partylife.models import RuleOverride, Strength
from tests.orgs.factories import BranchFactory
from tests.partylife.factories import ActivityFactory, at, rule_for

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 5, 20)  # January to April 2025 have ended; May is running
JAN, FEB, MAR, APR = (dt.date(2025, m, 1) for m in (1, 2, 3, 4))
MEETING = "branch_committee_meeting"  # 支委会: monthly, soft, by default


def by_window(branch, period="2025", code=MEETING, today=TODAY):
    """The engine's verdicts for one rule of one branch: {window key: status}."""
    result = evaluate_branches([branch], Period.parse(period), today=today)[branch.pk]
    rule = rule_for(code)
    return {c.window.key: c.status for c in result.cells if c.rule.pk == rule.pk}


def close(committee_user, *months):
    for month in months:
        services.period_close(actor=committee_user, month=month)


def rule_fields(rule, **changes) -> dict:
    return {name: getattr(rule, name) for name in services.RULE_FIELDS} | changes


@pytest.fixture
def branch(side_a):
    return side_a.branch


# --- the committee's rule edits ------------------------------------------------------------------------------


def test_a_stricter_rule_leaves_closed_months_as_they_were(branch, committee_user):
    ActivityFactory(branch=branch, activity_type=rule_for(MEETING).activity_type, held_at=at(2025, 3, 5))
    close(committee_user, JAN, FEB)
    before = by_window(branch)
    assert before["2025-01"] == before["2025-02"] == before["2025-04"] == Status.WARNING

    rule = rule_for(MEETING)
    services.rule_update(actor=committee_user, rule=rule, data=rule_fields(rule, strength=Strength.HARD))

    after = by_window(branch)
    assert after["2025-01"] == after["2025-02"] == Status.WARNING  # closed: the soft rule of their close
    assert after["2025-03"] == Status.MET
    assert after["2025-04"] == Status.FAILURE  # open: today's hard rule


def test_a_higher_count_and_a_new_frequency_apply_to_open_windows_only(branch, committee_user):
    meeting = rule_for(MEETING).activity_type
    for month in (1, 2, 3, 4):
        ActivityFactory(branch=branch, activity_type=meeting, held_at=at(2025, month, 5))
    close(committee_user, JAN, FEB, MAR)
    rule = rule_for(MEETING)
    services.rule_update(
        actor=committee_user, rule=rule, data=rule_fields(rule, frequency=Frequency.QUARTER, min_count=3)
    )

    result = evaluate_branches([branch], Period.parse("2025"), today=TODAY)[branch.pk]
    cells = [c for c in result.cells if c.rule.pk == rule.pk]
    assert [(c.window.key, c.status) for c in cells] == [
        ("2025-01", Status.MET),
        ("2025-02", Status.MET),
        ("2025-03", Status.MET),
        ("2025-Q2", Status.DUE),  # 1 of 3 so far
        ("2025-Q3", Status.UPCOMING),
        ("2025-Q4", Status.UPCOMING),
    ]
    assert "按关账时的规则判定（每月至少1次）" in cells[0].note


def test_a_rule_switched_off_keeps_its_closed_windows(branch, committee_user):
    close(committee_user, JAN)
    rule = rule_for(MEETING)
    services.rule_update(actor=committee_user, rule=rule, data=rule_fields(rule, active=False))
    assert by_window(branch) == {"2025-01": Status.WARNING}


def test_reopening_the_month_lets_todays_rule_judge_it(branch, committee_user):
    close(committee_user, JAN)
    rule = rule_for(MEETING)
    services.rule_update(actor=committee_user, rule=rule, data=rule_fields(rule, strength=Strength.HARD))
    assert by_window(branch)["2025-01"] == Status.WARNING
    services.period_reopen(actor=committee_user, month=JAN)
    assert by_window(branch)["2025-01"] == Status.FAILURE
    services.period_close(actor=committee_user, month=JAN)  # closed again: with the rule of this close
    services.rule_update(actor=committee_user, rule=rule, data=rule_fields(rule, strength=Strength.SOFT))
    assert by_window(branch)["2025-01"] == Status.FAILURE
    assert by_window(branch)["2025-02"] == Status.WARNING


# --- a unit's overrides ---------------------------------------------------------------------------------------


def test_an_override_set_after_the_close_applies_to_open_months(side_a, side_b, committee_user):
    close(committee_user, JAN)
    rule = rule_for(MEETING)
    services.rule_override_set(
        actor=committee_user, rule=rule, unit=side_a.unit, frequency=Frequency.MONTH, min_count=1,
        strength=Strength.SOFT, applies=False, note="机构改革",
    )  # fmt: skip
    assert by_window(side_a.branch)["2025-01"] == Status.WARNING
    assert by_window(side_a.branch)["2025-02"] == Status.NA
    assert by_window(side_b.branch)["2025-02"] == Status.WARNING  # another unit: untouched


def test_an_override_deleted_after_the_close_still_judges_the_closed_month(branch, side_a, committee_user):
    rule = rule_for(MEETING)
    override = services.rule_override_set(
        actor=committee_user, rule=rule, unit=side_a.unit, frequency=Frequency.MONTH, min_count=2,
        strength=Strength.HARD,
    )  # fmt: skip
    for month in (1, 2):
        ActivityFactory(branch=branch, activity_type=rule.activity_type, held_at=at(2025, month, 5))
    close(committee_user, JAN)
    assert by_window(branch)["2025-01"] == Status.FAILURE  # 1 of 2 under the override

    services.rule_override_delete(actor=committee_user, override=override)

    assert not RuleOverride.objects.exists()
    after = by_window(branch)
    assert after["2025-01"] == Status.FAILURE  # closed with the override in force
    assert after["2025-02"] == Status.MET  # open: the committee's rule, once a month


def test_the_units_roll_up_keeps_its_closed_verdicts(side_a, committee_user):
    rule = rule_for(MEETING)
    ActivityFactory(branch=side_a.branch, activity_type=rule.activity_type, held_at=at(2025, 1, 9))
    close(committee_user, JAN, FEB, MAR)

    def rate():
        result = evaluate_by_unit([side_a.unit], Period.parse("2025-Q1"), today=TODAY)[side_a.unit.pk]
        return str(result.rate), result.tally()

    before = rate()
    assert before[1][Status.MET] == 1
    services.rule_override_set(
        actor=committee_user, rule=rule, unit=side_a.unit, frequency=Frequency.MONTH, min_count=1,
        strength=Strength.SOFT, applies=False,
    )  # fmt: skip
    assert rate() == before


# --- reads: a fixed number of queries -----------------------------------------------------------------------

# The engine's nine (ENGINE_QUERIES in tests/partylife/test_compliance.py, the closed months of the year included)
# and, with one month closed, the rules' history and the overrides' history.
CLOSED_ENGINE_QUERIES = 11


def test_the_query_count_is_the_same_with_one_closed_month_and_with_many(
    branch, side_a, committee_user, django_assert_num_queries
):
    rule = rule_for(MEETING)
    branches = [branch, side_a.other_branch]
    close(committee_user, JAN)
    services.rule_update(actor=committee_user, rule=rule, data=rule_fields(rule, min_count=2))
    with django_assert_num_queries(CLOSED_ENGINE_QUERIES):
        evaluate_branches(branches, Period.parse("2025"), today=TODAY)

    for month, count in ((FEB, 3), (MAR, 1), (APR, 2)):
        close(committee_user, month)
        services.rule_update(actor=committee_user, rule=rule, data=rule_fields(rule, min_count=count))
        services.rule_override_set(
            actor=committee_user, rule=rule, unit=side_a.unit, frequency=Frequency.MONTH, min_count=count,
            strength=Strength.HARD,
        )  # fmt: skip
    branches.append(BranchFactory(unit=side_a.unit, founded_on=dt.date(2010, 1, 1)))
    with django_assert_num_queries(CLOSED_ENGINE_QUERIES):
        result = evaluate_branches(branches, Period.parse("2025"), today=TODAY)
    cells = {c.window.key: c for c in result[branch.pk].cells if c.rule.pk == rule.pk}
    assert [cells[k].rule.min_count for k in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05")] == [
        1,  # as closed, before any edit
        2,  # Feb was closed after the first edit
        3,
        1,
        2,  # open: today's override
    ]


# --- pages and API -------------------------------------------------------------------------------------------


def test_the_rules_pages_say_when_an_edit_applies(login, committee_user):
    client = login(committee_user)
    rule = rule_for(MEETING)
    page = client.get(reverse("partylife:rule_list")).content.decode()
    assert "尚无关账月份" in page
    close(committee_user, JAN, FEB)
    sentence = "调整自 2025年3月 起生效；已关账月份按关账时的规则判定"
    assert sentence in client.get(reverse("partylife:rule_list")).content.decode()
    assert sentence in client.get(reverse("partylife:rule_edit", args=[rule.pk])).content.decode()
    response = client.post(
        reverse("partylife:rule_edit", args=[rule.pk]), rule_fields(rule, strength=Strength.HARD), follow=True
    )
    assert sentence in response.content.decode()


def test_an_override_saved_on_the_page_leaves_the_closed_month(login, side_a, committee_user):
    close(committee_user, JAN)
    rule = rule_for(MEETING)
    client = login(committee_user)
    url = reverse("partylife:override_edit", args=[rule.pk])
    data = {"unit": side_a.unit.pk, "frequency": "month", "min_count": 1, "strength": "hard", "coverage": 100}
    response = client.post(url, data | {"applies": "on"})
    assert response.status_code == 302 and RuleOverride.objects.get().strength == Strength.HARD
    statuses = by_window(side_a.branch)
    assert (statuses["2025-01"], statuses["2025-02"]) == (Status.WARNING, Status.FAILURE)


def test_the_api_gives_the_closed_months_verdict(login, side_a, committee_user):
    close(committee_user, JAN)
    rule = rule_for(MEETING)
    services.rule_update(actor=committee_user, rule=rule, data=rule_fields(rule, strength=Strength.HARD))
    client = login(side_a.branch_secretary)
    body = client.get("/api/partylife/compliance/", {"branch": side_a.branch.pk, "period": "2025-Q1"}).json()
    mine = {c["window"]: c["status"] for c in body["cells"] if c["rule"] == rule.pk}
    assert mine["2025-01"] == "warning" and mine["2025-02"] == "failure"
