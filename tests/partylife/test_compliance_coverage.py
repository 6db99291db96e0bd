"""谈心谈话 judged by coverage (第十九条, issue 7 §3), and “also counts as” judged by the other type's evidence (§4).

Coverage: committee members with each other, committee members with members, members with each other, each at
least once a year; the people are the branch's members during the year (memberships); only complete talks count,
in the verdict and in the talk-reach metric alike; the committee sets the share (default everyone).
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.periods import Period
from apps.partylife import metrics
from apps.partylife.compliance import Status, evaluate_branches
from apps.partylife.models import ActivityStatus, Attendance, Evidence, RuleOverride
from tests.orgs.factories import BranchFactory, MemberFactory, UnitFactory
from tests.partylife.factories import ActivityFactory, activity_type, at, rule_for

pytestmark = pytest.mark.django_db

Y2025 = Period.parse("2025")
AFTER_2025 = dt.date(2026, 1, 10)


def talk_cell(branch, period="2025", today=AFTER_2025):
    result = evaluate_branches([branch], Period.parse(period), today=today)[branch.pk]
    (cell,) = [c for c in result.cells if c.rule.pk == rule_for("heart_talk").pk]
    return cell


def reach(cell):
    return [(line.label, line.reached, line.total, line.missing) for line in cell.reach]


def talk(branch, a, b, held_at=None, **kwargs):
    return ActivityFactory(
        branch=branch,
        activity_type=activity_type("heart_talk"),
        talker=a,
        talkee=b,
        held_at=held_at or at(2025, 6, 1),
        **kwargs,
    )


@pytest.fixture
def branch():
    return BranchFactory(founded_on=dt.date(2010, 1, 1), name="预算处党支部")


@pytest.fixture
def people(branch):
    committee = [MemberFactory(branch=branch, is_branch_committee=True, name=f"委员{i}") for i in range(3)]
    members = [MemberFactory(branch=branch, name=f"党员{i}") for i in range(4)]
    return committee, members


@pytest.fixture
def almost(branch, people):
    """Every kind of pair covered but one member never talked with by a committee member."""
    (c0, c1, c2), (m0, m1, m2, m3) = people
    for a, b in ((c0, c1), (c1, c2), (c0, m0), (c0, m1), (c1, m2), (m0, m1), (m2, m3)):
        talk(branch, a, b)
    return people


# --- coverage -----------------------------------------------------------------------------------------------------


def test_each_kind_of_pair_must_reach_everyone_it_concerns(branch, almost):
    cell = talk_cell(branch)
    assert cell.status == Status.WARNING and cell.count == 7
    assert reach(cell) == [
        ("支部委员之间", 3, 3, ()),
        ("支部委员与党员之间", 3, 4, ("党员3",)),
        ("党员之间", 4, 4, ()),
    ]
    assert "支部委员与党员之间：3 / 4 名党员已谈（未谈：党员3）" in cell.note
    (c0, c1, c2), (*_, m3) = almost
    talk(branch, c2, m3)
    assert talk_cell(branch).status == Status.MET


def test_one_talk_a_year_is_no_longer_enough(branch, people):
    (c0, *_), (m0, *_) = people
    talk(branch, c0, m0)
    cell = talk_cell(branch)
    assert cell.count == 1 and cell.status == Status.WARNING  # the old rule (≥ 1 a year) would say 已完成
    assert [line.reached for line in cell.reach] == [0, 1, 0]


def test_the_committee_sets_the_required_coverage_per_rule_and_per_unit(branch, almost):
    rule = rule_for("heart_talk")
    assert rule.coverage == 100
    rule.coverage = 75
    rule.save()
    assert talk_cell(branch).status == Status.MET  # 3 of 4 is 75 %
    other = BranchFactory(unit=UnitFactory(), founded_on=dt.date(2010, 1, 1))
    RuleOverride.objects.create(
        rule=rule, unit=branch.unit, frequency="year", min_count=1, strength="soft", coverage=100
    )
    assert talk_cell(branch).status == Status.WARNING and talk_cell(branch).rule.requirement == "每年三类谈话各覆盖100%"
    assert talk_cell(other).rule.coverage == 75


def test_only_complete_talks_count_in_the_verdict_and_in_talk_reach(branch, people):
    (c0, c1, _), (m0, m1, m2, m3) = people
    for a, b in ((c0, c1), (c0, m0), (c0, m1), (m0, m1)):
        talk(branch, a, b)
    talk(branch, c1, m2, evidence_complete=False)  # 需补充
    talk(branch, c1, m3, status=ActivityStatus.DRAFT)
    cell = talk_cell(branch)
    assert cell.count == 4 and cell.incomplete == 1
    assert ("支部委员与党员之间", 2, 4, ("党员2", "党员3")) in reach(cell)
    # talk_reach: c0, c1, m0, m1 of the branch's seven people in 2025.
    assert metrics.talk_reach(Y2025, today=AFTER_2025) == {branch.unit_id: Decimal("57.1")}


def test_the_people_are_the_branchs_members_during_the_year(branch, committee_user):
    c0 = MemberFactory(branch=branch, is_branch_committee=True, name="书记")
    MemberFactory(
        branch=branch, name="早已离开", active=False, left_on=dt.date(2024, 12, 31), birth_date=dt.date(1980, 1, 1)
    )
    late = MemberFactory(branch=branch, name="九月转入", membership=dt.date(2025, 9, 1))
    gone = MemberFactory(branch=branch, name="年中离开", active=False, left_on=dt.date(2025, 7, 1))
    talk(branch, c0, late)
    cell = talk_cell(branch)
    assert ("支部委员与党员之间", 1, 2, ("年中离开",)) in reach(cell)
    assert gone.pk and "早已离开" not in cell.note


def test_talks_at_the_year_edge_in_shanghai(branch, people):
    (c0, c1, c2), members = people
    talk(branch, c0, c1, held_at=at(2025, 12, 31, 23, 59))
    talk(branch, c1, c2, held_at=at(2026, 1, 1, 0, 0))
    talk(branch, c0, c2, held_at=dt.datetime(2024, 12, 31, 16, 0, tzinfo=dt.UTC))  # 2025-01-01 00:00 in Shanghai
    cell = talk_cell(branch)
    assert reach(cell)[0] == ("支部委员之间", 3, 3, ())
    assert talk_cell(branch, "2026", today=dt.date(2026, 1, 2)).reach[0].reached == 2


def test_a_branch_without_members_has_nothing_to_cover():
    empty = BranchFactory(founded_on=dt.date(2010, 1, 1))
    cell = talk_cell(empty)
    assert cell.status == Status.NA and "没有党员" in cell.note


def test_no_committee_member_registered_is_said(branch):
    a, b = MemberFactory(branch=branch), MemberFactory(branch=branch)
    talk(branch, a, b)
    cell = talk_cell(branch)
    assert cell.status == Status.WARNING and "本支部未登记支部委员" in cell.note
    assert [line.label for line in cell.reach] == ["支部委员与党员之间", "党员之间"]


def test_the_cell_page_shows_the_coverage_and_who_is_missing(login, side_a):
    secretary = MemberFactory(branch=side_a.branch, is_branch_committee=True, name="支部书记")
    talk(side_a.branch, secretary, side_a.members[0])
    params = {"branch": side_a.branch.pk, "rule": rule_for("heart_talk").pk, "window": "2025"}
    html = login(side_a.branch_secretary).get(reverse("partylife:cell"), params).content.decode()
    assert "谈话覆盖情况" in html and "1 / 3 名党员已谈" in html
    line = re.search(r'data-reach-line="支部委员与党员之间">(.*?)</li>', html, re.S).group(1)
    assert "未谈：A党员1、A党员2" in line


# --- the committee edits the coverage ---------------------------------------------------------------------------------


def test_the_rule_page_edits_the_coverage_of_heart_talks_only(login, committee_user, side_a):
    client = login(committee_user)
    rule = rule_for("heart_talk")
    data = {
        "name": rule.name,
        "frequency": rule.frequency,
        "min_count": rule.min_count,
        "strength": rule.strength,
        "source": rule.source,
        "source_text": rule.source_text,
        "remind_days_before": rule.remind_days_before,
        "active": "on",
    }
    bad = client.post(reverse("partylife:rule_edit", args=[rule.pk]), data | {"coverage": 101})
    assert bad.status_code == 200 and bad.context["form"].errors["coverage"]
    assert client.post(reverse("partylife:rule_edit", args=[rule.pk]), data | {"coverage": 80}).status_code == 302
    rule.refresh_from_db()
    assert rule.coverage == 80
    other = rule_for("party_lecture")
    assert "coverage" not in client.get(reverse("partylife:rule_edit", args=[other.pk])).context["form"].fields
    override = {"unit": side_a.unit.pk, "frequency": "year", "min_count": 1, "strength": "soft", "applies": "on"}
    posted = client.post(reverse("partylife:override_edit", args=[rule.pk]), override | {"coverage": 60})
    assert posted.status_code == 302 and RuleOverride.objects.get().coverage == 60


# --- “also counts as” meets the other type's requirements ------------------------------------------------------------


def _evidence(record, kind):
    return Evidence.objects.create(
        activity=record, kind=kind, file="evidence/x.png", original_name="x.png", content_type="image/png", size=1
    )


@pytest.fixture
def general_meeting(branch, people):
    """A 党员大会 (minutes, attendance: complete) that also counts as the year's 组织生活会 (which needs a photo)."""
    record = ActivityFactory(
        branch=branch, activity_type=activity_type("branch_general_meeting"), held_at=at(2025, 11, 20)
    )
    record.also_counts_as.add(activity_type("org_life_meeting"))
    Attendance.objects.create(activity=record, member=people[1][0])
    return record


def org_life(branch):
    result = evaluate_branches([branch], Y2025, today=AFTER_2025)[branch.pk]
    return next(c for c in result.cells if c.rule.pk == rule_for("org_life_meeting").pk)


def test_a_record_counts_as_another_type_only_with_that_types_evidence(branch, general_meeting):
    q4 = evaluate_branches([branch], Period.parse("2025-Q4"), today=AFTER_2025)[branch.pk]
    general = next(c for c in q4.cells if c.rule.pk == rule_for("branch_general_meeting").pk)
    assert general.status == Status.MET  # it counts as what it is
    cell = org_life(branch)
    assert (cell.status, cell.count, cell.incomplete) == (Status.FAILURE, 0, 1)  # no photo: no 组织生活会
    _evidence(general_meeting, "photo")
    cell = org_life(branch)
    assert (cell.status, cell.count, cell.incomplete) == (Status.MET, 1, 0)


@pytest.mark.parametrize(
    ("evidence", "minutes", "counts"),
    [
        ([], "", False),  # the 组织生活会 needs minutes
        ([], "   ", False),  # blank minutes are none
        (["minutes"], "", True),  # a scan of the minutes will do
        ([], "记录", True),
    ],
)
def test_minutes_of_the_other_type(branch, general_meeting, evidence, minutes, counts):
    _evidence(general_meeting, "photo")
    for kind in evidence:
        _evidence(general_meeting, kind)
    general_meeting.minutes = minutes
    general_meeting.save()
    assert (org_life(branch).status == Status.MET) is counts


def test_without_attendance_it_is_no_democratic_appraisal(branch):
    record = ActivityFactory(branch=branch, activity_type=activity_type("org_life_meeting"), held_at=at(2025, 11, 2))
    record.also_counts_as.add(activity_type("democratic_appraisal"))
    result = evaluate_branches([branch], Y2025, today=AFTER_2025)[branch.pk]
    appraisal = next(c for c in result.cells if c.rule.pk == rule_for("democratic_appraisal").pk)
    assert (appraisal.status, appraisal.incomplete) == (Status.WARNING, 1)


def test_the_cell_says_why_such_a_record_does_not_count(login, side_a):
    record = ActivityFactory(
        branch=side_a.branch, activity_type=activity_type("branch_general_meeting"), held_at=at(2025, 11, 20)
    )
    record.also_counts_as.add(activity_type("org_life_meeting"))
    Attendance.objects.create(activity=record, member=side_a.members[0])
    params = {"branch": side_a.branch.pk, "rule": rule_for("org_life_meeting").pk, "window": "2025"}
    client = login(side_a.branch_secretary)
    html = client.get(reverse("partylife:cell"), params).content.decode()
    assert "缺现场照片：不计为组织生活会" in html and "不计入" in html
    _evidence(record, "photo")
    html = client.get(reverse("partylife:cell"), params).content.decode()
    assert "不计为组织生活会" not in html and "已计入" in html
