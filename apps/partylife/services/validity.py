"""What a record must satisfy beyond its model fields (记录的有效性): its place, the life of that place,
its people on its date, the parts its type asks for, and no likely duplicate.

- A record goes to a unit (unit-level types) or a branch and, for 党小组会, a party group (`place_of`).
- It lies within the life of its place (`check_life`): not after today, not before its branch (party
  group) was founded, not on or after the day it was dissolved — ends are exclusive.
- Its people are those of its branch (unit) **on its date** (`people`, by Membership), not today's roster.
- Its 领学人 is one of those people and only a study type (理论学习) has one; the record's 计入学时
  (an override of the type's default) only a type that counts hours.
- A second record of the same type and place in the same hour is likely a duplicate (`likely_duplicates`):
  the record services refuse it until the user confirms.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.core.periods import day_label, local_date, local_time_label
from apps.orgs.models import Branch, PartyGroup, Unit

from .. import selectors
from ..models import Activity, ActivityCategory, ActivityType, Level

NOT_YET = "活动尚未开展：时间不能晚于今天，请在活动开展后再登记。"


def place_of(
    activity_type: ActivityType, *, unit: Unit | None, branch: Branch | None, party_group: PartyGroup | None
) -> tuple[Unit, Branch | None, PartyGroup | None]:
    """Where a record of this type goes: a unit for unit-level types; a branch (and its party group) otherwise."""
    if activity_type.level == Level.UNIT:
        if unit is None:
            raise ValidationError({"unit": "请选择单位。"})
        return unit, None, None
    if branch is None:
        raise ValidationError({"branch": "请选择支部。"})
    if activity_type.level == Level.PARTY_GROUP and party_group is None:
        raise ValidationError({"party_group": "党小组会须选择党小组。"})
    if party_group is not None and party_group.branch_id != branch.pk:
        raise ValidationError({"party_group": "党小组须属于所选支部。"})
    return branch.unit, branch, party_group


def people(activity: Activity):
    """The members of the record's branch (its unit, for a unit-level record) on its date: who may attend or talk."""
    return selectors.place_members(unit=activity.unit, branch=activity.branch, on=local_date(activity.held_at))


def unit_people(activity: Activity):
    """The members of the record's unit on its date: who may be its linked cadre (联系干部)."""
    return selectors.place_members(unit=activity.unit, branch=None, on=local_date(activity.held_at))


def check_life(activity: Activity) -> None:
    """A record is dated within its place's life: not after today, not before its branch (party group)
    was founded, not on or after the day it was dissolved (ends are exclusive)."""
    day = local_date(activity.held_at)
    if day > timezone.localdate():
        raise ValidationError({"held_at": NOT_YET})
    for place in (activity.branch, activity.party_group):
        if place is None:
            continue
        if day < place.founded_on:
            raise ValidationError(
                {"held_at": f"{place.name}于{day_label(place.founded_on)}成立，不能登记成立之前的活动。"}
            )
        if place.dissolved_on is not None and day >= place.dissolved_on:
            how = place.get_end_reason_display() if isinstance(place, Branch) else "撤销"  # 撤销、合并、更名·改建
            message = f"{place.name}已于{day_label(place.dissolved_on)}{how}，不能登记该日及以后的活动。"
            successor = getattr(place, "successor", None)
            if successor is not None:
                message += f"此后的活动请登记在{successor.name}。"
            raise ValidationError({"held_at": message})


def likely_duplicates(activity: Activity) -> QuerySet[Activity]:
    """Other records of the same type and place (unit, branch, party group) in the same local hour;
    for a talk, only those of the same two people. A second one is likely the same meeting logged twice."""
    start = timezone.localtime(activity.held_at).replace(minute=0, second=0, microsecond=0)
    qs = Activity.objects.filter(
        activity_type_id=activity.activity_type_id,
        unit_id=activity.unit_id,
        branch_id=activity.branch_id,
        party_group_id=activity.party_group_id,
        held_at__gte=start,
        held_at__lt=start + dt.timedelta(hours=1),
    ).exclude(pk=activity.pk)
    if activity.activity_type.has_talk_pair:
        a, b = activity.talker_id, activity.talkee_id
        qs = qs.filter(Q(talker_id=a, talkee_id=b) | Q(talker_id=b, talkee_id=a))
    return qs.order_by("held_at", "pk")


def duplicate_key(activity: Activity) -> tuple:
    hour = timezone.localtime(activity.held_at).replace(minute=0, second=0, microsecond=0)
    return (activity.unit_id, activity.branch_id, activity.party_group_id, hour, activity.talker_id, activity.talkee_id)


def refuse_duplicate(activity: Activity) -> None:
    other = likely_duplicates(activity).first()
    if other is None:
        return
    where = activity.party_group or activity.branch or activity.unit
    message = (
        f"{where}已有一条同一时段的{activity.activity_type.name}记录：“{other.topic}”"
        f"（{local_time_label(other.held_at)}，{other.get_status_display()}），可能是重复登记。"
        "如确认不是重复，请确认后再保存。"
    )
    raise ValidationError({"duplicate": ValidationError(message, code="likely_duplicate")})


def validate_parts(activity: Activity) -> None:
    """What the record's type asks for beyond its model fields (talk pair, 领学人, 第一议题, linked enterprise)."""
    t, errors = activity.activity_type, {}
    if not activity.topic.strip():
        errors["topic"] = "请填写主题。"
    if activity.held_at is None:
        errors["held_at"] = "请填写时间。"
    if t.has_talk_pair:
        pair = [activity.talker, activity.talkee]
        if None in pair:
            errors["talkee"] = "谈心谈话须填写谈话双方。"
        elif activity.talker.pk == activity.talkee.pk:
            errors["talkee"] = "谈话双方不能是同一人。"
        elif activity.held_at and people(activity).filter(pk__in=[m.pk for m in pair]).count() != 2:
            errors["talkee"] = "谈话双方须为本支部在册党员（以谈话当天的组织关系为准）。"
    if activity.lead_by_id is not None:
        if t.category != ActivityCategory.STUDY:
            errors["lead_by"] = "只有理论学习类活动（中心组学习、第一议题、党课）可填写领学人。"
        elif activity.held_at and not people(activity).filter(pk=activity.lead_by_id).exists():
            errors["lead_by"] = "领学人须为本单位（支部）在册党员（以活动当天的组织关系为准）。"
    if activity.study_hours is not None and not t.study_hours > 0:
        errors["study_hours"] = f"{t.name}不计入学习学时，不能填写计入学时。"
    if t.has_first_topic and not activity.material.strip():
        errors["material"] = "请填写第一议题学习内容。"
    if t.has_enterprise:
        if not activity.enterprise_name.strip():
            errors["enterprise_name"] = "请填写联系企业。"
        if activity.cadre is None:
            errors["cadre"] = "请选择联系干部。"
        elif activity.held_at and not unit_people(activity).filter(pk=activity.cadre.pk).exists():
            errors["cadre"] = "联系干部须为本单位党员（以走访当天的组织关系为准）。"
    if errors:
        raise ValidationError(errors)
