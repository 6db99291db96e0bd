"""Writes of 履责报告: the committee opens rounds; a unit's secretary writes and submits; the committee accepts
or returns (with a comment); a returned report is submitted again.

Status flow (ReportStatus): 草稿 → 已报送 → 已通过, or 已报送 → 已退回 → 已报送 … Every step is logged in
ReportReview. Opening a round creates a draft report for each unit it concerns (all active units when
none is chosen), so that "who has not reported" is a row, not an absence.

On time (按时): first submitted before the end of `due_on` in Asia/Shanghai (the first submission counts,
a resubmission after a return does not make a report late).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import models, transaction

from apps.core import audit, trash
from apps.core.dates import validate_record_date
from apps.core.files import files_removed_on_failure
from apps.core.periods import local_tz
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import Unit, User

from .. import permissions
from ..models import Attachment, DutyReport, ReportReview, ReportRound, ReportStatus
from .attachments import attachment_store

ROUND_FIELDS = ("kind", "title", "starts_on", "ends_on", "due_on")
REPORT_FIELDS = ("content",)
#: Statuses in which the unit may still change and submit its report.
OPEN_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)

COMMITTEE_ONLY = "只有工委管理员可以发布报告期和审核履责报告。"
UNIT_ONLY = "只有本单位党务干部可以填写和报送履责报告。"


class OnTime(models.TextChoices):
    ON_TIME = "on_time", "按时"
    LATE = "late", "逾期"
    MISSING = "missing", "未报送（已逾期）"
    PENDING = "pending", "未到期"


def due_deadline(due_on: dt.date) -> dt.datetime:
    """The first instant that is late: 00:00 of the day after `due_on`, Asia/Shanghai."""
    return dt.datetime.combine(due_on + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz())


def on_time_status(*, due_on: dt.date, first_submitted_at: dt.datetime | None, now: dt.datetime) -> str:
    """按时 / 逾期 / 未报送（已逾期） / 未到期 of one report as of `now`."""
    deadline = due_deadline(due_on)
    if first_submitted_at is not None:
        return OnTime.ON_TIME if first_submitted_at < deadline else OnTime.LATE
    return OnTime.MISSING if now >= deadline else OnTime.PENDING


def on_time_label(value: str) -> str:
    return OnTime(value).label


# --- rounds (the committee) -------------------------------------------------------------------------------


def _clean_round(round_: ReportRound) -> None:
    errors = {}
    for name in ("starts_on", "ends_on", "due_on"):
        try:
            validate_record_date(getattr(round_, name))
        except ValidationError as exc:
            errors[name] = exc.messages
    if round_.due_on and round_.starts_on and round_.due_on < round_.starts_on:
        errors.setdefault("due_on", []).append("报送截止日不能早于报告期起。")
    if errors:
        raise ValidationError(errors)
    round_.full_clean()


def _expected_units(units: Iterable[Unit] | None) -> list[int]:
    chosen = [u.pk for u in units or ()]
    if chosen:
        return chosen
    return list(Unit.objects.filter(active=True).values_list("pk", flat=True))


def report_round_open(*, actor: User, fields: dict, units: Sequence[Unit] = (), now: dt.datetime) -> ReportRound:
    """Open a round (半年 / 年度) for the chosen units (none: every active unit); a draft report for each."""
    require(permissions.can_supervise(scope_for(actor)), COMMITTEE_ONLY)
    with transaction.atomic():
        round_ = ReportRound(opened_at=now, **{k: fields[k] for k in ROUND_FIELDS if k in fields})
        _clean_round(round_)
        round_.save()
        round_.units.set(units)
        created = DutyReport.objects.bulk_create(DutyReport(round=round_, unit_id=pk) for pk in _expected_units(units))
        audit.record_bulk(created, action=audit.CREATE)
        return round_


def report_round_update(
    *, actor: User, round_: ReportRound, fields: dict, units: Sequence[Unit] | None = None
) -> ReportRound:
    """Change a round. Units added get a draft; a unit removed loses its report only if nothing was written."""
    require(permissions.can_supervise(scope_for(actor)), COMMITTEE_ONLY)
    with transaction.atomic():
        round_ = ReportRound.objects.select_for_update().get(pk=round_.pk)
        for name in ROUND_FIELDS:
            if name in fields:
                setattr(round_, name, fields[name])
        _clean_round(round_)
        round_.save()
        if units is not None:
            expected = set(_expected_units(units))
            reports = {r.unit_id: r for r in DutyReport.objects.filter(round=round_).prefetch_related("files")}
            dropped = [r for unit_id, r in reports.items() if unit_id not in expected]
            used = [r for r in dropped if r.first_submitted_at or r.content.strip() or r.files.all()]
            if used:
                names = "、".join(str(r.unit) for r in used)
                raise ValidationError({"units": f"{names}已填写或报送报告，不能从本报告期移除。"})
            DutyReport.objects.filter(pk__in=[r.pk for r in dropped]).delete()
            created = DutyReport.objects.bulk_create(
                DutyReport(round=round_, unit_id=pk) for pk in sorted(expected - set(reports))
            )
            audit.record_bulk(created, action=audit.CREATE)
            round_.units.set(units)
        return round_


# --- a report (the unit writes, the committee reviews) -----------------------------------------------------


def _for_unit(*, actor: User, report: DutyReport, doing: str) -> DutyReport:
    require(permissions.can_answer_for_unit(scope_for(actor), report.unit_id), UNIT_ONLY)
    locked = DutyReport.objects.select_for_update().get(pk=report.pk)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(f"该报告{locked.get_status_display()}，不能{doing}。")
    return locked


def _for_review(*, actor: User, report: DutyReport, doing: str) -> DutyReport:
    require(permissions.can_supervise(scope_for(actor)), COMMITTEE_ONLY)
    locked = DutyReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != ReportStatus.SUBMITTED:
        raise ValidationError(f"只有已报送的报告可以{doing}（当前状态：{locked.get_status_display()}）。")
    return locked


def _log(report: DutyReport, action: str, actor: User, comment: str = "") -> ReportReview:
    review = ReportReview(report=report, action=action, by=actor, comment=comment)
    review.full_clean()
    review.save()
    return review


def report_save(*, actor: User, report: DutyReport, fields: dict) -> DutyReport:
    """Save the report's text (a draft, or a returned report being revised)."""
    with transaction.atomic():
        report = _for_unit(actor=actor, report=report, doing="修改")
        for name in REPORT_FIELDS:
            if name in fields:
                setattr(report, name, fields[name])
        report.full_clean()
        report.save()
        return report


def report_files_add(*, actor: User, report: DutyReport, uploads: Sequence) -> list[Attachment]:
    """Attach files (images or PDF, checked by their content); all or none."""
    with files_removed_on_failure(), transaction.atomic():
        report = _for_unit(actor=actor, report=report, doing="添加附件")
        added = []
        for upload in uploads:
            added.append(attachment_store(upload=upload, actor=actor, report=report))
        return added


def report_file_delete(*, actor: User, attachment: Attachment) -> None:
    if attachment.report_id is None:
        raise ValidationError("该附件不属于履责报告。")
    with transaction.atomic():
        _for_unit(actor=actor, report=attachment.report, doing="删除附件")
        trash.trash_delete(attachment, actor=actor)  # the file stays until the trash is purged


def report_submit(*, actor: User, report: DutyReport, now: dt.datetime) -> DutyReport:
    """报送: a draft or a returned report goes to the committee; the first submission decides 按时."""
    with transaction.atomic():
        report = _for_unit(actor=actor, report=report, doing="报送")
        if not report.content.strip():
            raise ValidationError({"content": "请先填写报告内容再报送。"})
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = now
        report.first_submitted_at = report.first_submitted_at or now
        report.save()
        _log(report, ReportStatus.SUBMITTED, actor)
        return report


def report_accept(*, actor: User, report: DutyReport, now: dt.datetime, comment: str = "") -> DutyReport:
    """通过: the committee accepts a submitted report (an optional comment)."""
    with transaction.atomic():
        report = _for_review(actor=actor, report=report, doing="通过")
        report.status, report.reviewed_at, report.review_comment = ReportStatus.ACCEPTED, now, comment.strip()
        report.full_clean()
        report.save()
        _log(report, ReportStatus.ACCEPTED, actor, comment.strip())
        return report


def report_return(*, actor: User, report: DutyReport, now: dt.datetime, comment: str) -> DutyReport:
    """退回: the committee returns a submitted report with a comment; the unit's secretaries are told."""
    comment = (comment or "").strip()
    with transaction.atomic():
        report = _for_review(actor=actor, report=report, doing="退回")
        if not comment:
            raise ValidationError({"comment": "退回时须填写退回意见。"})
        report.status, report.reviewed_at, report.review_comment = ReportStatus.RETURNED, now, comment
        report.full_clean()
        report.save()
        review = _log(report, ReportStatus.RETURNED, actor, comment)

        def tell():
            from ..reminders.reports import notify_returned

            notify_returned(reviews=[review])

        transaction.on_commit(tell)
        return report
