"""The study demo (演示数据·理论学习), the study step of `manage.py seed_demo`: a year of study for the demo city.

Built on the org tree and party life (whose 党课, 主题党日, 中心组学习 and 第一议题 already give most
members many hours), after discipline (whose 警示教育 hours are in the ledger before `dangyuan`'s year is
tuned and the units' figures refreshed): this year's and last year's targets and caps (`StudyYear`), the
应知应会清单 and members' marks (`knowledge`), a question bank and two exams — one finished last month, one open now
(`exams`) —, 周学 for every branch, youth groups, 专题培训 and 读书班 with speeches and attendance, and
自学 (`sessions`); the member `dangyuan` gets a page worth opening (`story`). The weak unit is the one
party life makes lag (市发改委): fewer sessions, fewer marks, lower exam results; a few members
everywhere hardly study and fall behind. Then the committee's figures are refreshed
(`services.progress.refresh_snapshots`).

Speed: drawn in memory, bulk-inserted (`write`); each branch, unit and member draws from its own
`random.Random` seeded by names, so a run depends on the org tree and today only.
"""

from __future__ import annotations

from decimal import Decimal

from apps.core import audit
from apps.core import demo as demo_registry
from apps.core.demo import DemoContext

from ..models import SessionKind, StudyYear
from ..services.progress import refresh_snapshots
from . import exams, knowledge, story
from .sessions import Sessions
from .world import World
from .write import reset, with_history, write_sessions

__all__ = ["LABEL", "register", "reset", "seed"]

LABEL = "理论学习（学习年度设置、应知应会、题库与考试、集中学习、自学）"


@audit.suppressed()  # demo rows are no one's writing: no entry per generated row
def seed(context: DemoContext) -> str:
    """Write the demo city's year of study for `context.today`; returns the summary line."""
    w = World(today=context.today, now=context.now)
    years = with_history(
        [
            StudyYear(year=year, member_target=Decimal("32"), leader_target=Decimal("56"), note="演示数据")
            for year in (w.year - 1, w.year)
        ],
        StudyYear,
    )
    items = knowledge.write_items()
    marks = knowledge.write_marks(w, items)
    questions = exams.write_bank(items)
    exam_summary = exams.write_exams(w, questions, items)

    s = Sessions(w)
    linked = s.lesson_days(w.demo_place) if w.demo_place is not None else {}
    for place in w.places:
        s.weekly(place, linked if place is w.demo_place else {})
    s.youth()
    s.trainings()
    s.self_studies()
    story.tune(w, s)
    attendance, speeches = write_sessions(s.planned, s.groups, s.self_study, at=lambda day: w.at(day, 18))
    units = refresh_snapshots(year=w.year, today=w.today)

    kinds = dict(SessionKind.choices)
    counts = {kind: sum(p.session.kind == kind for p in s.planned) for kind in kinds}
    linked_count = sum(bool(p.session.same_as) for p in s.planned)
    sessions = "、".join(f"{kinds[k]} {n} 次" for k, n in counts.items())
    return (
        f"学习年度设置 {len(years)} 个，应知应会条目 {len(items)} 条（已学标记 {marks} 条），"
        f"题库 {exam_summary.questions} 题，学法用法考试 2 场（已结束 1 场：答卷 {exam_summary.attempts} 份、"
        f"及格 {exam_summary.passed} 份；进行中 1 场：已交卷 {exam_summary.open_attempts} 份），"
        f"集中学习 {len(s.planned)} 次（{sessions}；与组织生活同一次 {linked_count} 次），"
        f"学习出勤 {attendance} 人次，研讨发言 {speeches} 条，青年理论学习小组 {len(s.groups)} 个，"
        f"自学 {len(s.self_study)} 条，单位学习统计 {units} 个"
    )


def register() -> None:
    from . import scale

    demo_registry.register(
        demo_registry.DemoStep(
            app="study",
            label=LABEL,
            after=("orgs", "partylife", "discipline"),
            seed=seed,
            reset=reset,
            scale=scale.scale,
        )
    )
