"""Periods (月/季/年) and their boundaries in Asia/Shanghai.

A Period is a half-open span of local days [start, end]; `bounds()` gives the aware
datetimes [start 00:00, day after end 00:00) so that a record at 23:59 on 31 March
falls in Q1 and one at 00:00 on 1 April in Q2, whatever the server's UTC offset.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone


class Frequency(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年"


_MONTHS = {Frequency.MONTH: 1, Frequency.QUARTER: 3, Frequency.YEAR: 12}
_PARSE = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{1,2})))?$")


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True, order=True)
class Period:
    """One month, quarter or year. `index` is the month (1–12), quarter (1–4) or 1 for a year."""

    year: int
    kind: str
    index: int = 1

    # --- construction --------------------------------------------------------------
    @classmethod
    def containing(cls, day: dt.date, kind: str) -> Period:
        if kind == Frequency.MONTH:
            return cls(day.year, kind, day.month)
        if kind == Frequency.QUARTER:
            return cls(day.year, kind, (day.month - 1) // 3 + 1)
        return cls(day.year, Frequency.YEAR, 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read '2026', '2026-Q3' or '2026-03'; raise ValueError (with a Chinese message) otherwise."""
        m = _PARSE.match((text or "").strip())
        if not m:
            raise ValueError("期间格式应为 2026、2026-Q3 或 2026-03。")
        year = int(m[1])
        if not 2000 <= year <= 2100:
            raise ValueError("年份超出范围。")
        if m[2]:
            return cls(year, Frequency.QUARTER, int(m[2]))
        if m[3]:
            month = int(m[3])
            if not 1 <= month <= 12:
                raise ValueError("月份应在 1 到 12 之间。")
            return cls(year, Frequency.MONTH, month)
        return cls(year, Frequency.YEAR, 1)

    @classmethod
    def current(cls, kind: str = Frequency.YEAR) -> Period:
        return cls.containing(timezone.localdate(), kind)

    # --- days -------------------------------------------------------------------------
    @property
    def months(self) -> int:
        return _MONTHS[self.kind]

    @property
    def first_month(self) -> int:
        return (self.index - 1) * self.months + 1 if self.kind != Frequency.MONTH else self.index

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        """The last day (inclusive)."""
        return self.next_start - dt.timedelta(days=1)

    @property
    def next_start(self) -> dt.date:
        month = self.first_month + self.months
        return dt.date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def midpoint(self) -> dt.date:
        return self.start + (self.next_start - self.start) / 2

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes [start, next_start) at local midnight."""
        tz = local_tz()
        return (
            dt.datetime.combine(self.start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(self.next_start, dt.time.min, tzinfo=tz),
        )

    def month_starts(self) -> list[dt.date]:
        """The first day of each month in the period."""
        return [dt.date(self.year, m, 1) for m in range(self.first_month, self.first_month + self.months)]

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    # --- structure -----------------------------------------------------------------------
    def windows(self, frequency: str) -> list[Period]:
        """The `frequency` periods that cover this one (a year has 12 months; a month lies in one quarter)."""
        if _MONTHS[frequency] >= self.months:
            return [Period.containing(self.start, frequency)]
        step = _MONTHS[frequency]
        return [
            Period.containing(dt.date(self.year, month, 1), frequency)
            for month in range(self.first_month, self.first_month + self.months, step)
        ]

    @property
    def key(self) -> str:
        if self.kind == Frequency.MONTH:
            return f"{self.year}-{self.index:02d}"
        if self.kind == Frequency.QUARTER:
            return f"{self.year}-Q{self.index}"
        return str(self.year)

    @property
    def label(self) -> str:
        if self.kind == Frequency.MONTH:
            return f"{self.year}年{self.index}月"
        if self.kind == Frequency.QUARTER:
            return f"{self.year}年第{self.index}季度"
        return f"{self.year}年"

    @property
    def short_label(self) -> str:
        if self.kind == Frequency.MONTH:
            return f"{self.index}月"
        if self.kind == Frequency.QUARTER:
            return f"第{self.index}季度"
        return "全年"

    def __str__(self) -> str:
        return self.label


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (or earlier); 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def day_label(day: dt.date) -> str:
    """A day as messages write it: 2026年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def local_time_label(value: dt.datetime) -> str:
    """An aware time as people here read it: Asia/Shanghai, 2026年3月5日 09:30."""
    local = value.astimezone(local_tz())
    return f"{day_label(local.date())} {local:%H:%M}"


def local_date(value: dt.datetime | dt.date) -> dt.date:
    """The Asia/Shanghai calendar day of a datetime (a naive one is taken as local; a date is itself).

    Also reads what a database's TruncMonth returns (an aware datetime, or a date on SQLite).
    """
    if isinstance(value, dt.datetime):
        return value.astimezone(local_tz()).date() if timezone.is_aware(value) else value.date()
    return value


# --- closed months (关账) ------------------------------------------------------------------------------
#
# Party life closes months (PeriodLock); a backdated change to the tree (a transfer, a member leaving, a branch
# or party group founded or ended) on a day in or before a closed month would change that month's verdicts.
# Apps below party life (orgs) ask here, party life registers the answer in its `ready()`.

ClosedMonths = Callable[[dt.date], list[dt.date]]
_closed_checks: list[ClosedMonths] = []


def register_closed_check(check: ClosedMonths) -> ClosedMonths:
    """Register `check(day)`: the closed months (their first days, ascending) from `day`'s month on."""
    if check not in _closed_checks:
        _closed_checks.append(check)
    return check


def closed_months(since: dt.date) -> list[dt.date]:
    """Every closed month from `since`'s month on (first days, ascending): one query per registered check."""
    return sorted({month for check in _closed_checks for month in check(since)})


def closed_change_message(day: dt.date, month: dt.date) -> str:
    """Why a change dated `day` is refused: `month` (on or after it) is closed."""
    label = f"{month.year}年{month.month}月"
    if (month.year, month.month) == (day.year, day.month):
        return f"该日期所在月份（{label}）已关账，不能补录；如确需调整，请联系工委解锁"
    return f"{label}已关账，{day_label(day)}起的变动会改变该月的评判，不能补录；如确需调整，请联系工委解锁"


def require_open_since(day: dt.date | None, *, field: str | None = None) -> None:
    """Refuse (ValidationError, on `field` if given) a change dated `day` when a month from `day`'s on is closed.

    The change would rewrite the verdicts of that month: who had to attend, whom 谈心谈话 had to reach,
    which branches and party groups were judged. Once the committee reopens the month (its unlock,
    kept in PeriodLock's history), the change is accepted.
    """
    if day is None:
        return
    months = closed_months(day)
    if months:
        from django.core.exceptions import ValidationError

        message = closed_change_message(day, months[0])
        raise ValidationError({field: message} if field else message)
