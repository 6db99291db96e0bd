"""Party-life demo records (演示数据·组织生活), the party-life step of `manage.py seed_demo`.

Every branch gets its 三会一课, 主题党日, 党小组会, 谈心谈话 and practice activities
from the platform's start (the previous year's fourth quarter) up to yesterday, within
its own life: a branch merged mid-year stops the day before and its members carry on in
the successor, a dissolved party group stops meeting, a unit that joined later starts
then, and each record's attendance lists the members of its branch on its day (so a
member who moved branch attends the old branch's meetings, then the new one's). Every
unit gets its 中心组学习 and 第一议题. Most branches are compliant; a fixed fifth of them
skip months, a few records lack a photo (需补充) or are still drafts, and
absentees of 党课/主题党日/党员大会 owe a 补学 (most made up). 市发改委 lags
visibly, 市财政局 does not; the demo branch (市财政局 预算处党支部) follows a
script (`script.py`): one missed month, one 需补充 record, and this month's 支委会
still to hold, so its calendar shows every state. The monthly routine (关账): every
month up to two months ago is closed, last month and this one are open; today's
reminders are sent once.

Speed: rows are drawn in memory (`draw.py`, `branches.py`, `practice.py`, `units.py`)
and bulk-inserted (`write.py`), with their history where the model keeps one; the
per-record services would take minutes. Evidence rows share a handful of small files
written once under MEDIA_ROOT/evidence/demo/ (`files.py`).

Determinism: each branch and unit draws from its own `random.Random` seeded by
its name, so a run depends on the org tree and today's date only.
"""

from __future__ import annotations

from apps.core import audit
from apps.core.demo import DemoContext

from .. import reminders
from ..compliance import store
from .branches import draw_branch
from .draw import Drawing
from .files import ensure_files
from .units import draw_unit
from .write import Summary, reset, write

__all__ = ["LABEL", "draw", "ensure_files", "reset", "seed"]

LABEL = "组织生活记录"


def draw(context: DemoContext) -> Drawing:
    """Draw every branch's and unit's records for `context.today` (in memory; nothing is written)."""
    drawing = Drawing(today=context.today, now=context.now)
    profiles = drawing.profiles()
    for s in drawing.subjects:
        draw_branch(drawing, s, profiles[s.branch.pk])
    for unit in drawing.units:
        draw_unit(drawing, unit)
    return drawing


@audit.suppressed()  # demo rows are no one's writing: no entry per generated row
def seed(context: DemoContext) -> str:
    """Draw and insert the demo city's party life; the org tree and demo accounts must exist.

    Then rebuild the stored verdicts, and run today's reminders once, as the daily job would, so the demo
    accounts find them in their notification centre (this month's 支委会 due for zhibu, …). Returns the summary.
    """
    summary: Summary = write(draw(context))
    # The stored verdicts of every unit and year, once (seed_demo suspends the per-write upkeep), before the
    # steps after this one read them: scoring's demo runs then read the store, not the engine.
    store.rebuild(today=context.today)
    summary.reminders = reminders.send_reminders(today=context.today)
    return summary.text()
