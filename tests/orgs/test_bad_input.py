"""Bad input on the org pages and API: a clear Chinese message, nothing changed, never a 500.

Query parameters (FilterSets), bounded dates (forms, API, roster import) and Excel cells
that a spreadsheet would run as formulas (export and import).
"""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from apps.core.excel import NOTES_SHEET
from apps.orgs.models import Branch, Member
from tests.orgs.factories import MemberFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- query parameters ------------------------------------------------------------------------------

# Every list page and export, with the parameters its FilterSet reads.
PAGES = {
    "orgs:unit_list": ("q", "active"),
    "orgs:unit_export": ("q", "active"),
    "orgs:branch_list": ("q", "unit", "active"),
    "orgs:branch_export": ("q", "unit", "active"),
    "orgs:member_list": ("q", "unit", "branch", "active"),
    "orgs:member_export": ("q", "unit", "branch", "active"),
    "orgs:account_list": ("q",),
}
BAD = {"unit": "unit=²", "branch": "branch=abc", "q": "q=%00", "active": "active=zz"}


def _xlsx(response):
    return load_workbook(io.BytesIO(response.content))


def _cases():
    for url_name, params in PAGES.items():
        for name, query in BAD.items():
            yield pytest.param(url_name, query, name in params, id=f"{url_name}?{query}")
        yield pytest.param(url_name, "page=x", False, id=f"{url_name}?page=x")


@pytest.mark.parametrize("url_name,query,read", list(_cases()))
def test_bad_query_parameter_shows_the_list_and_a_message(client, committee_user, side_a, url_name, query, read):
    client.force_login(committee_user)

    response = client.get(f"{reverse(url_name)}?{query}")

    assert response.status_code == 200
    if response["Content-Type"] == XLSX:
        book = _xlsx(response)
        names = [str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
        assert side_a.unit.name in names or side_a.unit_secretary.username in names
        notes = [row[0] for row in book[NOTES_SHEET].iter_rows(values_only=True)] if read else []
        assert bool(notes) == read and all("：" in note for note in notes)
        assert (NOTES_SHEET in book.sheetnames) == read
    else:
        body = response.content.decode()
        assert side_a.unit.name in body or side_a.unit_secretary.username in body  # the list is there
        assert ("data-filter-error" in body) == read
        if read:
            assert "（已忽略该条件）" in body and response.context["filter_messages"]


def test_bad_filter_keeps_the_valid_ones(client, side_a):
    client.force_login(side_a.unit_secretary)
    target = side_a.members[1]

    response = client.get(reverse("orgs:member_list") + f"?q={target.name}&branch=abc")

    body = response.content.decode()
    assert "支部：" in body and "（已忽略该条件）" in body
    assert target.name in body and side_a.members[2].name not in body


def test_bad_roster_value_shows_the_roster_not_everyone(client, side_a):
    gone = MemberFactory(branch=side_a.branch, name="已离册者", active=False, left_on=dt.date(2024, 1, 1))
    client.force_login(side_a.unit_secretary)

    body = client.get(reverse("orgs:member_list") + "?active=zz").content.decode()

    assert side_a.members[1].name in body and gone.name not in body
    assert gone.name in client.get(reverse("orgs:member_list") + "?active=all").content.decode()


API_BAD = [
    "/api/units/?active=zz",
    "/api/units/?category=nonsense",
    "/api/branches/?unit=abc",
    "/api/branches/?kind=x",
    "/api/party-groups/?branch=²",
    "/api/members/?branch=abc",
    "/api/members/?unit=²",
    "/api/members/?active=zz",
    "/api/members/?cadre=x",
    "/api/members/?q=%00",
]


@pytest.mark.parametrize("url", API_BAD)
def test_api_bad_filter_is_a_400_in_chinese(client, side_a, url):
    client.force_login(side_a.unit_secretary)
    response = client.get(url)
    assert response.status_code == 400
    assert "选项" in str(response.json()) or "空" in str(response.json())


@pytest.mark.parametrize("url", ["/api/units/", "/api/branches/", "/api/party-groups/", "/api/members/"])
def test_api_search_with_nul_is_a_400(client, side_a, url):
    client.force_login(side_a.unit_secretary)
    assert client.get(url + "?search=%00").status_code == 400


def test_api_filters_by_the_page_parameters(client, side_a):
    client.force_login(side_a.unit_secretary)
    rows = client.get(f"/api/members/?branch={side_a.other_branch.pk}").json()["results"]
    assert [r["id"] for r in rows] == [side_a.other_branch_member.pk]
    Member.objects.filter(pk=side_a.members[2].pk).update(active=False, left_on=dt.date(2024, 1, 1))
    assert side_a.members[2].pk not in {r["id"] for r in client.get("/api/members/").json()["results"]}
    left = client.get("/api/members/?active=0").json()["results"]
    assert [r["id"] for r in left] == [side_a.members[2].pk]


# --- bounded dates: forms, API, roster import --------------------------------------------------------

MEMBER_POST = {"name": "边界", "gender": "F", "status": "full", "position": ""}


@pytest.mark.parametrize(
    "dates,field",
    [
        ({"birth_date": "0001-01-01", "join_date": "2016-07-01"}, "birth_date"),
        ({"birth_date": "1990-01-01", "join_date": "9999-12-31"}, "join_date"),
        ({"birth_date": "1990-01-01", "join_date": "0001-01-01"}, "join_date"),
    ],
)
def test_member_form_refuses_year_1_and_9999(client, side_a, dates, field):
    client.force_login(side_a.unit_secretary)
    count = Member.objects.count()

    response = client.post(reverse("orgs:member_create"), {**MEMBER_POST, "branch": side_a.branch.pk, **dates})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "至今天之间" in response.content.decode()
    assert Member.objects.count() == count


def test_form_and_api_refuse_a_join_before_eighteen_as_the_roster_import_does(client, side_a):
    # Issue 11 (validation parity): the roster import refused it; the form and the API took it.
    client.force_login(side_a.unit_secretary)
    count = Member.objects.count()
    young = {"birth_date": "2000-03-01", "join_date": "2018-02-28"}  # one day short of eighteen

    response = client.post(reverse("orgs:member_create"), {**MEMBER_POST, "branch": side_a.branch.pk, **young})
    assert response.status_code == 200 and "入党时未满十八周岁" in response.content.decode()

    member = side_a.members[1]
    before = Member.objects.values().get(pk=member.pk)
    answer = client.patch(f"/api/members/{member.pk}/", young, content_type="application/json")
    assert answer.status_code == 400 and "入党时未满十八周岁" in str(answer.json())
    assert Member.objects.count() == count and Member.objects.values().get(pk=member.pk) == before

    ok = client.post(
        reverse("orgs:member_create"),
        {**MEMBER_POST, "branch": side_a.branch.pk, "birth_date": "2000-03-01", "join_date": "2018-03-01"},
    )
    assert ok.status_code == 302 and Member.objects.count() == count + 1


@pytest.mark.parametrize("founded_on", ["0001-01-01", "9999-12-31"])
def test_branch_form_refuses_year_1_and_9999(client, side_a, founded_on):
    client.force_login(side_a.unit_secretary)
    data = {"unit": side_a.unit.pk, "name": "边界支部", "kind": "serving", "order": "1", "active": "on"}

    response = client.post(reverse("orgs:branch_create"), {**data, "founded_on": founded_on})

    assert "至今天之间" in response.content.decode()
    assert not Branch.objects.filter(name="边界支部").exists()


@pytest.mark.parametrize("left_on", ["0001-01-01", "9999-12-31"])
def test_deactivate_refuses_year_1_and_9999(client, side_a, left_on):
    member = side_a.members[1]
    client.force_login(side_a.unit_secretary)

    response = client.post(
        reverse("orgs:member_deactivate", args=[member.pk]), {"left_on": left_on, "left_reason": "去世"}
    )

    assert response.status_code == 200 and response.context["form"].errors
    member.refresh_from_db()
    assert member.active and member.left_on is None


@pytest.mark.parametrize(
    "payload",
    [
        {"birth_date": "0001-01-01"},
        {"join_date": "9999-12-31"},
        {"join_date": "1900-01-01"},
    ],
)
def test_api_refuses_year_1_and_9999(client, side_a, payload):
    member = side_a.members[1]
    before = Member.objects.values().get(pk=member.pk)
    client.force_login(side_a.unit_secretary)

    response = client.patch(f"/api/members/{member.pk}/", payload, content_type="application/json")

    assert response.status_code == 400
    assert "至今天之间" in str(response.json()[next(iter(payload))])
    assert Member.objects.values().get(pk=member.pk) == before


def test_api_refuses_bounded_dates_on_create_branch_and_deactivate(client, side_a):
    client.force_login(side_a.unit_secretary)
    members, branches = Member.objects.count(), Branch.objects.count()
    new_member = {**MEMBER_POST, "branch": side_a.branch.pk, "birth_date": "1990-01-01", "join_date": "0001-01-01"}
    assert client.post("/api/members/", new_member, content_type="application/json").status_code == 400
    new_branch = {"unit": side_a.unit.pk, "name": "边界支部", "kind": "serving", "founded_on": "9999-01-01"}
    response = client.post("/api/branches/", new_branch, content_type="application/json")
    assert response.status_code == 400 and "founded_on" in response.json()
    member = side_a.members[2]
    response = client.post(
        f"/api/members/{member.pk}/deactivate/",
        {"left_on": "0001-01-01", "left_reason": "去世"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "至今天之间" in str(response.json())
    member.refresh_from_db()
    assert member.active
    assert (Member.objects.count(), Branch.objects.count()) == (members, branches)


def _roster(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["单位", "支部", "姓名", "性别", "出生日期", "入党日期", "党员状态", "职务"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("名册.xlsx", buf.getvalue(), content_type=XLSX)


@pytest.mark.parametrize(
    "birth,join,expected",
    [
        ("0001-01-01", "2015-01-01", "早于 1900 年"),
        ("1990-01-01", "9999-12-31", "入党日期不能晚于今天"),
        ("9999-01-01", "2015-01-01", "出生日期不能晚于今天"),
        ("1901-01-01", "1920-01-01", "至今天之间"),  # of age, but before the party was founded
    ],
)
def test_roster_import_refuses_out_of_range_dates(client, side_a, birth, join, expected):
    client.force_login(side_a.unit_secretary)
    count = Member.objects.count()
    row = ["市A局", "A局第一党支部", "边界", "男", birth, join, "正式党员", ""]

    response = client.post(reverse("orgs:roster_import"), {"file": _roster([row])})

    errors = response.context["result"].row_errors
    assert len(errors) == 1 and expected in " ".join(errors[0].problems)
    assert Member.objects.count() == count


# --- Excel cells are text ----------------------------------------------------------------------------------

FORMULAS = ["=1+1", "@SUM(A1)", "+1", "-2", '=HYPERLINK("http://example.com","x")']


def test_export_writes_formula_like_names_as_text(client, side_a):
    for name in FORMULAS:
        MemberFactory(branch=side_a.branch, name=name, position="=cmd|' /C calc'!A0")
    client.force_login(side_a.unit_secretary)

    response = client.get(reverse("orgs:member_export"))

    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = {row[3].value: row for row in sheet.iter_rows(min_row=2)}
    for name in FORMULAS:
        name_cell, position_cell = cells[name][3], cells[name][8]
        assert name_cell.data_type == "s" and name_cell.value == name
        assert name_cell.quotePrefix
        assert position_cell.data_type == "s" and position_cell.value == "=cmd|' /C calc'!A0"
    plain = cells[side_a.members[1].name][3]
    assert plain.data_type == "s" and not plain.quotePrefix


@pytest.mark.parametrize("column,value", [(2, "=1+1"), (2, "@SUM(A1)"), (7, "+86"), (7, "-1"), (0, "\t市A局")])
def test_roster_import_refuses_formula_text(client, side_a, column, value):
    client.force_login(side_a.unit_secretary)
    count = Member.objects.count()
    row = ["市A局", "A局第一党支部", "公式", "男", "1990-01-01", "2015-01-01", "正式党员", "科员"]
    row[column] = value

    response = client.post(reverse("orgs:roster_import"), {"file": _roster([row])})

    errors = response.context["result"].row_errors
    header = ["单位", "支部", "姓名", "性别", "出生日期", "入党日期", "党员状态", "职务"][column]
    assert [(e.row, e.problems) for e in errors] == [
        (2, [f"{header}不能是公式，也不能以 =、+、-、@ 开头，请改为直接填写内容"])
    ]
    assert Member.objects.count() == count


@pytest.mark.parametrize("mark", ["-", "—", "/", "无"])
def test_roster_import_reads_a_dash_in_position_as_blank(client, side_a, mark):
    """Secretaries type “-” for “no position”: that is an empty cell, not a formula."""
    client.force_login(side_a.unit_secretary)
    row = ["市A局", "A局第一党支部", "无职务", "男", "1990-01-01", "2015-01-01", "正式党员", mark]

    response = client.post(reverse("orgs:roster_import"), {"file": _roster([row])})

    assert response.context["result"].row_errors == []
    assert Member.objects.get(name="无职务").position == ""


def test_roster_import_refuses_a_formula_cell(client, side_a):
    client.force_login(side_a.unit_secretary)
    count = Member.objects.count()
    # A real formula whose cached result would be a valid date: the import must not read the result.
    wb = Workbook()
    ws = wb.active
    ws.append(["单位", "支部", "姓名", "性别", "出生日期", "入党日期", "党员状态"])
    ws.append(["市A局", "A局第一党支部", "公式日期", "男", "=DATE(1990,1,1)", "2015-01-01", "正式党员"])
    buf = io.BytesIO()
    wb.save(buf)

    response = client.post(
        reverse("orgs:roster_import"), {"file": SimpleUploadedFile("名册.xlsx", buf.getvalue(), content_type=XLSX)}
    )

    problems = response.context["result"].row_errors[0].problems
    assert problems == ["出生日期不能是公式，也不能以 =、+、-、@ 开头，请改为直接填写内容"]
    assert "出生日期不能是公式" in response.content.decode()
    assert Member.objects.count() == count
