"""A unit secretary logs a 中心组学习 on a phone with its 领学人, 计入学时 and 研讨发言: rows are added and
removed in the page, a new day keeps what was typed (htmx), and the record shows them after the submit."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.partylife.models import Activity
from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Speeches-2026!"


def test_unit_secretary_logs_speeches_on_a_phone(phone_page, live_server, side_a):
    page, (lead, first, second) = phone_page, side_a.members
    lead.is_leading_cadre = True
    lead.save()
    side_a.unit_secretary.set_password(PASSWORD)
    side_a.unit_secretary.save()
    login(page, live_server.url, side_a.unit_secretary.username, PASSWORD)

    page.goto(f"{live_server.url}/partylife/activities/new/center_group_study/")
    page.wait_for_selector("#speeches-block")
    assert page.get_attribute("input[name=study_hours]", "placeholder") == "默认 3.0"
    page.fill("input[name=topic]", "专题学习全会精神")
    page.fill("textarea[name=minutes]", "中心组成员交流研讨")
    page.select_option("select[name=lead_by]", str(lead.pk))
    page.fill("input[name=study_hours]", "2.5")
    page.select_option("select[name=speeches-0-speaker]", str(first.pk))
    page.fill("textarea[name=speeches-0-summary]", "结合分管工作谈体会")
    page.click("[data-speech-add]")
    page.select_option("select[name=speeches-1-speaker]", str(second.pk))
    page.fill("textarea[name=speeches-1-summary]", "查找学习上的差距")
    page.click("[data-speech-add]")
    page.fill("textarea[name=speeches-2-summary]", "这一条不要了")
    page.locator("[data-speech-remove]").nth(2).click()
    assert page.locator("[data-speech-row]").count() == 2

    # Another day fetches that day's roster (htmx) and keeps the speeches typed so far.
    day = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    page.eval_on_selector("#speeches-block", "el => el.setAttribute('data-old', '')")
    with page.expect_response(lambda r: "held_at=" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("input[name=held_at]", f"{day}T09:00")
        page.dispatch_event("input[name=held_at]", "change")
    page.wait_for_selector("#speeches-block:not([data-old])")  # swapped in anew
    assert page.locator("textarea[name=speeches-1-summary]").input_value() == "查找学习上的差距"
    assert page.locator("select[name=speeches-0-speaker]").input_value() == str(first.pk)
    shot(page, "center-group-study-speeches-form")

    page.click("button[name=action][value=submit]")
    page.wait_for_url("**/partylife/activities/*/")
    record = Activity.objects.get()
    assert record.lead_by == lead and str(record.study_hours) == "2.5"
    assert [(s.speaker, s.summary) for s in record.speeches.all()] == [
        (first, "结合分管工作谈体会"),
        (second, "查找学习上的差距"),
    ]
    text = page.inner_text("#speeches")
    assert "结合分管工作谈体会" in text and "查找学习上的差距" in text
    assert "2.5 学时" in page.inner_text("[data-study-hours]")
    shot(page, "center-group-study-speeches-detail")
