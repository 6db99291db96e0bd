"""What discipline asks of a restore from the trash (回收站, `apps.core.trash`), registered in `ready()`.

A file goes back only to a 履责报告 or a 整改 that is still open to its unit (草稿/退回, 待整改/退回): what
was submitted or accepted without it stays as it was judged. Records themselves (警示教育, 责任清单 items,
template versions) come back with their rows as they were.
"""

from __future__ import annotations

from apps.core import trash

from ..models import Attachment, DutyReport, Rectification
from .inspections import OPEN_OR_RETURNED
from .reports import OPEN_STATUSES


def attachment_check(attachment: Attachment, *, entry) -> str | None:
    if attachment.report_id is not None:
        report = DutyReport.objects.filter(pk=attachment.report_id).first()
        if report is not None and report.status not in OPEN_STATUSES:
            return f"该附件所属的履责报告{report.get_status_display()}，不能恢复附件；退回后方可恢复。"
    if attachment.rectification_id is not None:
        rect = Rectification.objects.filter(pk=attachment.rectification_id).first()
        if rect is not None and rect.status not in OPEN_OR_RETURNED:
            return f"该文件所属的整改当前为“{rect.get_status_display()}”，不能恢复文件；退回后方可恢复。"
    return None


def register() -> None:
    trash.register_restore_check("discipline.Attachment", attachment_check)
