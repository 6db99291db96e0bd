"""Fixtures of the org tests: a clock set to a moment in Asia/Shanghai."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shanghai_clock(monkeypatch):
    """Set the clock every service reads (`timezone.now`, hence `localdate`) to a Shanghai wall time.

    `shanghai_clock("2026-03-01 00:30")` is 2026-02-28 16:30 UTC: the day edges where a UTC date
    would be yesterday's.
    """

    def set_to(wall_time: str) -> dt.datetime:
        moment = dt.datetime.fromisoformat(wall_time).replace(tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(dt.UTC))
        return moment

    return set_to
