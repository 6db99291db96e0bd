"""The big files: a records export (time and peak memory, in a subprocess) and a roster import (time).

- Export: the records list's export builder (`partylife.views.records.activity_rows`, what the background job
  runs) for the committee, its first `rows` rows written by `excel.write_workbook` into a file, in a fresh Python
  process (`python -m apps.demo.bench.export_child`): peak memory is the growth of its resident set size (sampled
  every 20 ms from /proc) over what it was once Django was set up; the process's sampled peak is reported too.
  Reference: COPY of the same query (same rows, same joins) to a CSV file, in the same process.
- Import: `orgs.roster_import.roster_import` of a generated .xlsx of `rows` new members spread over the branches
  of one unit, by the committee, in a transaction rolled back afterwards. Reference: a bulk insert of the same
  members and their memberships (`bulk_create`), rolled back too.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count

from apps.core.excel import write_workbook
from apps.orgs.models import Branch, Member, Membership, Unit, User
from apps.orgs.roster_import import roster_import
from apps.orgs.roster_sheet import COLUMNS

from .compute import Versus
from .machine import database_url
from .timing import Timing, measure


@dataclass
class ExportResult:
    rows: int
    seconds: float
    peak_mb: float
    process_mb: float  # the process's sampled peak RSS, Django included
    file_mb: float
    copy_seconds: float
    copy_mb: float


def export_once(*, user: str, rows: int, folder: str) -> ExportResult:
    """One export in a fresh process (peak memory is per process); the child prints its figures as JSON."""
    command = [sys.executable, "-m", "apps.demo.bench.export_child", "--user", user, "--rows", str(rows)]
    command += ["--folder", folder]
    env = dict(os.environ, DATABASE_URL=database_url())
    env.setdefault("DJANGO_SETTINGS_MODULE", "organ_portal.settings")
    done = subprocess.run(command, cwd=str(settings.BASE_DIR), env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"导出子进程失败：{done.stderr[-2000:]}")
    return ExportResult(**json.loads(done.stdout.strip().splitlines()[-1]))


def export(*, user: str, rows: int, runs: int) -> list[ExportResult]:
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        return [export_once(user=user, rows=rows, folder=folder) for _ in range(runs)]


# --- the roster import ------------------------------------------------------------------------------------------


def _roster_unit() -> tuple[Unit, list[Branch]]:
    """The unit with the most current branches (the rows are spread over them)."""
    unit = (
        Unit.objects.filter(active=True, branches__dissolved_on__isnull=True)
        .annotate(n=Count("branches"))
        .order_by("-n", "pk")
        .first()
    )
    if unit is None:
        raise RuntimeError("没有可导入名册的单位")
    return unit, list(Branch.objects.current().filter(unit=unit).order_by("pk"))


def _people(count: int, branches: list[Branch]):
    """(branch, name, gender, birth, join) of `count` made-up people, none of them on the roster yet."""
    family = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
    for i in range(count):
        birth = dt.date(1965 + i % 35, 1 + i % 12, 1 + i % 28)
        join = birth.replace(year=birth.year + 20 + i % 5)
        name = f"{family[i % len(family)]}{given[i // len(family) % len(given)]}测{i:05d}"
        yield branches[i % len(branches)], name, "男" if i % 2 else "女", birth, join


def roster_file(count: int) -> tuple[bytes, Unit, list[Branch]]:
    """An .xlsx roster of `count` new members in the template's columns."""
    unit, branches = _roster_unit()
    buffer = io.BytesIO()
    rows = (
        [unit.name, b.name, name, g, birth, join, "正式党员", "", None]
        for b, name, g, birth, join in _people(count, branches)
    )
    write_workbook(buffer, sheets=[_sheet(rows)])
    return buffer.getvalue(), unit, branches


def _sheet(rows):
    from apps.core.excel import Sheet

    return Sheet(title="名册", headers=COLUMNS, rows=rows)


class _Rollback(Exception):
    pass


def _rolled_back(fn):
    def run():
        try:
            with transaction.atomic():
                fn()
                raise _Rollback
        except _Rollback:
            pass

    return run


def roster(*, username: str, rows: int, runs: int) -> Versus:
    actor = User.objects.get(username=username)
    content, unit, branches = roster_file(rows)

    def import_once():
        result = roster_import(actor=actor, file=SimpleUploadedFile("名册.xlsx", content))
        if result.file_errors or result.row_errors or result.created != rows:
            problems = result.file_errors or [f"第{e.row}行：{e.problems}" for e in result.row_errors[:3]]
            raise RuntimeError(f"名册导入未成功：{problems}")

    def insert_once():
        members = [
            Member(branch=b, name=name, gender="M" if g == "男" else "F", birth_date=birth, join_date=join)
            for b, name, g, birth, join in _people(rows, branches)
        ]
        Member.objects.bulk_create(members, batch_size=500)
        Membership.objects.bulk_create(
            [Membership(member=m, branch=m.branch, start_on=m.join_date, reason="导入") for m in members],
            batch_size=500,
        )

    code = measure(_rolled_back(import_once), runs)
    reference = measure(_rolled_back(insert_once), runs)
    note = f"{rows:,} 行新党员，分布在{unit.name}的 {len(branches)} 个支部；导入与参照均在事务中回滚"
    return Versus(f"名册导入 · {rows:,} 行", code, reference, note)


def export_versus(results: list[ExportResult]) -> Versus:
    import statistics

    runs = len(results)
    code = Timing(statistics.median(r.seconds for r in results), 0, runs)
    reference = Timing(statistics.median(r.copy_seconds for r in results), 1, runs)
    return Versus(f"记录导出 · {results[0].rows:,} 行", code, reference, "")
