"""Discipline reminders (the notification centre, each sent once): one module per area, run daily."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

REMINDER_AREAS = ("reports", "inspections", "cards")


def send_all(*, today: dt.date, now: dt.datetime) -> int:
    """Every area's reminders for `today`; returns how many notifications were stored."""
    return sum(import_module(f"{__name__}.{area}").send(today=today, now=now) for area in REMINDER_AREAS)
