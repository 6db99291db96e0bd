"""Roster import (名册导入): read a secretary's .xlsx roster, check every row, then write all rows or none.

The sheet is the one secretaries already keep: 单位, 支部, 姓名, 性别, 出生日期, 入党日期,
党员状态, an optional 职务 and an optional 转入日期, found by header text in the first row
(`roster_sheet` reads it). A member is identified by (branch, name, birth date), the natural
key the database enforces. One bad row imports nothing; the result lists every bad row with
its Excel row number.

转入日期 is the day the member came into that branch: a new member's membership starts then
(blank: `default_since`); a person already on another branch of the same unit, with a date,
is a transfer (组织关系转接) on that day, checked as `member_transfer` checks one.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from apps.core import audit, batching, jobs
from apps.core.imports import ImportResult as BaseImportResult
from apps.core.imports import RowError
from apps.core.models import Job
from apps.core.periods import closed_change_message, closed_months

from . import permissions
from .access import scope_for
from .models import Branch, Member, Membership, Unit, User
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
class ImportResult(BaseImportResult):
    """What a roster import did; `transferred` counts the updated members moved in from another branch of the unit."""

    transferred: int = 0
    measure = "人"

    def summary(self) -> str:
        moved = f"（其中转入本单位其他支部 {self.transferred} 人）" if self.transferred else ""
        return f"新增 {self.created} 人，更新 {self.updated} 人{moved}，未变化 {self.unchanged} 人"


def can_import(user) -> bool:
    """The committee and unit secretaries import rosters; branch secretaries and members do not."""
    return permissions.may_keep_rosters(scope_for(user))


def roster_import(*, actor: User, file, dry_run: bool = False, progress=None, within=None) -> ImportResult:
    """Import members from an uploaded .xlsx roster, all rows or none.

    Every row is checked first (cells, unit and branch, the actor's right to the
    unit, duplicates in the file, the member already on the roster, the model's
    own validation). If any row is bad, or the file itself is, nothing is written
    and the result lists every problem. Otherwise new members are created and
    changed ones updated in bulk, each with a history row (history_user = actor);
    identical members are not touched. `dry_run` checks and counts, writes nothing.

    A background job (`roster_job.py`) passes `progress` (an `apps.core.jobs.JobContext`: told the row count,
    each row checked, the stage) and `within(result)`, called inside the transaction once the result is known,
    so the job's end is committed with the rows it wrote.

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
    if progress is not None:
        progress.total(len(rows), message="正在逐行检查…")
    try:
        with transaction.atomic():
            plan = _check_rows(rows, scope=scope, has_position=has_position, advance=progress and progress.advance)
            result.row_errors = [RowError(r.number, r.name, r.all_problems) for r in rows if r.all_problems]
            if not result.row_errors:
                result.created, result.updated = len(plan.to_create), len(plan.to_update)
                result.transferred, result.unchanged = len(plan.transfers), plan.unchanged
                if not dry_run:
                    if progress is not None:
                        progress.stage("正在写入…")
                    _write(actor=actor, plan=plan)
            if within is not None:
                within(result)
    except IntegrityError:
        # Someone else added one of these members between our check and our write.
        logger.warning("roster import by %s hit a concurrent change", actor.pk, exc_info=True)
        result.created = result.updated = result.transferred = result.unchanged = 0
        result.file_errors.append("名册正被他人同时修改，本次未导入任何数据，请稍后重新导入。")
    return result


# --- checking against the roster ----------------------------------------------------------------


@dataclass
class Transfer:
    """A person on another branch of the unit whose row moves them here (组织关系转接) on `on`."""

    member: Member
    current: Membership  # their open membership, ended on `on`
    on: dt.date
    reason: str


@dataclass
class ImportPlan:
    """What the checked rows will write: new members (each with its 转入日期), changes, transfers."""

    to_create: list[tuple[Member, dt.date | None]] = field(default_factory=list)
    to_update: list[Member] = field(default_factory=list)
    changed_fields: set[str] = field(default_factory=set)
    transfers: list[Transfer] = field(default_factory=list)
    unchanged: int = 0


def _check_rows(rows: list[RosterRow], *, scope, has_position: bool, advance=None) -> ImportPlan:
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

    # Months closed (关账) from the earliest 转入日期 on: a date before one of them would change its verdicts.
    dates = [r.since for r in rows if r.since]
    closed = closed_months(min(dates)) if dates else []
    # Where each of them is now (one query, only when the sheet gives transfer dates).
    open_memberships: dict[int, Membership] = {}
    if any(r.since for r in rows):
        memberships = Membership.objects.select_for_update().filter(branch_id__in=branch_by_pk, end_on__isnull=True)
        open_memberships = {m.member_id: m for m in memberships.order_by("pk")}

    plan = ImportPlan()
    first_seen: dict[tuple, int] = {}
    person_seen: dict[tuple, RosterRow] = {}
    for row in rows:
        if advance is not None:
            advance()
        if row.branch is None or not row.name or row.birth_date is None:
            continue
        key = (row.branch.pk, row.name, row.birth_date)
        if key in first_seen:
            row.problems.append(f"与第 {first_seen[key]} 行重复（单位、支部、姓名、出生日期均相同）")
            continue
        first_seen[key] = row.number
        person = (row.branch.unit_id, row.name, row.birth_date)
        if person in person_seen:
            row.problems.append(
                f"与第 {person_seen[person].number} 行是同一人（单位、姓名、出生日期均相同），一人只能在一个支部"
            )
            continue
        person_seen[person] = row
        member = existing.get(key)
        transfer = None
        if member is None:
            others = [m for m in in_unit.get(person, []) if m.branch_id != key[0]]
            if others:
                transfer = _transfer_of(row, others, open_memberships, branch_by_pk)
                if transfer is None:
                    continue
                member = transfer.member
        elif not member.active:
            row.problems.append("该党员已离册，请先在名册中恢复")
            continue
        elif row.since and member.pk in open_memberships and open_memberships[member.pk].start_on != row.since:
            row.problems.append(
                f"该党员已于 {open_memberships[member.pk].start_on:%Y-%m-%d} 转入本支部，与转入日期不一致"
                "（已登记党员的转入日期不能通过导入修改，请核对）"
            )
            continue
        if row.since and not row.branch.existed_on(row.since):
            row.problems.append(f"转入日期早于“{row.branch.name}”的成立日期（{row.branch.founded_on:%Y-%m-%d}）")
        if row.since and (month := next((m for m in closed if m >= row.since.replace(day=1)), None)):
            row.problems.append(closed_change_message(row.since, month))  # 关账: as member_transfer refuses
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
                plan.to_create.append((member, row.since))
            continue
        changed = [
            name
            for name in _UPDATABLE
            if (name != "position" or has_position) and getattr(member, name) != getattr(row, name)
        ]
        if transfer is not None:
            member.branch, member.party_group = row.branch, None
            changed += ["branch", "party_group"]
        if not changed:
            plan.unchanged += 1
            continue
        for name in changed:
            if name in _UPDATABLE:
                setattr(member, name, getattr(row, name))
        if _full_clean(member, row):
            plan.to_update.append(member)
            plan.changed_fields.update(changed)
            if transfer is not None:
                plan.transfers.append(transfer)
    return plan


def _transfer_of(row: RosterRow, others: list[Member], open_memberships, branch_by_pk) -> Transfer | None:
    """The same person on another branch of the unit: a transfer to the row's branch on its 转入日期, if it
    gives one that fits (after they came into their branch); otherwise a problem noted on the row."""
    where = "、".join(f"“{branch_by_pk[m.branch_id].name}”" for m in others)
    if len(others) > 1:
        row.problems.append(f"本单位{where}都登记有同名、同出生日期的党员，请在党员名册中办理")
        return None
    member = others[0]
    if row.since is None:
        row.problems.append(
            f"该党员已登记在本单位{where}；如已转入本支部，请填写转入日期（即办理组织关系转接），或在党员名册中办理"
        )
        return None
    current = open_memberships.get(member.pk)
    if current is None:  # on a roster without a membership: the roster services always open one
        row.problems.append(f"该党员已登记在本单位{where}，但没有组织关系记录，请在党员名册中办理转接")
        return None
    if row.since < current.start_on:
        row.problems.append(f"转入日期不能早于该党员转入{where}的日期（{current.start_on:%Y-%m-%d}）")
        return None
    reason = f"由{branch_by_pk[member.branch_id].name}转入（{CHANGE_REASON}）"
    return Transfer(member=member, current=current, on=row.since, reason=reason)


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


def _write(*, actor: User, plan: ImportPlan) -> None:
    """Create and update in bulk; simple_history's bulk helpers add one history row per member and membership.

    New members' memberships start on their 转入日期 (or `default_since`); a transfer ends the
    member's open membership on its day and opens one in the new branch from it.
    """
    with batching.batch():  # what other apps keep from the tree (party life's verdicts) is recomputed once
        _write_rows(actor=actor, plan=plan)


def _write_rows(*, actor: User, plan: ImportPlan) -> None:
    now = timezone.now()
    history = {"default_user": actor, "default_change_reason": CHANGE_REASON, "default_date": now}
    if plan.to_create:
        members = [member for member, _ in plan.to_create]
        bulk_create_with_history(members, Member, batch_size=BATCH, **history)
        audit.record_bulk(members, action=audit.CREATE, note=CHANGE_REASON)
        since = {member.pk: day for member, day in plan.to_create if day}
        memberships_open_bulk(members, reason=CHANGE_REASON, since=since, actor=actor)
    if plan.to_update:
        for member in plan.to_update:
            member.updated_at = now  # bulk_update skips auto_now
        fields = sorted(plan.changed_fields | {"updated_at"})
        before = audit.stored_values(plan.to_update, fields)
        bulk_update_with_history(plan.to_update, Member, fields=fields, batch_size=BATCH, **history)
        audit.record_bulk(plan.to_update, action=audit.UPDATE, fields=fields, before=before, note=CHANGE_REASON)
        if "is_branch_committee" in fields:  # 谈心谈话 coverage reads the flag (bulk: no signals)
            batching.changed("orgs.memberships", member_ids=[m.pk for m in plan.to_update])
    if plan.transfers:
        ended = []
        for transfer in plan.transfers:
            transfer.current.end_on = transfer.on
            ended.append(transfer.current)
        bulk_update_with_history(ended, Membership, fields=["end_on"], batch_size=BATCH, **history)
        audit.record_bulk(ended, action=audit.UPDATE, fields=["end_on"], note=CHANGE_REASON)
        opened = [
            Membership(member=t.member, branch=t.member.branch, start_on=t.on, reason=t.reason) for t in plan.transfers
        ]
        bulk_create_with_history(opened, Membership, batch_size=BATCH, **history)
        audit.record_bulk(opened, action=audit.CREATE, note=CHANGE_REASON)
        moved = {m.branch_id for m in ended} | {m.branch_id for m in opened}
        batching.changed("orgs.memberships", branch_ids=moved, since=min(t.on for t in plan.transfers))


# --- as a background job (a large file: more than PORTAL_IMPORT_JOB_ROWS rows) ---------------------------------

JOB_KIND = "orgs.roster_import"
UPLOAD_FOLDER = "imports/roster/"


def result_json(result: ImportResult) -> dict:
    """The result as the job keeps it (JSON), read by the same template as the import page."""
    return {
        "dry_run": result.dry_run,
        "file_errors": list(result.file_errors),
        "row_errors": [{"row": e.row, "name": e.name, "problems": list(e.problems)} for e in result.row_errors],
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "transferred": result.transferred,
    }


def _outcome(result: ImportResult) -> jobs.Outcome:
    if result.file_errors:
        return jobs.Outcome(message="；".join(result.file_errors), result=result_json(result), failed=True)
    if result.row_errors:
        message = f"发现 {len(result.row_errors)} 行有问题，未导入任何数据，请按行号修改后重新上传。"
    elif result.dry_run:
        message = f"校验通过，共 {result.rows} 行，尚未导入。导入后将{result.summary()}。"
    else:
        message = f"导入完成：{result.summary()}。"
    return jobs.Outcome(message=message, result=result_json(result))


def start_job(*, actor: User, upload, dry_run: bool) -> Job:
    """Keep the upload in private storage and queue its import (or check) as a job of `actor`."""
    name = default_storage.save(f"{UPLOAD_FOLDER}{uuid.uuid4().hex}.xlsx", upload)
    title = f"{'校验' if dry_run else '导入'}党员名册（{upload.name}）"
    params = {"upload": name, "file_name": upload.name, "dry_run": dry_run}
    return jobs.start(user=actor, kind=JOB_KIND, params=params, title=title)


def run_job(ctx: jobs.JobContext) -> jobs.Outcome:
    """The job: the same import as the page, with progress; the upload is deleted once the job has ended."""
    name = ctx.params["upload"]
    if not default_storage.exists(name):
        raise jobs.JobError("上传的文件已不存在，请重新上传。")
    ctx.stage("正在读取文件…")
    try:
        with default_storage.open(name, "rb") as handle:
            upload = File(handle, name=ctx.params.get("file_name") or "roster.xlsx")
            result = roster_import(
                actor=ctx.job.owner,
                file=upload,
                dry_run=bool(ctx.params.get("dry_run")),
                progress=ctx,
                within=lambda r: ctx.finish_in(_outcome(r)),
            )
    except jobs.TRANSIENT:
        raise  # the retry reads the upload again
    except BaseException:
        default_storage.delete(name)
        raise
    default_storage.delete(name)
    return _outcome(result)


jobs.register(JOB_KIND, run=run_job, result_template="orgs/includes/roster_import_result.html")


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
