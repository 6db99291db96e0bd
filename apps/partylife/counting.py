"""When a record counts (计入): one definition for the record service, the engine, the metrics and the demo.

A record counts towards the rules (and the metrics) when it is submitted (已提交) and
carries every piece of evidence its type requires (材料齐全); until then it is a draft
or 需补充. What a type requires is data (`ActivityType.needs_*`); which pieces a record
lacks is decided here, without queries, from what the caller already holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from .models import ActivityStatus, ActivityType, Attendance, Evidence, EvidenceKind


def counts(*, status: str, evidence_complete: bool) -> bool:
    """Whether a record counts: submitted, with complete evidence."""
    return status == ActivityStatus.SUBMITTED and evidence_complete


def counted(prefix: str = "") -> Q:
    """The same rule as a query condition, optionally through a relation (`prefix="activity__"`)."""
    return Q(**{f"{prefix}status": ActivityStatus.SUBMITTED, f"{prefix}evidence_complete": True})


def submitted(prefix: str = "") -> Q:
    """Submitted records (counted or still 需补充)."""
    return Q(**{f"{prefix}status": ActivityStatus.SUBMITTED})


def missing_evidence(
    activity_type: ActivityType, *, minutes: str, evidence_kinds: Iterable[str], has_attendance: bool
) -> list[str]:
    """What a record of this type still lacks (需补充), in the order the form shows them."""
    kinds = set(evidence_kinds)
    missing = []
    if activity_type.needs_minutes and not (minutes.strip() or EvidenceKind.MINUTES in kinds):
        missing.append(activity_type.minutes_label)  # 会议记录, or a talk's 谈话记录
    if activity_type.needs_photo and EvidenceKind.PHOTO not in kinds:
        missing.append("现场照片")
    if activity_type.needs_attendance and not has_attendance:
        missing.append("出勤名单")
    if activity_type.needs_signin and EvidenceKind.SIGNIN not in kinds:
        missing.append("签到表")
    return missing


def meets_requirements(*, activity: str = "", activity_type: str = "activity_type__") -> Q:
    """Records that carry what a type requires, as a query condition: the twin of `missing_evidence`.

    `activity` is the path from the queried rows to the record (`"activity__"` on “also counts as”
    rows, `""` on records), `activity_type` the path to the type whose requirements apply
    (`"activitytype__"` there: the type the record also counts as). Subqueries, no join per record.
    """

    def has(kind: str) -> Exists:
        return Exists(Evidence.objects.filter(activity_id=OuterRef(f"{activity}id"), kind=kind))

    def needs(flag: str) -> Q:
        return Q(**{f"{activity_type}{flag}": True})

    minutes = Q(**{f"{activity}minutes__regex": r"\S"}) | has(EvidenceKind.MINUTES)
    attendance = Exists(Attendance.objects.filter(activity_id=OuterRef(f"{activity}id")))
    return (
        (~needs("needs_minutes") | minutes)
        & (~needs("needs_photo") | has(EvidenceKind.PHOTO))
        & (~needs("needs_attendance") | attendance)
        & (~needs("needs_signin") | has(EvidenceKind.SIGNIN))
    )
