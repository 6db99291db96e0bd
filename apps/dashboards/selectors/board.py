"""The committee's board: every figure of the committee home and the 大屏 from one finished run's snapshot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from apps.scoring.models import RankingRun

from .ranking import (
    Heatmap,
    Row,
    category_comparison,
    compliance_heatmap,
    compliance_of,
    excluded_maxima,
    falling_behind,
    featured_run,
    headline,
    look_maxima,
    radar,
    ranking_rows,
    run_label,
    trends,
)

#: How many units the 大屏's heatmap shows (those with the lowest compliance).
BIGSCREEN_HEATMAP_UNITS = 12


@dataclass
class Board:
    run: RankingRun
    label: str
    rows: list[Row]
    headline: dict
    radar: dict
    categories: list[dict]
    trends: dict
    heatmap: Heatmap
    behind: list[dict]

    @property
    def as_of(self) -> dt.datetime | None:
        return self.run.finished_at


def committee_board() -> Board | None:
    """None while no run has finished (the pages then say how to start one). A fixed number of queries."""
    run = featured_run()
    if run is None:
        return None
    rows = ranking_rows(run)
    return Board(
        run=run,
        label=run_label(run),
        rows=rows,
        headline=headline(rows),
        radar=radar(rows, look_maxima(run), excluded_maxima(run)),
        categories=category_comparison(rows),
        trends=trends(),
        heatmap=compliance_heatmap(run.period.year),
        behind=falling_behind(rows, compliance_of(run)),
    )


def _brief(row: Row) -> dict:
    return {
        "name": row.unit_name,
        "rank": row.rank,
        "total": float(row.total) if row.total is not None else None,
        "tier": row.tier,
        "change": row.rank_change,
    }


def bigscreen_payload(board: Board | None) -> dict:
    """What the 大屏 draws (and fetches again every minute), JSON-ready."""
    now = timezone.localtime()
    if board is None:
        return {"ready": False, "now": now.isoformat(), "message": "尚无排名测算，请在“排名测算”中发起"}
    ranked = [r for r in board.rows if r.scored and r.rank is not None]
    as_of = timezone.localtime(board.as_of) if board.as_of else None
    return {
        "ready": True,
        "now": now.isoformat(),
        "as_of": as_of.strftime("%Y-%m-%d %H:%M") if as_of else board.run.evaluated_on.isoformat(),
        "period": board.run.period.label,
        "label": board.label,
        "headline": board.headline,
        "top": [_brief(r) for r in ranked[:10]],
        "bottom": [_brief(r) for r in ranked[-5:][::-1]] if len(ranked) > 10 else [],
        "radar": {"indicators": board.radar["indicators"], "average": board.radar["average"]},
        # The units with the lowest compliance over the year: the big screen shows one screen, not 40 rows.
        "heatmap": board.heatmap.lowest(BIGSCREEN_HEATMAP_UNITS).as_json(),
    }
