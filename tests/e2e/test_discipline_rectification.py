"""Issue 9's 'done when' for 整改: the committee records an inspection with a finding through the pages, unit
A's secretary sees what is owed and by when and submits evidence (a file upload), the committee accepts it and
the finding shows closed (已销号); unit B's secretary sees nothing of it."""

import datetime as dt

import pytest
from django.utils import timezone
from PIL import Image

from apps.discipline.models import Finding, Rectification, RectificationStatus
from tests.e2e.conftest import login, shot
from tests.orgs.factories import PASSWORD, UserFactory, make_committee

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "整改现场.png"
    Image.new("RGB", (320, 240), (181, 18, 27)).save(path, format="PNG")
    return path


def test_an_inspection_finding_is_rectified_and_closed(page, live_server, side_a, side_b, photo):
    committee = make_committee(UserFactory(username="gongwei"))
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())  # submit and 销号 ask first
    today = timezone.localdate()
    deadline = today + dt.timedelta(days=5)

    # the committee: an inspection, then a finding that opens the unit's rectification
    login(page, base, committee.username, PASSWORD)
    page.goto(f"{base}/discipline/inspections/new/")
    page.select_option("select[name=kind]", "unannounced")
    page.fill("input[name=title]", "节前纪律作风明察暗访")
    page.fill("input[name=held_on]", today.isoformat())
    page.fill("input[name=inspectors]", "工委督查组")
    page.click("button[type=submit].btn-portal")
    page.wait_for_selector("text=还没有登记问题")
    page.click("a:has-text('登记问题')")
    page.select_option("select[name=unit]", str(side_a.unit.pk))
    page.fill("textarea[name=description]", "办事窗口上班时间无人值守")
    page.fill("textarea[name=requirement]", "落实首问负责和AB岗制度")
    page.fill("input[name=deadline]", deadline.isoformat())
    page.click("button[name=action][value=save]")
    page.wait_for_selector("[data-finding]")
    finding = Finding.objects.get()
    assert "待整改" in page.inner_text(f"[data-finding='{finding.pk}']")
    rect = Rectification.objects.get()
    assert rect.unit == side_a.unit and rect.deadline == deadline
    page.context.clear_cookies()

    # unit A's secretary: what is owed and by when, then the submission with a photo
    login(page, base, side_a.unit_secretary.username, PASSWORD)
    page.goto(f"{base}/discipline/rectifications/")
    assert page.inner_text("[data-owed=to_submit]") == "1" and page.inner_text("[data-owed=due_soon]") == "1"
    row = page.locator(f"[data-rect='{rect.pk}']")
    assert "还剩 5 天" in row.inner_text() and deadline.isoformat() in row.inner_text()
    row.locator("a").first.click()
    page.fill("textarea[name=measures]", "已建立AB岗制度，窗口全天有人值守。")
    page.set_input_files("input[name=files]", str(photo))
    page.click("#submit button[type=submit]")
    page.wait_for_selector("[data-status=submitted]")
    assert page.locator("[data-file]").count() == 1
    shot(page, "discipline-rectification-submitted")
    page.context.clear_cookies()

    # unit B's secretary sees nothing of it
    login(page, base, side_b.unit_secretary.username, PASSWORD)
    page.goto(f"{base}/discipline/rectifications/")
    assert "办事窗口上班时间无人值守" not in page.content()
    response = page.goto(f"{base}/discipline/rectifications/{rect.pk}/")
    assert response.status == 404
    page.context.clear_cookies()

    # the committee accepts; the finding shows closed
    login(page, base, committee.username, PASSWORD)
    page.goto(f"{base}/discipline/rectifications/{rect.pk}/")
    page.click("#review button:has-text('销号')")
    page.wait_for_selector("[data-status=accepted]")
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.ACCEPTED and rect.accepted_on == today
    page.goto(f"{base}/discipline/inspections/{finding.inspection_id}/")
    closed = page.inner_text(f"[data-finding='{finding.pk}']")
    assert "已销号" in closed and "问题已关闭" in closed
    shot(page, "discipline-inspection-closed")
    assert page.outside_requests == []
