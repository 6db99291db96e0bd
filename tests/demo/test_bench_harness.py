"""The pieces of `make bench` (apps/demo/bench) run on a tiny city and the report has every section.

Nothing here measures or asserts a time: `make bench` measures, this keeps its harness working.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.core.periods import Frequency, Period
from apps.demo.bench import compute, explain, files, http, machine, report
from apps.orgs.models import Member, Unit

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="make bench runs on PostgreSQL only")

PASSWORD = "Demo@2026"


@pytest.fixture
def tiny_city(transactional_db):
    call_command("seed_scale", "--preset", "tiny", verbosity=0)


def test_every_piece_runs_and_the_report_has_every_section(tiny_city, live_server, tmp_path):
    today = timezone.localdate()
    year = Period.containing(today, Frequency.YEAR)
    results = report.Results(preset="tiny", runs=1, today=today, machine=machine.describe(), workers=1, per_client=1)
    assert results.machine.rows["党员 members"] == Member.objects.count() > 0

    engine = compute.engine(year, today, runs=1)
    done, cells = compute.engine_counted(year, today)
    assert cells > 0 and done > 0
    # The reference statement counts the records the engine counts (every branch of the tiny city is current).
    assert compute.reference_counted(year, today) == done
    assert engine.code.queries > engine.reference.queries == 1
    # The stored roll-up answers for every unit from the table seed_scale rebuilt: a few queries, no engine.
    stored = compute.stored(year, today, runs=1)
    units = Unit.objects.filter(active=True).count()
    assert stored.note.endswith(f"由存储表作答 {units} 个，交回引擎 0 个") and stored.code.queries <= 4
    month = compute.last_ended_month(today)
    ranking = compute.ranking(month, today, runs=1)
    assert ranking.code.queries > 1 and ranking.ratio > 0
    from apps.scoring.models import RankingRun

    runs_before = RankingRun.objects.count()
    compute.ranking(month, today, runs=1)
    assert RankingRun.objects.count() == runs_before  # each run is rolled back
    results.compute = [engine, stored, ranking]

    pages = [t for t in http.targets("gongwei", "danwei") if t.path in ("/partylife/activities/", "/api/members/")]
    results.latency = http.run_all(live_server.url, pages, password=PASSWORD, clients=(1, 2), runs=1, per_client=1)
    assert len(results.latency) == 2 * len(pages)
    assert all(not lat.errors and lat.p95_ms > 0 for lat in results.latency), [lat.errors for lat in results.latency]
    with pytest.raises(RuntimeError, match="登录失败"):
        http.login(live_server.url, "gongwei", "wrong-password")

    results.export = files.export(user="gongwei", rows=50, runs=1)
    assert results.export[0].rows == 50 and results.export[0].copy_mb > 0
    results.export_versus = files.export_versus(results.export)
    members = Member.objects.count()
    results.roster = files.roster(username="gongwei", rows=20, runs=1)
    assert Member.objects.count() == members  # the import was rolled back

    results.explains = explain.explain_all("gongwei", "danwei", year=today.year, top=1)
    assert all(pq.status == 200 and pq.slowest for pq in results.explains)
    assert "Execution Time" in results.explains[0].slowest[0].plan

    text = report.render(results)
    for title in report.SECTIONS:
        assert title in text
    assert "达标" in text or "未达标" in text
    assert f"{results.export[0].rows:,}" in text
    assert text.rstrip().endswith(report.NOTES.read_text(encoding="utf-8").rstrip())  # the city's analysis
    other = tmp_path / "NOTES-province.md"
    other.write_text("## 省级分析\n\n省级的手写分析。\n", encoding="utf-8")
    text = report.render(results, notes=other)
    assert text.rstrip().endswith("省级的手写分析。") and str(other) in text


def test_percentile_interpolates_between_ranks():
    from apps.demo.bench.timing import percentile

    assert percentile([10, 20, 30, 40, 50], 0.5) == 30
    assert percentile([10, 20], 0.95) == pytest.approx(19.5)
    assert percentile([], 0.95) == 0.0


def test_last_ended_month_is_the_month_before_today():
    assert compute.last_ended_month(dt.date(2026, 3, 1)).key == Period.containing(dt.date(2026, 2, 1), "month").key
