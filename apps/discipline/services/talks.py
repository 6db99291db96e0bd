"""Writes of 约谈提醒 (talks): the committee records a talk with a unit's leaders or cadres, edits it, and marks
its follow-up done. A unit's secretary reads their own unit's talks and writes nothing (DOMAIN §3).

Every write asks `permissions.can_supervise` (403 otherwise); a talk's unit must be one the actor sees
(the committee sees every unit). Dates are bounded by the model's validators (apps.core.dates).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import User

from .. import permissions
from ..models import Talk

#: What the committee fills in (the form's and the serializer's fields come from here).
TALK_FIELDS = (
    "unit",
    "kind",
    "talked_with",
    "talked_by",
    "reason",
    "held_on",
    "outcome",
    "follow_up",
    "follow_up_due",
)
WRITE_DENIED = "只有工委管理员可以登记约谈提醒。"


def _apply(talk: Talk, fields: dict) -> None:
    for name in TALK_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(talk, name, value.strip() if isinstance(value, str) else value)


def _check(talk: Talk) -> None:
    """What a talk must satisfy beyond its fields: the follow-up's dates follow the talk, a due date needs a text."""
    errors = {}
    if talk.follow_up_due and not talk.follow_up:
        errors["follow_up"] = "填写了落实期限，请同时填写后续要求。"
    if talk.follow_up_due and talk.held_on and talk.follow_up_due < talk.held_on:
        errors["follow_up_due"] = "后续落实期限不能早于谈话日期。"
    if talk.follow_up_done_on and talk.held_on and talk.follow_up_done_on < talk.held_on:
        errors["follow_up_done_on"] = "后续落实日期不能早于谈话日期。"
    if errors:
        raise ValidationError(errors)


def talk_create(*, actor: User, fields: dict) -> Talk:
    """Record a talk (the committee)."""
    with transaction.atomic():
        require(permissions.can_supervise(scope_for(actor)), WRITE_DENIED)
        talk = Talk(created_by=actor)
        _apply(talk, fields)
        talk.full_clean()
        _check(talk)
        talk.save()
        return talk


def talk_update(*, actor: User, talk: Talk, fields: dict) -> Talk:
    """Correct a talk (the committee); fields not given stay as they are. Every change is kept (history)."""
    with transaction.atomic():
        require(permissions.can_supervise(scope_for(actor)), WRITE_DENIED)
        talk = Talk.objects.select_for_update().get(pk=talk.pk)
        _apply(talk, fields)
        if not talk.follow_up:
            talk.follow_up_due = talk.follow_up_done_on = None
        talk.full_clean()
        _check(talk)
        talk.save()
        return talk


def talk_follow_up_done(*, actor: User, talk: Talk, done_on: dt.date | None = None) -> Talk:
    """Mark the talk's follow-up done on `done_on` (today, Asia/Shanghai, when not given)."""
    with transaction.atomic():
        require(permissions.can_supervise(scope_for(actor)), WRITE_DENIED)
        talk = Talk.objects.select_for_update().get(pk=talk.pk)
        if not talk.follow_up:
            raise ValidationError("该约谈没有后续要求，无需标记落实。")
        if talk.follow_up_done_on:
            raise ValidationError(f"后续要求已于 {talk.follow_up_done_on:%Y-%m-%d} 落实。")
        talk.follow_up_done_on = done_on or timezone.localdate()
        talk.full_clean()
        _check(talk)
        talk.save()
        return talk
