"""The record form's repeated values, read straight from POST: the attendance picker and the enterprise
problems (出勤名单、企业问题; a malformed row is a `RowError` with a Chinese message shown on the form),
and the ids of the files kept from a refused submit (暂存; one no database can compare is no choice)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError

from ..models import ProblemCategory
from ..services import MAX_ID, AttendanceInput, ProblemInput


class RowError(ValueError):
    """Malformed repeatable rows; the message is Chinese and shown on the form."""


def parse_attendance(data) -> list[AttendanceInput]:
    """Read the attendance picker: `att` lists the members on the list, `present` the ticked ones, `reason_<id>`."""
    try:
        ids = [int(v) for v in data.getlist("att")]
        present = {int(v) for v in data.getlist("present")}
    except ValueError as exc:
        raise RowError("出勤名单数据有误，请刷新页面后重试。") from exc
    return [
        AttendanceInput(
            member_id=pk,
            present=pk in present,
            absence_reason="" if pk in present else (data.get(f"reason_{pk}") or "").strip()[:100],
        )
        for pk in ids
    ]


_PROBLEM_KEY = re.compile(r"^problems-(\d+)-(category|description|solved|solved_on|solution)$")


def problem_rows(data) -> list[dict]:
    """The posted problem rows as dicts (blank rows dropped), in their on-page order."""
    rows: dict[int, dict] = {}
    for key in data:
        m = _PROBLEM_KEY.match(key)
        if m:
            rows.setdefault(int(m[1]), {})[m[2]] = (data.get(key) or "").strip()
    result = []
    for index in sorted(rows):
        row = rows[index]
        if not (row.get("description") or row.get("solution") or row.get("solved_on")):
            continue
        result.append(
            {
                "category": row.get("category", ""),
                "description": row.get("description", ""),
                "solved": bool(row.get("solved")),
                "solved_on": row.get("solved_on", ""),
                "solution": row.get("solution", ""),
            }
        )
    return result


def parse_problems(rows: list[dict]) -> list[ProblemInput]:
    problems = []
    for n, row in enumerate(rows, start=1):
        if row["category"] not in ProblemCategory.values:
            raise RowError(f"第{n}个问题：请选择问题类别。")
        if not row["description"]:
            raise RowError(f"第{n}个问题：请填写问题描述。")
        solved_on = None
        if row["solved_on"]:
            try:
                solved_on = dt.date.fromisoformat(row["solved_on"])
            except ValueError as exc:
                raise RowError(f"第{n}个问题：解决日期格式应为 2026-03-15。") from exc
        problems.append(
            ProblemInput(
                category=row["category"],
                description=row["description"][:300],
                solved=row["solved"],
                solved_on=solved_on,
                solution=row["solution"][:300],
            )
        )
    return problems


# --- the staged files' ids ---------------------------------------------------------------------------


def plausible_ids(values) -> list[int]:
    """The values that are ids a database can compare (1 … MAX_ID); the others are dropped."""
    number, ids = forms.IntegerField(min_value=1, max_value=MAX_ID), []
    for value in values:
        try:
            ids.append(number.clean(value))
        except ValidationError:
            continue
    return ids


class StagedFilesField(forms.ModelMultipleChoiceField):
    """The staged files a form carries: an id no database can compare is an invalid choice, never a 500."""

    def _check_values(self, value):
        if len(plausible_ids(value)) != len(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super()._check_values(value)
