"""Writes of the 应知应会清单: the committee keeps the items; each member marks what they studied.

The import from Excel (row-level errors, all rows or none, update by title) is
`services.knowledge_import`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import User

from .. import permissions
from ..models import KnowledgeItem, KnowledgeStudy

#: What the committee fills in (the form's, the serializer's and the import's fields come from here).
KNOWLEDGE_FIELDS = ("category", "subcategory", "title", "issued_by", "issued_on", "summary", "link", "order", "active")

CONFIGURE_DENIED = "只有工委管理员可以维护应知应会清单。"
MARK_DENIED = "只有党员本人可以标记应知应会学习情况。"


def _apply(item: KnowledgeItem, fields: dict) -> None:
    for name in KNOWLEDGE_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(item, name, value.strip() if isinstance(value, str) else value)


def knowledge_item_create(*, actor: User, fields: dict) -> KnowledgeItem:
    """Add an item to the list (the committee)."""
    with transaction.atomic():
        require(permissions.can_configure(scope_for(actor)), CONFIGURE_DENIED)
        item = KnowledgeItem()
        _apply(item, fields)
        item.full_clean()
        item.save()
        return item


def knowledge_item_update(*, actor: User, item: KnowledgeItem, fields: dict) -> KnowledgeItem:
    """Change an item (the committee); fields not given stay as they are."""
    with transaction.atomic():
        require(permissions.can_configure(scope_for(actor)), CONFIGURE_DENIED)
        item = KnowledgeItem.objects.select_for_update().get(pk=item.pk)
        _apply(item, fields)
        item.full_clean()
        item.save()
        return item


def knowledge_item_set_active(*, actor: User, item: KnowledgeItem, active: bool) -> KnowledgeItem:
    """Take an item off the list (停用) or put it back; members' marks are kept and count again when it returns."""
    return knowledge_item_update(actor=actor, item=item, fields={"active": active})


def _member_id(actor: User) -> int:
    scope = scope_for(actor)
    require(permissions.can_mark_knowledge(scope), MARK_DENIED)
    return scope.member_id


def knowledge_mark(*, actor: User, item: KnowledgeItem) -> KnowledgeStudy:
    """Mark an item of the list studied (已学) for the actor's own member row; marking twice changes nothing."""
    with transaction.atomic():
        member_id = _member_id(actor)
        if not KnowledgeItem.objects.filter(pk=item.pk, active=True).exists():
            raise ValidationError({"item": "该条目已不在应知应会清单中。"})
        existing = KnowledgeStudy.objects.filter(member_id=member_id, item_id=item.pk).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return KnowledgeStudy.objects.create(member_id=member_id, item_id=item.pk)
        except IntegrityError:  # marked at the same moment from another tab
            return KnowledgeStudy.objects.get(member_id=member_id, item_id=item.pk)


def knowledge_unmark(*, actor: User, item: KnowledgeItem) -> bool:
    """Take back one's own mark; returns whether there was one."""
    with transaction.atomic():
        member_id = _member_id(actor)
        deleted, _ = KnowledgeStudy.objects.filter(member_id=member_id, item_id=item.pk).delete()
        return bool(deleted)
