"""One `add_years`, one 29-February convention, used by the demo, the youth age and the roster import."""

import datetime as dt

import pytest

from apps.core.periods import add_years
from apps.orgs.models import Member, youth_born_after


@pytest.mark.parametrize(
    "day, years, expected",
    [
        (dt.date(2008, 2, 29), 18, dt.date(2026, 2, 28)),
        (dt.date(2008, 2, 29), 16, dt.date(2024, 2, 29)),
        (dt.date(2024, 2, 29), -1, dt.date(2023, 2, 28)),
        (dt.date(1990, 3, 1), 35, dt.date(2025, 3, 1)),
    ],
)
def test_add_years_keeps_the_day_or_falls_back_to_28_february(day, years, expected):
    assert add_years(day, years) == expected


def test_youth_cutoff_uses_the_same_convention(settings):
    settings.PORTAL_YOUTH_MAX_AGE = 35
    assert youth_born_after(dt.date(2060, 2, 29)) == add_years(dt.date(2060, 2, 29), -36)


def test_roster_import_counts_the_18th_birthday_the_same_way(client, side_a):
    """Born 29 February 2000: eighteen on 28 February 2018, so joining that day is accepted."""
    import io

    from django.urls import reverse
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["单位", "支部", "姓名", "性别", "出生日期", "入党日期", "党员状态"])
    ws.append(["市A局", "A局第一党支部", "闰日出生", "女", "2000-02-29", "2018-02-28", "正式党员"])
    ws.append(["市A局", "A局第一党支部", "闰日早一天", "女", "2000-02-29", "2018-02-27", "正式党员"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "roster.xlsx"
    client.force_login(side_a.unit_secretary)

    response = client.post(reverse("orgs:roster_import"), {"file": buf})

    errors = response.context["result"].row_errors
    assert [e.row for e in errors] == [3] and "未满十八周岁" in errors[0].problems[0]
    assert not Member.objects.filter(name="闰日出生").exists()  # one bad row imports nothing
