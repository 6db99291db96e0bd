"""The records behind a unit's party-life metrics: they agree with the value, stay in the unit, respect the day."""

import datetime as dt

import pytest

from apps.core import metrics as registry
from apps.core.metrics import percent
from apps.partylife.models import ActivityStatus, Attendance, ComplianceRule, EnterpriseProblem, MakeupTask
from tests.orgs.factories import BranchFactory, MemberFactory
from tests.partylife.factories import ActivityFactory, activity_type, at
from tests.partylife.test_metrics import AFTER_2025, Y2025, _world, two_units  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def share(records, *notes):
    return percent(sum(r.note.startswith(notes) for r in records), len(records))


def check(key, unit, value_of, period=Y2025, today=AFTER_2025):
    """The unit's records and the metric's value (None when the unit has none)."""
    metric = registry.get(key)
    return metric.records(period, unit.pk, today=today), metric.compute(period, today=today).get(value_of.pk)


def test_compliance_records(two_units):  # noqa: F811
    a, b, branch_a, branch_b = two_units
    ComplianceRule.objects.exclude(activity_type__code__in=["branch_committee_meeting", "center_group_study"]).update(
        active=False
    )
    for month in range(1, 7):
        ActivityFactory(branch=branch_a, held_at=at(2025, month, 5))
    center = activity_type("center_group_study")
    for month in (1, 2, 3):
        ActivityFactory(branch=None, unit=a, activity_type=center, held_at=at(2025, month, 20))
    ActivityFactory(branch=branch_b, held_at=at(2025, 12, 31, 23, 59))
    records, value = check("partylife.compliance_rate", a, a)
    assert len(records) == 24 and share(records, "已完成") == value
    assert not records[0].note.startswith("已完成") and records[-1].note == "已完成"  # failures first
    assert all(r.url.startswith("/partylife/cell/?") and "as_of=2026-03-01" in r.url for r in records)
    assert not any(branch_b.name in r.label for r in records)
    early, value = check("partylife.compliance_rate", a, a, today=dt.date(2025, 2, 10))
    # As of 10 February 2025: January is decided, and February only where it was already met.
    assert share(early, "已完成") == value
    months = [r.label.split(" · ")[-1] for r in early]
    assert set(months) == {"2025年1月", "2025年2月"} and months.count("2025年2月") == 1  # the branch met on 5 February


def test_theme_day_records(two_units):  # noqa: F811
    a, b, branch_a, branch_b = two_units
    theme = activity_type("theme_party_day")
    for month in (1, 2, 3):
        ActivityFactory(branch=branch_a, activity_type=theme, held_at=at(2025, month, 10))
    ActivityFactory(branch=branch_b, activity_type=theme, held_at=at(2025, 5, 10))
    records, value = check("partylife.theme_day_completion", a, a)
    assert len(records) == 12 and share(records, "已开展") == value
    assert records[0].note == "未开展" and records[-1].url.startswith("/partylife/activities/")
    assert not any(branch_b.name in r.label for r in records)
    early, value = check("partylife.theme_day_completion", a, a, today=dt.date(2025, 2, 20))
    assert [r.note for r in early] == ["已开展", "已开展"] and value == 100  # March not held yet by then


def test_evidence_records(two_units):  # noqa: F811
    a, b, branch_a, branch_b = two_units
    for complete in (True, True, True, False):
        ActivityFactory(branch=branch_a, held_at=at(2025, 5, 5), evidence_complete=complete)
    ActivityFactory(branch=branch_a, held_at=at(2025, 5, 5), status=ActivityStatus.DRAFT)
    ActivityFactory(branch=branch_b, held_at=at(2025, 6, 1))
    ActivityFactory(branch=branch_a, held_at=at(2026, 3, 2))  # after the evaluation day
    records, value = check(
        "partylife.evidence_completeness",
        a,
        a,
    )
    assert len(records) == 4 and share(records, "材料齐全") == value
    assert records[0].note.startswith("需补充") and all(r.day == dt.date(2025, 5, 5) for r in records)


def test_talk_records(two_units):  # noqa: F811
    a, b, branch_a, branch_b = two_units
    m = [MemberFactory(branch=branch_a, name=f"甲{i}") for i in range(4)]
    talk = activity_type("heart_talk")
    ActivityFactory(branch=branch_a, activity_type=talk, talker=m[0], talkee=m[1], held_at=at(2025, 3, 1))
    ActivityFactory(branch=branch_a, activity_type=talk, talker=m[2], talkee=m[3], held_at=at(2026, 3, 5))  # later
    MemberFactory(branch=branch_b, name="乙0")
    records, value = check("partylife.talk_reach", a, a)
    assert len(records) == 4 and share(records, "已谈") == value == 50
    assert [r.note for r in records][:2] == ["未谈", "未谈"] and records[-1].url.startswith("/partylife/activities/")
    assert not any("乙" in r.label for r in records)


def test_problem_records(two_units):  # noqa: F811
    a, b, branch_a, branch_b = two_units
    visit = activity_type("cadres_link_enterprises")
    v1 = ActivityFactory(branch=branch_a, activity_type=visit, enterprise_name="甲企业", held_at=at(2025, 5, 1))
    v2 = ActivityFactory(branch=branch_b, activity_type=visit, held_at=at(2025, 6, 1))
    EnterpriseProblem.objects.create(activity=v1, category="financing", description="融资难")
    EnterpriseProblem.objects.create(
        activity=v1, category="labour", description="用工难", solved=True, solved_on=dt.date(2025, 6, 1)
    )
    EnterpriseProblem.objects.create(  # solved after the evaluation day
        activity=v1, category="other", description="停电", solved=True, solved_on=dt.date(2026, 3, 2)
    )
    EnterpriseProblem.objects.create(activity=v2, category="logistics", description="物流")
    raised, value = check("partylife.enterprise_problems_raised", a, a)
    assert len(raised) == value == 3 and all("甲企业" in r.label for r in raised)
    solved, value = check("partylife.enterprise_problems_solved", a, a)
    assert sum(r.note.startswith("已解决") for r in solved) == value == 1 and solved[0].note.startswith("已解决")
    assert "评价日后解决（2026-03-02）" in {r.note for r in solved}


def test_attendance_records(two_units):  # noqa: F811
    a, b, branch_a, branch_b = two_units
    lecture = ActivityFactory(branch=branch_a, activity_type=activity_type("party_lecture"), held_at=at(2025, 5, 5))
    rows = [MemberFactory(branch=branch_a) for _ in range(4)]
    Attendance.objects.create(activity=lecture, member=rows[0])
    Attendance.objects.create(activity=lecture, member=rows[1])
    done = Attendance.objects.create(activity=lecture, member=rows[2], present=False, absence_reason="出差")
    late = Attendance.objects.create(activity=lecture, member=rows[3], present=False, absence_reason="病假")
    MakeupTask.objects.create(attendance=done, member=rows[2], due_on=dt.date(2025, 6, 5), done_at=at(2025, 5, 20))
    MakeupTask.objects.create(attendance=late, member=rows[3], due_on=dt.date(2025, 6, 5), done_at=at(2026, 3, 2))
    meeting_b = ActivityFactory(branch=branch_b, held_at=at(2025, 5, 5))
    Attendance.objects.create(activity=meeting_b, member=MemberFactory(branch=branch_b), present=False)
    records, value = check("partylife.attendance_rate", a, a)
    assert len(records) == 4 and value == 75
    assert records[0].note == "缺席（病假），补学未完成，不计入"
    assert percent(sum("不计入" not in r.note for r in records), 4) == value


# Each list for one unit: a fixed number of queries, whatever its rows (`_world` adds units, branches, records).
QUERIES = {
    "partylife.attendance_rate": 1,
    "partylife.compliance_rate": 3 + 7 + 4 + 2,  # + the closed months (关账), branches and units
    "partylife.enterprise_problems_raised": 1,
    "partylife.enterprise_problems_solved": 1,
    "partylife.evidence_completeness": 3,
    "partylife.talk_reach": 3,
    "partylife.theme_day_completion": 3,
}


@pytest.mark.parametrize("key", sorted(QUERIES))
def test_records_query_count_does_not_grow(key, two_units, assert_constant_queries):  # noqa: F811
    a, _, branch_a, _ = two_units
    metric = registry.get(key)
    out = []

    def grow():
        _world(1)
        BranchFactory(unit=a, founded_on=dt.date(2010, 1, 1))
        m1, m2 = MemberFactory(branch=branch_a), MemberFactory(branch=branch_a)
        talk = activity_type("heart_talk")
        ActivityFactory(branch=branch_a, activity_type=talk, talker=m1, talkee=m2, held_at=at(2025, 3, 3))
        visit = ActivityFactory(
            branch=branch_a, activity_type=activity_type("cadres_link_enterprises"), held_at=at(2025, 3, 3)
        )
        EnterpriseProblem.objects.create(activity=visit, category="other", description="问题")
        day = ActivityFactory(branch=branch_a, activity_type=activity_type("theme_party_day"), held_at=at(2025, 4, 4))
        Attendance.objects.create(activity=day, member=m2, present=False)

    ActivityFactory(branch=branch_a, activity_type=activity_type("theme_party_day"), held_at=at(2025, 2, 4))
    MemberFactory(branch=branch_a)
    assert_constant_queries(
        lambda: out.append(metric.records(Y2025, a.pk, today=AFTER_2025)), grow=grow, expected=QUERIES[key]
    )
    assert len(out[1]) > len(out[0])
