"""Every Excel download of the portal has a frozen header row and sized columns (a CJK character counts two).

The walk finds the downloads among the URL patterns (every name with export or template in it that takes no
argument) and opens each one as the committee; the scoring and exam downloads that take an id are checked in
their own tests with the same writer (apps/core/excel.write_workbook)."""

import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from apps.core import excel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _downloads(patterns=None, namespace="") -> list[str]:
    found = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x)
            found += _downloads(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name and namespace and not p.pattern.regex.groups:
            if ("export" in p.name or p.name.endswith("template")) and not namespace.startswith("api"):
                found.append(f"{namespace}:{p.name}")
    return sorted(set(found))


DOWNLOADS = _downloads()
#: Downloads of one unit: the committee names the unit (a unit secretary's is implied).
NEEDS_A_UNIT = {"partylife:unit_overview_export"}


def test_the_walk_finds_the_exports():
    assert len(DOWNLOADS) >= 20
    for name in ("orgs:member_export", "partylife:activity_export", "core:audit_export", "scoring:manual_export"):
        assert name in DOWNLOADS


@pytest.mark.parametrize("name", DOWNLOADS)
def test_every_download_freezes_its_header_and_sizes_its_columns(name, db, side_a, side_b, committee_user, login):
    params = {"unit": side_a.unit.pk} if name in NEEDS_A_UNIT else {}
    response = login(committee_user).get(reverse(name), params)
    assert response.get("Content-Type") == XLSX, (name, response.status_code)
    workbook = load_workbook(io.BytesIO(response.content))
    for ws in workbook.worksheets:
        if ws.title == excel.NOTES_SHEET:
            continue
        assert ws.freeze_panes == "A2", (name, ws.title)
        assert ws["A1"].font.bold, (name, ws.title)
        for column in range(1, ws.max_column + 1):
            letter = ws.cell(row=1, column=column).column_letter
            width = ws.column_dimensions[letter].width
            assert excel.MIN_WIDTH <= width <= excel.MAX_WIDTH, (name, ws.title, letter, width)


def test_widths_come_from_the_header_and_the_rows_counting_cjk_twice():
    assert excel.text_width("abc") == 3 and excel.text_width("党员") == 4
    assert excel.column_widths(["姓名", "x"], [("张三丰老师傅", "y")]) == [14, 8]
    assert excel.column_widths(["说明"], [("长" * 100,)]) == [excel.MAX_WIDTH]
