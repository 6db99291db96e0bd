"""Times people read are Asia/Shanghai (issue 7 §9): a time printed from Python (a message, a title) is
converted first — the unlock message once printed UTC, 8 hours off. Templates convert by themselves."""

import datetime as dt

import pytest

from apps.core.periods import local_time_label
from apps.orgs.models import LoginEvent

pytestmark = pytest.mark.django_db

UTC_EVENING = dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC)  # 00:30 on 1 April in Shanghai


def test_message_times_are_shanghai_times():
    assert local_time_label(UTC_EVENING) == "2026年4月1日 00:30"


def test_a_login_event_reads_in_shanghai_time():
    event = LoginEvent.objects.create(username="zhang", success=True, at=UTC_EVENING)
    event.refresh_from_db()  # as read back from the database: an aware UTC time
    assert str(event) == "zhang 2026-04-01 00:30 成功"
