"""A unit secretary's home: own score and history, one to-do list from every source — never another unit's."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.discipline.models import (
    DutyReport,
    Finding,
    Inspection,
    Rectification,
    RectificationStatus,
    ReportRound,
    ReportStatus,
)
from apps.partylife.models import ActivityStatus
from apps.study.models import UnitStudySnapshot
from tests.dashboards.snapshots import add_result, make_run
from tests.orgs.factories import make_branch_secretary
from tests.partylife.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def rectification(unit, deadline, requirement, status=RectificationStatus.OPEN):
    inspection = Inspection.objects.create(kind="open", title="督查", held_on=dt.date(2026, 1, 5))
    finding = Finding.objects.create(inspection=inspection, unit=unit, description=f"{unit.name}问题")
    return Rectification.objects.create(
        finding=finding, unit=unit, requirement=requirement, required_evidence="报告", deadline=deadline, status=status
    )


def returned_report(unit, title):
    today = timezone.localdate()
    rnd = ReportRound.objects.create(
        kind="half",
        title=title,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 6, 30),
        due_on=today + dt.timedelta(days=10),
        opened_at=timezone.now(),
    )
    return DutyReport.objects.create(round=rnd, unit=unit, status=ReportStatus.RETURNED, review_comment="请补充")


def everything_for(side, tag):
    today = timezone.localdate()
    rectification(side.unit, today - dt.timedelta(days=2), f"{tag}逾期整改")
    rectification(side.unit, today + dt.timedelta(days=20), f"{tag}退回整改", RectificationStatus.RETURNED)
    rectification(side.unit, today + dt.timedelta(days=5), f"{tag}已提交整改", RectificationStatus.SUBMITTED)
    returned_report(side.unit, f"{tag}上半年履责报告")
    ActivityFactory(branch=side.branch, topic=f"{tag}被退回的会", status=ActivityStatus.DRAFT, return_reason="缺签到表")
    UnitStudySnapshot.objects.create(unit=side.unit, year=today.year, as_of=today, members=4, behind=3)


def test_todo_list_has_every_source_most_urgent_first(login, side_a, side_b):
    everything_for(side_a, "甲")
    everything_for(side_b, "乙")
    response = login(side_a.unit_secretary).get(reverse("home"))
    todos = response.context["todos"]
    kinds = {t.kind for t in todos}
    assert kinds == {"rule", "rectification", "report", "record", "study"}
    titles = [t.title for t in todos]
    assert titles[0] == "甲逾期整改" and todos[0].overdue  # overdue first
    assert "甲退回整改" in titles and "甲已提交整改" not in titles  # 已提交 waits for the committee
    assert any("甲上半年履责报告" in t for t in titles) and "甲被退回的会" in " ".join(titles)
    assert any("有 3 名党员学习进度落后" in t for t in titles)
    dated = [t.due for t in todos if t.due and not t.overdue]
    assert dated == sorted(dated)
    assert all(t.due is None for t in todos[len(todos) - 2 :])  # undated last
    body = response.content.decode()
    assert "乙" not in "".join(titles) and "乙逾期整改" not in body and "乙被退回的会" not in body
    assert f"{reverse('study:progress_table')}?unit={side_a.unit.pk}" in body


def test_a_secretary_also_keeping_a_branch_of_another_unit_sees_own_unit_only(login, side_a, side_b):
    everything_for(side_b, "乙")
    run = make_run("2026-Q3", published=True)
    add_result(run, side_a.unit, total="77.77", rank=2)
    add_result(run, side_b.unit, total="66.66", rank=1)
    person = make_branch_secretary(side_a.unit_secretary, side_b.branch)  # a person in two units' work
    body = login(person).get(reverse("home")).content.decode()
    assert 'data-home="unit"' in body and "77.77" in body
    assert "66.66" not in body and "乙逾期整改" not in body and "乙被退回的会" not in body


def test_score_card_and_history(login, side_a, side_b):
    q1, q2 = make_run("2026-Q1", published=True), make_run("2026-Q2", published=True)
    add_result(q1, side_a.unit, total=81, rank=2)
    add_result(q2, side_a.unit, total=85, rank=1, previous_rank=2)
    add_result(q2, side_b.unit, total=60, rank=2)
    q3 = make_run("2026-Q3", provisional=True, evaluated_on=dt.date(2026, 9, 15))
    add_result(q3, side_a.unit, total=83, rank=3, previous_rank=1)
    response = login(side_a.unit_secretary).get(reverse("home"))
    card = response.context["card"]
    assert card.run == q3 and card.run_label == "临时排名"
    body = response.content.decode()
    assert 'data-figure="total">83.00' in body and "第 3 名" in body and 'class="rank-down" data-change="-2"' in body
    assert reverse("scoring:my_score") in body and 'id="unit-history-data"' in body
    points = response.context["history"]["points"]
    assert [(p["period"], p["total"], p["rank"], p["note"]) for p in points] == [
        ("2026Q1", 81.0, 2, "已发布"),
        ("2026Q2", 85.0, 1, "已发布"),
        ("2026Q3", 83.0, 3, "临时排名"),
    ]


def test_without_runs_the_card_says_so(login, side_a):
    body = login(side_a.unit_secretary).get(reverse("home")).content.decode()
    assert "data-score-card-empty" in body and "还没有已发布的季度排名" in body
