"""Every unit's scores, ranks and tiers from a run's plain inputs (no database, no clock).

The rules, in order:
1. Base indicators (auto, manual) give 0..max points; a unit without a value gets the indicator's
   stated rule: 0 points, full points, or excluded — then the unit's other base points are scaled
   by base max ÷ (base max − excluded max) (`reweight`), so every unit is scored out of the same 100.
2. Bonus indicators add up to their cap each; deduction indicators take off up to their cap each.
3. Total = base (re-weighted) + bonus − deduction.
4. Ranks overall and within the unit's category: competition ranking, ties share a rank (1, 2, 2, 4).
5. Tier by score (thresholds) or by rank (proportions); a veto or a registered cap (红牌) lowers it to the
   cap, never raises it.
6. Units whose judging starts after the period's end are listed, not scored: no points, no rank, no tier.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from apps.core.metrics import TIERS, worse_tier

from .points import ZERO, Spec, auto_points, clamp, deduction_points, q

LOOKS = ("political", "safety", "demands", "advance")


@dataclass(frozen=True)
class UnitInput:
    id: int
    name: str
    category: str
    judged_from: dt.date


@dataclass(frozen=True)
class ManualInput:
    points: Decimal
    note: str
    period_key: str
    entry_id: int


@dataclass(frozen=True)
class TierRules:
    method: str = "threshold"
    good_min: Decimal = Decimal(90)
    fairly_good_min: Decimal = Decimal(80)
    ordinary_min: Decimal = Decimal(60)
    good_share: int = 20
    fairly_good_share: int = 30
    ordinary_share: int = 40

    def as_json(self) -> dict:
        return {k: str(v) for k, v in self.__dict__.items()}


@dataclass
class Inputs:
    """Everything a run reads. `digest()` fingerprints it: the same inputs always give the same digest."""

    period_key: str
    period_end: dt.date
    evaluated_on: dt.date
    system_id: int
    tiers: TierRules
    specs: list[Spec]
    units: list[UnitInput]
    metrics: dict[str, dict[int, Decimal]] = field(default_factory=dict)
    manual: dict[tuple[int, int], ManualInput] = field(default_factory=dict)  # (indicator id, unit id)
    caps: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # unit id -> [(tier, reason)]
    previous: dict[int, tuple[int | None, Decimal | None]] = field(default_factory=dict)  # unit -> (rank, total)

    def as_json(self) -> dict:
        return {
            "period": self.period_key,
            "evaluated_on": self.evaluated_on.isoformat(),
            "system": self.system_id,
            "tiers": self.tiers.as_json(),
            "indicators": [s.as_json() for s in self.specs],
            "units": [[u.id, u.name, u.category, u.judged_from.isoformat()] for u in self.units],
            "metrics": {
                k: {str(u): str(v) for u, v in sorted(vals.items())} for k, vals in sorted(self.metrics.items())
            },
            "manual": [[i, u, str(m.points), m.note, m.period_key] for (i, u), m in sorted(self.manual.items())],
            "caps": {str(u): sorted(c) for u, c in sorted(self.caps.items())},
            "previous": {str(u): [r, None if t is None else str(t)] for u, (r, t) in sorted(self.previous.items())},
        }

    def digest(self) -> str:
        text = json.dumps(self.as_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Line:
    spec: Spec
    value: Decimal | None
    points: Decimal  # signed: a deduction is negative
    status: str
    inputs: dict


@dataclass
class UnitScore:
    unit: UnitInput
    scored: bool = True
    not_scored_reason: str = ""
    lines: list[Line] = field(default_factory=list)
    looks: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(LOOKS, ZERO))
    bonus: Decimal = ZERO
    deduction: Decimal = ZERO
    reweight: Decimal = Decimal(1)
    total: Decimal | None = None
    rank: int | None = None
    category_rank: int | None = None
    tier_by_score: str = ""
    tier: str = ""
    tier_cap_reason: str = ""
    previous_rank: int | None = None
    previous_total: Decimal | None = None
    cap: str | None = None  # the best tier a veto or a registered cap allows


def _missing(spec: Spec) -> tuple[Decimal, str]:
    if spec.missing_rule == "full":
        return spec.max_points, "missing_full"
    if spec.missing_rule == "exclude":
        return ZERO, "missing_excluded"
    return ZERO, "missing_zero"


def _line(spec: Spec, unit_id: int, inputs: Inputs) -> Line:
    metric = inputs.metrics.get(spec.metric_key, {}) if spec.metric_key else None
    entry = inputs.manual.get((spec.id, unit_id))
    value = metric.get(unit_id) if metric is not None else None
    # The indicator as it was when the run was made: a later edit of the system never changes a snapshot's page.
    data = {"indicator": spec.name, "look": spec.look, "method": spec.method, "max_points": str(spec.max_points)}
    if spec.metric_key:
        data["metric"] = spec.metric_key
    if entry is not None:
        data.update(manual=str(entry.points), note=entry.note, period=entry.period_key, entry=entry.entry_id)
    if spec.method == "auto":
        if value is None:
            points, status = _missing(spec)
            return Line(spec, None, points, status, data)
        return Line(spec, value, auto_points(spec, value), "scored", data)
    if spec.method == "manual":
        if entry is None:
            points, status = _missing(spec)
            return Line(spec, None, points, status, data)
        return Line(spec, entry.points, q(clamp(entry.points, ZERO, spec.max_points)), "scored", data)
    if spec.method == "bonus":
        raw = entry.points if entry is not None else (value or ZERO)
        shown = raw if (entry is not None or value is not None) else None
        return Line(spec, shown, q(clamp(raw, ZERO, spec.max_points)), "scored" if raw else "none", data)
    if spec.method == "deduction":
        if entry is not None:
            taken = q(clamp(entry.points, ZERO, spec.max_points))
            return Line(spec, entry.points, -taken, "scored" if taken else "none", data)
        taken = deduction_points(spec, value) if value is not None else ZERO
        return Line(spec, value, -taken, "scored" if taken else "none", data)
    # veto: an entry by the committee, or a metric above zero
    vetoed = entry is not None or (value is not None and value > 0)
    data["tier_cap"] = spec.tier_cap or TIERS[-1]
    return Line(spec, value, ZERO, "vetoed" if vetoed else "none", data)


def _score_unit(unit: UnitInput, inputs: Inputs) -> UnitScore:
    score = UnitScore(unit=unit)
    if unit.judged_from > inputs.period_end:
        score.scored = False
        score.not_scored_reason = f"自{unit.judged_from:%Y年%m月%d日}起评价，本期不评分"
        return score
    base_max = excluded = raw_base = ZERO
    looks = dict.fromkeys(LOOKS, ZERO)
    caps: list[tuple[str, str]] = list(inputs.caps.get(unit.id, []))
    for spec in inputs.specs:
        line = _line(spec, unit.id, inputs)
        score.lines.append(line)
        if spec.method in ("auto", "manual"):
            base_max += spec.max_points
            if line.status == "missing_excluded":
                excluded += spec.max_points
            looks[spec.look] += line.points
            raw_base += line.points
        elif spec.method == "bonus":
            score.bonus += line.points
        elif spec.method == "deduction":
            score.deduction -= line.points
        elif line.status == "vetoed":
            caps.append((line.inputs["tier_cap"], f"一票否决：{spec.name}"))
    if base_max and excluded >= base_max:
        score.scored = False
        score.not_scored_reason = "本期各项指标均无数据，不评分"
        return score
    score.reweight = (base_max / (base_max - excluded)).quantize(Decimal("0.0001")) if excluded else Decimal(1)
    score.looks = {look: q(points * score.reweight) for look, points in looks.items()}
    score.total = q(sum(score.looks.values(), ZERO) + score.bonus - score.deduction)
    cap = None
    reasons = []
    for tier, reason in sorted(caps):
        cap = worse_tier(cap, tier)
        reasons.append(reason)
    score.cap = cap  # applied after ranking (proportions need the ranks)
    score.tier_cap_reason = "；".join(reasons)
    return score


def competition_ranks(totals: list[tuple[int, Decimal]]) -> dict[int, int]:
    """Rank ids by total, highest first; equal totals share a rank and the next rank skips (1, 2, 2, 4)."""
    ordered = sorted(totals, key=lambda t: -t[1])
    ranks, previous, rank = {}, None, 0
    for position, (key, total) in enumerate(ordered, start=1):
        if total != previous:
            rank, previous = position, total
        ranks[key] = rank
    return ranks


def _tier_by_score(total: Decimal, rules: TierRules) -> str:
    if total >= rules.good_min:
        return TIERS[0]
    if total >= rules.fairly_good_min:
        return TIERS[1]
    if total >= rules.ordinary_min:
        return TIERS[2]
    return TIERS[3]


def _tier_by_rank(rank: int, n: int, rules: TierRules) -> str:
    """Proportions: the first good_share % of places are 好, and so on (whole units, rounded down); a tie
    shares the tier of its rank."""
    edges = (
        n * rules.good_share // 100,
        n * (rules.good_share + rules.fairly_good_share) // 100,
        n * (rules.good_share + rules.fairly_good_share + rules.ordinary_share) // 100,
    )
    for tier, edge in zip(TIERS, edges, strict=False):
        if rank <= edge:
            return tier
    return TIERS[3]


def compute(inputs: Inputs) -> list[UnitScore]:
    """Score, rank and tier every unit; units in the order of their overall rank (unscored last)."""
    scores = [_score_unit(unit, inputs) for unit in inputs.units]
    scored = [s for s in scores if s.scored]
    overall = competition_ranks([(s.unit.id, s.total) for s in scored])
    by_category: dict[str, list[UnitScore]] = {}
    for s in scored:
        by_category.setdefault(s.unit.category, []).append(s)
    within = {}
    for members in by_category.values():
        within.update(competition_ranks([(s.unit.id, s.total) for s in members]))
    for s in scored:
        s.rank = overall[s.unit.id]
        s.category_rank = within[s.unit.id]
        if inputs.tiers.method == "proportion":
            s.tier_by_score = _tier_by_rank(s.rank, len(scored), inputs.tiers)
        else:
            s.tier_by_score = _tier_by_score(s.total, inputs.tiers)
        s.tier = worse_tier(s.tier_by_score, s.cap)
    for s in scores:
        s.previous_rank, s.previous_total = inputs.previous.get(s.unit.id, (None, None))
    return sorted(scores, key=lambda s: (not s.scored, s.rank or 0, s.unit.id))
