"""Writes of evidence files (佐证材料): add them to a record (checked by content), delete one."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.files import IMAGE_TYPES, PDF_TYPE, check_upload, files_removed_on_failure, note_stored
from apps.orgs.models import User

from ..models import Activity, Evidence, EvidenceKind
from .records import EvidenceInput, _delete_unreferenced_files, _for_change, _settle

EVIDENCE_TYPES = {*IMAGE_TYPES, PDF_TYPE}


def activity_evidence_add(*, actor: User, activity: Activity, items: Sequence[EvidenceInput]) -> list[Evidence]:
    """Store evidence files (photos, scans, PDFs), each checked by its content; all or none.

    Files stored before a failure are deleted again, here or by the write around this one.
    """
    with files_removed_on_failure(), transaction.atomic():
        activity = _for_change(actor=actor, activity=activity)
        added = []
        for item in items:
            if item.kind not in EvidenceKind.values:
                raise ValidationError({"evidence": "未知的材料类型。"})
            allowed = set(IMAGE_TYPES) if item.kind == EvidenceKind.PHOTO else EVIDENCE_TYPES
            try:
                sniffed = check_upload(item.upload, allowed=allowed, max_bytes=settings.PORTAL_EVIDENCE_MAX_BYTES)
            except ValidationError as exc:
                raise ValidationError({"evidence": exc.messages}) from exc
            evidence = Evidence(
                activity=activity,
                kind=item.kind,
                original_name=str(getattr(item.upload, "name", "file"))[:200],
                content_type=sniffed.content_type,
                size=item.upload.size,
                uploaded_by=actor,
            )
            evidence.file.save("upload", item.upload, save=False)
            note_stored(evidence.file)
            evidence.save()
            added.append(evidence)
        _settle(activity)
        return added


def evidence_delete(*, actor: User, evidence: Evidence) -> None:
    """Remove one evidence file from a record (the record may become 需补充 again)."""
    with transaction.atomic():
        locked = "该记录所在月份已关账，不能删除材料。"
        activity = _for_change(actor=actor, activity=evidence.activity, denied="您不能删除该材料。", locked=locked)
        name, storage = evidence.file.name, evidence.file.storage
        evidence.delete()
        _settle(activity)
        _delete_unreferenced_files([(name, storage)])
