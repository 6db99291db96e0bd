"""What party life asks of a restore from the trash (回收站, `apps.core.trash`), registered in `ready()`.

Closed months stay closed (关账): a record is not restored into a closed month, nor is an evidence file
restored to a record of one, unless the committee has unlocked that record (an evidence file) or reopened
the month (a whole record, which cannot be unlocked while it is in the trash). The committee restores, so
it can do either first; the refusal says which. A restored evidence file settles its record again (the
record may no longer be 需补充).
"""

from __future__ import annotations

from apps.core import trash
from apps.core.periods import local_date

from ..models import Activity, Evidence
from .records import _settle, is_locked


def _month(activity: Activity) -> str:
    return f"{local_date(activity.held_at):%Y年%m月}"


def activity_check(activity: Activity, *, entry) -> str | None:
    if is_locked(activity):
        return f"该记录所在月份（{_month(activity)}）已关账：请先在“关账管理”中重新开账，恢复后再关账。"
    return None


def evidence_check(evidence: Evidence, *, entry) -> str | None:
    activity = Activity.objects.filter(pk=evidence.activity_id).first()
    if activity is not None and is_locked(activity):
        return f"该材料所属记录的月份（{_month(activity)}）已关账：请先解锁该记录，再恢复材料。"
    return None


def evidence_restored(rows, *, entry) -> None:
    for activity in Activity.objects.filter(pk__in={e.activity_id for e in rows}).select_related("activity_type"):
        _settle(activity)


def register() -> None:
    trash.register_restore_check("partylife.Activity", activity_check)
    trash.register_restore_check("partylife.Evidence", evidence_check)
    trash.register_after_restore("partylife.Evidence", evidence_restored)
