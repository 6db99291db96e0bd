"""The records behind a unit's study metrics: they agree with the value, stay in the unit, respect the day."""

import datetime as dt
from decimal import Decimal

import pytest

from apps.core import metrics
from apps.core.metrics import percent
from apps.core.periods import Frequency, Period
from apps.study.models import KnowledgeStudy
from tests.orgs.factories import MemberFactory
from tests.study.exams_factories import aware, exam
from tests.study.progress_factories import hours, item
from tests.study.test_exams_metrics import Q2, city, took  # noqa: F401  (the exam fixture)

pytestmark = pytest.mark.django_db
YEAR = Period(2025, Frequency.YEAR)


def share(records, note_part):
    return percent(sum(note_part in r.note for r in records), len(records))


# --- hours ---------------------------------------------------------------------------------------------------


def test_hours_records_agree_with_the_value(side_a, side_b):
    a0, a1, a2 = side_a.members
    hours([a0, a1], "32", day=dt.date(2025, 3, 1))
    hours([a2], "8", day=dt.date(2025, 3, 1))
    hours([side_b.member], "32", day=dt.date(2025, 5, 1))
    metric = metrics.get("study.hours_completion")
    today = dt.date(2025, 12, 31)
    records = metric.records(YEAR, side_a.unit.pk, today=today)
    assert len(records) == 4
    assert share(records, "已达标") == metric.compute(YEAR, today=today)[side_a.unit.pk] == Decimal("50.0")
    assert [r.note.endswith("（未达标）") for r in records] == [True, True, False, False]  # the ones below first
    assert not any("B" in r.label for r in records)
    assert records[-1].url.startswith("/study/progress/table/?unit=")
    # As of 1 February nothing was learnt yet: every total is 0.
    early = metric.records(YEAR, side_a.unit.pk, today=dt.date(2025, 2, 1))
    assert {r.note.split(" / ")[0] for r in early} == {"0"}


def test_hours_records_query_count_is_constant(side_a, assert_constant_queries):
    metric = metrics.get("study.hours_completion")
    hours(side_a.members, "4", day=dt.date(2025, 3, 1))

    def grow():
        hours([MemberFactory(branch=side_a.branch) for _ in range(5)], "40", day=dt.date(2025, 4, 1))

    out = []
    run = lambda: out.append(metric.records(YEAR, side_a.unit.pk, today=dt.date(2025, 12, 31)))  # noqa: E731
    assert_constant_queries(run, grow=grow, expected=8)
    assert [len(r) for r in out] == [4, 9]


# --- 应知应会 ------------------------------------------------------------------------------------------------


def test_knowledge_records_agree_with_the_value(side_a, side_b, django_assert_num_queries):
    items = [item(), item(), item()]
    a0, a1, _ = side_a.members
    for member, marked in ((a0, items), (a1, items[:1]), (side_b.member, items)):
        for it in marked:
            KnowledgeStudy.objects.create(member=member, item=it)
    KnowledgeStudy.objects.update(studied_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    metric = metrics.get("study.knowledge_completion")
    q3, today = Period.parse("2026-Q3"), dt.date(2026, 11, 30)
    with django_assert_num_queries(2):
        records = metric.records(q3, side_a.unit.pk, today=today)
    assert [r.note for r in records] == ["已学 0 / 3 条", "已学 0 / 3 条", "已学 1 / 3 条", "已学 3 / 3 条"]
    done = sum(int(r.note.split()[1]) for r in records)
    assert percent(done, len(records) * 3) == metric.compute(q3, today=today)[side_a.unit.pk]
    assert all("B" not in r.label for r in records)
    KnowledgeStudy.objects.filter(member=a0).update(studied_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert "已学 3 / 3 条" not in {r.note for r in metric.records(q3, side_a.unit.pk, today=today)}
    for _ in range(6):
        MemberFactory(branch=side_a.branch)
    with django_assert_num_queries(2):
        assert len(metric.records(q3, side_a.unit.pk, today=today)) == 10


# --- exams ---------------------------------------------------------------------------------------------------


def test_exam_records_agree_with_the_values(city, side_a, side_b):  # noqa: F811
    today = dt.date(2026, 6, 30)
    part, passing = metrics.get("study.exam_participation"), metrics.get("study.exam_pass_rate")
    for side in (side_a, side_b):
        records = part.records(Q2, side.unit.pk, today=today)
        taken = [r for r in records if r.note.startswith("已参考")]
        assert percent(len(taken), len(records)) == part.compute(Q2, today=today)[side.unit.pk]
        assert records[0].note == "未参考" and all("/results/" in r.url for r in records)
        passed = passing.records(Q2, side.unit.pk, today=today)
        assert len(passed) == len(taken)
        assert (
            percent(sum(r.note == "及格" for r in passed), len(passed))
            == passing.compute(Q2, today=today)[side.unit.pk]
        )
        other = side_b if side is side_a else side_a
        assert not any(f"（{other.branch.name}）" in r.label for r in records)
    # 31 May: the June exam is not closed yet, and is not listed.
    early = part.records(Q2, side_a.unit.pk, today=dt.date(2026, 5, 31))
    assert len(early) == 4 and {r.label.split(" · ")[0] for r in early} == {city[0].title}


def test_exam_records_query_count_is_constant(city, side_a, assert_constant_queries):  # noqa: F811
    metric = metrics.get("study.exam_participation")
    out = []
    run = lambda: out.append(metric.records(Q2, side_a.unit.pk, today=dt.date(2026, 6, 30)))  # noqa: E731

    def grow():
        for _ in range(4):
            took(city[1], MemberFactory(branch=side_a.branch), passed=True)
        exam(now=aware(2026, 6, 2, 12), opens=0, closes=24)

    assert_constant_queries(run, grow=grow, expected=5)
    assert len(out[1]) > len(out[0])
