"""Manual points from Excel: happy path, a bad row imports nothing, dry run, updates audited."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from apps.scoring.models import ManualScore
from apps.scoring.services.manual_import import COLUMNS, manual_import
from apps.scoring.services.systems import system_for


@pytest.fixture
def system(db):
    return system_for(2025)


def xlsx(rows, header=COLUMNS) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("人工评分.xlsx", buffer.getvalue())


def test_happy_path_creates_then_updates_with_history(committee_user, system, side_a, side_b):
    rows = [
        (side_a.unit.name, "hotline-12345", "2025-Q3", "8", "工单办结"),
        (side_b.unit.short_name, "hotline-12345", "2025", 10.5, "全年"),
        (side_a.unit.name, "veto", "2025-03", "0", "重大事故"),
    ]
    result = manual_import(actor=committee_user, file=xlsx(rows))
    assert result.ok and (result.created, result.updated) == (3, 0), result.row_errors
    assert ManualScore.objects.get(unit=side_b.unit).points == Decimal("10.5")
    assert ManualScore.objects.get(period_key="2025-03").period_kind == "month"

    rows[0] = (side_a.unit.name, "hotline-12345", "2025-Q3", "9", "复核")
    result = manual_import(actor=committee_user, file=xlsx(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    entry = ManualScore.objects.get(unit=side_a.unit, period_key="2025-Q3")
    assert entry.points == 9 and entry.note == "复核"
    assert entry.history.first().history_type == "~" and entry.history.first().history_user == committee_user


def test_dry_run_writes_nothing(committee_user, system, side_a):
    result = manual_import(
        actor=committee_user, file=xlsx([(side_a.unit.name, "hotline-12345", "2025-Q3", "8", "x")]), dry_run=True
    )
    assert result.ok and result.created == 1
    assert not ManualScore.objects.exists()


def test_one_bad_row_imports_nothing_and_says_which(committee_user, system, side_a):
    rows = [
        (side_a.unit.name, "hotline-12345", "2025-Q3", "8", "好"),  # row 2: fine
        ("没有这个单位", "hotline-12345", "2025-Q3", "8", "x"),  # 3
        (side_a.unit.name, "partylife-compliance", "2025-Q3", "8", "x"),  # 4: auto
        (side_a.unit.name, "hotline-12345", "2017", "8", "x"),  # 5: before the start
        (side_a.unit.name, "hotline-12345", "2025-Q2", "13", "x"),  # 6: above max
        (side_a.unit.name, "hotline-12345", "2025-Q1", "5", ""),  # 7: no note
        (side_a.unit.name, "hotline-12345", "2025-Q3", "7", "again"),  # 8: same as row 2
        (side_a.unit.name, "hotline-12345", "=1+1", "7", "x"),  # 9: formula
        (side_a.unit.name, "hotline-12345", "2025-13", "7", "x"),  # 10: bad period
    ]
    result = manual_import(actor=committee_user, file=xlsx(rows))
    assert not ManualScore.objects.exists()
    problems = {e.row: "；".join(e.problems) for e in result.row_errors}
    assert set(problems) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert "没有名为“没有这个单位”的单位" in problems[3]
    assert "不能人工录入" in problems[4]
    assert "平台启用日期之前的期间不评分" in problems[5]
    assert "分数应在 0 到 12" in problems[6]
    assert "请填写依据说明" in problems[7]
    assert "与第 2 行重复" in problems[8]
    assert "不能是公式" in problems[9]
    assert "月份" in problems[10]
    assert str(result.row_errors[0]).startswith("第 3 行")


def test_file_problems_and_permissions(committee_user, system, side_a):
    result = manual_import(actor=committee_user, file=xlsx([], header=("单位名称", "分数")))
    assert "缺少必需的列" in result.file_errors[0]
    result = manual_import(actor=committee_user, file=SimpleUploadedFile("x.xls", b"junk"))
    assert ".xls" in result.file_errors[0]
    with pytest.raises(PermissionDenied):
        manual_import(actor=side_a.unit_secretary, file=xlsx([]))


def test_import_page_and_template(committee_user, system, side_a, login):
    client = login(committee_user)
    template = client.get(reverse("scoring:manual_template"))
    header = [c.value for c in next(load_workbook(io.BytesIO(template.content)).active.iter_rows(max_row=1))]
    assert header == list(COLUMNS)
    rows = [(side_a.unit.name, "hotline-12345", "2025-Q3", "8", "x"), ("?", "hotline-12345", "2025-Q3", "8", "x")]
    page = client.post(reverse("scoring:manual_import"), {"file": xlsx(rows), "dry_run": ""})
    assert 'data-row-error="3"' in page.text and not ManualScore.objects.exists()
    page = client.post(reverse("scoring:manual_import"), {"file": xlsx(rows[:1]), "dry_run": "on"})
    assert "检查通过" in page.text and not ManualScore.objects.exists()
    client.post(reverse("scoring:manual_import"), {"file": xlsx(rows[:1])})
    assert ManualScore.objects.count() == 1
