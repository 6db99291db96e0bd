"""Links and navigation of the compliance pages: a cell's, a calendar's and a unit's page, the years and
periods around the one shown (bounded by the platform's data), the months of the 关账 page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from apps.core.periods import Frequency, Period
from apps.orgs.models import Branch, Unit

from ..compliance import Cell

# --- links ------------------------------------------------------------------------------------------------


def cell_url(cell: Cell, subject: Branch | Unit, as_of: dt.date | None = None) -> str:
    """The page of one cell: its records, clause and 未开展原因 (as of the page's evaluation day, if given)."""
    params = {"unit" if isinstance(subject, Unit) else "branch": subject.pk, "rule": cell.rule.pk}
    return f"{reverse('partylife:cell')}?{_with_day(params | {'window': cell.window.key}, as_of)}"


def _with_day(params: dict, as_of: dt.date | None) -> str:
    return urlencode(params | ({"as_of": as_of.isoformat()} if as_of is not None else {}))


def calendar_url(branch: Branch, year: int, as_of: dt.date | None = None) -> str:
    """A branch's year calendar (as of the committee's evaluation day, if given)."""
    return f"{reverse('partylife:calendar')}?{_with_day({'branch': branch.pk, 'year': year}, as_of)}"


def unit_overview_url(unit_id: int, period: Period | int, as_of: dt.date | None = None) -> str:
    """A unit's view of its branches for a period (or a year)."""
    key = period.key if isinstance(period, Period) else period
    return f"{reverse('partylife:unit_overview')}?{_with_day({'unit': unit_id, 'period': key}, as_of)}"


def querystring(params: QueryDict, **changes) -> str:
    """The page's query string with some parameters changed (None drops one)."""
    params = params.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return params.urlencode()


def year_links(params: QueryDict, year: int, years: tuple[int, int], key: str = "year") -> dict:
    """Links to the neighbouring years within `years` (the platform's data: `compliance.year_range`);
    `prev_qs`/`next_qs` are None at either end."""
    first, last = years
    return {
        "prev_qs": querystring(params, **{key: year - 1}) if year > first else None,
        "next_qs": querystring(params, **{key: year + 1}) if year < last else None,
        "prev_year": year - 1,
        "next_year": year + 1,
    }


def period_nav(params: QueryDict, period: Period, years: tuple[int, int]) -> dict:
    """A period <select> for one year (全年, 4 quarters, 12 months) and links to the years around it."""
    y = period.year
    options = [(str(y), f"{y}年全年")]
    options += [(f"{y}-Q{q}", f"{y}年第{q}季度") for q in range(1, 5)]
    options += [(f"{y}-{m:02d}", f"{y}年{m}月") for m in range(1, 13)]
    return {"options": options, "value": period.key, **year_links(params, y, years, "period")}


# --- 关账 ----------------------------------------------------------------------------------------------------


def lock_months(year: int, locks, counts: dict[dt.date, int], today: dt.date) -> list[dict]:
    """The twelve months of the 关账 page: its lock (or None), its record count, past, current or future.

    Only a month that has ended may be closed (`can_close`): the current one is still being logged.
    """
    by_month = {lock.month: lock for lock in locks}
    this_month = today.replace(day=1)
    return [
        {
            "first": first,
            "key": f"{year}-{first.month:02d}",
            "label": f"{year}年{first.month}月",
            "lock": by_month.get(first),
            "is_future": first > this_month,
            "is_current": first == this_month,
            "can_close": first < this_month,
            "count": counts.get(first, 0),
        }
        for first in Period(year, Frequency.YEAR).month_starts()
    ]
