"""The member's 学习进度 on a phone (390 px): the bar, the legend and the ledger lines fit, nothing scrolls sideways."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.e2e.conftest import login, shot
from tests.orgs.factories import PASSWORD, MemberFactory, UnitFactory, UserFactory
from tests.study.progress_factories import hours, self_study

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_reads_their_progress_on_a_phone(phone_page, live_server):
    today = timezone.localdate()
    member = MemberFactory(branch__unit=UnitFactory(name="市手机局"), name="手机党员")
    member.user = UserFactory(username="phone_member")
    member.save()
    hours([member], "6", day=today, topic="一篇很长很长的专题培训学习主题，用来检查手机上的换行是否正常")
    self_study(member, "1.5", day=today - dt.timedelta(days=1) if today.day > 1 else today)

    login(phone_page, live_server.url, "phone_member", PASSWORD)
    # The home page opens with the progress block.
    block = phone_page.locator("[data-study-progress]")
    assert block.is_visible() and "7.5" in block.locator("[data-total]").inner_text()
    phone_page.click("text=查看学习进度")
    phone_page.wait_for_selector("[data-entries]")
    assert phone_page.locator("[data-segment]").count() == 2
    assert phone_page.locator("[data-legend-item]").count() >= 2
    assert phone_page.locator("[data-entry]").count() == 2
    bar = phone_page.locator(".progress-stacked").bounding_box()
    assert bar["width"] <= 390 and bar["width"] > 250  # the bar spans the phone's width
    shot(phone_page, "study-progress-phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
