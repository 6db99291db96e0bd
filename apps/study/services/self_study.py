"""Writes of 自学 (self-study): a member logs their own, within the year's caps, so the ledger cannot be padded.

The caps are the committee's, per year (`StudyYear.for_year`): `self_study_daily_cap` hours on one
day and `self_study_yearly_cap` hours in the year. An entry that would go past either is refused
with what is left ("当日还可登记 0.5 学时"); a future day is refused; only the member logs.
The member's row is locked while the caps are checked, so two entries sent at once cannot both fit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from apps.core import trash
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import Member, User

from .. import permissions
from ..models import SelfStudy, StudyYear

#: What a member fills in (the form's and the serializer's fields come from here).
SELF_STUDY_FIELDS = ("studied_on", "title", "material", "link", "hours", "note")

DENIED = "自学只能由党员本人登记。"
NOT_MEMBER = "您的账号没有关联党员名册，不能登记自学。"
FUTURE = "不能登记今天以后的自学。"
ZERO = Decimal("0")


def _hours(value: Decimal) -> str:
    """1.0 → "1", 0.5 → "0.5" (what a message says)."""
    return f"{value.normalize():f}" if value else "0"


def caps_left(member: Member, day: dt.date, *, exclude: int | None = None) -> tuple[Decimal, Decimal]:
    """(hours still loggable on `day`, hours still loggable in its year) under the year's caps."""
    settings = StudyYear.for_year(day.year)
    rows = SelfStudy.objects.filter(member=member, studied_on__year=day.year)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    used = rows.aggregate(year=Sum("hours"), day=Sum("hours", filter=Q(studied_on=day)))
    year_used, day_used = used["year"] or ZERO, used["day"] or ZERO
    return (
        max(ZERO, settings.self_study_daily_cap - day_used),
        max(ZERO, settings.self_study_yearly_cap - year_used),
    )


def _check_caps(entry: SelfStudy, *, today: dt.date) -> None:
    day = entry.studied_on
    if day > today:
        raise ValidationError({"studied_on": FUTURE})
    settings = StudyYear.for_year(day.year)
    day_left, year_left = caps_left(entry.member, day, exclude=entry.pk)
    if entry.hours > day_left:
        raise ValidationError(
            {
                "hours": f"超过每日自学上限（每日最多计入 {_hours(settings.self_study_daily_cap)} 学时），"
                f"{day.month}月{day.day}日当日还可登记 {_hours(day_left)} 学时。"
            }
        )
    if entry.hours > year_left:
        raise ValidationError(
            {
                "hours": f"超过全年自学上限（{day.year}年最多计入 {_hours(settings.self_study_yearly_cap)} 学时），"
                f"本年还可登记 {_hours(year_left)} 学时。"
            }
        )


def _own_member(actor: User) -> Member:
    scope = scope_for(actor)
    require(scope.member_id is not None, NOT_MEMBER)
    # Locked: two entries of one member are checked against the caps one after the other.
    member = Member.objects.select_for_update().get(pk=scope.member_id)
    require(permissions.can_log_self_study(scope, member), DENIED)
    return member


def _apply(entry: SelfStudy, fields: dict) -> None:
    for name in SELF_STUDY_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(entry, name, value.strip() if isinstance(value, str) else value)


def self_study_create(*, actor: User, fields: dict, today: dt.date | None = None) -> SelfStudy:
    """Log one 自学 entry for the actor's own member row, within the day's and the year's caps."""
    with transaction.atomic():
        member = _own_member(actor)
        entry = SelfStudy(member=member)
        _apply(entry, fields)
        entry.full_clean()
        _check_caps(entry, today=today or timezone.localdate())
        entry.save()
        return entry


def _for_change(actor: User, entry: SelfStudy) -> SelfStudy:
    require(scope_for(actor).member_id is not None, "只能修改或删除本人的自学记录。")
    member = _own_member(actor)
    entry = SelfStudy.objects.select_for_update().filter(pk=entry.pk).first()
    require(entry is not None and entry.member_id == member.pk, "只能修改或删除本人的自学记录。")
    entry.member = member
    return entry


def self_study_update(*, actor: User, entry: SelfStudy, fields: dict, today: dt.date | None = None) -> SelfStudy:
    """Change one's own entry; the caps are checked again without the entry's old hours."""
    with transaction.atomic():
        entry = _for_change(actor, entry)
        _apply(entry, fields)
        entry.full_clean()
        _check_caps(entry, today=today or timezone.localdate())
        entry.save()
        return entry


def self_study_delete(*, actor: User, entry: SelfStudy) -> None:
    """Delete one's own entry (its hours leave the ledger)."""
    with transaction.atomic():
        trash.trash_delete(_for_change(actor, entry), actor=actor)
