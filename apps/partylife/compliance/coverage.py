"""谈心谈话 judged by coverage (第十九条): “党支部委员之间、党支部委员和党员之间、党员和党员之间，每年谈心谈话
一般不少于1次。”

Three kinds of pair, each to reach everyone it concerns at least once a window (a year by default):

- 支部委员之间: every committee member (`is_branch_committee`) has talked with another one
  (asked of branches with at least two);
- 支部委员与党员之间: every other member has talked with a committee member;
- 党员之间: every other member has talked with another member who is not on the committee
  (asked of branches with at least two of them).

The people are the branch's members during the window (`Membership`), whatever their roster status
today; a talk counts when it is complete (`counting.counted`). The committee sets the share to reach
(`ComplianceRule.coverage`, a unit's `RuleOverride.coverage`; default 100 %).
"""

from __future__ import annotations

from collections.abc import Iterable

from apps.core.periods import Period

from .loading import Person, Talk
from .verdicts import Reach


def _names(people: list[Person], reached: set[int]) -> tuple[str, ...]:
    return tuple(p.name for p in people if p.member_id not in reached)


def reach(people: Iterable[Person], talks: Iterable[Talk], window: Period, *, required: int) -> list[Reach]:
    """The coverage of each kind of pair in the window (no kind asked of nobody is listed)."""
    present = [p for p in people if p.in_branch_during(window)]
    committee = [p for p in present if p.committee]
    others = [p for p in present if not p.committee]
    between_committee: set[int] = set()
    with_committee: set[int] = set()
    between_members: set[int] = set()
    for talk in talks:
        pair = {talk.talker_id, talk.talkee_id}
        if talk.talker_id == talk.talkee_id:
            continue
        if talk.talker_committee and talk.talkee_committee:
            between_committee |= pair
        elif talk.talker_committee or talk.talkee_committee:
            with_committee |= pair
        else:
            between_members |= pair
    kinds = [
        ("支部委员之间", "名委员", committee if len(committee) >= 2 else [], between_committee),
        ("支部委员与党员之间", "名党员", others, with_committee),
        ("党员之间", "名党员", others if len(others) >= 2 else [], between_members),
    ]
    out = []
    for label, noun, population, reached in kinds:
        if not population:
            continue
        got = sum(p.member_id in reached for p in population)
        missing = _names(population, reached)
        out.append(Reach(label, noun, len(population), got, missing, required))
    return out
