"""Roster import (名册导入): read a secretary's .xlsx roster, check every row, then write all rows or none.

The sheet is the one secretaries already keep: 单位, 支部, 姓名, 性别, 出生日期, 入党日期,
党员状态 and an optional 职务, found by header text in the first row (`roster_sheet` reads
it). A member is identified by (branch, name, birth date), the natural key the database
enforces. One bad row imports nothing; the result lists every bad row with its Excel row number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import permissions
from .access import scope_for
from .models import Branch, Member, Unit, User
from .roster_sheet import (  # the sheet's columns and limits, for the import page and the template
    COLUMN_HELP,
    COLUMNS,
    EXAMPLE_NAME,
    EXAMPLE_ROW,
    MAX_FILE_BYTES,
    MAX_ROWS,
    RosterRow,
    SheetError,
    read_file,
)
from .services import memberships_open_bulk

CHANGE_REASON = "名册导入"
BATCH = 500  # rows per INSERT / UPDATE statement
logger = logging.getLogger(__name__)

_UPDATABLE = ("gender", "join_date", "status", "position")


@dataclass
class RowError:
    """One bad row: its Excel row number, the name in it, and every problem found."""

    row: int
    name: str
    problems: list[str]

    def __str__(self):
        who = f"（{self.name}）" if self.name else ""
        return f"第 {self.row} 行{who}：{'；'.join(self.problems)}"


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a failed import, would do)."""

    dry_run: bool = False
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        return f"新增 {self.created} 人，更新 {self.updated} 人，未变化 {self.unchanged} 人"


def can_import(user) -> bool:
    """The committee and unit secretaries import rosters; branch secretaries and members do not."""
    return permissions.may_keep_rosters(scope_for(user))


def roster_import(*, actor: User, file, dry_run: bool = False) -> ImportResult:
    """Import members from an uploaded .xlsx roster, all rows or none.

    Every row is checked first (cells, unit and branch, the actor's right to the
    unit, duplicates in the file, the member already on the roster, the model's
    own validation). If any row is bad, or the file itself is, nothing is written
    and the result lists every problem. Otherwise new members are created and
    changed ones updated in bulk, each with a history row (history_user = actor);
    identical members are not touched. `dry_run` checks and counts, writes nothing.

    Raises PermissionDenied for anyone but the committee and unit secretaries.
    """
    if not can_import(actor):
        raise PermissionDenied("只有工委管理员和单位党务干部可以导入名册。")
    scope = scope_for(actor)
    result = ImportResult(dry_run=dry_run)
    try:
        rows, has_position = read_file(file)
    except SheetError as exc:
        result.file_errors.append(str(exc))
        return result
    result.rows = len(rows)
    try:
        with transaction.atomic():
            to_create, to_update, changed_fields, unchanged = _check_rows(rows, scope=scope, has_position=has_position)
            result.row_errors = [RowError(r.number, r.name, r.all_problems) for r in rows if r.all_problems]
            if result.row_errors:
                return result
            result.created, result.updated, result.unchanged = len(to_create), len(to_update), unchanged
            if not dry_run:
                _write(actor=actor, to_create=to_create, to_update=to_update, changed_fields=changed_fields)
    except IntegrityError:
        # Someone else added one of these members between our check and our write.
        logger.warning("roster import by %s hit a concurrent change", actor.pk, exc_info=True)
        result.created = result.updated = result.unchanged = 0
        result.file_errors.append("名册正被他人同时修改，本次未导入任何数据，请稍后重新导入。")
    return result


# --- checking against the roster ----------------------------------------------------------------


def _check_rows(rows: list[RosterRow], *, scope, has_position: bool):
    """Resolve units and branches, find each row's member, and sort rows into create / update / unchanged.

    Notes problems on the rows in place. Locks the existing members of the units
    concerned (select_for_update), so the write that follows acts on what was checked.
    """
    units_by_text = _units_by_text({r.unit_text for r in rows if r.unit_text})
    for row in rows:
        if not row.unit_text or row.example:
            continue
        matches = units_by_text.get(row.unit_text, [])
        if not matches:
            row.place_problems.append(f"找不到单位“{row.unit_text}”，请填写平台中已有单位的全称或简称")
        elif len(matches) > 1:
            row.place_problems.append(f"单位简称“{row.unit_text}”对应多个单位，请填写单位全称")
        elif not scope.manages_unit(matches[0].pk):
            row.place_problems.append("无权导入其他单位的党员")
        elif not matches[0].active:
            row.place_problems.append(f"单位“{matches[0].name}”已停用")
        else:
            row.unit = matches[0]

    # Only branches of units the actor manages are ever looked at.
    unit_ids = {r.unit.pk for r in rows if r.unit}
    # A name may belong to a dissolved branch and to today's one: today's wins (it is read last).
    branches = {
        (b.unit_id, b.name): b
        for b in Branch.objects.filter(unit_id__in=unit_ids)
        .select_related("unit")
        .order_by(F("dissolved_on").desc(nulls_last=True), "pk")
    }
    branch_by_pk = {b.pk: b for b in branches.values()}
    for row in rows:
        if row.unit is None or not row.branch_text:
            continue
        branch = branches.get((row.unit.pk, row.branch_text))
        if branch is None:
            row.place_problems.append(
                f"单位“{row.unit.name}”没有名为“{row.branch_text}”的党支部，请先在平台中新建该支部后再导入"
            )
        elif not branch.is_current:
            row.place_problems.append(f"党支部“{branch.name}”已撤销")
        else:
            row.branch = branch

    # Every member of those units, locked: matched by the natural key, and checked
    # for the same person already on another branch of the unit.
    existing: dict[tuple, Member] = {}
    in_unit: dict[tuple, list[Member]] = {}
    for member in Member.objects.select_for_update().filter(branch_id__in=branch_by_pk).order_by("pk"):
        existing[(member.branch_id, member.name, member.birth_date)] = member
        if member.active:
            unit_id = branch_by_pk[member.branch_id].unit_id
            in_unit.setdefault((unit_id, member.name, member.birth_date), []).append(member)

    to_create: list[Member] = []
    to_update: list[Member] = []
    changed_fields: set[str] = set()
    unchanged = 0
    first_seen: dict[tuple, int] = {}
    for row in rows:
        if row.branch is None or not row.name or row.birth_date is None:
            continue
        key = (row.branch.pk, row.name, row.birth_date)
        if key in first_seen:
            row.problems.append(f"与第 {first_seen[key]} 行重复（单位、支部、姓名、出生日期均相同）")
            continue
        first_seen[key] = row.number
        member = existing.get(key)
        if member is None:
            other = next(
                (m for m in in_unit.get((row.branch.unit_id, row.name, row.birth_date), []) if m.branch_id != key[0]),
                None,
            )
            if other is not None:
                row.problems.append(
                    f"该党员已登记在本单位“{branch_by_pk[other.branch_id].name}”，如需调整支部请在党员名册中修改"
                )
                continue
        elif not member.active:
            row.problems.append("该党员已离册，请先在名册中恢复")
            continue
        if row.problems:
            continue
        if member is None:
            member = Member(
                branch=row.branch,
                name=row.name,
                gender=row.gender,
                birth_date=row.birth_date,
                join_date=row.join_date,
                status=row.status,
                position=row.position or "",
            )
            if _full_clean(member, row):
                to_create.append(member)
            continue
        changed = [
            name
            for name in _UPDATABLE
            if (name != "position" or has_position) and getattr(member, name) != getattr(row, name)
        ]
        if not changed:
            unchanged += 1
            continue
        for name in changed:
            setattr(member, name, getattr(row, name))
        if _full_clean(member, row):
            to_update.append(member)
            changed_fields.update(changed)
    return to_create, to_update, changed_fields, unchanged


def _units_by_text(texts: set[str]) -> dict[str, list[Unit]]:
    """Each text's units: by full name if one has it, otherwise by short name (which may match several)."""
    found: dict[str, list[Unit]] = {}
    if not texts:
        return found
    units = list(Unit.objects.filter(Q(name__in=texts) | Q(short_name__in=texts)).order_by("pk"))
    for text in texts:
        by_name = [u for u in units if u.name == text]
        found[text] = by_name or [u for u in units if u.short_name == text]
    return found


def _full_clean(member: Member, row: RosterRow) -> bool:
    """Run the model's own validation (fields, choices, check constraints); note failures on the row in Chinese.

    The branch was just read from the database and the natural key is checked
    above, so neither costs a query per row here.
    """
    try:
        member.full_clean(exclude=["branch"], validate_unique=False, validate_constraints=False)
        _check_constraints(member)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            label = "" if name == NON_FIELD_ERRORS else f"{Member._meta.get_field(name).verbose_name}："
            row.problems.extend(f"{label}{m.rstrip('。')}" for m in messages)
        return False
    return True


def _check_constraints(member: Member) -> None:
    """The model's check constraints, in Python: Django's validate_constraints runs a query per constraint per row."""
    if not member.join_date > member.birth_date:
        raise ValidationError({"join_date": "入党日期必须晚于出生日期。"})
    if not (member.active or member.left_on):
        raise ValidationError({"left_on": "离册党员须有离册日期。"})


# --- writing -----------------------------------------------------------------------------------------


def _write(*, actor: User, to_create: list[Member], to_update: list[Member], changed_fields: set[str]) -> None:
    """Create and update in bulk; simple_history's bulk helpers add one history row per member."""
    now = timezone.now()
    if to_create:
        bulk_create_with_history(
            to_create,
            Member,
            batch_size=BATCH,
            default_user=actor,
            default_change_reason=CHANGE_REASON,
            default_date=now,
        )
        memberships_open_bulk(to_create, reason=CHANGE_REASON)
    if to_update:
        for member in to_update:
            member.updated_at = now  # bulk_update skips auto_now
        bulk_update_with_history(
            to_update,
            Member,
            fields=sorted(changed_fields | {"updated_at"}),
            batch_size=BATCH,
            default_user=actor,
            default_change_reason=CHANGE_REASON,
            default_date=now,
        )


__all__ = [
    "COLUMNS",
    "COLUMN_HELP",
    "EXAMPLE_NAME",
    "EXAMPLE_ROW",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "ImportResult",
    "RowError",
    "can_import",
    "roster_import",
]
