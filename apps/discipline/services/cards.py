"""Writes of 亮黄牌 / 掏红牌: issue a card, lift it (解除) once its rectifications are accepted, edit the rules.

One job per function, keyword-only arguments, one transaction each; only the committee writes.
A card copies the deduction and the tier cap of its colour's rule at issue time, so a later change
of the rule never changes a card already issued. The unit's secretaries are told of an issue and a
lift once each (reminders.cards).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import Unit, User

from .. import permissions
from ..models import Card, CardRule, Finding, Talk
from ..reminders import cards as card_notices
from ..selectors.cards import open_items

#: What the committee fills in to issue a card (the form's and the serializer's fields come from here).
CARD_FIELDS = ("unit", "colour", "reason", "issued_on", "findings", "talks")
CARD_RULE_FIELDS = ("deduction", "caps_tier", "tier_cap", "note")

DENIED = "只有工委管理员可以亮牌、解除黄红牌和修改黄红牌规则。"
NOT_YET = "日期不能晚于今天。"


def _check_links(unit: Unit, findings: Iterable[Finding], talks: Iterable[Talk]) -> None:
    errors = {}
    if any(f.unit_id != unit.pk for f in findings):
        errors["findings"] = "只能关联该单位的问题。"
    if any(t.unit_id != unit.pk for t in talks):
        errors["talks"] = "只能关联该单位的约谈记录。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def card_issue(
    *,
    actor: User,
    unit: Unit,
    colour: str,
    reason: str,
    issued_on: dt.date,
    findings: Iterable[Finding] = (),
    talks: Iterable[Talk] = (),
    today: dt.date | None = None,
) -> Card:
    """Issue a card (亮牌) to a unit, resting on that unit's findings and talks; the rule's weight is copied."""
    require(permissions.can_supervise(scope_for(actor)), DENIED)
    today = today or timezone.localdate()
    findings, talks = list(findings), list(talks)
    _check_links(unit, findings, talks)
    if issued_on and issued_on > today:
        raise ValidationError({"issued_on": NOT_YET})
    if not unit.active:
        raise ValidationError({"unit": "该单位已停用，不能亮牌。"})
    rule = CardRule.objects.filter(colour=colour).first()
    if rule is None:
        raise ValidationError({"colour": "请选择黄牌或红牌（该颜色尚无规则，请先在黄红牌规则中设置）。"})
    card = Card(
        unit=unit,
        colour=colour,
        reason=(reason or "").strip(),
        issued_on=issued_on,
        issued_by=actor,
        deduction=rule.deduction,
        caps_tier=rule.caps_tier,
        tier_cap=rule.tier_cap if rule.caps_tier else "",
    )
    card.full_clean()
    card.save()
    card.findings.set(findings)
    card.talks.set(talks)
    transaction.on_commit(lambda: card_notices.notify_issued([card]))
    return card


@transaction.atomic
def card_lift(
    *, actor: User, card: Card, note: str = "", lifted_on: dt.date | None = None, today: dt.date | None = None
) -> Card:
    """Lift (解除) a card in force: refused while any rectification of its findings is not 已销号.

    A card resting on no finding may be lifted with a note saying why. Records lifted_on, lifted_by, lift_note.
    """
    require(permissions.can_supervise(scope_for(actor)), DENIED)
    today = today or timezone.localdate()
    card = Card.objects.select_for_update().get(pk=card.pk)
    if not card.in_force:
        raise ValidationError(f"该黄红牌已于 {card.lifted_on:%Y-%m-%d} 解除。")
    blocking = open_items(card)
    if blocking:
        raise ValidationError("尚有整改未销号，不能解除：" + "；".join(blocking) + "。")
    note = (note or "").strip()
    if not note and not card.findings.exists():
        raise ValidationError({"lift_note": "该黄红牌未关联问题，解除时须填写解除说明。"})
    lifted_on = lifted_on or today
    if lifted_on > today:
        raise ValidationError({"lifted_on": NOT_YET})
    if lifted_on < card.issued_on:
        raise ValidationError({"lifted_on": "解除日期不能早于亮牌日期。"})
    card.lifted_on, card.lifted_by, card.lift_note = lifted_on, actor, note
    card.full_clean()
    card.save()
    transaction.on_commit(lambda: card_notices.notify_lifted([card]))
    return card


@transaction.atomic
def card_rule_update(
    *, actor: User, rule: CardRule, deduction: Decimal, caps_tier: bool, tier_cap: str = "", note: str = ""
) -> CardRule:
    """Change what a colour weighs from now on (cards already issued keep theirs)."""
    require(permissions.can_supervise(scope_for(actor)), DENIED)
    tier_cap = (tier_cap or "").strip()
    if caps_tier and not tier_cap:
        raise ValidationError({"tier_cap": "限制评定等次时须填写最高等次，例如 一般。"})
    rule.deduction, rule.caps_tier, rule.tier_cap, rule.note = deduction, caps_tier, tier_cap if caps_tier else "", note
    rule.full_clean()
    rule.save()
    return rule
