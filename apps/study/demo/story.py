"""The demo member's year (演示数据·dangyuan): a progress page worth opening.

`dangyuan` (a plain member of the demo branch) is on track but not done: their hours — party-life
lessons, some of the branch's 周学 (others missed on business), two 自学 entries — come to about
halfway between what is due by today and the year's target, so logging an hour of 自学 moves the bar
visibly (and may finish the year). The rest of their page comes from the other modules: the 应知应会
items marked, the finished exam passed with two questions wrong, the open exam still to sit.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

from apps.core import study_hours

from ..ledger import ledger_for
from ..models import SessionKind
from .sessions import Sessions
from .texts import ABSENCE_REASONS, SEED
from .world import World

HALF = Decimal("0.5")


def desired_total(target: Decimal, expected: Decimal) -> Decimal:
    """Halfway from what is due to the target (half an hour above what is due when they are close), in half hours."""
    gap = target - expected
    value = expected + (gap / 2 if gap >= 2 else HALF)
    return (value * 2).quantize(Decimal("1"), rounding=ROUND_HALF_UP) / 2


def tune(w: World, s: Sessions) -> None:
    """Set dangyuan's presence at the demo branch's regular 周学 and their 自学 so the year adds up as above.

    Run after everything is drawn and before it is written: party life's hours are in the ledger already.
    """
    member, place = w.dangyuan, w.demo_place
    if member is None or place is None:
        return
    ledger = ledger_for(member, w.year, today=w.today)
    desired = desired_total(ledger.target, ledger.expected)
    other = ledger.total
    refs = {p.session.same_as for p in s.planned if p.session.same_as and member.pk in p.attendance}
    counted = study_hours.counted_attendees(refs)
    tunable = []
    for p in s.planned:
        if member.pk not in p.attendance:
            continue
        session = p.session
        if session.kind == SessionKind.WEEKLY and session.branch == place.branch and not session.same_as:
            tunable.append(p)
        elif p.attendance[member.pk][0] and (session.same_as, member.pk) not in counted:
            other += session.hours
    rng = random.Random(f"{SEED}:dangyuan")
    self_hours = [Decimal("1.0"), Decimal("1.0")] if desired - other >= 3 else [Decimal("1.0")]
    need = desired - other - sum(self_hours)
    # as many as the hours allow (the demo branch's 周学 take half an hour), spread over the year; the others
    # missed (on business, at meetings, on leave); what is left over becomes 自学 below
    tunable.sort(key=lambda p: p.session.held_on)
    count = min(len(tunable), int(need / HALF)) if need > 0 else 0
    picks = {int((i + 0.5) * len(tunable) / count) for i in range(count)}
    present = []
    for n, p in enumerate(tunable):
        here = n in picks and p.session.hours <= need
        if here:
            need -= p.session.hours
            present.append(p)
        _mark(rng, p, member.pk, here)
    if not present and tunable:  # at least one 周学 on the page
        _mark(rng, tunable[-1], member.pk, True)
        need -= tunable[-1].session.hours
    while need >= HALF and sum(self_hours) < 10:  # what the 周学 could not fill, in 自学 (within the caps)
        extra = min(need, Decimal("2"))
        self_hours.append(extra)
        need -= extra
    s.entries(rng, member.pk, len(self_hours), hours=self_hours)


def _mark(rng: random.Random, p, member_id: int, here: bool) -> None:
    p.attendance[member_id] = (True, "") if here else (False, rng.choice(ABSENCE_REASONS[:3]))
    if here:
        return
    p.speeches = [(speaker, text) for speaker, text in p.speeches if speaker != member_id]
    if p.session.leader_id == member_id:
        others = [m for m, (there, _) in p.attendance.items() if there]
        if others:
            p.session.leader_id = others[0]
        else:
            p.attendance[member_id] = (True, "")
