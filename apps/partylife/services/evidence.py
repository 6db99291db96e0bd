"""Writes of evidence files (佐证材料): add them to a record (checked by content), delete one, and keep
the files of a refused form (暂存) for the next save.

A record form whose submit is refused would lose the files the user chose; instead its valid
uploads are staged (`evidence_stage`), owned by that user for `StagedEvidence.LIFETIME`, listed
on the form again and attached by the next successful save (`activity_record(staged=…)`). Files
of another user or of an expired stage are never attached; stale stages are cleared as new ones come.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from apps.core import batching, trash
from apps.core.files import IMAGE_TYPES, PDF_TYPE, check_upload, files_removed_on_failure, note_stored
from apps.orgs.models import User

from ..models import Activity, Evidence, EvidenceKind, StagedEvidence
from .records import EvidenceInput, _for_change, _settle

EVIDENCE_TYPES = {*IMAGE_TYPES, PDF_TYPE}
#: How many staged files one user may hold; the oldest go first.
MAX_STAGED = 20


def _checked(item: EvidenceInput):
    """The upload's real type, if its kind is known and its content fits it (ValidationError otherwise)."""
    if item.kind not in EvidenceKind.values:
        raise ValidationError({"evidence": "未知的材料类型。"})
    allowed = set(IMAGE_TYPES) if item.kind == EvidenceKind.PHOTO else EVIDENCE_TYPES
    try:
        return check_upload(item.upload, allowed=allowed, max_bytes=settings.PORTAL_EVIDENCE_MAX_BYTES)
    except ValidationError as exc:
        raise ValidationError({"evidence": exc.messages}) from exc


def _stored(row: Evidence | StagedEvidence, item: EvidenceInput) -> Evidence | StagedEvidence:
    """Fill a file row (evidence, or a stage) from an upload checked by its content, store the file
    (removed again if the write around fails) and save the row."""
    sniffed = _checked(item)
    row.kind, row.content_type, row.size = item.kind, sniffed.content_type, item.upload.size
    row.original_name = str(getattr(item.upload, "name", "file"))[:200]
    row.file.save("upload", item.upload, save=False)
    note_stored(row.file)
    row.save()
    return row


def activity_evidence_add(*, actor: User, activity: Activity, items: Sequence[EvidenceInput]) -> list[Evidence]:
    """Store evidence files (photos, scans, PDFs), each checked by its content; all or none.

    Files stored before a failure are deleted again, here or by the write around this one.
    """
    with files_removed_on_failure(), batching.batch():
        activity = _for_change(actor=actor, activity=activity)
        added = [_stored(Evidence(activity=activity, uploaded_by=actor), item) for item in items]
        _settle(activity)
        return added


def evidence_delete(*, actor: User, evidence: Evidence) -> None:
    """Move one evidence file of a record to the trash (the record may become 需补充 again)."""
    with batching.batch():
        locked = "该记录所在月份已关账，不能删除材料。"
        activity = _for_change(actor=actor, activity=evidence.activity, denied="您不能删除该材料。", locked=locked)
        trash.trash_delete(evidence, actor=actor, unit=activity.unit, branch=activity.branch)  # the file stays
        _settle(activity)


# --- staged files of a refused form (暂存) --------------------------------------------------------------


def _drop(staged: Sequence[StagedEvidence]) -> None:
    """Delete staged rows now and their files after commit."""
    files = [(s.file.name, s.file.storage) for s in staged]
    StagedEvidence.objects.filter(pk__in=[s.pk for s in staged]).delete()
    transaction.on_commit(lambda: [storage.delete(name) for name, storage in files])


def staged_evidence_purge() -> int:
    """Remove every stage older than `StagedEvidence.LIFETIME` (rows now, files after commit)."""
    with batching.batch():
        stale = list(StagedEvidence.objects.stale()[:500])
        _drop(stale)
        return len(stale)


def evidence_stage(*, actor: User, items: Sequence[EvidenceInput]) -> list[StagedEvidence]:
    """Keep the valid uploads of a refused form for `actor` (an invalid one is left out: its error is
    already on the form); the user's oldest stages beyond MAX_STAGED, and everyone's stale ones, go."""
    staged = []
    with files_removed_on_failure(), batching.batch():
        for item in items:
            try:
                staged.append(_stored(StagedEvidence(user=actor), item))
            except ValidationError:
                continue
        mine = list(StagedEvidence.objects.filter(user=actor).order_by("-staged_at", "-id"))
        _drop(mine[MAX_STAGED:])
    staged_evidence_purge()
    kept = {s.pk for s in mine[:MAX_STAGED]}
    return [s for s in staged if s.pk in kept]


def evidence_attach_staged(*, actor: User, activity: Activity, staged: Sequence[StagedEvidence]) -> list[Evidence]:
    """Attach the actor's own fresh staged files to the record (checked again by content), then drop the stages."""
    wanted = {s.pk for s in staged}
    if not wanted:
        return []
    usable = list(StagedEvidence.objects.fresh().filter(user=actor, pk__in=wanted).order_by("staged_at", "id"))
    if len(usable) != len(wanted):
        raise ValidationError({"evidence": "已选择的文件已过期或不可用，请重新选择文件。"})
    try:
        items = [EvidenceInput(kind=s.kind, upload=File(s.file.open("rb"), name=s.original_name)) for s in usable]
        added = activity_evidence_add(actor=actor, activity=activity, items=items)
    finally:
        for s in usable:
            s.file.close()
    _drop(usable)
    return added
