"""Storing an attachment (附件) of a 履责报告 or of a 整改 submission: checked by content, kept on the unit."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from apps.core.files import IMAGE_TYPES, PDF_TYPE, check_upload, note_stored
from apps.orgs.models import User

from ..models import Attachment, DutyReport, Rectification

ATTACHMENT_TYPES = {*IMAGE_TYPES, PDF_TYPE}


def attachment_store(
    *, upload, actor: User, report: DutyReport | None = None, rectification: Rectification | None = None
) -> Attachment:
    """Check one upload (images or PDF, by content; refused as a `files` error) and store it on its owner.

    The caller holds the transaction and `files_removed_on_failure`, so a later refusal removes the file again.
    """
    owner = report or rectification
    try:
        sniffed = check_upload(upload, allowed=ATTACHMENT_TYPES, max_bytes=settings.PORTAL_EVIDENCE_MAX_BYTES)
    except ValidationError as exc:
        raise ValidationError({"files": exc.messages}) from exc
    row = Attachment(
        unit_id=owner.unit_id,
        report=report,
        rectification=rectification,
        content_type=sniffed.content_type,
        size=upload.size,
        original_name=str(getattr(upload, "name", "file"))[:200],
        uploaded_by=actor,
    )
    row.file.save("upload", upload, save=False)
    note_stored(row.file)
    row.save()
    return row
