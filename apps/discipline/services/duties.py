"""Writes of 责任清单: the committee's template versions, and each unit's adopted (adapted) list versions.

- Template: a new version copies the latest one's items (draft); the committee edits its items and
  publishes it. A published version is read-only; at most one draft exists at a time.
- Unit list: the unit's secretary adopts the latest published template into a new draft version of the
  unit's list (items copied, the suggested owner position as a start), adapts it (edit, add, remove
  items; each item needs its 责任岗位) and confirms it (adopted_at). Confirmed versions are never changed:
  the next change is a new version, so every earlier one stays viewable.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from apps.core import audit, trash
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import Unit, User

from .. import permissions
from ..models import DutyTemplate, DutyTemplateItem, UnitDutyItem, UnitDutyList

TEMPLATE_FIELDS = ("title", "note")
TEMPLATE_ITEM_FIELDS = ("category", "content", "default_owner", "order")
DUTY_LIST_FIELDS = ("note",)
DUTY_ITEM_FIELDS = ("category", "content", "owner_position", "order")

COMMITTEE_ONLY = "只有工委管理员可以维护责任清单模板。"
UNIT_ONLY = "只有本单位党务干部可以修改本单位的责任清单。"
TEMPLATE_PUBLISHED = "该模板版本已发布，不能修改；如需调整请新建版本。"
LIST_CONFIRMED = "该版本责任清单已确认，不能修改；如需调整请采用最新模板生成新版本。"


def _set(obj, fields: dict, allowed: tuple[str, ...]) -> None:
    for name in allowed:
        if name in fields:
            setattr(obj, name, fields[name])


# --- the committee's template ----------------------------------------------------------------------------


def _template_for_change(*, actor: User, template: DutyTemplate) -> DutyTemplate:
    require(permissions.can_supervise(scope_for(actor)), COMMITTEE_ONLY)
    locked = DutyTemplate.objects.select_for_update().get(pk=template.pk)
    if locked.published_at is not None:
        raise ValidationError(TEMPLATE_PUBLISHED)
    return locked


def latest_published_template() -> DutyTemplate | None:
    return DutyTemplate.objects.filter(published_at__isnull=False).order_by("-version").first()


def duty_template_new_version(*, actor: User, note: str = "") -> DutyTemplate:
    """Start a new template version (draft) copying the latest version's items; one draft at a time."""
    require(permissions.can_supervise(scope_for(actor)), COMMITTEE_ONLY)
    with transaction.atomic():
        versions = list(DutyTemplate.objects.select_for_update().order_by("-version"))
        draft = next((t for t in versions if t.published_at is None), None)
        if draft is not None:
            raise ValidationError(f"已有未发布的第{draft.version}版草稿，请先编辑发布或删除它。")
        latest = versions[0] if versions else None
        template = DutyTemplate(
            version=(latest.version + 1) if latest else 1,
            title=latest.title if latest else DutyTemplate._meta.get_field("title").default,
            note=note,
            created_by=actor,
        )
        template.full_clean()
        template.save()
        if latest is not None:
            created = DutyTemplateItem.objects.bulk_create(
                DutyTemplateItem(
                    template=template,
                    category=i.category,
                    content=i.content,
                    default_owner=i.default_owner,
                    order=i.order,
                )
                for i in latest.items.all()
            )
            audit.record_bulk(created, action=audit.CREATE)
        return template


def duty_template_update(*, actor: User, template: DutyTemplate, fields: dict) -> DutyTemplate:
    with transaction.atomic():
        template = _template_for_change(actor=actor, template=template)
        _set(template, fields, TEMPLATE_FIELDS)
        template.full_clean()
        template.save()
        return template


def duty_template_delete(*, actor: User, template: DutyTemplate) -> None:
    """Discard a draft version (a published one is kept for ever: units' lists point at it)."""
    with transaction.atomic():
        template = _template_for_change(actor=actor, template=template)
        trash.trash_delete(template, actor=actor)


def duty_template_item_save(
    *, actor: User, template: DutyTemplate, fields: dict, item: DutyTemplateItem | None = None
) -> DutyTemplateItem:
    """Add an item to a draft template, or change one of its items."""
    with transaction.atomic():
        template = _template_for_change(actor=actor, template=template)
        if item is None:
            item = DutyTemplateItem(template=template)
            fields = {"order": _next_order(template.items), **fields}
        elif item.template_id != template.pk:
            raise ValidationError("该条目不属于此模板版本。")
        _set(item, fields, TEMPLATE_ITEM_FIELDS)
        item.full_clean()
        item.save()
        return item


def duty_template_item_delete(*, actor: User, item: DutyTemplateItem) -> None:
    with transaction.atomic():
        _template_for_change(actor=actor, template=item.template)
        trash.trash_delete(item, actor=actor)


def duty_template_publish(*, actor: User, template: DutyTemplate, now: dt.datetime) -> DutyTemplate:
    """Publish a draft version: from now on it is read-only and units adopt it."""
    with transaction.atomic():
        template = _template_for_change(actor=actor, template=template)
        if not template.items.exists():
            raise ValidationError("模板没有任何条目，不能发布。")
        template.published_at = now
        template.save(update_fields=["published_at", "updated_at"])
        return template


def _next_order(items) -> int:
    return (items.aggregate(m=Max("order"))["m"] or 0) + 1


# --- a unit's list ---------------------------------------------------------------------------------------


def _list_for_change(*, actor: User, duty_list: UnitDutyList) -> UnitDutyList:
    require(permissions.can_answer_for_unit(scope_for(actor), duty_list.unit_id), UNIT_ONLY)
    locked = UnitDutyList.objects.select_for_update().get(pk=duty_list.pk)
    if locked.adopted_at is not None:
        raise ValidationError(LIST_CONFIRMED)
    return locked


def unit_duty_list_adopt(*, actor: User, unit: Unit, note: str = "") -> UnitDutyList:
    """Adopt the latest published template into a new draft version of the unit's list (items copied)."""
    require(permissions.can_answer_for_unit(scope_for(actor), unit.pk), UNIT_ONLY)
    with transaction.atomic():
        Unit.objects.select_for_update().filter(pk=unit.pk).first()  # one adoption at a time per unit
        template = latest_published_template()
        if template is None:
            raise ValidationError("工委尚未发布责任清单模板。")
        lists = UnitDutyList.objects.filter(unit=unit)
        draft = lists.filter(adopted_at__isnull=True).first()
        if draft is not None:
            raise ValidationError(f"本单位已有未确认的第{draft.version}版草稿，请先完成确认或删除它。")
        duty_list = UnitDutyList(
            unit=unit, version=(lists.aggregate(m=Max("version"))["m"] or 0) + 1, template=template, note=note
        )
        duty_list.full_clean(exclude=["adopted_by"])  # set on confirming
        duty_list.save()
        created = UnitDutyItem.objects.bulk_create(
            UnitDutyItem(
                duty_list=duty_list,
                source=i,
                category=i.category,
                content=i.content,
                owner_position=i.default_owner,
                order=i.order,
            )
            for i in template.items.all()
        )
        audit.record_bulk(created, action=audit.CREATE)
        return duty_list


def unit_duty_list_update(*, actor: User, duty_list: UnitDutyList, fields: dict) -> UnitDutyList:
    with transaction.atomic():
        duty_list = _list_for_change(actor=actor, duty_list=duty_list)
        _set(duty_list, fields, DUTY_LIST_FIELDS)
        duty_list.full_clean(exclude=["adopted_by"])
        duty_list.save()
        return duty_list


def unit_duty_list_discard(*, actor: User, duty_list: UnitDutyList) -> None:
    """Move a draft version with its items to the trash (回收站); confirmed versions are kept."""
    with transaction.atomic():
        trash.trash_delete(_list_for_change(actor=actor, duty_list=duty_list), actor=actor)


def unit_duty_item_save(
    *, actor: User, duty_list: UnitDutyList, fields: dict, item: UnitDutyItem | None = None
) -> UnitDutyItem:
    """Change an item of a draft list or add the unit's own item. The 责任岗位 may stay empty until confirming."""
    with transaction.atomic():
        duty_list = _list_for_change(actor=actor, duty_list=duty_list)
        if item is None:
            item = UnitDutyItem(duty_list=duty_list)
            fields = {"order": _next_order(duty_list.items), **fields}
        elif item.duty_list_id != duty_list.pk:
            raise ValidationError("该条目不属于此版本清单。")
        _set(item, fields, DUTY_ITEM_FIELDS)
        item.owner_position = (item.owner_position or "").strip()
        item.full_clean(exclude=["owner_position"] if not item.owner_position else None)
        item.save()
        return item


def unit_duty_item_delete(*, actor: User, item: UnitDutyItem) -> None:
    with transaction.atomic():
        _list_for_change(actor=actor, duty_list=item.duty_list)
        trash.trash_delete(item, actor=actor)


def unit_duty_list_confirm(*, actor: User, duty_list: UnitDutyList, now: dt.datetime) -> UnitDutyList:
    """Confirm a draft: every item needs its 责任岗位; from now on this version is read-only and current."""
    with transaction.atomic():
        duty_list = _list_for_change(actor=actor, duty_list=duty_list)
        items = list(duty_list.items.all())
        if not items:
            raise ValidationError("清单没有任何条目，不能确认。")
        missing = [i for i in items if not i.owner_position.strip()]
        if missing:
            names = "；".join(f"“{i.content[:20]}”" for i in missing[:5])
            more = f"等{len(missing)}条" if len(missing) > 5 else ""
            raise ValidationError({"owner_position": f"以下条目尚未填写责任岗位：{names}{more}。"})
        duty_list.adopted_at, duty_list.adopted_by = now, actor
        duty_list.save(update_fields=["adopted_at", "adopted_by", "updated_at"])
        return duty_list
