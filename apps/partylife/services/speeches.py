"""研讨发言 of a study record (中心组学习, 第一议题, 党课): who spoke and what they said, in short.

Written with the record (`records._write`), never on their own: a speaker must be a member of the
record's unit (unit-level types) or branch **on its date** — where the record is after the write —
and every speech needs its summary. Rows are matched by position, so saving the form again without
changes writes nothing (and leaves no history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from ..models import Activity, ActivityCategory, ActivitySpeech
from .validity import people

MAX_SPEECHES = 50
SPEAKER_NOT_HERE = "研讨发言人须为本单位（支部）在册党员（以活动当天的组织关系为准）。"


@dataclass(frozen=True)
class SpeechInput:
    speaker_id: int
    summary: str


def _check(activity: Activity, rows: Sequence[SpeechInput]) -> list[SpeechInput]:
    """The rows cleaned (summary stripped), or a ValidationError on `speeches` in Chinese."""
    if rows and activity.activity_type.category != ActivityCategory.STUDY:
        raise ValidationError({"speeches": "只有理论学习类活动（中心组学习、第一议题、党课）可登记研讨发言。"})
    if len(rows) > MAX_SPEECHES:
        raise ValidationError({"speeches": f"研讨发言最多登记{MAX_SPEECHES}条。"})
    cleaned = []
    for n, row in enumerate(rows, start=1):
        summary = (row.summary or "").strip()
        if not summary:
            raise ValidationError({"speeches": f"第{n}条研讨发言：请填写发言要点。"})
        if len(summary) > 300:
            raise ValidationError({"speeches": f"第{n}条研讨发言：发言要点不能超过300字。"})
        cleaned.append(SpeechInput(speaker_id=row.speaker_id, summary=summary))
    ids = {row.speaker_id for row in cleaned}
    plausible = [i for i in ids if isinstance(i, int) and 0 < i < 2**63]  # ids a database can compare (MAX_ID)
    if len(plausible) != len(ids) or people(activity).filter(pk__in=plausible).count() != len(ids):
        raise ValidationError({"speeches": SPEAKER_NOT_HERE})
    return cleaned


def speeches_write(activity: Activity, rows: Sequence[SpeechInput]) -> None:
    """Replace the record's speeches by `rows` (in order); unchanged rows stay as they are."""
    rows = _check(activity, rows)
    existing = list(activity.speeches.order_by("order", "id"))
    for order, (row, current) in enumerate(zip(rows, existing, strict=False)):
        if (current.speaker_id, current.summary, current.order) != (row.speaker_id, row.summary, order):
            current.speaker_id, current.summary, current.order = row.speaker_id, row.summary, order
            current.full_clean(exclude=["activity", "speaker"])
            current.save()
    for current in existing[len(rows) :]:
        current.delete()
    for order, row in enumerate(rows[len(existing) :], start=len(existing)):
        speech = ActivitySpeech(activity=activity, speaker_id=row.speaker_id, summary=row.summary, order=order)
        speech.full_clean(exclude=["activity", "speaker"])
        speech.save()


def speakers_check(activity: Activity) -> None:
    """The speeches already on a record that moved (another place or day) must still fit where it went."""
    ids = set(activity.speeches.values_list("speaker_id", flat=True))
    if ids and people(activity).filter(pk__in=ids).count() != len(ids):
        raise ValidationError({"speeches": SPEAKER_NOT_HERE + "请同时修改研讨发言。"})
