"""How the compliance pages draw the engine's verdicts (组织生活落实情况的展示): `grid` (calendar cells and rows),
`summaries` (several windows summed up, a unit's branches, the committee's unit rows), `navigation`
(links, years and periods, the 关账 months).

Display only: everything here works on what the engine (`compliance`) already computed and runs no query.
"""

from .grid import MONTH_LABELS, GridCell, GridRow, grid_rows, record_notes, todo_cells
from .navigation import (
    calendar_url,
    cell_url,
    lock_months,
    period_nav,
    querystring,
    unit_overview_url,
    year_links,
)
from .summaries import BRANCH_SORTS, STATUS_RANK, Summary, UnitRow, branch_rows, days_left, summarise, unit_rows

__all__ = [
    "BRANCH_SORTS",
    "MONTH_LABELS",
    "STATUS_RANK",
    "GridCell",
    "GridRow",
    "Summary",
    "UnitRow",
    "branch_rows",
    "calendar_url",
    "cell_url",
    "days_left",
    "grid_rows",
    "lock_months",
    "period_nav",
    "querystring",
    "record_notes",
    "summarise",
    "todo_cells",
    "unit_overview_url",
    "unit_rows",
    "year_links",
]
