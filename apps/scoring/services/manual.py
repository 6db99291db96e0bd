"""Writes of the points the committee enters by hand (人工评分, 加分, 扣分, 一票否决): one row per indicator, unit
and period, every change audited (simple-history on ManualScore). The Excel import is `services.manual_import`.

How a ranking run picks them (apps.scoring.ranking.inputs.enclosing_keys): the period's own entry, else its
quarter's, else its year's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core import trash
from apps.core.files import IMAGE_TYPES, PDF_TYPE, check_upload, files_removed_on_failure, note_stored
from apps.core.periods import Frequency, Period
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.tree import platform_start

from .. import permissions
from ..models import Indicator, ManualScore, Method
from .systems import FROZEN, current_system

#: What the committee fills in (form, serializer and import use these; `period_kind` follows from the period).
MANUAL_FIELDS = ("indicator", "unit", "period_key", "points", "note")
EVIDENCE_TYPES = {*IMAGE_TYPES, PDF_TYPE}
MANAGE_DENIED = "只有工委管理员可以录入人工评分。"
BEFORE_START = "平台启用日期之前的期间不评分"


class DuplicateEntry(ValidationError):
    """A second entry for one (indicator, unit, period): the page links to the first."""

    def __init__(self, existing: ManualScore):
        self.existing = existing
        super().__init__(
            {
                "period_key": (
                    f"{existing.unit}的“{existing.indicator}”在{existing.period.label}已有一条记录"
                    f"（{existing.points}分），请修改那一条。"
                )
            },
        )


def parse_period(text: str, *, today: dt.date | None = None) -> Period:
    """A period the committee may score: well formed, not before the platform's start, already begun."""
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise ValidationError({"period_key": str(exc)}) from exc
    start = platform_start()
    if period.end < start:
        raise ValidationError({"period_key": f"{BEFORE_START}（平台启用日期：{start:%Y年%m月%d日}）。"})
    if period.start > (today or timezone.localdate()):
        raise ValidationError({"period_key": f"{period.label}尚未开始，不能评分。"})
    return period


def scorable_periods(*, today: dt.date | None = None) -> dict[str, list[Period]]:
    """Every period from the platform's start to today, newest first, by kind (the page's select)."""
    today = today or timezone.localdate()
    start = platform_start()
    out: dict[str, list[Period]] = {}
    for kind in (Frequency.YEAR, Frequency.QUARTER, Frequency.MONTH):
        period = Period.containing(today, kind)
        periods = []
        while period.end >= start and len(periods) < 400:
            periods.append(period)
            period = Period.containing(period.start - dt.timedelta(days=1), kind)
        out[kind] = periods
    return out


def check_entry(entry: ManualScore, *, today: dt.date | None = None, systems: dict | None = None) -> None:
    """What an entry must satisfy, per field, in Chinese (shared by the form, the API and the import).

    `systems` caches the system in force per year (the import checks many rows)."""
    errors: dict[str, list[str]] = {}
    period = None
    try:
        period = parse_period(entry.period_key, today=today)
    except ValidationError as exc:
        errors.update({k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()})
    indicator: Indicator | None = entry.indicator if entry.indicator_id else None
    if indicator is not None:
        if not indicator.entered_by_hand:
            errors.setdefault("indicator", []).append(f"“{indicator.name}”由平台数据自动计算，不能人工录入。")
        elif period is not None:
            if systems is None:
                systems = {}
            if period.year not in systems:
                systems[period.year] = current_system(period.year)
            system = systems[period.year]
            if system is None or system.pk != indicator.system_id:
                errors.setdefault("indicator", []).append(
                    f"“{indicator.name}”不属于{period.year}年度现行的指标体系，请选择该年度现行体系中的指标。"
                )
            elif system.frozen:
                errors.setdefault("indicator", []).append(FROZEN)
        if entry.points is not None:
            if indicator.method == Method.VETO:
                entry.points = Decimal(0)  # a veto entry means "vetoed"; its points are 0
            elif not (0 <= entry.points <= indicator.max_points):
                errors.setdefault("points", []).append(f"分数应在 0 到 {indicator.max_points} 之间。")
    if not (entry.note or "").strip():
        errors.setdefault("note", []).append("请填写依据说明。")
    if errors:
        raise ValidationError(errors)
    entry.period_kind = period.kind
    entry.period_key = period.key


def find_duplicate(entry: ManualScore) -> ManualScore | None:
    return (
        ManualScore.objects.filter(indicator_id=entry.indicator_id, unit_id=entry.unit_id, period_key=entry.period_key)
        .exclude(pk=entry.pk)
        .select_related("indicator", "unit")
        .first()
    )


def _apply(entry: ManualScore, fields: dict) -> None:
    for name in MANUAL_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(entry, name, value.strip() if isinstance(value, str) else value)


def _store_evidence(entry: ManualScore, upload) -> None:
    try:
        sniffed = check_upload(upload, allowed=EVIDENCE_TYPES, max_bytes=settings.PORTAL_EVIDENCE_MAX_BYTES)
    except ValidationError as exc:
        raise ValidationError({"evidence": exc.messages}) from exc
    entry.evidence.save(f"evidence{sniffed.extension}", upload, save=False)
    note_stored(entry.evidence)


def _save(entry: ManualScore, *, actor, evidence=None, clear_evidence=False, today=None) -> ManualScore:
    check_entry(entry, today=today)
    if find_duplicate(entry) is not None:
        raise DuplicateEntry(find_duplicate(entry))
    if clear_evidence:
        entry.evidence = ""
    if evidence is not None:
        _store_evidence(entry, evidence)
    entry.entered_by = actor
    entry.full_clean(validate_constraints=False)
    entry._history_user = actor
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # entered at the same moment elsewhere
        raise DuplicateEntry(find_duplicate(entry)) from exc
    return entry


def manual_create(*, actor, fields: dict, evidence=None, today: dt.date | None = None) -> ManualScore:
    """Enter one indicator's points for a unit and period (the committee)."""
    require(permissions.can_manage(scope_for(actor)), MANAGE_DENIED)
    with files_removed_on_failure(), transaction.atomic():
        entry = ManualScore()
        _apply(entry, fields)
        return _save(entry, actor=actor, evidence=evidence, today=today)


def manual_update(
    *, actor, entry: ManualScore, fields: dict, evidence=None, clear_evidence: bool = False, today=None
) -> ManualScore:
    """Change an entry (the committee); its old version stays in the history."""
    require(permissions.can_manage(scope_for(actor)), MANAGE_DENIED)
    with files_removed_on_failure(), transaction.atomic():
        current = ManualScore.objects.select_for_update().select_related("indicator__system").get(pk=entry.pk)
        if current.indicator.system.frozen:
            raise ValidationError(FROZEN)
        _apply(current, fields)
        return _save(current, actor=actor, evidence=evidence, clear_evidence=clear_evidence, today=today)


def manual_delete(*, actor, entry: ManualScore) -> None:
    """Delete an entry (the committee; not in a frozen year); the history keeps it."""
    require(permissions.can_manage(scope_for(actor)), MANAGE_DENIED)
    with transaction.atomic():
        current = ManualScore.objects.select_for_update().select_related("indicator__system").get(pk=entry.pk)
        if current.indicator.system.frozen:
            raise ValidationError(FROZEN)
        current._history_user = actor
        trash.trash_delete(current, actor=actor)  # its evidence file stays until the trash is purged
