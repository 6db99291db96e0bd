"""Read-only numbers for the home pages (首页) and the 大屏, each a fixed number of grouped queries.

- `roster`: roster figures, branches, this month's party-life cells, the member's study and records;
- `ranking`: the committee's ranking figures from stored run snapshots (never the engine);
- `board`: those figures for one run, as the committee home and the 大屏 show them;
- `unit`: a unit secretary's score card, history and to-do list (待办), and a member's upcoming activities.
"""

from .board import Board, bigscreen_payload, committee_board
from .ranking import EMPTY_MESSAGE, TIER_CLASSES
from .roster import (
    branch_members,
    branch_month_status,
    member_open_makeups,
    member_recent_activities,
    member_study_progress,
    own_branches,
    roster_stats,
    study_links,
    tree_counts,
    unit_branches,
    units_overview,
)
from .unit import Todo, member_upcoming, score_card, score_history, unit_todos

__all__ = [
    "EMPTY_MESSAGE",
    "TIER_CLASSES",
    "Board",
    "Todo",
    "bigscreen_payload",
    "branch_members",
    "branch_month_status",
    "committee_board",
    "member_open_makeups",
    "member_recent_activities",
    "member_study_progress",
    "member_upcoming",
    "own_branches",
    "roster_stats",
    "score_card",
    "score_history",
    "study_links",
    "unit_branches",
    "unit_todos",
    "tree_counts",
    "units_overview",
]
