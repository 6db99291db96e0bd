"""The demo's 约谈提醒, 督促检查 / 明察暗访, 整改 and 黄牌 (演示数据·纪律监督·督查).

Six inspections across the window, the last twelve days ago, with findings whose rectifications stand in
every state: 已销号 on time and late (one after a return), 已提交, 退回, 待整改 (two due within a
week). The weak unit 市发改委 has the overdue ones — one returned and never resubmitted, one never
submitted — and a yellow card in force for them, after a talk about them. Another unit had a yellow card
for a 违规发放津贴补贴 finding early in the year: its rectifications were accepted and the card lifted a
week after the last acceptance. The demo unit 市财政局 has one accepted, one returned and one open
(due within two weeks). Every transition is a RectificationEvent and a history version, dated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from apps.orgs.models import Unit

from ..models import (
    Card,
    CardColour,
    Finding,
    Inspection,
    Rectification,
    RectificationEvent,
    RectificationStatus,
    Talk,
)
from .texts import (
    ACCEPT_NOTES,
    CARD_REASONS,
    FINDINGS,
    INSPECTIONS,
    INSPECTORS,
    LIFT_NOTE,
    RETURN_REASONS,
    TALKED_BY,
    TALKED_WITH,
    TALKS,
)
from .world import World
from .write import insert, link, stamp

DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
S = RectificationStatus


class Fate:
    ON_TIME = "on_time"  # 已销号 by the deadline
    LATE = "late"  # 已销号 after the deadline
    RETURNED_ACCEPTED = "returned_accepted"  # 退回 once, then 已销号 on time
    SUBMITTED = "submitted"  # 已提交, waiting for the committee
    RETURNED = "returned"  # 退回, the deadline still ahead
    OPEN = "open"  # 待整改, the deadline two weeks or more ahead
    DUE_SOON = "due_soon"  # 待整改, due within 7 days
    OVERDUE_RETURNED = "overdue_returned"  # 退回 and never resubmitted, the deadline passed
    OVERDUE_OPEN = "overdue_open"  # never submitted, the deadline passed


WEAK, DEMO, LIFTED = "weak", "demo", "lifted"  # the scripted units; None: a unit drawn for the slot

# Per inspection (oldest first): (who, fate, deadline in days from today for the open states — or None:
# the inspection day + 30).
SCRIPT: tuple[tuple[tuple[str | None, str, int | None], ...], ...] = (
    ((LIFTED, Fate.RETURNED_ACCEPTED, None), (LIFTED, Fate.ON_TIME, None), (None, Fate.ON_TIME, None),
     (None, Fate.ON_TIME, None), (None, Fate.LATE, None)),
    ((None, Fate.ON_TIME, None), (None, Fate.ON_TIME, None), (None, Fate.ON_TIME, None), (None, Fate.LATE, None)),
    ((WEAK, Fate.LATE, None), (None, Fate.ON_TIME, None), (None, Fate.ON_TIME, None),
     (None, Fate.RETURNED_ACCEPTED, None)),
    ((DEMO, Fate.ON_TIME, None), (None, Fate.ON_TIME, None), (None, Fate.ON_TIME, None), (None, Fate.LATE, None)),
    ((WEAK, Fate.OVERDUE_RETURNED, -10), (WEAK, Fate.OVERDUE_OPEN, -4), (None, Fate.ON_TIME, None),
     (None, Fate.SUBMITTED, 5), (None, Fate.RETURNED, 7)),
    ((DEMO, Fate.OPEN, 10), (DEMO, Fate.RETURNED, 14), (None, Fate.DUE_SOON, 3), (None, Fate.DUE_SOON, 6),
     (None, Fate.SUBMITTED, 8), (None, Fate.OPEN, 20)),
)  # fmt: skip


@dataclass
class SupervisionSummary:
    talks: int = 0
    inspections: int = 0
    findings: int = 0
    states: dict = field(default_factory=dict)
    overdue: int = 0
    events: int = 0
    cards: int = 0
    cards_in_force: int = 0


def _inspection_days(w: World) -> list[dt.date]:
    span = (w.yesterday - w.start).days
    back = [round(span * 0.88), round(span * 0.7), round(span * 0.52), round(span * 0.34), max(35, round(span * 0.18))]
    return [w.workday(w.ago(days)) for days in back] + [w.workday(w.ago(12))]


def _steps(w: World, fate: str, created: dt.datetime, deadline: dt.date, rng, secretary, committee):
    """The transitions of a rectification of `fate`: [(to status, when, by, comment)]."""

    def day(d: dt.date, hour: int) -> dt.datetime:
        return min(max(w.at(d, hour), created + HOUR), w.now - HOUR)

    submit, review = rng.randint(9, 17), rng.randint(9, 17)
    if fate == Fate.ON_TIME:
        sent = day(deadline - rng.randint(3, 10) * DAY, submit)
        accepted = min(sent + rng.randint(1, 2) * DAY, w.at(deadline, 17))
        return [(S.SUBMITTED, sent, secretary, ""), (S.ACCEPTED, accepted, committee, ACCEPT_NOTES[0])]
    if fate == Fate.LATE:
        sent = day(deadline + rng.randint(2, 12) * DAY, submit)
        accepted = day(sent.date() + rng.randint(1, 4) * DAY, review)
        return [(S.SUBMITTED, sent, secretary, ""), (S.ACCEPTED, accepted, committee, ACCEPT_NOTES[1])]
    if fate == Fate.RETURNED_ACCEPTED:
        sent = day(deadline - 16 * DAY, submit)
        back = sent + 2 * DAY
        again = back + 5 * DAY
        return [
            (S.SUBMITTED, sent, secretary, ""),
            (S.RETURNED, back, committee, RETURN_REASONS[0]),
            (S.SUBMITTED, again, secretary, ""),
            (S.ACCEPTED, again + 2 * DAY, committee, ACCEPT_NOTES[0]),
        ]
    if fate == Fate.SUBMITTED:
        return [(S.SUBMITTED, day(w.ago(rng.randint(1, 3)), submit), secretary, "")]
    if fate == Fate.RETURNED:
        sent = day(w.ago(7), submit)
        return [(S.SUBMITTED, sent, secretary, ""), (S.RETURNED, day(w.ago(3), review), committee, RETURN_REASONS[1])]
    if fate == Fate.OVERDUE_RETURNED:
        sent = day(deadline - 6 * DAY, submit)
        return [(S.SUBMITTED, sent, secretary, ""), (S.RETURNED, sent + 3 * DAY, committee, RETURN_REASONS[2])]
    return []  # 待整改, due or overdue


def _replay(rect: Rectification, steps, created: dt.datetime, measures: str):
    """Set the rectification to where its steps lead; return its versions and its events."""
    state = {"status": S.OPEN, "measures": "", "submitted_at": None, "accepted_at": None, "accepted_on": None}
    versions, events = [(created, None, dict(state))], []
    for to, when, by, comment in steps:
        events.append(
            stamp(
                RectificationEvent(
                    rectification=rect, from_status=state["status"], to_status=to, comment=comment, by_id=by
                ),
                when,
            )
        )
        state["status"] = to
        if to == S.SUBMITTED:
            state["measures"], state["submitted_at"] = measures, when
        elif to == S.ACCEPTED:
            state["accepted_at"], state["accepted_on"] = when, timezone.localdate(when)
        versions.append((when, by, dict(state)))
    for key, value in state.items():
        setattr(rect, key, value)
    return versions, events


def write_supervision(w: World) -> SupervisionSummary:
    summary = SupervisionSummary()
    rng = w.rng("supervision")
    others = w.others()
    lifted_unit = rng.choice(others) if others else None
    drawn = [u for u in others if u != lifted_unit]
    scripted: dict[str, Unit | None] = {WEAK: w.weak_unit, DEMO: w.demo_unit, LIFTED: lifted_unit}
    committee = w.committee_id

    days = _inspection_days(w)
    inspections = []
    for n, (day, (kind, title)) in enumerate(zip(days, INSPECTIONS, strict=True)):
        when = w.at(day, 17)
        inspections.append(
            stamp(
                Inspection(
                    kind=kind,
                    title=title.format(year=day.year),
                    held_on=day,
                    inspectors=INSPECTORS[n % len(INSPECTORS)],
                    summary="检查组采取听取汇报、查阅资料、个别谈话、实地察看等方式开展检查。",
                    created_by_id=committee,
                ),
                when,
                by=committee,
            )
        )
    insert(Inspection, inspections)

    findings, rects, events = [], [], []
    by_role: dict[str, list[Finding]] = {WEAK: [], LIFTED: []}
    texts = list(range(len(FINDINGS)))
    for inspection, slots in zip(inspections, SCRIPT, strict=True):
        pick = w.rng("inspection", inspection.title)
        pool = list(drawn)
        pick.shuffle(pool)
        pick.shuffle(texts)
        created = w.at(inspection.held_on + DAY, 10)
        for n, (who, fate, due_in) in enumerate(slots):
            unit = scripted[who] if who else pool.pop()
            if unit is None:
                continue
            description, severity, requirement, evidence, measures = FINDINGS[texts[n]]
            if who == LIFTED and n == 0:
                description, severity, requirement, evidence, measures = FINDINGS[5]  # 违规发放津贴补贴
            elif texts[n] == 5:
                severity = "serious"
            finding = stamp(
                Finding(inspection=inspection, unit=unit, description=description, severity=severity), created
            )
            deadline = w.workday(inspection.held_on + 30 * DAY) if due_in is None else w.today + due_in * DAY
            rect = Rectification(
                finding=finding, unit=unit, requirement=requirement, required_evidence=evidence, deadline=deadline
            )
            secretary = w.secretary_id(unit)
            steps = _steps(w, fate, created, deadline, pick, secretary, committee)
            versions, rect_events = _replay(rect, steps, created, measures)
            versions[0] = (created, committee, versions[0][2])
            rects.append(stamp(rect, created, by=committee, versions=versions))
            events.extend(rect_events)
            findings.append(finding)
            if who in by_role:
                by_role[who].append(finding)
            summary.states[rect.status] = summary.states.get(rect.status, 0) + 1
            summary.overdue += rect.status != S.ACCEPTED and deadline < w.today
    insert(Finding, findings)
    for rect in rects:
        rect.finding_id = rect.finding.pk
    insert(Rectification, rects)
    for event in events:
        event.rectification_id = event.rectification.pk
    insert(RectificationEvent, events)
    summary.inspections, summary.findings, summary.events = len(inspections), len(findings), len(events)

    talks = _talks(w, lifted_unit, inspections)
    insert(Talk, talks)
    summary.talks = len(talks)

    cards = _cards(w, lifted_unit, by_role, talks)
    insert(Card, cards)
    link(Card, "findings", cards, lambda card: [f.pk for f in card._demo_findings])
    link(Card, "talks", cards, lambda card: [t.pk for t in card._demo_talks])
    summary.cards = len(cards)
    summary.cards_in_force = sum(card.lifted_on is None for card in cards)
    return summary


def _talks(w: World, lifted_unit: Unit | None, inspections: list[Inspection]) -> list[Talk]:
    """Twelve talks: the weak unit's two (its late report, its rectifications), the lifted unit's, others drawn."""
    rng = w.rng("talks")
    plan: list[tuple[Unit, int, dt.date, dt.date | None]] = []  # (unit, TALKS index, day, follow-up due)
    if w.weak_unit is not None:
        plan.append((w.weak_unit, 0, w.in_window(0.6), None))
        plan.append((w.weak_unit, 11, w.workday(w.ago(9)), w.today + 10 * DAY))
    if lifted_unit is not None:
        plan.append((lifted_unit, 4, w.past(inspections[0].held_on + 6 * DAY), None))
    if w.demo_unit is not None:
        plan.append((w.demo_unit, 3, w.in_window(0.45), None))
    others = [u for u in w.others() if u != lifted_unit]
    spare = [i for i in range(len(TALKS)) if i not in (0, 4, 11, 3)]
    for n, index in enumerate(spare[: 12 - len(plan)]):
        plan.append((rng.choice(others), index, w.in_window(0.05 + 0.9 * (n + 0.5) / len(spare)), None))
    talks = []
    for unit, index, day, follow_due in plan:
        day = w.past(w.workday(day))
        kind, reason, outcome, follow_up = TALKS[index]
        leaders = w.leaders.get(unit.pk) or [f"{unit.short_name or unit.name}{TALKED_WITH[0]}"]
        talked_with = "、".join(leaders[: 1 + (rng.random() < 0.4)])
        due = follow_due or (day + rng.randint(15, 30) * DAY if follow_up else None)
        done = None
        if due is not None and due < w.ago(3) and rng.random() < 0.85:
            done = w.past(due - rng.randint(0, 10) * DAY)
            done = max(done, day)
        talk = Talk(
            unit=unit,
            kind=kind,
            talked_with=talked_with,
            talked_by=TALKED_BY[rng.randrange(len(TALKED_BY))],
            reason=reason,
            held_on=day,
            outcome=outcome,
            follow_up=follow_up,
            follow_up_due=due,
            follow_up_done_on=done,
            created_by_id=w.committee_id,
        )
        when = w.at(day, 16)
        versions = [(when, w.committee_id, {"follow_up_done_on": None})]
        if done is not None:
            versions.append((min(w.at(done, 17), w.now - HOUR), w.committee_id, {}))
        else:
            versions = [(when, w.committee_id, {})]
        talks.append(stamp(talk, when, by=w.committee_id, versions=versions))
    return sorted(talks, key=lambda t: t.held_on)


def _cards(w: World, lifted_unit, by_role: dict[str, list[Finding]], talks: list[Talk]) -> list[Card]:
    """The weak unit's yellow card in force and the lifted unit's; deduction and cap from the card rule."""
    rule = w.card_rules.get(CardColour.YELLOW)
    weight = {
        "deduction": rule.deduction if rule else Decimal("3"),
        "caps_tier": rule.caps_tier if rule else False,
        "tier_cap": rule.tier_cap if rule else "",
    }
    committee = w.committee_id
    cards = []
    weak_findings = [f for f in by_role[WEAK] if f.rectification.status != S.ACCEPTED]
    if w.weak_unit is not None and weak_findings:
        issued = w.past(w.workday(w.ago(6)))
        card = Card(
            unit=w.weak_unit,
            colour=CardColour.YELLOW,
            reason=CARD_REASONS["in_force"],
            issued_on=issued,
            issued_by_id=committee,
            **weight,
        )
        card._demo_findings = weak_findings
        card._demo_talks = [t for t in talks if t.unit_id == w.weak_unit.pk and t.held_on <= issued][-1:]
        cards.append(stamp(card, w.at(issued, 15), by=committee))
    if lifted_unit is not None and by_role[LIFTED]:
        behind = by_role[LIFTED]
        issued = behind[0].inspection.held_on + 7 * DAY
        last_accepted = max(f.rectification.accepted_on for f in behind)
        lifted = w.past(w.workday(last_accepted + 7 * DAY))
        card = Card(
            unit=lifted_unit,
            colour=CardColour.YELLOW,
            reason=CARD_REASONS["lifted"],
            issued_on=issued,
            issued_by_id=committee,
            lifted_on=lifted,
            lifted_by_id=committee,
            lift_note=LIFT_NOTE,
            **weight,
        )
        card._demo_findings = behind
        card._demo_talks = [t for t in talks if t.unit_id == lifted_unit.pk][:1]
        versions = [
            (w.at(issued, 15), committee, {"lifted_on": None, "lifted_by_id": None, "lift_note": ""}),
            (w.at(lifted, 15), committee, {}),
        ]
        cards.append(stamp(card, w.at(issued, 15), by=committee, versions=versions))
    return cards
