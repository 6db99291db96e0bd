"""Runs are snapshots: idempotent, all-or-nothing, frozen, locked per period, judged as of the period's end,
not before the platform's start, with a query count that does not grow with the city; publication and who sees
what."""

import dataclasses
import datetime as dt
import math
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.models import Notification
from apps.core.periods import Period
from apps.discipline.models import Card
from apps.orgs.access import scope_for
from apps.orgs.models import Platform
from apps.scoring import permissions
from apps.scoring.models import (
    Frozen,
    Indicator,
    IndicatorResult,
    IndicatorSystem,
    ManualScore,
    RankingRun,
    RunStatus,
    UnitResult,
)
from apps.scoring.services import runs as service
from apps.scoring.services.runs import STALE_AFTER, nightly_runs, reap_stale, run_execute, run_publish, run_request
from tests.orgs.factories import UnitFactory, UserFactory, make_committee, make_unit_secretary

Q1 = Period.parse("2026-Q1")
AFTER = dt.date(2026, 5, 1)


@pytest.fixture
def city(db):
    """Three units; a 2026 system of one manual indicator and the card deduction (a metric)."""
    Platform.objects.update_or_create(pk=1, defaults={"start_on": dt.date(2025, 10, 1)})
    system = IndicatorSystem.objects.create(year=2026, version=99, name="测试体系")
    manual = Indicator.objects.create(
        system=system, look="demands", code="m", name="人工", method="manual", max_points=100
    )
    Indicator.objects.create(
        system=system,
        look="political",
        code="cards",
        name="黄红牌扣分",
        method="deduction",
        max_points=15,
        metric_key="discipline.card_deduction",
    )
    units = [UnitFactory() for _ in range(3)]
    for u, points in zip(units, (90, 80, 70), strict=True):
        ManualScore.objects.create(indicator=manual, unit=u, period_kind="quarter", period_key="2026-Q1", points=points)
    return {"system": system, "manual": manual, "units": units}


def run_now(period=Q1, today=AFTER) -> RankingRun:
    run = run_request(period=period, today=today, enqueue=False)
    return run_execute(run_id=run.pk)


def rows(run):
    return list(
        UnitResult.objects.filter(run=run)
        .order_by("unit_id")
        .values_list("unit_id", "total", "rank", "tier", "political", "demands", "deduction")
    )


# --- idempotence and digests ----------


def test_two_runs_on_the_same_data_give_the_same_digest_and_rows(city):
    first, second = run_now(), run_now()
    assert first.pk != second.pk and first.status == second.status == RunStatus.DONE
    assert first.digest == second.digest and rows(first) == rows(second)
    lines = [
        list(
            IndicatorResult.objects.filter(unit_result__run=r)
            .order_by("unit_result__unit_id", "indicator_id")
            .values_list("indicator_id", "value", "points", "status", "inputs")
        )
        for r in (first, second)
    ]
    assert lines[0] == lines[1]


def test_a_change_of_data_changes_the_digest(city):
    first = run_now()
    ManualScore.objects.filter(unit=city["units"][2]).update(points=75)
    second = run_now()
    assert second.digest != first.digest and rows(second) != rows(first)


def test_a_record_made_after_the_period_end_does_not_change_a_rerun_of_it(city):
    first = run_now()
    Card.objects.create(
        unit=city["units"][0], colour="yellow", reason="逾期", issued_on=dt.date(2026, 4, 10), deduction=3
    )
    again = run_now()  # evaluated on 31 March: the April card is not in force then
    assert again.evaluated_on == Q1.end and again.digest == first.digest and rows(again) == rows(first)
    # ... while the quarter it falls in sees it
    q2 = run_now(Period.parse("2026-Q2"), today=dt.date(2026, 7, 2))
    assert UnitResult.objects.get(run=q2, unit=city["units"][0]).deduction == D(3)


# --- all or nothing, frozen ----------


def test_a_failure_in_the_middle_of_storing_leaves_no_row(city, monkeypatch):
    written = []

    def unit_rows_then_boom(objs, *args, **kwargs):
        written.append(UnitResult.objects.count())  # the unit rows are in by now …
        raise RuntimeError("磁盘已满")  # … and the indicator lines fail

    monkeypatch.setattr(IndicatorResult.objects, "bulk_create", unit_rows_then_boom)
    run = run_now()
    assert written == [3]
    assert run.status == RunStatus.FAILED and "RuntimeError: 磁盘已满" in run.error and run.finished_at
    assert not UnitResult.objects.filter(run=run).exists() and not IndicatorResult.objects.exists()
    assert run.digest == "" and run.unit_count == 0


def test_a_metric_that_fails_fails_the_run_with_its_error(city, monkeypatch):
    def boom(period, *, today):
        raise ValueError("数据源不可用")

    from apps.core import metrics

    key = "discipline.card_deduction"
    monkeypatch.setitem(metrics._REGISTRY, key, dataclasses.replace(metrics.get(key), fn=boom))
    run = run_now()
    assert run.status == RunStatus.FAILED and "数据源不可用" in run.error
    assert not UnitResult.objects.filter(run=run).exists()


def test_result_rows_refuse_to_change(city):
    run = run_now()
    row = UnitResult.objects.filter(run=run).first()
    row.total = D(100)
    with pytest.raises(Frozen):
        row.save()
    line = IndicatorResult.objects.filter(unit_result=row).first()
    line.points = D(1)
    with pytest.raises(Frozen):
        line.save()
    assert UnitResult.objects.get(pk=row.pk).total != D(100)


# --- the lock, the beat, stale runs ----------


def test_a_second_request_while_one_is_queued_or_running_gets_the_same_run(city):
    first = run_request(period=Q1, today=AFTER, enqueue=False)
    assert run_request(period=Q1, today=AFTER, enqueue=False).pk == first.pk
    RankingRun.objects.filter(pk=first.pk).update(status=RunStatus.RUNNING, heartbeat_at=timezone.now())
    assert run_request(period=Q1, today=AFTER, enqueue=False).pk == first.pk
    assert run_execute(run_id=first.pk) is None  # a worker has it: another one leaves it alone
    assert RankingRun.objects.count() == 1


def test_a_duplicate_beat_tick_makes_no_second_run(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = nightly_runs(today=dt.date(2026, 4, 1))  # the day after Q1: March, Q1 final; 2026 provisional
    assert {r.period_key for r in made} == {"2026-03", "2026-Q1", "2026"}
    assert set(RankingRun.objects.values_list("status", flat=True)) == {RunStatus.DONE}
    with django_capture_on_commit_callbacks(execute=True):
        again = nightly_runs(today=dt.date(2026, 4, 1))
    assert [r.pk for r in again] == [r.pk for r in made] and RankingRun.objects.count() == 3
    q1 = RankingRun.objects.get(period_key="2026-Q1")
    assert (q1.evaluated_on, q1.provisional) == (Q1.end, False)
    assert RankingRun.objects.get(period_key="2026").provisional


def test_a_stale_running_run_is_reaped_and_a_new_request_runs(city):
    stale = run_request(period=Q1, today=AFTER, enqueue=False)
    old = timezone.now() - STALE_AFTER - dt.timedelta(minutes=1)
    RankingRun.objects.filter(pk=stale.pk).update(status=RunStatus.RUNNING, heartbeat_at=old)
    fresh = run_request(period=Q1, today=AFTER, enqueue=False)  # reaps the stale one, then queues
    stale.refresh_from_db()
    assert fresh.pk != stale.pk and stale.status == RunStatus.FAILED and "中断" in stale.error
    assert reap_stale() == 0


def test_a_redelivered_task_takes_over_a_run_nobody_beats_for(city):
    run = run_request(period=Q1, today=AFTER, enqueue=False)
    RankingRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now() - STALE_AFTER - dt.timedelta(seconds=5)
    )
    run = run_execute(run_id=run.pk)
    assert run.status == RunStatus.DONE and UnitResult.objects.filter(run=run).count() == 3


# --- the platform's start ----------


def test_a_period_before_the_platform_start_is_not_scored(city):
    with pytest.raises(ValidationError) as error:
        run_request(period=Period.parse("2025-Q3"), today=AFTER, enqueue=False)
    assert "平台启用日期" in str(error.value) and not RankingRun.objects.exists()
    with pytest.raises(ValidationError, match="尚未开始"):
        run_request(period=Period.parse("2026-Q3"), today=AFTER, enqueue=False)


def test_a_unit_that_joins_after_the_period_is_listed_not_scored(city):
    late = UnitFactory(joined_on=dt.date(2026, 4, 1))
    run = run_now()
    row = UnitResult.objects.get(run=run, unit=late)
    assert not row.scored and (row.total, row.rank, row.tier) == (None, None, "") and "起评价" in row.not_scored_reason
    assert run.unit_count == 3


# --- queries ----------


#: The reads and writes of a run of the default system (every registered metric), whatever the number of units.
RUN_QUERIES = 48  # + the stored verdicts' years (none stored here: the compliance metric asks the engine)


def test_the_query_count_of_a_run_does_not_grow_with_the_units(db):
    """The default system of the year (every registered metric) on 3 units, then on 30: the same reads (pinned);
    the inserts are one per batch the database allows (PostgreSQL: one; SQLite: 999 parameters a statement)."""
    Platform.objects.update_or_create(pk=1, defaults={"start_on": dt.date(2025, 10, 1)})

    def count():
        run = run_request(period=Q1, today=AFTER, enqueue=False)
        with CaptureQueriesContext(connection) as ctx:
            run = run_execute(run_id=run.pk)
        assert run.status == RunStatus.DONE, run.error
        sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
        inserts = [q for q in sql if q.startswith('INSERT INTO "scoring_indicatorresult"')]
        return len(sql) - len(inserts), len(inserts), run

    UnitFactory.create_batch(3)
    small_reads, small_inserts, small = count()
    UnitFactory.create_batch(27)
    large_reads, large_inserts, large = count()
    assert (small.unit_count, large.unit_count) == (3, 30)
    assert small_reads == large_reads == RUN_QUERIES
    lines = IndicatorResult.objects.filter(unit_result__run=large).count()
    fields = ["unit_result", "indicator", "value", "points", "status", "inputs"]
    batch = connection.ops.bulk_batch_size(fields, [None] * lines)
    assert small_inserts == 1 and large_inserts == math.ceil(lines / batch)


SHARED = (
    ("study.exam_participation", "study.exam_pass_rate"),  # the same (member, exam) pairs
    ("partylife.enterprise_problems_raised", "partylife.enterprise_problems_solved"),  # the same visits
    ("discipline.card_deduction", "discipline.cards_in_force"),  # the same cards
)


@pytest.mark.parametrize("pair", SHARED, ids="+".join)
def test_metrics_that_share_a_query_compute_it_once_in_a_run(db, pair):
    """In a run's metric pass (`core.metrics.shared_queries`, which `ranking.inputs.gather` opens) the second
    metric of a pair reads nothing: it takes the query the first ran. Outside a run each reads its own, and
    both give the same values either way."""
    from apps.core import metrics

    Platform.objects.update_or_create(pk=1, defaults={"start_on": dt.date(2025, 10, 1)})
    UnitFactory.create_batch(3)
    first, second = (metrics.get(key) for key in pair)

    def compute():
        with CaptureQueriesContext(connection) as one:
            a = first.compute(Q1, today=AFTER)
        with CaptureQueriesContext(connection) as two:
            b = second.compute(Q1, today=AFTER)
        return (a, b), len(one.captured_queries), len(two.captured_queries)

    apart, one_alone, two_alone = compute()
    with metrics.shared_queries():
        together, one_shared, two_shared = compute()
    assert together == apart
    assert one_shared == one_alone >= 1 and two_alone >= 1 and two_shared == 0


# --- publication ----------


@pytest.fixture
def committee(db):
    return make_committee(UserFactory(username="gongwei_test"))


def test_only_finished_final_runs_are_published_by_the_committee(city, committee):
    provisional = run_now(period=Period.parse("2026-Q2"), today=dt.date(2026, 5, 1))
    assert provisional.provisional
    with pytest.raises(ValidationError, match="临时排名不能发布"):
        run_publish(actor=committee, run=provisional)
    queued = run_request(period=Q1, today=AFTER, enqueue=False)
    with pytest.raises(ValidationError, match="已完成"):
        run_publish(actor=committee, run=queued)
    done = run_execute(run_id=queued.pk)
    secretary = make_unit_secretary(UserFactory(), city["units"][0])
    with pytest.raises(PermissionDenied):
        run_publish(actor=secretary, run=done)
    assert not RankingRun.objects.exclude(published_at=None).exists()


def test_publishing_replaces_the_period_published_run_and_tells_each_secretary_once(city, committee):
    secretaries = [make_unit_secretary(UserFactory(), u) for u in city["units"]]
    first, second = run_now(), run_now()
    run_publish(actor=committee, run=first)
    assert first.is_published and first.published_by == committee
    run_publish(actor=committee, run=first)  # again: nothing changes, nothing is sent twice
    run_publish(actor=committee, run=second)
    first.refresh_from_db()
    assert not first.is_published and second.is_published
    run_publish(actor=committee, run=first)  # back to the first: its notice went out already
    notices = Notification.objects.filter(category="scoring")
    assert notices.count() == 2 * len(secretaries)  # one per secretary per run
    assert set(notices.values_list("user_id", flat=True)) == {s.pk for s in secretaries}
    assert notices.filter(dedupe_key=f"scoring-published-{first.pk}").count() == len(secretaries)
    # a previous published run of the same kind gives the next quarter its changes
    q2 = run_now(Period.parse("2026-Q2"), today=dt.date(2026, 7, 2))
    assert UnitResult.objects.get(run=q2, unit=city["units"][0]).previous_rank == 1


def test_a_published_year_final_freezes_the_year_system(city, committee):
    year = run_now(Period.parse("2026"), today=dt.date(2027, 1, 2))
    assert not year.provisional and not city["system"].frozen
    run_publish(actor=committee, run=year)
    city["system"].refresh_from_db()
    assert city["system"].frozen
    quarter = run_now()
    run_publish(actor=committee, run=quarter)  # a quarter's publication freezes nothing more
    assert IndicatorSystem.objects.exclude(frozen_at=None).count() == 1


# --- who sees what ----------


def test_visibility_by_role(city, committee, side_a, side_b):
    draft = run_now()
    published = run_now()
    run_publish(actor=committee, run=published)
    published.refresh_from_db()
    boss, secretary, member = scope_for(committee), scope_for(side_a.unit_secretary), scope_for(side_a.member_user)
    assert permissions.can_manage(boss) and not permissions.can_manage(secretary)
    assert not permissions.can_manage(member)
    assert permissions.can_see_run(boss, draft) and permissions.can_see_run(boss, published)
    assert not permissions.can_see_run(secretary, draft) and permissions.can_see_run(secretary, published)
    assert permissions.can_see_run(member, published) and not permissions.can_see_run(member, draft)
    assert permissions.can_see_breakdown(boss, draft, side_b.unit.pk)
    assert permissions.can_see_breakdown(secretary, draft, side_a.unit.pk)  # their own, even in a draft
    assert not permissions.can_see_breakdown(secretary, published, side_b.unit.pk)
    assert not permissions.can_see_breakdown(scope_for(side_b.unit_secretary), published, side_a.unit.pk)
    assert not permissions.can_see_breakdown(member, published, side_b.unit.pk)


def test_stale_after_is_what_the_service_uses():
    assert service.STALE_AFTER == STALE_AFTER >= dt.timedelta(minutes=1)
