"""Progress roll-ups (stored): the committee overview reads UnitStudySnapshot rows written here."""

from __future__ import annotations

import datetime as dt


def refresh_snapshots(*, year: int, today: dt.date) -> int:
    """Recompute every unit's UnitStudySnapshot for the year as of `today`; returns the number of units."""
    return 0
