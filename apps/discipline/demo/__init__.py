"""The discipline demo (演示数据·纪律监督), the discipline step of `manage.py seed_demo`.

Built on the org tree, after party life. The study step runs after this one (it lists "discipline" in
its `after`): the warning-education hours are in the ledger before it tunes `dangyuan`'s year and
refreshes the units' study figures. It writes the committee's 责任清单 template in two versions and the
units' adopted lists, 履责报告 rounds with reports on time, late, returned and missing (`duties`); talks,
inspections whose findings' 整改 stand in every state — the weak unit 市发改委 overdue with a yellow card
in force, another unit's card lifted after its rectifications were accepted — (`supervision`); cases
with read receipts and one warning-education session per unit (`education`). The demo unit 市财政局
(account `danwei`) owes an open rectification, has one returned and one accepted, and has the open
round's report still to send. Then today's discipline reminders are sent once, as the daily job would.

Speed: drawn in memory and bulk-inserted with their history (`write`); each unit draws from its own
`random.Random` seeded by names, so a run depends on the org tree and today only.
"""

from __future__ import annotations

from apps.core import audit
from apps.core import demo as demo_registry
from apps.core.demo import DemoContext

from .. import reminders
from .duties import Fate, write_duties, write_reports
from .education import write_education
from .supervision import write_supervision
from .world import World
from .write import reset

__all__ = ["LABEL", "register", "reset", "seed"]

LABEL = "纪律监督（责任清单、履责报告、约谈提醒、督促检查与整改、黄红牌、典型案例、警示教育）"


@audit.suppressed()  # demo rows are no one's writing: no entry per generated row
def seed(context: DemoContext) -> str:
    """Write the demo city's supervision records for `context.today`; returns the summary line."""
    w = World(today=context.today, now=context.now)
    duties = write_duties(w)
    reports = write_reports(w)
    sup = write_supervision(w)
    edu = write_education(w)
    sent = reminders.send_all(today=context.today, now=context.now)
    states, count = sup.states, reports.count
    return (
        f"责任清单模板 2 版（条目 {duties.template_items} 条），"
        f"单位责任清单 {duties.lists} 份（{duties.units} 个单位），"
        f"履责报告期 {reports.rounds} 个（按时通过 {count(Fate.ON_TIME)} 份、逾期报送 {count(Fate.LATE)} 份、"
        f"退回 {count(Fate.RETURNED) + count(Fate.RESUBMITTED)} 份、"
        f"待审核 {count(Fate.SUBMITTED) + count(Fate.RESUBMITTED)} 份），"
        f"约谈提醒 {sup.talks} 次，督促检查 {sup.inspections} 次、发现问题 {sup.findings} 个"
        f"（待整改 {states.get('open', 0)}、已提交 {states.get('submitted', 0)}、退回 {states.get('returned', 0)}、"
        f"已销号 {states.get('accepted', 0)}；逾期 {sup.overdue}），整改流转 {sup.events} 条，"
        f"黄牌 {sup.cards} 张（在用 {sup.cards_in_force} 张），典型案例 {edu.cases} 个（阅知 {edu.receipts} 份），"
        f"警示教育 {edu.sessions} 次（出席 {edu.present} 人次），纪律监督提醒 {sent} 条"
    )


def register() -> None:
    from . import scale

    demo_registry.register(
        demo_registry.DemoStep(
            app="discipline", label=LABEL, after=("orgs", "partylife"), seed=seed, reset=reset, scale=scale.scale
        )
    )
