"""Scoring (四看): the indicator system of each year, points entered by hand, ranking runs and their snapshots."""

from .manual import ManualScore
from .runs import ACTIVE, Frozen, IndicatorResult, RankingRun, ResultStatus, RunStatus, Trigger, UnitResult
from .system import Indicator, IndicatorSystem, Look, Mapping, Method, MissingRule, Tier, TierMethod

__all__ = [
    "ACTIVE",
    "Frozen",
    "Indicator",
    "IndicatorResult",
    "IndicatorSystem",
    "Look",
    "ManualScore",
    "Mapping",
    "Method",
    "MissingRule",
    "RankingRun",
    "ResultStatus",
    "RunStatus",
    "Tier",
    "TierMethod",
    "Trigger",
    "UnitResult",
]
