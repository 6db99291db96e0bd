"""The engine judges every window by the tree as it was (issue 7 §1, §2).

The platform's start (未纳入 before it), branches that ended (up to their end, none after), party groups
that came and went, members who moved: each window is judged by what was in force at its midpoint, so a
past year's verdicts do not change when the tree changes today, and dissolving a failing branch never
raises a finished period's rate. The query count does not grow with branches, windows or tree changes.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.periods import Period
from apps.orgs import services as org_services
from apps.orgs.models import BranchEnd, Platform
from apps.partylife import metrics
from apps.partylife.compliance import Status, evaluate_branches, evaluate_by_unit, evaluate_units
from apps.partylife.models import ComplianceRule, RuleOverride
from tests.orgs.factories import BranchFactory, MemberFactory, PartyGroupFactory, UnitFactory
from tests.partylife.factories import ActivityFactory, activity_type, at, rule_for

pytestmark = pytest.mark.django_db

Y2025 = Period.parse("2025")
AFTER_2025 = dt.date(2026, 1, 10)


def only(*codes):
    """Switch off every rule but these."""
    ComplianceRule.objects.exclude(activity_type__code__in=codes).update(active=False)


def cells(subject, period, code, today=AFTER_2025):
    evaluate = evaluate_units if hasattr(subject, "branches") else evaluate_branches
    result = evaluate([subject], Period.parse(period), today=today)[subject.pk]
    return [c for c in result.cells if c.rule.pk == rule_for(code).pk]


def statuses(subject, period, code, today=AFTER_2025):
    return [c.status for c in cells(subject, period, code, today)]


def snapshot(result):
    """Everything a verdict says, cell by cell."""
    return [
        (
            c.rule.pk,
            c.window.key,
            c.status,
            c.count,
            c.incomplete,
            c.note,
            c.groups_met_names,
            c.groups_missed_names,
            [(r.label, r.total, r.reached, r.missing) for r in c.reach],
        )
        for c in result.cells
    ]


@pytest.fixture
def branch():
    return BranchFactory(founded_on=dt.date(2010, 1, 1))


def monthly(branch, year, months, code="branch_committee_meeting", **kwargs):
    for month in months:
        ActivityFactory(branch=branch, activity_type=activity_type(code), held_at=at(year, month, 5), **kwargs)


# --- the platform's start: 未纳入 ------------------------------------------------------------------------------


def test_windows_whose_midpoint_is_before_the_platform_start_are_not_judged(branch):
    # October's midpoint is the 16th: a start on the 16th judges October, one on the 17th does not.
    Platform.objects.create(pk=1, start_on=dt.date(2025, 10, 16))
    got = statuses(branch, "2025", "branch_committee_meeting")
    assert got == [Status.NOT_JUDGED] * 9 + [Status.WARNING] * 3
    october = cells(branch, "2025-10", "branch_committee_meeting")[0]
    assert "平台评判自2025-10-16，不晚于本周期中点2025-10-16，本周期须完成" in october.note
    assert statuses(branch, "2025", "branch_general_meeting") == [Status.NOT_JUDGED] * 3 + [Status.WARNING]
    assert statuses(branch, "2025", "org_life_meeting") == [Status.NOT_JUDGED]  # midpoint 2 July: never a failure
    Platform.objects.filter(pk=1).update(start_on=dt.date(2025, 10, 17))
    october = cells(branch, "2025-10", "branch_committee_meeting")[0]
    assert october.status == Status.NOT_JUDGED and "晚于本周期中点2025-10-16，本周期不作要求" in october.note


def test_not_judged_windows_are_in_no_rate_and_a_met_one_still_shows_met(branch):
    only("branch_committee_meeting")
    Platform.objects.create(pk=1, start_on=dt.date(2025, 10, 1))
    monthly(branch, 2025, [3, 10])  # March (before the start) and October held
    result = evaluate_branches([branch], Y2025, today=AFTER_2025)[branch.pk]
    assert [c.status for c in result.cells][2] == Status.MET  # the work was done: it shows
    tally = result.tally()
    assert (tally[Status.NOT_JUDGED], tally[Status.WARNING], tally[Status.FAILURE]) == (8, 2, 0)
    assert str(result.rate) == "50.0"  # March and October met, November and December missed: 2 / 4


def test_a_unit_that_joined_later_is_judged_from_its_own_day():
    only("branch_committee_meeting", "first_topic")
    early, late = UnitFactory(), UnitFactory(joined_on=dt.date(2025, 6, 17))  # after June's midpoint
    b_early, b_late = (BranchFactory(unit=u, founded_on=dt.date(2010, 1, 1)) for u in (early, late))
    assert statuses(b_early, "2025", "branch_committee_meeting") == [Status.WARNING] * 12
    assert statuses(b_late, "2025", "branch_committee_meeting") == [Status.NOT_JUDGED] * 6 + [Status.WARNING] * 6
    assert statuses(late, "2025", "first_topic") == [Status.NOT_JUDGED] * 6 + [Status.FAILURE] * 6
    rates = metrics.compliance_rate(Y2025, today=AFTER_2025)
    assert rates == {early.pk: 0, late.pk: 0}  # both missed all they were asked; neither misses the rest
    totals = evaluate_by_unit([early, late], Y2025, today=AFTER_2025)
    assert totals[late.pk].tally()[Status.FAILURE] == 6 and totals[early.pk].tally()[Status.FAILURE] == 12


def test_metrics_leave_out_windows_not_judged(branch):
    Platform.objects.create(pk=1, start_on=dt.date(2025, 10, 1))
    theme = activity_type("theme_party_day")
    ActivityFactory(branch=branch, activity_type=theme, held_at=at(2025, 10, 9))
    talker, talkee = MemberFactory(branch=branch), MemberFactory(branch=branch)
    ActivityFactory(branch=branch, activity_type=activity_type("heart_talk"), talker=talker, talkee=talkee)
    # 主题党日: October met; November and December missed; January–September not judged.
    assert metrics.theme_day_completion(Y2025, today=AFTER_2025) == {branch.unit_id: Decimal("33.3")}
    # Talk reach: 2025 (midpoint 2 July) is not judged for the unit; its fourth quarter is.
    assert metrics.talk_reach(Y2025, today=AFTER_2025) == {}
    assert metrics.talk_reach(Period.parse("2025-Q4"), today=AFTER_2025) == {branch.unit_id: 0}  # talk: March 2026
    assert metrics.talk_reach(Period.parse("2026-Q1"), today=dt.date(2026, 4, 1)) == {branch.unit_id: 100}


# --- branches that ended: up to their end, none after -----------------------------------------------------------


@pytest.fixture
def unit_with_a_failing_branch(committee_user):
    """A unit whose good branch held every 2025 支委会 and whose other branch held none."""
    only("branch_committee_meeting")
    unit = UnitFactory()
    good = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
    failing = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
    monthly(good, 2025, range(1, 13))
    return unit, good, failing


def test_dissolving_a_failing_branch_after_the_period_never_raises_its_rate(unit_with_a_failing_branch, committee_user):
    unit, good, failing = unit_with_a_failing_branch
    today = timezone.localdate()
    before_metric = metrics.compliance_rate(Y2025, today=today)
    before = evaluate_by_unit([unit], Y2025, today=today)[unit.pk]
    assert str(before.rate) == "50.0" and before_metric == {unit.pk: before.rate}
    org_services.branch_dissolve(actor=committee_user, branch=failing, on=today, reason=BranchEnd.REVOKED)
    after = evaluate_by_unit([unit], Y2025, today=today)[unit.pk]
    assert metrics.compliance_rate(Y2025, today=today) == before_metric
    assert after.tally() == before.tally() and snapshot(after) == snapshot(before)


def test_a_branch_counts_up_to_its_end_and_not_after(unit_with_a_failing_branch, committee_user):
    unit, good, failing = unit_with_a_failing_branch
    org_services.branch_dissolve(actor=committee_user, branch=failing, on=dt.date(2025, 6, 17), reason="revoked")
    failing.refresh_from_db()
    # Its calendar: January–June judged (June's midpoint is the 16th), July–December 已撤销 with no verdict.
    got = statuses(failing, "2025", "branch_committee_meeting")
    assert got == [Status.WARNING] * 6 + [Status.ENDED] * 6
    june, july = cells(failing, "2025", "branch_committee_meeting")[5:7]
    assert "支部撤销于2025-06-17，晚于本周期中点2025-06-16，本周期仍须完成" in june.note
    assert "支部已于2025-06-17撤销" in july.note and not july.in_tree
    # The unit's roll-up takes its six months and nothing after: 12 met of 18.
    total = evaluate_by_unit([unit], Y2025, today=AFTER_2025)[unit.pk]
    assert total.tally()[Status.WARNING] == 6 and total.tally()[Status.ENDED] == 0
    assert str(total.rate) == "66.7"
    # Dissolved on the midpoint itself: that month is no longer its own.
    other = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
    org_services.branch_dissolve(actor=committee_user, branch=other, on=dt.date(2025, 6, 16), reason="revoked")
    other.refresh_from_db()
    assert statuses(other, "2025", "branch_committee_meeting")[5] == Status.ENDED


def test_a_rule_switched_off_for_an_ended_branch_leaves_the_rollup_after_its_end(committee_user):
    only("branch_committee_meeting")
    unit = UnitFactory()
    branch = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
    RuleOverride.objects.create(
        rule=rule_for("branch_committee_meeting"), unit=unit, frequency="month", strength="soft", applies=False
    )
    org_services.branch_dissolve(actor=committee_user, branch=branch, on=dt.date(2025, 7, 1), reason="revoked")
    branch.refresh_from_db()
    assert statuses(branch, "2025", "branch_committee_meeting") == [Status.NA] * 6 + [Status.ENDED] * 6
    assert evaluate_by_unit([unit], Y2025, today=AFTER_2025)[unit.pk].tally()[Status.NA] == 6


def test_a_merged_branch_and_its_successor_split_the_year(committee_user):
    only("branch_committee_meeting")
    unit = UnitFactory()
    old = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
    new = BranchFactory(unit=unit, founded_on=dt.date(2025, 3, 1))
    MemberFactory(branch=old)
    monthly(old, 2025, [1, 2, 3])
    monthly(new, 2025, range(4, 13))
    org_services.branch_dissolve(
        actor=committee_user, branch=old, on=dt.date(2025, 4, 1), reason="merged", successor=new
    )
    total = evaluate_by_unit([unit], Y2025, today=AFTER_2025)[unit.pk]
    # The old branch: January–March; the new one: March–December (founded before March's midpoint).
    assert total.tally()[Status.MET] == 3 + 9 and total.tally()[Status.WARNING] == 1  # the new branch's March
    assert len(total.cells) == 3 + 10


# --- party groups in force in each window ----------------------------------------------------------------------


def test_the_group_cell_names_the_groups_that_met_and_those_that_did_not(branch):
    g1, g2 = PartyGroupFactory(branch=branch, name="第一党小组"), PartyGroupFactory(branch=branch, name="第二党小组")
    ActivityFactory(branch=branch, party_group=g1, activity_type=activity_type("party_group_meeting"))
    march = cells(branch, "2026-03", "party_group_meeting", today=dt.date(2026, 4, 1))[0]
    assert march.status == Status.WARNING
    assert (march.groups_met_names, march.groups_missed_names) == (["第一党小组"], ["第二党小组"])
    assert "已开会：第一党小组" in march.note and "未开会：第二党小组" in march.note
    assert g2.pk  # both groups existed at March's midpoint


def test_a_group_added_today_does_not_turn_past_months_missed(branch, committee_user):
    group = PartyGroupFactory(branch=branch, name="老党小组")
    monthly(branch, 2025, range(1, 13), code="party_group_meeting", party_group=group)
    today = timezone.localdate()
    assert set(statuses(branch, "2025", "party_group_meeting", today)) == {Status.MET}
    org_services.party_group_create(actor=committee_user, branch=branch, data={"name": "新党小组", "founded_on": today})
    assert set(statuses(branch, "2025", "party_group_meeting", today)) == {Status.MET}


def test_a_dissolved_group_keeps_its_misses_and_is_not_asked_after(branch, committee_user):
    g1 = PartyGroupFactory(branch=branch, name="第一党小组")
    g2 = PartyGroupFactory(branch=branch, name="第二党小组")
    monthly(branch, 2025, range(1, 13), code="party_group_meeting", party_group=g1)
    org_services.party_group_dissolve(actor=committee_user, group=g2, on=dt.date(2025, 8, 16))
    got = cells(branch, "2025", "party_group_meeting")
    # Until July both groups were asked (g2 missed); from August (midpoint the 16th) only g1.
    assert [c.status for c in got] == [Status.WARNING] * 7 + [Status.MET] * 5
    assert got[6].groups_missed_names == ["第二党小组"] and got[7].groups_total == 1
    # Dissolving it today changes no month of 2025.
    before = snapshot(evaluate_branches([branch], Y2025, today=timezone.localdate())[branch.pk])
    org_services.party_group_dissolve(actor=committee_user, group=g1, on=timezone.localdate())
    assert snapshot(evaluate_branches([branch], Y2025, today=timezone.localdate())[branch.pk]) == before


def test_a_group_founded_on_the_midpoint_is_asked_that_month(branch):
    on_midpoint = PartyGroupFactory(branch=branch, founded_on=dt.date(2025, 3, 16))
    assert [c.groups_total for c in cells(branch, "2025-Q1", "party_group_meeting")] == [None, None, 1]
    on_midpoint.founded_on = dt.date(2025, 3, 17)
    on_midpoint.save()
    march = cells(branch, "2025-03", "party_group_meeting")[0]
    assert march.status == Status.NA and "未设党小组" in march.note


# --- a new branch's partial first window ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("founded", "status", "said"),
    [
        (dt.date(2025, 5, 16), Status.WARNING, "支部成立于2025-05-16，不晚于本周期中点2025-05-16，本周期须完成"),
        (dt.date(2025, 5, 17), Status.NA, "支部成立于2025-05-17，晚于本周期中点2025-05-16，本周期不作要求"),
    ],
)
def test_a_partial_first_window_says_why_it_is_or_is_not_required(founded, status, said):
    branch = BranchFactory(founded_on=founded)
    may = cells(branch, "2025-05", "branch_committee_meeting")[0]
    assert may.status == status and said in may.note
    april = cells(branch, "2025-04", "branch_committee_meeting")[0]
    assert april.status == Status.NA and "本周期尚未成立" in april.note


# --- a past year does not change when the tree does -------------------------------------------------------------


def test_a_past_years_verdicts_are_unchanged_after_the_tree_changes_today(committee_user):
    unit = UnitFactory()
    a = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
    b = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
    g1, g2 = PartyGroupFactory(branch=a, name="一组"), PartyGroupFactory(branch=a, name="二组")
    secretary = MemberFactory(branch=a, is_branch_committee=True)
    members = [MemberFactory(branch=a, party_group=g1) for _ in range(3)]
    moving = MemberFactory(branch=b)
    talk = activity_type("heart_talk")
    ActivityFactory(branch=a, activity_type=talk, talker=secretary, talkee=members[0], held_at=at(2025, 5, 5))
    ActivityFactory(branch=b, activity_type=talk, talker=moving, talkee=moving, held_at=at(2025, 5, 5))
    monthly(a, 2025, range(1, 13, 2), code="party_group_meeting", party_group=g1)
    monthly(a, 2025, range(1, 13))
    monthly(b, 2025, range(1, 7))
    today = timezone.localdate()

    def judged():
        by_branch = evaluate_branches([a, b], Y2025, today=today)
        by_unit = evaluate_by_unit([unit], Y2025, today=today)[unit.pk]
        metric = metrics.compliance_rate(Y2025, today=today), metrics.talk_reach(Y2025, today=today)
        return [snapshot(by_branch[a.pk]), snapshot(by_branch[b.pk]), snapshot(by_unit), by_unit.rate, metric]

    before = judged()
    org_services.party_group_create(actor=committee_user, branch=a, data={"name": "三组", "founded_on": today})
    org_services.party_group_dissolve(actor=committee_user, group=g2, on=today)
    org_services.member_transfer(actor=committee_user, member=members[2], to_branch=b, on=today)
    org_services.branch_dissolve(actor=committee_user, branch=b, on=today, reason="merged", successor=a)
    a.refresh_from_db()
    b.refresh_from_db()
    assert not b.is_current and members[2].memberships.count() == 2
    assert judged() == before


# --- the query count ----------------------------------------------------------------------------------------------

# Each unit's judging start, branches; for branches: rules, overrides, party groups, the grouped counts (one UNION
# ALL), reasons, 谈心谈话's memberships and talks; for units: rules, overrides, the grouped counts, reasons.
BY_UNIT_QUERIES = 2 + 7 + 4 + 1  # + the closed months (关账)


@pytest.mark.parametrize("period", ["2025", "2025-Q2", "2025-03"])
def test_the_query_count_does_not_grow_with_branches_windows_or_tree_changes(
    period, committee_user, assert_constant_queries
):
    units = [UnitFactory(), UnitFactory()]
    Platform.objects.create(pk=1, start_on=dt.date(2025, 2, 1))
    units[1].joined_on = dt.date(2025, 5, 1)
    units[1].save()

    def grow(n):
        for i in range(n):
            unit = units[i % 2]
            keep = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
            gone = BranchFactory(unit=unit, founded_on=dt.date(2025, 2, 10))
            group = PartyGroupFactory(branch=keep)
            PartyGroupFactory(branch=keep, founded_on=dt.date(2025, 4, 1))
            # Born long ago: their memberships start with the branch, before the transfer (not on a join date in 2025).
            people = [
                MemberFactory(branch=gone, is_branch_committee=j == 0, birth_date=dt.date(1980, 1, 1)) for j in range(3)
            ]
            ActivityFactory(branch=keep, party_group=group, activity_type=activity_type("party_group_meeting"))
            ActivityFactory(branch=gone, activity_type=activity_type("heart_talk"), talker=people[0], talkee=people[1])
            org_services.party_group_dissolve(actor=committee_user, group=group, on=dt.date(2025, 6, 1))
            org_services.member_transfer(actor=committee_user, member=people[2], to_branch=keep, on=dt.date(2025, 3, 1))
            org_services.branch_dissolve(
                actor=committee_user, branch=gone, on=dt.date(2025, 7, 1), reason="merged", successor=keep
            )

    grow(2)
    assert_constant_queries(
        lambda: evaluate_by_unit(units, Period.parse(period), today=AFTER_2025),
        grow=lambda: grow(10),
        expected=BY_UNIT_QUERIES,
    )
