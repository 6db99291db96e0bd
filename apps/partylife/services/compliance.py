"""Writes of the compliance side of party life: 未开展原因, 关账, rules and unit overrides (unlocks: `review`).

Same conventions as `services.records`: keyword-only arguments, one transaction each,
the actor's permission checked first, Chinese ValidationErrors, nothing half-saved.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core import batching, trash
from apps.core.periods import Period
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import Branch, Unit, User

from .. import permissions
from ..models import ComplianceRule, MissedReason, PeriodLock, RuleOverride, Strength

# --- 未开展原因 -------------------------------------------------------------------------------------


def window_closed(window: Period) -> bool:
    """Whether a window's verdicts are settled: the month that ends it is closed (关账)."""
    return PeriodLock.objects.filter(month=window.end.replace(day=1)).exists()


@batching.batched
def missed_reason_set(
    *, actor: User, rule: ComplianceRule, unit: Unit, branch: Branch | None, window: Period, reason: str
) -> MissedReason:
    """未开展原因 of an ended window of a soft rule, by those who keep the branch's (unit's) records.

    Not once the window is closed (`window_closed`): the reason is part of its verdict; only the
    committee's reopening of the month (logged in PeriodLock's history) makes it writable again.
    """
    allowed = permissions.keeps_records_of(scope_for(actor), unit_id=unit.pk, branch=branch)
    require(allowed, "您不能为该支部（单位）填写未开展原因。")
    if window_closed(window):
        raise ValidationError(
            f"{window.end:%Y年%m月}已关账，{window.label}的未开展原因不能再填写或修改。如需更正请联系工委重新开放该月份。"
        )
    if window.end >= timezone.localdate():
        raise ValidationError("该周期尚未结束，不需要填写未开展原因。")
    override = RuleOverride.objects.filter(rule=rule, unit=unit).first()
    if (override.strength if override else rule.strength) == Strength.HARD:
        raise ValidationError("刚性要求未完成即为不合格，不能以未开展原因代替。")
    if not reason.strip():
        raise ValidationError({"reason": "请填写未开展原因。"})
    obj, _ = MissedReason.objects.update_or_create(
        rule=rule,
        unit=unit,
        branch=branch,
        window=window.key,
        defaults={"reason": reason.strip()[:300], "created_by": actor},
    )
    return obj


# --- locks (committee) -----------------------------------------------------------------------------------


@batching.batched
def period_close(*, actor: User, month: dt.date) -> PeriodLock:
    """关账: lock every record held in the month.

    Only a month that has ended: the current one is still being logged (it may be closed from the
    first day of the next month on, Asia/Shanghai).
    """
    require(permissions.can_configure(scope_for(actor)), "只有工委管理员可以关账。")
    month = month.replace(day=1)
    this_month = timezone.localdate().replace(day=1)
    if month > this_month:
        raise ValidationError("不能关闭尚未到来的月份。")
    if month == this_month:
        raise ValidationError("本月尚未结束，不能关账；请在下月初关账。")
    lock, _ = PeriodLock.objects.get_or_create(month=month, defaults={"closed_by": actor})
    return lock


@batching.batched
def period_reopen(*, actor: User, month: dt.date) -> None:
    require(permissions.can_configure(scope_for(actor)), "只有工委管理员可以重新开放月份。")
    for lock in PeriodLock.objects.filter(month=month.replace(day=1)):
        lock.delete()  # the deletion is kept in the lock's history (留痕)


# --- rules (committee) ------------------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "frequency",
    "min_count",
    "strength",
    "source",
    "source_text",
    "remind_days_before",
    "coverage",
    "active",
)


#: When a rule seeded without history (a data migration) is taken to have been in force since.
BASELINE_AT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _history_baseline(rule: ComplianceRule) -> None:
    """Before the first edit of a rule that has no history yet, record it as it was (in force since BASELINE_AT).

    The engine judges a closed window by the rule as it was at the close (`compliance.closing`); without
    this row, the first edit would be all it knows of the rule.
    """
    if rule.history.exists():
        return
    values = {f.attname: getattr(rule, f.attname) for f in ComplianceRule._meta.concrete_fields}
    rule.history.model.objects.create(
        **values, history_date=BASELINE_AT, history_type="+", history_change_reason="规则历史基线"
    )


def rule_edits_apply_from() -> dt.date | None:
    """The month a rule edit made today applies from: the one after the last closed month (关账), or None
    when no month is closed (it applies to every month). Months closed keep the rules of their close."""
    last = PeriodLock.objects.order_by("-month").values_list("month", flat=True).first()
    if last is None:
        return None
    return dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)


@batching.batched
def rule_update(*, actor: User, rule: ComplianceRule, data: dict) -> ComplianceRule:
    """Change a rule for every month not closed; closed windows keep the rule as it was at their close."""
    require(permissions.can_configure(scope_for(actor)), "只有工委管理员可以修改规则。")
    rule = ComplianceRule.objects.select_for_update().get(pk=rule.pk)
    _history_baseline(rule)
    for name in RULE_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    if rule.min_count < 1:
        raise ValidationError({"min_count": "每周期至少次数须大于0。"})
    rule.full_clean()
    rule.save()
    return rule


@batching.batched
def rule_override_set(
    *,
    actor: User,
    rule: ComplianceRule,
    unit: Unit,
    frequency: str,
    min_count: int,
    strength: str,
    applies: bool = True,
    note: str = "",
    coverage: int | None = None,
) -> RuleOverride:
    """A unit's version of a rule; `coverage` (谈心谈话) keeps the override's, or the rule's, when not given.

    It applies to the months not closed; closed windows keep the override (or none) they were closed with.
    """
    require(permissions.can_configure(scope_for(actor)), "只有工委管理员可以调整单位规则。")
    _history_baseline(rule)  # the rule as it was, for windows closed before the override
    if applies and min_count < 1:
        raise ValidationError({"min_count": "每周期至少次数须大于0。"})
    override = RuleOverride.objects.filter(rule=rule, unit=unit).first()
    if override is None:
        override = RuleOverride(rule=rule, unit=unit, coverage=rule.coverage)
    override.frequency, override.min_count, override.strength = frequency, min_count, strength
    override.applies, override.note = applies, note.strip()
    if coverage is not None:
        override.coverage = coverage
    override.full_clean()
    override.save()
    return override


@batching.batched
def rule_override_delete(*, actor: User, override: RuleOverride) -> None:
    require(permissions.can_configure(scope_for(actor)), "只有工委管理员可以调整单位规则。")
    trash.trash_delete(override, actor=actor)
