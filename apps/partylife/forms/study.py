"""The study parts of the record form (理论学习): 领学人, the 研讨发言 rows and the record's 计入学时.

A type of the 理论学习 category (中心组学习, 第一议题, 党课) has a 领学人 and 研讨发言, chosen among the
people of the record's unit (branch) on its day — the same roster as its attendance; a type that
counts study hours offers the record's own 计入学时, its placeholder the type's default. The service
checks all of it again where the record goes (`services.validity`, `services.speeches`).
"""

from __future__ import annotations

import re

from django import forms

from .. import selectors
from ..models import ActivityCategory
from ..services import MAX_ID, MAX_SPEECHES, SpeechInput
from .rows import RowError

_SPEECH_KEY = re.compile(r"^speeches-(\d{1,4})-(speaker|summary)$")


def has_speeches(activity_type) -> bool:
    return activity_type.category == ActivityCategory.STUDY


def setup(form) -> None:
    """Keep, fill or remove the form's 领学人 and 计入学时 for its type (a saved value keeps its field)."""
    t, activity = form.activity_type, form.activity
    if has_speeches(t) or (activity is not None and activity.lead_by_id):
        field = form.fields["lead_by"]
        field.queryset = speakers(form)
        field.empty_label = "请选择（可不填）"
        if form.chosen_branch is None:  # a unit's record: anyone of its branches
            field.label_from_instance = lambda m: f"{m.name}（{m.branch.name}）"
        field.help_text = "领学人须为本单位（支部）当天在册党员"
    else:
        del form.fields["lead_by"]
    if t.study_hours > 0 or (activity is not None and activity.study_hours is not None):
        field = form.fields["study_hours"]
        field.widget.attrs.update(
            {"placeholder": f"默认 {t.study_hours}", "step": "0.5", "min": "0", "max": "24", "inputmode": "decimal"}
        )
        field.help_text = f"每位出席者计入学习台账的学时（0–24）；留空按{t.name}默认的 {t.study_hours} 学时计入"
    else:
        del form.fields["study_hours"]


def speakers(form):
    """Who may lead or speak: the record's roster on its day (its unit's, for a unit-level type)."""
    return selectors.roster(form.scope, unit=form.chosen_unit, branch=form.chosen_branch, on=form.chosen_day)


def speech_rows(data) -> list[dict] | None:
    """The posted (or refreshed) 研讨发言 rows in their on-page order, blank rows dropped; None when the
    request carried no speech rows at all (the page had no such block: leave the saved ones)."""
    rows: dict[int, dict] = {}
    for key in data:
        m = _SPEECH_KEY.match(key)
        if m:
            rows.setdefault(int(m[1]), {})[m[2]] = (data.get(key) or "").strip()
    if not rows:
        return None
    result = []
    for index in sorted(rows):
        row = rows[index]
        if row.get("speaker") or row.get("summary"):
            result.append({"speaker": row.get("speaker", ""), "summary": row.get("summary", "")})
    return result


def parse_speeches(rows: list[dict]) -> list[SpeechInput]:
    """The rows as the service's input; a row without its speaker or summary is a RowError in Chinese."""
    if len(rows) > MAX_SPEECHES:
        raise RowError(f"研讨发言最多登记{MAX_SPEECHES}条。")
    number, speeches = forms.IntegerField(min_value=1, max_value=MAX_ID), []
    for n, row in enumerate(rows, start=1):
        if not row["speaker"]:
            raise RowError(f"第{n}条研讨发言：请选择发言人。")
        try:
            speaker = number.clean(row["speaker"])
        except forms.ValidationError as exc:
            raise RowError(f"第{n}条研讨发言：发言人有误，请重新选择。") from exc
        if not row["summary"]:
            raise RowError(f"第{n}条研讨发言：请填写发言要点。")
        speeches.append(SpeechInput(speaker_id=speaker, summary=row["summary"]))
    return speeches


def shown_rows(form, posted: list[dict] | None) -> list[dict]:
    """The rows to show: as posted, else as saved, else one blank row."""
    if posted is not None:
        rows = posted
    elif form.activity is not None:
        rows = [{"speaker": str(s.speaker_id), "summary": s.summary} for s in form.activity.speeches.all()]
    else:
        rows = []
    return rows or [{"speaker": "", "summary": ""}]
