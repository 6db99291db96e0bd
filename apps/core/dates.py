"""Bounded dates (日期范围): every date and time a user enters is checked against a plausible range.

One place decides the ranges, and the same validators run in forms, the API (model
field validators reach DRF serializers) and imports (services call `full_clean`):

- a record (an activity, a make-up, a decision): from `PORTAL_EARLIEST_RECORD_DATE`
  to one year after today — a record dated year 1 or 9999 is refused, never stored;
- a birth date: no earlier than 1900, no later than today;
- a date in a party career (joining, leaving): no earlier than 1921-07-01, no later than today.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from .periods import day_label, local_date

PARTY_FOUNDED = dt.date(1921, 7, 1)
EARLIEST_BIRTH = dt.date(1900, 1, 1)
FUTURE_DAYS = 366


def record_bounds(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """(first, last) day a record may be dated."""
    today = today or timezone.localdate()
    return settings.PORTAL_EARLIEST_RECORD_DATE, today + dt.timedelta(days=FUTURE_DAYS)


def validate_record_date(value) -> None:
    """A record's date or time: within `record_bounds()`."""
    if value is None:
        return
    first, last = record_bounds()
    if not first <= local_date(value) <= last:
        raise ValidationError(
            f"日期须在 {day_label(first)} 至 {day_label(last)} 之间。",
            code="date_out_of_range",
            params={"value": value},
        )


def validate_birth_date(value) -> None:
    if value is None:
        return
    if not EARLIEST_BIRTH <= value <= timezone.localdate():
        raise ValidationError(
            f"出生日期须在 {day_label(EARLIEST_BIRTH)} 至今天之间。", code="date_out_of_range", params={"value": value}
        )


def validate_party_date(value) -> None:
    """A date in a member's party career (入党、离册): not before 1921-07-01, not after today."""
    if value is None:
        return
    if not PARTY_FOUNDED <= value <= timezone.localdate():
        raise ValidationError(
            f"日期须在 {day_label(PARTY_FOUNDED)} 至今天之间。", code="date_out_of_range", params={"value": value}
        )
