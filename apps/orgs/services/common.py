"""What every org service shares: the field lists written once, and the last steps of a write."""

from __future__ import annotations

from django.core.exceptions import ValidationError

UNIT_FIELDS = ("name", "short_name", "category", "party_org_kind", "order", "active", "joined_on")
BRANCH_FIELDS = ("unit", "name", "kind", "founded_on", "order")
#: A party group's branch is given when it is created and never changes.
PARTY_GROUP_FIELDS = ("name", "founded_on")
MEMBER_FIELDS = (
    "branch",
    "party_group",
    "name",
    "gender",
    "birth_date",
    "join_date",
    "status",
    "position",
    "is_leading_cadre",
    "is_branch_committee",
)


def _require_destination(condition: bool, field: str, message: str) -> None:
    """Where the record goes: a place the actor may not write to is a refused choice (400, on the field)."""
    if not condition:
        raise ValidationError({field: message})


def _saved(instance):
    """Validate (fields, validators, constraints) and save: every write's last step."""
    instance.full_clean()
    instance.save()
    return instance


def _apply(instance, fields: tuple[str, ...], data: dict) -> list[str]:
    """Copy the known fields from data onto instance; return the names that changed."""
    changed = []
    for name in fields:
        if name in data and getattr(instance, name, None) != data[name]:
            setattr(instance, name, data[name])
            changed.append(name)
    return changed
