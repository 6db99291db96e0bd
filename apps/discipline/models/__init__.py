"""Discipline supervision (纪律监督): duty lists, duty reports, talks, inspections and rectifications, cards,
cases and warning education. Sensitive rows declare `ScopePaths(unit=…)` only: the committee and that
unit's secretary see them, nobody else (no branch or member path)."""

from .cards import Card, CardColour, CardRule
from .duties import DutyTemplate, DutyTemplateItem, UnitDutyItem, UnitDutyList
from .education import Case, CaseReceipt, WarningAttendance, WarningKind, WarningSession
from .files import Attachment
from .reports import DutyReport, ReportReview, ReportRound, ReportStatus, RoundKind
from .supervision import (
    Finding,
    Inspection,
    InspectionKind,
    Rectification,
    RectificationEvent,
    RectificationStatus,
    Severity,
    Talk,
    TalkKind,
)

__all__ = [
    "Attachment",
    "Card",
    "CardColour",
    "CardRule",
    "Case",
    "CaseReceipt",
    "DutyReport",
    "DutyTemplate",
    "DutyTemplateItem",
    "Finding",
    "Inspection",
    "InspectionKind",
    "Rectification",
    "RectificationEvent",
    "RectificationStatus",
    "ReportReview",
    "ReportRound",
    "ReportStatus",
    "RoundKind",
    "Severity",
    "Talk",
    "TalkKind",
    "UnitDutyItem",
    "UnitDutyList",
    "WarningAttendance",
    "WarningKind",
    "WarningSession",
]
