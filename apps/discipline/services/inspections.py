"""Writes of 督促检查 / 明察暗访 and 整改 (rectification).

The committee records an inspection and its findings; each finding opens its rectification in the same
step (owner unit = the finding's unit). The rectification then moves:

    待整改 --submit (owner unit)--> 已提交 --accept (committee)--> 已销号 (the finding closes)
                                   已提交 --return (committee, comment required)--> 退回 --submit--> 已提交 …

Every transition writes a RectificationEvent (who, when, comment); opening one writes the first event
(待整改, "下发整改"). Who may: `permissions.can_answer_for_unit` submits (the owner unit's secretary — the
committee never submits for a unit), `permissions.can_supervise` accepts and returns (a unit never
accepts its own). A refused transition is a ValidationError naming the status; a refused actor a 403.

What a submission must carry (须提交的佐证): the measures taken (text) **and** at least one evidence file
(new, or kept from an earlier submission) — `required_evidence` always names documents or photos (整改报告、
制度文件、现场照片), so the text alone never proves it. Files are checked by their content (images or PDF,
apps.core.files) and served only by a view that checks the unit.

Overdue (逾期): not 已销号 and today (Asia/Shanghai) is after the deadline day (the deadline day itself
is not overdue). Services and selectors take `now`/`today` so tests pin the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core import trash
from apps.core.files import files_removed_on_failure
from apps.core.periods import local_date
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import User

from .. import permissions
from ..models import Attachment, Finding, Inspection, Rectification, RectificationEvent
from ..models import RectificationStatus as S
from .attachments import attachment_store

#: What the committee fills in (forms and serializers take their fields from here).
INSPECTION_FIELDS = ("kind", "title", "held_on", "inspectors", "summary")
FINDING_FIELDS = ("unit", "description", "severity")
RECTIFICATION_FIELDS = ("requirement", "required_evidence", "deadline")
MAX_FILES = 10

SUPERVISE_DENIED = "只有工委管理员可以登记督促检查和发现的问题。"
ACCEPT_DENIED = "只有工委管理员可以审核整改（销号或退回），单位不能为自己的整改销号。"
SUBMIT_DENIED = "只有责任单位的党务干部可以提交整改材料，工委不代单位提交。"
OPEN_OR_RETURNED = (S.OPEN, S.RETURNED)


def is_overdue(rectification: Rectification, *, today: dt.date) -> bool:
    """Not 已销号 and `today` is after the deadline day (the deadline day itself is not overdue)."""
    return rectification.status != S.ACCEPTED and today > rectification.deadline


def _strip(fields: dict, names: Sequence[str]) -> dict:
    return {n: (v.strip() if isinstance(v, str) else v) for n, v in fields.items() if n in names}


def _save(obj) -> None:
    obj.full_clean()
    obj.save()


# --- inspections ---------------------------------------------------------------------------------------


def inspection_create(*, actor: User, fields: dict) -> Inspection:
    """Record an inspection (督促检查 or 明察暗访); its findings are added one by one (finding_create)."""
    with transaction.atomic():
        require(permissions.can_supervise(scope_for(actor)), SUPERVISE_DENIED)
        inspection = Inspection(created_by=actor, **_strip(fields, INSPECTION_FIELDS))
        _save(inspection)
        return inspection


def inspection_update(*, actor: User, inspection: Inspection, fields: dict) -> Inspection:
    with transaction.atomic():
        require(permissions.can_supervise(scope_for(actor)), SUPERVISE_DENIED)
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        for name, value in _strip(fields, INSPECTION_FIELDS).items():
            setattr(inspection, name, value)
        _save(inspection)
        return inspection


# --- findings (each opens its rectification) --------------------------------------------------------------


def _check_deadline(rect: Rectification, held_on: dt.date) -> None:
    if rect.deadline and held_on and rect.deadline < held_on:
        raise ValidationError({"deadline": "整改期限不能早于检查日期。"})


def finding_create(*, actor: User, inspection: Inspection, fields: dict, rectification: dict) -> Finding:
    """Record a problem found at one unit and open its rectification (owner unit = the finding's unit)."""
    with transaction.atomic():
        scope = scope_for(actor)
        require(permissions.can_supervise(scope), SUPERVISE_DENIED)
        finding = Finding(inspection=inspection, **_strip(fields, FINDING_FIELDS))
        _save(finding)
        rect = Rectification(finding=finding, unit_id=finding.unit_id, **_strip(rectification, RECTIFICATION_FIELDS))
        _check_deadline(rect, inspection.held_on)
        _save(rect)
        RectificationEvent.objects.create(
            rectification=rect, from_status=S.OPEN, to_status=S.OPEN, comment="下发整改", by=actor
        )
        return finding


def finding_update(*, actor: User, finding: Finding, fields: dict, rectification: dict) -> Finding:
    """Correct a finding and its rectification's requirement, evidence and deadline (not once 已销号).

    The unit changes (with the rectification's owner) only while nothing was submitted yet.
    """
    with transaction.atomic():
        require(permissions.can_supervise(scope_for(actor)), SUPERVISE_DENIED)
        finding = Finding.objects.select_for_update().select_related("inspection").get(pk=finding.pk)
        rect = Rectification.objects.select_for_update().get(finding=finding)
        if rect.status == S.ACCEPTED:
            raise ValidationError("该问题的整改已销号，不能再修改。")
        new = _strip(fields, FINDING_FIELDS)
        unit = new.get("unit")
        if unit is not None and unit.pk != finding.unit_id:
            if rect.status != S.OPEN or rect.submitted_at is not None:
                raise ValidationError({"unit": "单位已提交过整改材料，不能再更换责任单位。"})
            rect.unit_id = unit.pk
        for name, value in new.items():
            setattr(finding, name, value)
        _save(finding)
        for name, value in _strip(rectification, RECTIFICATION_FIELDS).items():
            setattr(rect, name, value)
        _check_deadline(rect, finding.inspection.held_on)
        _save(rect)
        return finding


# --- the rectification's flow -------------------------------------------------------------------------------


def _locked(rectification: Rectification) -> Rectification:
    return Rectification.objects.select_for_update(of=("self",)).select_related("finding").get(pk=rectification.pk)


def _event(rect: Rectification, *, to: str, actor: User, comment: str = "") -> RectificationEvent:
    event = RectificationEvent(rectification=rect, from_status=rect.status, to_status=to, comment=comment, by=actor)
    rect.status = to
    return event


def rectification_submit(
    *, actor: User, rectification: Rectification, measures: str, files: Sequence = (), now: dt.datetime | None = None
) -> Rectification:
    """提交整改: the owner unit's secretary sends the measures and evidence files (待整改 or 退回 → 已提交).

    Needs the measures text and at least one file (new here, or kept from an earlier submission).
    Files are checked by content; on any refusal nothing is stored (files removed again).
    """
    now = now or timezone.now()
    with files_removed_on_failure(), transaction.atomic():
        rect = _locked(rectification)
        require(permissions.can_answer_for_unit(scope_for(actor), rect.unit_id), SUBMIT_DENIED)
        if rect.status not in OPEN_OR_RETURNED:
            raise ValidationError(f"该整改当前为“{rect.get_status_display()}”，只有待整改或退回的整改可以提交。")
        errors = {}
        measures = (measures or "").strip()
        if not measures:
            errors["measures"] = "请填写整改措施及成效。"
        if len(files) > MAX_FILES:
            errors["files"] = f"一次最多上传 {MAX_FILES} 个文件。"
        if errors:
            raise ValidationError(errors)
        for upload in files:
            attachment_store(rectification=rect, upload=upload, actor=actor)
        if not rect.files.exists():
            raise ValidationError({"files": f"请上传佐证材料（{rect.required_evidence}），图片或 PDF 至少一个。"})
        event = _event(rect, to=S.SUBMITTED, actor=actor)
        rect.measures, rect.submitted_at = measures, now
        _save(rect)
        event.save()
        return rect


def rectification_accept(
    *, actor: User, rectification: Rectification, comment: str = "", now: dt.datetime | None = None
) -> Rectification:
    """销号: the committee accepts a submitted rectification; the finding closes. accepted_at/accepted_on set."""
    now = now or timezone.now()
    with transaction.atomic():
        rect = _locked(rectification)
        require(permissions.can_supervise(scope_for(actor)), ACCEPT_DENIED)
        if rect.status != S.SUBMITTED:
            raise ValidationError(f"该整改当前为“{rect.get_status_display()}”，只有已提交的整改可以销号。")
        event = _event(rect, to=S.ACCEPTED, actor=actor, comment=(comment or "").strip()[:500])
        rect.accepted_at, rect.accepted_on = now, local_date(now)
        _save(rect)
        event.save()
        return rect


def rectification_return(
    *, actor: User, rectification: Rectification, comment: str, now: dt.datetime | None = None
) -> Rectification:
    """退回: the committee sends a submitted rectification back with a required comment; the unit submits again."""
    with transaction.atomic():
        rect = _locked(rectification)
        require(permissions.can_supervise(scope_for(actor)), ACCEPT_DENIED)
        if rect.status != S.SUBMITTED:
            raise ValidationError(f"该整改当前为“{rect.get_status_display()}”，只有已提交的整改可以退回。")
        comment = (comment or "").strip()
        if not comment:
            raise ValidationError({"comment": "退回时请填写退回意见。"})
        event = _event(rect, to=S.RETURNED, actor=actor, comment=comment[:500])
        _save(rect)
        event.save()
        return rect


def rectification_file_delete(*, actor: User, attachment: Attachment) -> None:
    """Remove one evidence file before (re)submitting: the owner unit's secretary, while 待整改 or 退回."""
    with transaction.atomic():
        if attachment.rectification_id is None:
            raise ValidationError("该文件不属于整改。")
        rect = _locked(attachment.rectification)
        require(permissions.can_answer_for_unit(scope_for(actor), rect.unit_id), SUBMIT_DENIED)
        if rect.status not in OPEN_OR_RETURNED:
            raise ValidationError(f"该整改当前为“{rect.get_status_display()}”，不能删除已提交的材料。")
        trash.trash_delete(attachment, actor=actor, unit=rect.unit)  # the file stays until the trash is purged
