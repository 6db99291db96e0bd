"""Scoring metrics of party life: exact values for two units with known data; query counts pinned."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.core import metrics as registry
from apps.core.periods import Period
from apps.orgs.models import Member
from apps.partylife import metrics
from apps.partylife.compliance import Status, evaluate_branches
from apps.partylife.models import (
    ActivityStatus,
    Attendance,
    ComplianceRule,
    EnterpriseProblem,
    MakeupTask,
    RuleOverride,
)
from tests.orgs.factories import BranchFactory, MemberFactory, UnitFactory
from tests.partylife.factories import ActivityFactory, activity_type, at, rule_for

pytestmark = pytest.mark.django_db

Y2025 = Period.parse("2025")
AFTER_2025 = dt.date(2026, 3, 1)  # the evaluation day of the 2025 metrics: the year has ended
KEYS = [
    "partylife.attendance_rate",
    "partylife.compliance_rate",
    "partylife.enterprise_problems_raised",
    "partylife.enterprise_problems_solved",
    "partylife.evidence_completeness",
    "partylife.talk_reach",
    "partylife.theme_day_completion",
]


def D(text):
    return Decimal(text)


@pytest.fixture
def two_units():
    a, b = UnitFactory(name="甲单位"), UnitFactory(name="乙单位")
    return (
        a,
        b,
        BranchFactory(unit=a, founded_on=dt.date(2010, 1, 1)),
        BranchFactory(unit=b, founded_on=dt.date(2010, 1, 1)),
    )


def test_all_metrics_registered_with_labels():
    got = {m.key: m for m in registry.all_metrics() if m.key.startswith("partylife.")}
    assert sorted(got) == KEYS
    assert got["partylife.compliance_rate"].unit == "%" and got["partylife.enterprise_problems_solved"].unit == "个"
    assert all(m.label and m.description for m in got.values())


# --- compliance rate -----------------------------------------------------------------------------------


def test_compliance_rate(two_units):
    a, b, branch_a, branch_b = two_units
    ComplianceRule.objects.exclude(activity_type__code__in=["branch_committee_meeting", "center_group_study"]).update(
        active=False
    )
    for month in range(1, 7):
        ActivityFactory(branch=branch_a, held_at=at(2025, month, 5))
    ActivityFactory(branch=branch_a, held_at=at(2025, 7, 5), evidence_complete=False)  # 需补充: not met
    center = activity_type("center_group_study")
    for month in (1, 2, 3):
        ActivityFactory(branch=None, unit=a, activity_type=center, held_at=at(2025, month, 20))
    ActivityFactory(branch=branch_b, held_at=at(2025, 12, 31, 23, 59))
    result = metrics.compliance_rate(Y2025, today=dt.date(2026, 3, 1))
    assert result == {a.pk: D("37.5"), b.pk: D("4.2")}  # A: (6 + 3) / 24; B: 1 / 24


def test_compliance_rate_leaves_out_windows_still_due(two_units):
    a, b, branch_a, _ = two_units
    ComplianceRule.objects.exclude(activity_type__code="branch_committee_meeting").update(active=False)
    ActivityFactory(branch=branch_a, held_at=at(2025, 1, 5))
    result = metrics.compliance_rate(Period.parse("2025-Q1"), today=dt.date(2025, 2, 10))
    assert result == {a.pk: D("100.0"), b.pk: D("0.0")}  # January decided; February, March still due
    assert metrics.compliance_rate(Period.parse("2025-Q1"), today=dt.date(2025, 1, 10)) == {a.pk: D("100.0")}


# --- 主题党日 ----------------------------------------------------------------------------------------------


def test_theme_day_completion(two_units):
    a, b, branch_a, branch_b = two_units
    theme = activity_type("theme_party_day")
    for month in range(1, 9):  # eight counted months
        ActivityFactory(branch=branch_a, activity_type=theme, held_at=at(2025, month, 10))
    ActivityFactory(branch=branch_a, activity_type=theme, held_at=at(2025, 3, 25))  # a second one in March
    ActivityFactory(branch=branch_a, activity_type=theme, held_at=at(2025, 9, 10), evidence_complete=False)
    ActivityFactory(branch=branch_a, activity_type=theme, held_at=at(2025, 10, 10), status=ActivityStatus.DRAFT)
    lecture = ActivityFactory(branch=branch_a, activity_type=activity_type("party_lecture"), held_at=at(2025, 11, 10))
    lecture.also_counts_as.add(theme)  # a 党课 that was also the month's 主题党日
    young = BranchFactory(unit=a, founded_on=dt.date(2025, 7, 1))  # July to December apply: 6 months
    for month in (7, 8, 9):
        ActivityFactory(branch=young, activity_type=theme, held_at=at(2025, month, 10))
    BranchFactory(unit=b, founded_on=dt.date(2010, 1, 1), dissolved_on=dt.date(2020, 1, 1), end_reason="revoked")
    ActivityFactory(branch=branch_b, activity_type=theme, held_at=at(2024, 12, 31, 23, 59))  # last year
    result = metrics.theme_day_completion(Y2025, today=dt.date(2026, 1, 5))
    assert result == {a.pk: D("66.7"), b.pk: D("0.0")}  # A: (9 + 3) / (12 + 6); B: 0 / 12


def test_theme_day_current_year_counts_ended_months_and_held_ones(two_units):
    a, b, branch_a, _ = two_units
    theme = activity_type("theme_party_day")
    ActivityFactory(branch=branch_a, activity_type=theme, held_at=at(2025, 4, 3))  # held in the running month
    result = metrics.theme_day_completion(Y2025, today=dt.date(2025, 4, 20))
    assert result == {a.pk: D("25.0"), b.pk: D("0.0")}  # A: 1 / (3 ended + April held); B: 0 / 3


def test_theme_day_leaves_out_units_that_switched_the_rule_off(two_units):
    a, b, branch_a, branch_b = two_units
    theme = activity_type("theme_party_day")
    for branch in (branch_a, branch_b):
        ActivityFactory(branch=branch, activity_type=theme, held_at=at(2025, 3, 10))
    before = metrics.theme_day_completion(Y2025, today=dt.date(2026, 1, 5))
    assert before == {a.pk: D("8.3"), b.pk: D("8.3")}  # 1 / 12 each
    RuleOverride.objects.create(
        rule=rule_for("theme_party_day"), unit=a, frequency="month", min_count=1, strength="soft", applies=False
    )
    # As the engine says: every month of A's branches is 不适用, so A has nothing to measure.
    assert {
        c.status
        for c in evaluate_branches([branch_a], Y2025, today=dt.date(2026, 1, 5))[branch_a.pk].cells
        if c.rule.pk == rule_for("theme_party_day").pk
    } == {Status.NA}
    assert metrics.theme_day_completion(Y2025, today=dt.date(2026, 1, 5)) == {b.pk: D("8.3")}


# --- records ------------------------------------------------------------------------------------------------


def test_evidence_completeness(two_units):
    a, b, branch_a, branch_b = two_units
    for complete in (True, True, True, False):
        ActivityFactory(branch=branch_a, held_at=at(2025, 5, 5), evidence_complete=complete)
    ActivityFactory(branch=branch_a, held_at=at(2025, 5, 5), evidence_complete=False, status=ActivityStatus.DRAFT)
    ActivityFactory(branch=None, unit=b, activity_type=activity_type("first_topic"), held_at=at(2025, 6, 1))
    ActivityFactory(branch=branch_b, held_at=at(2025, 6, 1))
    ActivityFactory(branch=branch_b, held_at=at(2026, 1, 1, 0, 0), evidence_complete=False)  # next year
    assert metrics.evidence_completeness(Y2025, today=AFTER_2025) == {a.pk: D("75.0"), b.pk: D("100.0")}


def test_talk_reach(two_units):
    a, b, branch_a, branch_b = two_units
    m = [MemberFactory(branch=branch_a) for _ in range(4)]
    gone = MemberFactory(branch=branch_a, active=False, left_on=dt.date(2025, 12, 1))
    talk = activity_type("heart_talk")
    ActivityFactory(branch=branch_a, activity_type=talk, talker=m[0], talkee=m[1], held_at=at(2025, 3, 1))
    ActivityFactory(branch=branch_a, activity_type=talk, talker=m[0], talkee=m[2], held_at=at(2025, 4, 1))
    ActivityFactory(
        branch=branch_a,
        activity_type=talk,
        talker=m[3],
        talkee=gone,
        held_at=at(2025, 4, 1),
        status=ActivityStatus.DRAFT,
    )
    ActivityFactory(branch=branch_a, activity_type=talk, talker=m[3], talkee=m[0], held_at=at(2024, 4, 1))
    MemberFactory(branch=branch_b)
    MemberFactory(branch=branch_b)
    # A: m0, m1, m2 of the 5 who were members in 2025 (`gone` left in December: still to be reached)
    assert metrics.talk_reach(Y2025, today=AFTER_2025) == {a.pk: D("60.0"), b.pk: D("0.0")}


def test_enterprise_problems(two_units):
    a, b, branch_a, branch_b = two_units
    visit = activity_type("cadres_link_enterprises")
    cadre_a = MemberFactory(branch=branch_a)
    v1 = ActivityFactory(
        branch=branch_a, activity_type=visit, cadre=cadre_a, enterprise_name="甲企业", held_at=at(2025, 5, 1)
    )
    draft = ActivityFactory(
        branch=branch_a, activity_type=visit, cadre=cadre_a, held_at=at(2025, 5, 1), status=ActivityStatus.DRAFT
    )
    v2 = ActivityFactory(branch=branch_b, activity_type=visit, held_at=at(2025, 6, 1))
    old = ActivityFactory(branch=branch_b, activity_type=visit, held_at=at(2024, 6, 1))
    solved = {"solved": True, "solved_on": dt.date(2025, 6, 1)}
    EnterpriseProblem.objects.create(activity=v1, category="financing", description="融资难", **solved)
    EnterpriseProblem.objects.create(activity=v1, category="labour", description="用工难", **solved)
    EnterpriseProblem.objects.create(activity=v1, category="utilities", description="停电")
    EnterpriseProblem.objects.create(activity=draft, category="other", description="草稿中的问题")
    EnterpriseProblem.objects.create(activity=v2, category="logistics", description="物流")
    EnterpriseProblem.objects.create(activity=old, category="logistics", description="去年的", **solved)
    assert metrics.enterprise_problems_raised(Y2025, today=AFTER_2025) == {a.pk: D("3"), b.pk: D("1")}
    assert metrics.enterprise_problems_solved(Y2025, today=AFTER_2025) == {a.pk: D("2"), b.pk: D("0")}


def test_attendance_rate_counts_done_makeups(two_units):
    a, b, branch_a, branch_b = two_units
    lecture = ActivityFactory(branch=branch_a, activity_type=activity_type("party_lecture"), held_at=at(2025, 5, 5))
    rows = [MemberFactory(branch=branch_a) for _ in range(4)]
    Attendance.objects.create(activity=lecture, member=rows[0])
    Attendance.objects.create(activity=lecture, member=rows[1])
    done = Attendance.objects.create(activity=lecture, member=rows[2], present=False, absence_reason="出差")
    still_open = Attendance.objects.create(activity=lecture, member=rows[3], present=False, absence_reason="病假")
    task = MakeupTask.objects.create(attendance=done, member=rows[2], due_on=dt.date(2025, 6, 5))
    MakeupTask.objects.create(attendance=still_open, member=rows[3], due_on=dt.date(2025, 6, 5))
    meeting_b = ActivityFactory(branch=branch_b, held_at=at(2025, 5, 5))
    for _ in range(2):
        Attendance.objects.create(activity=meeting_b, member=MemberFactory(branch=branch_b))
    assert metrics.attendance_rate(Y2025, today=AFTER_2025) == {a.pk: D("50.0"), b.pk: D("100.0")}
    task.done_at = at(2025, 5, 20)
    task.save()
    assert metrics.attendance_rate(Y2025, today=AFTER_2025) == {a.pk: D("75.0"), b.pk: D("100.0")}  # 补学 feeds scoring
    assert metrics.attendance_counts(Attendance.objects.get(pk=done.pk))
    assert not metrics.attendance_counts(Attendance.objects.get(pk=still_open.pk))


# --- query counts -----------------------------------------------------------------------------------------------

# Documented in apps/partylife/metrics.py. The compliance rate: units, their judging start, branches, then the
# engine for branches (rules, overrides, party groups, the grouped counts in one UNION ALL, reasons, memberships and
# talks for 谈心谈话) and for units (rules, overrides, the grouped counts, reasons). The judging start of the units is
# one more query for 主题党日 and the talk reach.
QUERIES = {
    "partylife.attendance_rate": 1,
    "partylife.compliance_rate": 3 + 7 + 4 + 1 + 1,  # + the closed months (关账), + stored years (none here: engine)
    "partylife.enterprise_problems_raised": 1,
    "partylife.enterprise_problems_solved": 1,
    "partylife.evidence_completeness": 1,
    "partylife.talk_reach": 1 + 1,
    "partylife.theme_day_completion": 2 + 1,
}


def _world(n_units):
    """n units, each with two branches, members, a talk, a visit with a problem, a lecture with an absence."""
    for _ in range(n_units):
        unit = UnitFactory()
        for _ in range(2):
            branch = BranchFactory(unit=unit, founded_on=dt.date(2010, 1, 1))
            m1, m2 = MemberFactory(branch=branch), MemberFactory(branch=branch)
            ActivityFactory(
                branch=branch, activity_type=activity_type("heart_talk"), talker=m1, talkee=m2, held_at=at(2025, 3, 3)
            )
            visit = ActivityFactory(
                branch=branch, activity_type=activity_type("cadres_link_enterprises"), cadre=m1, held_at=at(2025, 3, 3)
            )
            EnterpriseProblem.objects.create(activity=visit, category="other", description="问题")
            lecture = ActivityFactory(
                branch=branch, activity_type=activity_type("theme_party_day"), held_at=at(2025, 4, 4)
            )
            absent = Attendance.objects.create(activity=lecture, member=m2, present=False, absence_reason="出差")
            MakeupTask.objects.create(attendance=absent, member=m2, due_on=dt.date(2025, 5, 4), done_at=at(2025, 4, 9))
        ActivityFactory(branch=None, unit=unit, activity_type=activity_type("first_topic"), held_at=at(2025, 2, 2))


@pytest.mark.parametrize("key", KEYS)
def test_query_count_is_pinned_and_does_not_grow_with_units(key, assert_constant_queries):
    metric = registry.get(key)
    results = []
    _world(2)
    assert_constant_queries(
        lambda: results.append(metric.compute(Y2025, today=AFTER_2025)), grow=lambda: _world(6), expected=QUERIES[key]
    )
    assert [len(result) for result in results] == [2, 8]
    assert Member.objects.count() == 32
