"""Writes to the indicator system: the year's system, new versions, and (once frozen) nothing else."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history

from apps.core import audit, metrics, trash
from apps.core.permissions import require
from apps.orgs.access import scope_for

from .. import permissions
from ..models import Indicator, IndicatorResult, IndicatorSystem, ManualScore, Mapping, Method

COPIED_SYSTEM_FIELDS = (
    "name",
    "note",
    "tier_method",
    "good_min",
    "fairly_good_min",
    "ordinary_min",
    "good_share",
    "fairly_good_share",
    "ordinary_share",
)
COPIED_INDICATOR_FIELDS = (
    "look",
    "code",
    "name",
    "method",
    "max_points",
    "order",
    "description",
    "metric_key",
    "mapping",
    "floor",
    "target",
    "bands",
    "per_unit",
    "missing_rule",
    "tier_cap",
)


def current_system(year: int) -> IndicatorSystem | None:
    """The version in force for a year: its latest."""
    return IndicatorSystem.objects.filter(year=year).order_by("-version").first()


def copy_system(source: IndicatorSystem, *, year: int, version: int, actor=None) -> IndicatorSystem:
    """A copy of a system and its indicators for another year or as the next version (not frozen)."""
    system = IndicatorSystem.objects.create(
        year=year, version=version, created_by=actor, **{f: getattr(source, f) for f in COPIED_SYSTEM_FIELDS}
    )
    copied = bulk_create_with_history(  # each copied indicator starts its history (who made the copy, when)
        [
            Indicator(system=system, **{f: getattr(i, f) for f in COPIED_INDICATOR_FIELDS})
            for i in source.indicators.order_by("order", "id")
        ],
        Indicator,
        default_user=actor,
    )
    audit.record_bulk(copied, action=audit.CREATE, note=f"复制自{source}")
    return system


def system_for(year: int, *, actor=None) -> IndicatorSystem:
    """The year's system in force; a year without one starts from the nearest year's latest version
    (earlier years first), or from the defaults when there is none at all."""
    system = current_system(year)
    if system is not None:
        return system
    try:
        with transaction.atomic():
            source = (
                IndicatorSystem.objects.filter(year__lt=year).order_by("-year", "-version").first()
                or IndicatorSystem.objects.filter(year__gt=year).order_by("year", "-version").first()
            )
            if source is not None:
                return copy_system(source, year=year, version=1, actor=actor)
            from ..defaults import create_default

            return create_default(IndicatorSystem, Indicator, year)
    except IntegrityError:  # another request made it first
        return current_system(year)


# --- the committee's edits ---------------------------------------------------------------------------------

#: What the committee edits on a system and on an indicator (forms and serializers reference these).
SYSTEM_FIELDS = COPIED_SYSTEM_FIELDS
INDICATOR_FIELDS = COPIED_INDICATOR_FIELDS

MANAGE_DENIED = "只有工委管理员可以维护指标体系。"
FROZEN = "该年度终评排名已发布，指标体系已冻结；如需调整请新建版本。"
MAX_POINTS = Decimal("100")


def _check_not_frozen(system: IndicatorSystem) -> None:
    if system.frozen:
        raise ValidationError(FROZEN, code="frozen")


def _locked(system: IndicatorSystem) -> IndicatorSystem:
    """The system row, locked for the write, checked again for a freeze that happened meanwhile."""
    system = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    _check_not_frozen(system)
    return system


def _apply(obj, names, fields: dict) -> None:
    for name in names:
        if name in fields:
            value = fields[name]
            setattr(obj, name, value.strip() if isinstance(value, str) else value)


def system_create_year(*, actor, year: int) -> IndicatorSystem:
    """The year's system: the one in force, or a copy of the nearest year's (the committee)."""
    require(permissions.can_manage(scope_for(actor)), MANAGE_DENIED)
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": "年度应在 2000 到 2100 之间。"})
    return system_for(int(year), actor=actor)


def system_update(*, actor, system: IndicatorSystem, fields: dict) -> IndicatorSystem:
    """Change a system's name, note and tier rules (not when frozen)."""
    require(permissions.can_manage(scope_for(actor)), MANAGE_DENIED)
    with transaction.atomic():
        system = _locked(system)
        _apply(system, SYSTEM_FIELDS, fields)
        system.full_clean()
        system._history_user = actor
        system.save()
        return system


def system_new_version(*, actor, system: IndicatorSystem) -> IndicatorSystem:
    """A copy of `system` as the year's next version, in force from now on (a frozen system may be copied).

    The year's manual points are copied onto the new version's indicators of the same code, so that the
    next ranking run (which reads the version in force) still finds them; the old entries stay for old runs.
    """
    require(permissions.can_manage(scope_for(actor)), MANAGE_DENIED)
    with transaction.atomic():
        latest = IndicatorSystem.objects.select_for_update().filter(year=system.year).order_by("-version").first()
        new = copy_system(system, year=system.year, version=latest.version + 1, actor=actor)
        by_code = {i.code: i for i in new.indicators.all()}
        source = current_entries(latest)
        for entry in source:
            target = by_code.get(entry.indicator.code)
            if target is None or not target.entered_by_hand:
                continue
            copy = ManualScore(
                indicator=target,
                unit_id=entry.unit_id,
                period_kind=entry.period_kind,
                period_key=entry.period_key,
                points=entry.points,
                note=entry.note,
                evidence=entry.evidence.name,
                entered_by=entry.entered_by,
            )
            copy._history_user = actor
            copy.save()
        return new


def current_entries(system: IndicatorSystem):
    return ManualScore.objects.filter(indicator__system=system).select_related("indicator")


def parse_bands(text: str) -> list[list]:
    """“100:4, 80:2” → [[100, 4], [80, 2]] (highest bound first); ValueError in Chinese otherwise."""
    bands = []
    for part in re.split(r"[,，;；\s]+", (text or "").strip()):
        if not part:
            continue
        pieces = re.split(r"[:：]", part)
        if len(pieces) != 2:
            raise ValueError(f"“{part}”格式不对：每一档写成“数值:分数”，如 100:4, 80:2。")
        try:
            bound, points = (Decimal(p.strip()) for p in pieces)
        except InvalidOperation as exc:
            raise ValueError(f"“{part}”中的数值或分数不是数字。") from exc
        if not (bound.is_finite() and points.is_finite()):
            raise ValueError(f"“{part}”中的数值或分数不是数字。")
        bands.append([_plain(bound), _plain(points)])
    bounds = [b[0] for b in bands]
    if len(set(bounds)) != len(bounds):
        raise ValueError("分档的数值不能重复。")
    return sorted(bands, key=lambda band: Decimal(str(band[0])), reverse=True)


def bands_text(bands) -> str:
    return ", ".join(f"{bound}:{points}" for bound, points in bands or ())


def _plain(value: Decimal):
    """A JSON-friendly number: an int when whole, else a float of at most two decimals."""
    value = value.quantize(Decimal("0.01")) if value != value.to_integral_value() else value.to_integral_value()
    return int(value) if value == value.to_integral_value() else float(value)


def check_indicator(indicator: Indicator) -> None:
    """What an indicator of each method needs; every problem at once, per field, in Chinese."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    method = indicator.method
    if indicator.max_points is not None and not (0 <= indicator.max_points <= MAX_POINTS):
        add("max_points", "分值应在 0 到 100 之间。")
    if indicator.metric_key:
        try:
            metrics.get(indicator.metric_key)
        except KeyError:
            add("metric_key", f"数据指标“{indicator.metric_key}”不存在，请从列表中选择。")
    if method == Method.AUTO:
        if not indicator.metric_key:
            add("metric_key", "自动评分的指标须选择数据指标。")
        _check_mapping(indicator, add)
    elif method == Method.MANUAL:
        indicator.metric_key = ""
    elif method == Method.DEDUCTION:
        if indicator.metric_key and not indicator.per_unit:
            add("per_unit", "按数据扣分的指标须填写“每单位扣分”（大于0）；不选数据指标则由工委人工录入扣分。")
        if indicator.per_unit is not None and indicator.per_unit < 0:
            add("per_unit", "每单位扣分不能为负数。")
        if not indicator.metric_key and indicator.per_unit:
            add("metric_key", "填写了“每单位扣分”，请同时选择数据指标；人工录入扣分时两项都不填。")
    elif method == Method.VETO:
        if not indicator.tier_cap:
            add("tier_cap", "一票否决的指标须选择否决后最高等次。")
    if indicator.tier_cap and method != Method.VETO:
        add("tier_cap", "只有一票否决的指标可以限定等次。")
    if indicator.system_id and indicator.code:
        clash = Indicator.objects.filter(system_id=indicator.system_id, code=indicator.code).exclude(pk=indicator.pk)
        if clash.exists():
            add("code", f"编码“{indicator.code}”在本指标体系中已被使用。")
    if errors:
        raise ValidationError(errors)


def _check_mapping(indicator: Indicator, add) -> None:
    if indicator.mapping == Mapping.LINEAR:
        floor = indicator.floor if indicator.floor is not None else Decimal(0)
        target = indicator.target if indicator.target is not None else Decimal(100)
        if floor == target:
            add("target", "下限与目标不能相同（下限得0分，达到目标得满分）。")
    else:
        if not indicator.bands:
            add("bands", "分档换算须至少填写一档，如 100:4, 80:2。")
        for bound, points in indicator.bands or ():
            if Decimal(str(points)) < 0:
                add("bands", f"分档“{bound}:{points}”的分数不能为负数。")
            elif indicator.max_points is not None and Decimal(str(points)) > indicator.max_points:
                add("bands", f"分档“{bound}:{points}”的分数超过了指标分值 {indicator.max_points}。")


def indicator_create(*, actor, system: IndicatorSystem, fields: dict) -> Indicator:
    require(permissions.can_manage(scope_for(actor)), MANAGE_DENIED)
    with transaction.atomic():
        system = _locked(system)
        indicator = Indicator(system=system)
        _apply(indicator, INDICATOR_FIELDS, fields)
        return _save_indicator(indicator, actor)


def indicator_update(*, actor, indicator: Indicator, fields: dict) -> Indicator:
    require(permissions.can_manage(scope_for(actor)), MANAGE_DENIED)
    with transaction.atomic():
        _locked(indicator.system)
        indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
        _apply(indicator, INDICATOR_FIELDS, fields)
        return _save_indicator(indicator, actor)


def _save_indicator(indicator: Indicator, actor) -> Indicator:
    if indicator.bands is None:
        indicator.bands = []
    check_indicator(indicator)
    indicator.full_clean(validate_constraints=False)
    indicator._history_user = actor
    indicator.save()
    return indicator


def indicator_in_use(indicator: Indicator) -> str:
    """Why an indicator cannot be deleted ("" when it can)."""
    if IndicatorResult.objects.filter(indicator=indicator).exists():
        return "已有排名测算结果使用了该指标，不能删除；如需调整请新建版本后修改。"
    if ManualScore.objects.filter(indicator=indicator).exists():
        return "该指标已有人工评分记录，不能删除；请先删除这些记录。"
    return ""


def indicator_delete(*, actor, indicator: Indicator) -> None:
    require(permissions.can_manage(scope_for(actor)), MANAGE_DENIED)
    with transaction.atomic():
        _locked(indicator.system)
        reason = indicator_in_use(indicator)
        if reason:
            raise ValidationError(reason, code="in_use")
        indicator._history_user = actor
        trash.trash_delete(indicator, actor=actor)
