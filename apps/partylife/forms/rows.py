"""The record form's repeatable rows, read straight from POST (出勤名单、企业问题): the attendance picker
and the enterprise problems. A malformed row is a `RowError` with a Chinese message shown on the form."""

from __future__ import annotations

import datetime as dt
import re

from ..models import ProblemCategory
from ..services import AttendanceInput, ProblemInput


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
