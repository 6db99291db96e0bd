"""Discipline reminders · reports."""

from __future__ import annotations

import datetime as dt


def send(*, today: dt.date, now: dt.datetime) -> int:
    return 0
