"""Issue 10's 'done when' for rankings: the committee starts a run for a past period in the browser, watches it
reach 已完成, publishes it through the confirmation; unit A's secretary finds their rank in 排名, opens their total →
the breakdown → an auto indicator's line → the records behind it (a link to the record)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.discipline.models import DutyReport, ReportRound
from apps.orgs.models import Platform
from apps.scoring.models import RankingRun, UnitResult
from apps.scoring.selectors.runs import default_period
from tests.e2e.conftest import login, shot
from tests.orgs.factories import PASSWORD, UserFactory, make_committee

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_run_is_started_published_and_explained_down_to_the_records(page, live_server, side_a, side_b):
    committee = make_committee(UserFactory(username="gongwei"))
    Platform.objects.update_or_create(pk=1, defaults={"start_on": dt.date(2025, 1, 1)})
    period = default_period(today=timezone.localdate())
    due = period.start + dt.timedelta(days=20)
    round_ = ReportRound.objects.create(
        kind="half", title="履责报告（测试轮次）", starts_on=period.start, ends_on=due, due_on=due,
        opened_at=timezone.now() - dt.timedelta(days=400),
    )  # fmt: skip
    submitted = dt.datetime.combine(due - dt.timedelta(days=2), dt.time(10), tzinfo=timezone.get_current_timezone())
    DutyReport.objects.create(round=round_, unit=side_a.unit, status="submitted", first_submitted_at=submitted)
    DutyReport.objects.create(round=round_, unit=side_b.unit)
    base = live_server.url

    # the committee starts the run for the last ended quarter and publishes it
    login(page, base, committee.username, PASSWORD)
    page.goto(f"{base}/scoring/runs/")
    page.select_option("select[name=period_kind]", "quarter")
    page.select_option("select[name=period]", period.key)
    page.click("[data-start-run]")
    page.wait_for_selector("[data-run-status=done]")
    page.wait_for_selector("[data-ranking]")
    run = RankingRun.objects.get(period_key=period.key)
    assert "已完成" in page.inner_text("#run-status")
    page.click("[data-publish]")
    page.wait_for_selector("text=确认发布")
    page.click("[data-confirm]")
    page.wait_for_selector("[data-published]")
    run.refresh_from_db()
    assert run.is_published
    page.context.clear_cookies()

    # unit A's secretary: their rank, then total → breakdown → an auto line → its records
    login(page, base, side_a.unit_secretary.username, PASSWORD)
    page.goto(f"{base}/scoring/rankings/")
    own = UnitResult.objects.get(run=run, unit=side_a.unit)
    row = page.locator("[data-own]")
    assert side_a.unit.name in row.inner_text() and str(own.rank) in row.inner_text()
    shot(page, "scoring-rankings-unit")
    row.locator("[data-total]").click()
    page.wait_for_selector("[data-summary]")
    page.click("a:has-text('履责报告按时报送')")
    page.wait_for_selector("[data-records]")
    assert "履责报告按时报送率" in page.inner_text("[data-metric]")
    links = page.locator("[data-record-link]")
    assert links.count() >= 1 and "履责报告（测试轮次）" in links.first.inner_text()
    shot(page, "scoring-line-records")
    assert page.outside_requests == []
