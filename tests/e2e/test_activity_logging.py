"""A branch secretary logs a 支委会 on a phone: pick the type, keep the default attendance,
attach a photo, submit, see the record 已提交 with its photo, and see this month's
cell on the branch calendar turn met."""

import re

import pytest
from django.core.management import call_command
from PIL import Image

from apps.core.periods import Frequency, Period
from apps.orgs.access import scope_for
from apps.orgs.models import Member, User
from apps.partylife.models import Activity, ActivityStatus, ComplianceRule
from tests.e2e.conftest import login, shot

DEMO_PASSWORD = "Demo@2026"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    """The demo city's org tree and accounts (the rules are default data); no party-life records: each test
    writes the record it checks, and a month closed is closed by the test itself."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", "--org-only", verbosity=0)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "支委会现场.png"
    Image.new("RGB", (320, 240), (181, 18, 27)).save(path, format="PNG")
    return path


def test_branch_secretary_logs_committee_meeting_on_a_phone(phone_page, live_server, demo, photo):
    page = phone_page
    secretary = User.objects.get(username="zhibu")
    branch = secretary.member.branch
    committee = list(Member.objects.filter(branch=branch, active=True, is_branch_committee=True))
    assert len(committee) >= 3

    login(page, live_server.url, "zhibu", DEMO_PASSWORD)
    rule = ComplianceRule.objects.get(activity_type__code="branch_committee_meeting")
    month = Period.current(Frequency.MONTH).key
    chip = f'[data-strip-rule="{rule.pk}"] [data-chip-window="{month}"]'
    page.goto(f"{live_server.url}/partylife/calendar/")
    assert page.locator(chip).get_attribute("data-chip-status") != "met"

    page.goto(f"{live_server.url}/partylife/activities/new/")
    page.click("a[data-type=branch_committee_meeting]")
    page.wait_for_selector("#activity-form")

    # Defaults: the branch is chosen, every 支部委员 is ticked present, the time is set.
    assert page.locator("select[name=branch]").input_value() == str(branch.pk)
    assert page.locator("input[name=held_at]").input_value()
    boxes = page.locator("[data-att-row]:not([hidden]) [data-att-present-box]")
    assert boxes.count() == len(committee)
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    # Unticking someone asks for a reason; 全部出席 puts everyone back.
    first_reason = page.locator("[data-att-row]:not([hidden]) [data-att-reason]").first
    boxes.first.uncheck()
    assert first_reason.is_visible()
    assert page.locator("[data-att-present]").inner_text() == str(len(committee) - 1)
    page.click("[data-att-all]")
    assert not first_reason.is_visible()
    assert page.locator("[data-att-present]").inner_text() == str(len(committee))

    page.fill("input[name=topic]", "研究本月发展党员工作")
    page.fill("textarea[name=minutes]", "一、通报上月工作；二、研究发展党员；三、部署主题党日。")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("button[name=action][value=submit]")
    page.wait_for_url(re.compile(r".*/partylife/activities/\d+/$"))

    status = page.locator("[data-status]").inner_text()
    assert "已提交" in status and "需补充" not in status
    assert "记录已提交，材料齐全" in page.inner_text("main")
    page.wait_for_function(
        "() => { const i = document.querySelector('#evidence img'); return i && i.complete && i.naturalWidth > 0; }"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "activity-logged-phone")

    record = Activity.objects.get(pk=int(re.search(r"/activities/(\d+)/$", page.url)[1]))
    assert record.topic == "研究本月发展党员工作" and record.created_by == secretary
    assert record.status == ActivityStatus.SUBMITTED and record.evidence_complete
    assert record.branch == branch and record.attendances.filter(present=True).count() == len(committee)
    assert record.evidence.get().original_name == "支委会现场.png"

    # Back on the calendar, this month's 支委会 cell is met, and it opens the new record.
    page.goto(f"{live_server.url}/partylife/calendar/")
    assert page.locator(chip).get_attribute("data-chip-status") == "met"
    shot(page, "calendar-after-logging-phone")
    page.click(chip)
    page.wait_for_selector("#cellModalContent >> text=研究本月发展党员工作")
    page.wait_for_function("() => getComputedStyle(document.querySelector('.modal.show')).opacity === '1'")
    shot(page, "calendar-cell-phone", full_page=False)  # the modal is fixed to the viewport


def test_unit_secretary_picks_a_branch_and_the_roster_follows(page, live_server, demo):
    """Choosing the 支部 swaps in that branch's attendance list (htmx), keeping what was typed."""
    secretary = User.objects.get(username="danwei")
    unit = scope_for(secretary).managed_units().get()
    branches = list(unit.branches.current().order_by("order", "id")[:2])
    assert len(branches) == 2

    login(page, live_server.url, "danwei", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/partylife/activities/new/branch_general_meeting/")
    assert page.locator("select[name=branch]").input_value() == ""
    assert "请先选择支部" in page.inner_text("#attendance-block")
    page.fill("input[name=topic]", "学习党章")

    for branch in branches:
        members = list(Member.objects.filter(branch=branch, active=True).order_by("name"))
        with page.expect_response(lambda r: "branch=" in r.url and r.request.headers.get("hx-request") == "true"):
            page.select_option("select[name=branch]", str(branch.pk))
        page.wait_for_function(
            "n => document.querySelectorAll('#attendance-block [data-att-row]:not([hidden])').length === n",
            arg=len(members),
        )
        rows = page.locator("#attendance-block [data-att-row]:not([hidden])")
        assert {rows.nth(i).get_attribute("data-att-row") for i in range(rows.count())} == {str(m.pk) for m in members}
        assert page.locator("[data-att-total]").inner_text() == str(len(members))
        assert page.locator("input[name=topic]").input_value() == "学习党章"  # typed text stays
    assert page.outside_requests == []
    shot(page, "activity-form-branch-chosen")


def test_the_form_says_a_month_is_closed_and_a_refused_submit_keeps_the_photo(page, live_server, demo, photo):
    """Changing the date swaps in that day's notice (htmx); a refused submit lists the chosen photo as
    已选择，提交后保存, and the corrected submit saves it without choosing it again."""
    import datetime as dt

    from django.utils import timezone

    from apps.partylife.models import PeriodLock

    closed = (timezone.localdate().replace(day=1) - dt.timedelta(days=40)).replace(day=1)
    PeriodLock.objects.get_or_create(month=closed)
    login(page, live_server.url, "zhibu", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/partylife/activities/new/party_lecture/")
    assert page.locator("[data-month-closed]").count() == 0

    def set_day(value):
        with page.expect_response(lambda r: "held_at=" in r.url and r.request.headers.get("hx-request") == "true"):
            page.fill("input[name=held_at]", value)
            page.dispatch_event("input[name=held_at]", "change")

    set_day(f"{closed.replace(day=15).isoformat()}T09:00")
    page.wait_for_selector("[data-month-closed]")
    assert f"{closed.year}年{closed.month}月已关账" in page.inner_text("#month-notice")
    shot(page, "activity-form-closed-month", full_page=False)
    set_day(f"{(timezone.localdate() - dt.timedelta(days=2)).isoformat()}T09:00")
    page.wait_for_function("() => !document.querySelector('[data-month-closed]')")

    page.set_input_files("input[name=photos]", str(photo))
    page.locator("input[name=topic]").evaluate("el => el.removeAttribute('required')")  # let the server refuse
    page.click("button[name=action][value=submit]")
    page.wait_for_selector("[data-staged]")
    assert "支委会现场.png" in page.inner_text("[data-staged]") and "主题" in page.inner_text("#form-errors")
    shot(page, "activity-form-kept-photo")
    page.fill("input[name=topic]", "学习党章")
    page.fill("textarea[name=minutes]", "讲稿要点")
    page.click("button[name=action][value=submit]")
    page.wait_for_url(re.compile(r".*/partylife/activities/\d+/$"))
    record = Activity.objects.get(pk=int(re.search(r"/activities/(\d+)/$", page.url)[1]))
    assert record.evidence.get().original_name == "支委会现场.png" and record.evidence_complete
    assert page.outside_requests == []
