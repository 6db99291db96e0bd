"""The compliance engine at its edges: period boundaries in Asia/Shanghai, soft vs hard,
branches founded mid-year, unit overrides, not-applicable rules, evidence and drafts."""

import datetime as dt

import pytest

from apps.core.periods import Period
from apps.partylife.compliance import Status, cell_records, evaluate_branches, evaluate_units
from apps.partylife.models import ActivityStatus, Attendance, MissedReason, RuleOverride
from tests.orgs.factories import BranchFactory, MemberFactory, PartyGroupFactory, UnitFactory
from tests.partylife.factories import ActivityFactory, activity_type, at, rule_for

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 27)


def cells(branch, period, code, today=TODAY):
    result = evaluate_branches([branch], Period.parse(period), today=today)[branch.pk]
    rule = rule_for(code)
    return [c for c in result.cells if c.rule.pk == rule.pk]


def statuses(branch, period, code, today=TODAY):
    return [c.status for c in cells(branch, period, code, today)]


@pytest.fixture
def branch():
    return BranchFactory(founded_on=dt.date(2010, 1, 1))


# --- boundaries ------------------------------------------------------------------------------


def test_quarter_edge_2359_counts_in_q1_and_0000_in_q2(branch):
    meeting = activity_type("branch_general_meeting")
    ActivityFactory(branch=branch, activity_type=meeting, held_at=at(2026, 3, 31, 23, 59))
    assert statuses(branch, "2026", "branch_general_meeting") == [
        Status.MET,
        Status.WARNING,
        Status.WARNING,
        Status.DUE,
    ]
    ActivityFactory(branch=branch, activity_type=meeting, held_at=at(2026, 4, 1, 0, 0))
    assert statuses(branch, "2026", "branch_general_meeting")[:2] == [Status.MET, Status.MET]


def test_year_edge(branch):
    talk = activity_type("org_life_meeting")
    ActivityFactory(branch=branch, activity_type=talk, held_at=at(2025, 12, 31, 23, 59))
    assert statuses(branch, "2025", "org_life_meeting") == [Status.MET]
    assert statuses(branch, "2026", "org_life_meeting") == [Status.DUE]
    ActivityFactory(branch=branch, activity_type=talk, held_at=at(2027, 1, 1, 0, 0))
    assert statuses(branch, "2026", "org_life_meeting", today=dt.date(2027, 1, 5)) == [Status.FAILURE]
    assert statuses(branch, "2027", "org_life_meeting", today=dt.date(2027, 1, 5)) == [Status.MET]


def test_midnight_in_shanghai_is_not_midnight_utc(branch):
    # 2026-06-30 16:30 UTC is 2026-07-01 00:30 in Shanghai: July, Q3.
    ActivityFactory(branch=branch, held_at=dt.datetime(2026, 6, 30, 16, 30, tzinfo=dt.UTC))
    monthly = statuses(branch, "2026", "branch_committee_meeting")
    assert monthly[5] == Status.WARNING and monthly[6] == Status.MET


def test_monthly_rule_met_missed_due(branch):
    ActivityFactory(branch=branch, held_at=at(2026, 10, 8))
    got = statuses(branch, "2026-Q4", "branch_committee_meeting")
    assert got == [Status.MET, Status.DUE, Status.UPCOMING]  # Oct met, Nov current (time remains), Dec 未到期
    got = statuses(branch, "2026-Q4", "branch_committee_meeting", today=dt.date(2026, 12, 2))
    assert got == [Status.MET, Status.WARNING, Status.DUE]


def test_month_period_shows_the_quarter_and_year_windows(branch):
    result = evaluate_branches([branch], Period.parse("2026-11"), today=TODAY)[branch.pk]
    windows = {c.rule.name: c.window.key for c in result.cells}
    assert windows["支部委员会会议每月至少1次"] == "2026-11"
    assert windows["支部党员大会每季度至少1次"] == "2026-Q4"
    assert windows["组织生活会每年至少1次"] == "2026"


# --- strength -----------------------------------------------------------------------------------


def test_soft_missed_is_warning_hard_missed_is_failure(branch):
    today = dt.date(2026, 1, 10)
    assert statuses(branch, "2025", "democratic_appraisal", today) == [Status.WARNING]
    assert statuses(branch, "2025", "org_life_meeting", today) == [Status.FAILURE]
    assert statuses(branch, "2025-Q4", "party_lecture", today) == [Status.WARNING]  # local → warning


def test_missed_soft_rule_carries_its_reason(branch):
    rule = rule_for("democratic_appraisal")
    MissedReason.objects.create(rule=rule, unit=branch.unit, branch=branch, window="2025", reason="支部换届推迟")
    cell = cells(branch, "2025", "democratic_appraisal", dt.date(2026, 1, 10))[0]
    assert cell.status == Status.WARNING and cell.reason == "支部换届推迟"
    assert cell.clause == "《中国共产党支部工作条例（试行）》" == rule.source


# --- applicability ----------------------------------------------------------------------------------


def test_branch_founded_mid_year_rules_apply_from_creation():
    branch = BranchFactory(founded_on=dt.date(2026, 5, 10))
    monthly = statuses(branch, "2026", "branch_committee_meeting")
    assert monthly[:4] == [Status.NA] * 4  # Jan–Apr: before it existed
    assert monthly[4] == Status.WARNING  # May: founded before the 16th, so May counts
    assert statuses(branch, "2026", "branch_general_meeting")[:2] == [Status.NA, Status.WARNING]
    assert statuses(branch, "2026", "org_life_meeting") == [Status.DUE]
    late = BranchFactory(founded_on=dt.date(2026, 8, 1))
    assert statuses(late, "2026", "org_life_meeting") == [Status.NA]
    assert "成立" in cells(late, "2026", "org_life_meeting")[0].note


def test_founded_late_but_met_still_shows_met():
    branch = BranchFactory(founded_on=dt.date(2026, 8, 1))
    ActivityFactory(branch=branch, activity_type=activity_type("org_life_meeting"), held_at=at(2026, 11, 2))
    assert statuses(branch, "2026", "org_life_meeting") == [Status.MET]


def test_party_group_rule_not_applicable_without_groups(branch):
    assert set(statuses(branch, "2026", "party_group_meeting")) == {Status.NA}
    assert "未设党小组" in cells(branch, "2026", "party_group_meeting")[0].note


def test_party_group_rule_needs_every_group(branch):
    g1, g2 = PartyGroupFactory(branch=branch), PartyGroupFactory(branch=branch)
    t = activity_type("party_group_meeting")
    ActivityFactory(branch=branch, party_group=g1, activity_type=t, held_at=at(2026, 10, 9))
    oct_cell = cells(branch, "2026-Q4", "party_group_meeting")[0]
    assert oct_cell.status == Status.WARNING and (oct_cell.groups_met, oct_cell.groups_total) == (1, 2)
    ActivityFactory(branch=branch, party_group=g2, activity_type=t, held_at=at(2026, 10, 20))
    assert cells(branch, "2026-Q4", "party_group_meeting")[0].status == Status.MET


def test_unit_override_changes_rule_for_that_unit_only(branch):
    other = BranchFactory(founded_on=dt.date(2010, 1, 1))
    RuleOverride.objects.create(
        rule=rule_for("party_lecture"), unit=branch.unit, frequency="month", min_count=1, strength="hard"
    )
    ours = cells(branch, "2026-Q3", "party_lecture")
    assert [c.status for c in ours] == [Status.FAILURE] * 3 and ours[0].rule.override_note
    assert statuses(other, "2026-Q3", "party_lecture") == [Status.WARNING]


def test_unit_override_can_switch_rule_off(branch):
    RuleOverride.objects.create(
        rule=rule_for("theme_party_day"),
        unit=branch.unit,
        frequency="month",
        min_count=1,
        strength="soft",
        applies=False,
    )
    assert set(statuses(branch, "2026", "theme_party_day")) == {Status.NA}


# --- what counts ---------------------------------------------------------------------------------------


def test_incomplete_evidence_and_drafts_do_not_count(branch):
    ActivityFactory(branch=branch, held_at=at(2026, 9, 3), evidence_complete=False)
    ActivityFactory(branch=branch, held_at=at(2026, 9, 4), status=ActivityStatus.DRAFT)
    sept = cells(branch, "2026-Q3", "branch_committee_meeting")[2]
    assert sept.status == Status.WARNING and sept.count == 0 and sept.incomplete == 1


def test_also_counts_as_satisfies_both_rules(branch):
    record = ActivityFactory(branch=branch, activity_type=activity_type("org_life_meeting"), held_at=at(2026, 11, 20))
    record.also_counts_as.add(activity_type("democratic_appraisal"))
    # 民主评议党员 needs minutes and an attendance list: the record carries both.
    Attendance.objects.create(activity=record, member=MemberFactory(branch=branch))
    assert statuses(branch, "2026", "org_life_meeting") == [Status.MET]
    assert statuses(branch, "2026", "democratic_appraisal") == [Status.MET]


def test_unit_level_rules_count_unit_records_only():
    unit = UnitFactory()
    branch = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
    first = activity_type("first_topic")
    ActivityFactory(branch=None, unit=unit, activity_type=first, held_at=at(2026, 10, 15))
    result = evaluate_units([unit], Period.parse("2026-Q4"), today=TODAY)[unit.pk]
    first_topic = [c.status for c in result.cells if c.rule.rule.activity_type == first]
    assert first_topic == [Status.MET, Status.DUE, Status.UPCOMING]
    assert all(c.rule.level != "unit" for c in evaluate_branches([branch], Period.parse("2026"))[branch.pk].cells)
    missed = evaluate_units([unit], Period.parse("2026-09"), today=TODAY)[unit.pk]
    assert {c.status for c in missed.cells if c.rule.rule.activity_type == first} == {Status.FAILURE}


def test_rate_counts_decided_windows_only(branch):
    ActivityFactory(branch=branch, held_at=at(2026, 10, 8))
    result = evaluate_branches(
        [branch], Period.parse("2026-Q4"), today=TODAY, rule_ids=[rule_for("branch_committee_meeting").pk]
    )
    assert result[branch.pk].rate == 100  # October met; November and December still due
    result = evaluate_branches(
        [branch], Period.parse("2026-Q4"), today=dt.date(2027, 1, 2), rule_ids=[rule_for("branch_committee_meeting").pk]
    )
    assert str(result[branch.pk].rate) == "33.3"


def test_cell_records_are_the_ones_behind_the_cell_and_scoped(branch, side_a):
    mine = ActivityFactory(branch=side_a.branch, held_at=at(2026, 10, 8))
    ActivityFactory(branch=side_a.branch, held_at=at(2026, 11, 8))
    rule = rule_for("branch_committee_meeting")
    window = Period.parse("2026-10")
    assert list(cell_records(subject=side_a.branch, rule=rule, window=window, user=side_a.branch_secretary)) == [mine]
    assert list(cell_records(subject=side_a.branch, rule=rule, window=window, user=side_a.member_user)) == []


# Each unit's judging start (platform, joined), rules, overrides, party groups, the grouped counts (own records and
# "also counts as" rows: one UNION ALL), reasons, and for 谈心谈话's coverage the memberships and the talks.
ENGINE_QUERIES = 8 + 1  # + the closed months of the year (关账: closed windows keep their rules)


def test_query_count_does_not_grow_with_branches(assert_constant_queries):
    branches = []

    def grow(n):
        for _ in range(n):
            branch = BranchFactory(founded_on=dt.date(2010, 1, 1))
            PartyGroupFactory(branch=branch)
            ActivityFactory(branch=branch, held_at=at(2026, 3, 3))
            branches.append(branch)

    grow(2)
    assert_constant_queries(
        lambda: evaluate_branches(branches, Period.parse("2026"), today=TODAY),
        grow=lambda: grow(18),
        expected=ENGINE_QUERIES,
    )
