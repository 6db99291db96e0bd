"""Roster import (名册导入): the page, the template download and the all-or-nothing service."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from apps.core import excel
from apps.orgs import roster_import as importer
from apps.orgs import roster_sheet
from apps.orgs.models import Member, User
from tests.orgs.factories import BranchFactory, MemberFactory, UnitFactory, UserFactory

HistoricalMember = Member.history.model
HEADER = ["单位", "支部", "姓名", "性别", "出生日期", "入党日期", "党员状态", "职务"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_URL = reverse("orgs:roster_import")
TEMPLATE_URL = reverse("orgs:roster_template")


def _settle(side):
    """Give the side's members fixed past dates: the factory's sequence drifts into the future in a long run."""
    for i, member in enumerate([*side.members, side.other_branch_member]):
        member.birth_date = dt.date(1975, 1, 1) + dt.timedelta(days=400 * i)
        member.join_date = member.birth_date.replace(year=member.birth_date.year + 25)
        Member.objects.filter(pk=member.pk).update(birth_date=member.birth_date, join_date=member.join_date)
    return side


@pytest.fixture
def side_a(side_a):
    return _settle(side_a)


@pytest.fixture
def side_b(side_b):
    return _settle(side_b)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, rows=None, *, header=HEADER, dry_run=False, name="名册.xlsx", content=None):
    data = content if content is not None else xlsx_bytes(rows, header)
    post = {"file": SimpleUploadedFile(name, data, content_type=XLSX)}
    if dry_run:
        post["dry_run"] = "on"
    return client.post(IMPORT_URL, post)


def result_of(response) -> importer.ImportResult:
    return response.context["result"]


def good_rows(side_a, side_b):
    return [
        ["市A局", "A局第一党支部", "王小明", "男", dt.date(1990, 5, 4), dt.date(2015, 7, 1), "正式党员", "科长"],
        [" A局 ", "A局第二党支部", "李 红", "女", "1992/3/8", "2018年6月30日", "预备", ""],
        ["市B局", "B局第一党支部", "赵强", "男", 19880101, "2010.10.01", "正式", "副处长"],
    ]


def snapshot():
    return (
        Member.objects.count(),
        HistoricalMember.objects.count(),
        dict(Member.objects.values_list("pk", "updated_at")),
    )


# --- happy path and idempotence -----------------------------------------------------------------


def test_committee_imports_new_members_with_history(client, committee_user, side_a, side_b):
    members_before, history_before, _ = snapshot()
    client.force_login(committee_user)

    response = upload(client, good_rows(side_a, side_b))

    assert response.status_code == 200
    result = result_of(response)
    assert result.ok and not result.dry_run
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert "新增 3 人，更新 0 人，未变化 0 人" in response.content.decode()
    assert Member.objects.count() == members_before + 3
    wang = Member.objects.get(name="王小明")
    assert wang.branch == side_a.branch
    assert (wang.gender, wang.birth_date, wang.join_date, wang.status, wang.position, wang.active) == (
        "M",
        dt.date(1990, 5, 4),
        dt.date(2015, 7, 1),
        "full",
        "科长",
        True,
    )
    li = Member.objects.get(name="李红")  # padded Chinese name, unit by short name, text dates, "预备"
    assert (li.branch, li.gender, li.birth_date, li.join_date, li.status, li.position) == (
        side_a.other_branch,
        "F",
        dt.date(1992, 3, 8),
        dt.date(2018, 6, 30),
        "probationary",
        "",
    )
    zhao = Member.objects.get(name="赵强")
    assert (zhao.branch, zhao.birth_date, zhao.join_date) == (side_b.branch, dt.date(1988, 1, 1), dt.date(2010, 10, 1))
    assert HistoricalMember.objects.count() == history_before + 3
    for member in (wang, li, zhao):
        record = member.history.get()
        assert record.history_type == "+"
        assert record.history_user == committee_user
        assert record.history_change_reason == importer.CHANGE_REASON


def test_reimporting_the_same_file_changes_nothing(client, committee_user, side_a, side_b):
    client.force_login(committee_user)
    content = xlsx_bytes(good_rows(side_a, side_b))
    assert result_of(upload(client, content=content)).created == 3
    before = snapshot()

    response = upload(client, content=content)

    result = result_of(response)
    assert result.ok
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert "新增 0 人，更新 0 人，未变化 3 人" in response.content.decode()
    assert snapshot() == before


def test_changed_position_updates_exactly_that_member(client, committee_user, side_a, side_b):
    client.force_login(committee_user)
    rows = good_rows(side_a, side_b)
    upload(client, rows)
    members_before, history_before, stamps_before = snapshot()

    rows[2][7] = "处长"
    result = result_of(upload(client, rows))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    members_after, history_after, stamps_after = snapshot()
    assert members_after == members_before
    assert history_after == history_before + 1
    zhao = Member.objects.get(name="赵强")
    assert zhao.position == "处长"
    assert stamps_after[zhao.pk] > stamps_before[zhao.pk]
    assert {pk: t for pk, t in stamps_after.items() if pk != zhao.pk} == {
        pk: t for pk, t in stamps_before.items() if pk != zhao.pk
    }
    latest = zhao.history.first()
    assert (latest.history_type, latest.position, latest.history_user) == ("~", "处长", committee_user)


def test_existing_roster_member_is_updated_by_natural_key(client, side_a, side_b):
    member = side_a.members[1]
    client.force_login(side_a.unit_secretary)
    row = ["市A局", "A局第一党支部", member.name, "男", member.birth_date, member.join_date, "预备党员", "支部委员"]

    result = result_of(upload(client, [row]))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    member.refresh_from_db()
    assert (member.status, member.position) == ("probationary", "支部委员")


def test_columns_found_by_header_in_any_order_and_position_optional(client, committee_user, side_a):
    member = side_a.members[2]
    Member.objects.filter(pk=member.pk).update(position="办公室主任")
    client.force_login(committee_user)
    header = [" 姓名 ", "出生日期", "单位", "备注", "支部", "性别", "入党日期", "党员状态"]
    rows = [
        [member.name, member.birth_date, "市A局", "x", "A局第一党支部", "女", member.join_date, "正式党员"],
        [None, None, None, "只有备注的行", None, None, None, None],  # blank as far as the roster goes
        ["新同志", "1995-01-02", "市A局", "", "A局第一党支部", "男", "2020-07-01", "正式党员"],
    ]

    result = result_of(upload(client, rows, header=header))

    assert result.ok, result.row_errors
    assert (result.rows, result.created, result.updated) == (2, 1, 1)
    member.refresh_from_db()
    assert (member.gender, member.position) == ("F", "办公室主任")  # no 职务 column: position kept
    assert Member.objects.get(name="新同志").position == ""


# --- bad rows: nothing is written, every row is listed ---------------------------------------------


def test_one_bad_row_imports_nothing_and_is_listed(client, committee_user, side_a, side_b):
    client.force_login(committee_user)
    rows = good_rows(side_a, side_b)
    rows.insert(1, ["市A局", "A局第一党支部", "钱多", "未知", "1980-01-01", "2005-01-01", "正式党员", ""])
    before = snapshot()

    response = upload(client, rows)

    assert response.status_code == 200
    assert snapshot() == before
    result = result_of(response)
    assert not result.ok
    assert [(e.row, e.name) for e in result.row_errors] == [(3, "钱多")]
    page = response.content.decode()
    assert "未导入任何数据" in page
    assert "第 3 行" in page and "钱多" in page and "性别须填写“男”或“女”" in page
    assert "第 2 行" not in page


def test_every_bad_row_is_listed_with_its_reason(client, committee_user, side_a, side_b):
    gone = MemberFactory(
        branch=side_a.branch, name="离册者", birth_date=dt.date(1960, 1, 1), active=False, left_on=dt.date(2020, 1, 1)
    )
    client.force_login(committee_user)
    future = dt.date.today() + dt.timedelta(days=30)
    ok = ["市A局", "A局第一党支部"]
    rows = [
        ["市A局", "A局第一党支部", "好人", "男", "1990-01-01", "2015-01-01", "正式党员", ""],  # 2: fine
        ["市不存在局", "第一党支部", "甲", "男", "1990-01-01", "2015-01-01", "正式党员", ""],  # 3
        ["市A局", "没有的支部", "乙", "男", "1990-01-01", "2015-01-01", "正式党员", ""],  # 4
        [*ok, "丙", "M", "1990-01-01", "2015-01-01", "正式党员", ""],  # 5
        [*ok, "丁", "男", "1990-13-45", "2015-01-01", "正式党员", ""],  # 6
        [*ok, "戊", "男", "1990-01-01", future, "正式党员", ""],  # 7
        [*ok, "己", "女", "2000-06-01", "2018-05-31", "正式党员", ""],  # 8: 17 at join
        ["市A局", "A局第一党支部", "好人", "男", "1990-01-01", "2016-01-01", "正式党员", ""],  # 9: repeats row 2
        [*ok, "", "男", "1990-01-01", "2015-01-01", "正式党员", ""],  # 10
        [*ok, "离册者", "男", gone.birth_date, gone.join_date, "正式党员", ""],  # 11
        [*ok, "庚", "男", "1990-01-01", "2015-01-01", "党员", ""],  # 12
    ]
    before = snapshot()

    response = upload(client, rows)

    assert snapshot() == before
    errors = {e.row: " ".join(e.problems) for e in result_of(response).row_errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "找不到单位“市不存在局”" in errors[3]
    assert "没有名为“没有的支部”的党支部" in errors[4] and "新建该支部" in errors[4]
    assert "性别须填写“男”或“女”" in errors[5]
    assert "出生日期“1990-13-45”无法识别" in errors[6]
    assert "入党日期不能晚于今天" in errors[7]
    assert "未满十八周岁" in errors[8]
    assert "与第 2 行重复" in errors[9]
    assert "姓名未填写" in errors[10]
    assert "该党员已离册，请先在名册中恢复" in errors[11]
    assert "党员状态须填写" in errors[12]
    page = response.content.decode()
    for row in errors:
        assert f"第 {row} 行" in page
    assert "第 2 行</td>" not in page


def test_excel_serial_numbers_are_dates_but_a_bare_year_is_not(client, committee_user, side_a):
    client.force_login(committee_user)
    rows = [
        ["市A局", "A局第一党支部", "序列号", "男", 32214, 40360.0, "正式党员", ""],  # 1988-03-12, 2010-07-01
        ["市A局", "A局第一党支部", "只写年份", "男", 1985, "2010-07-01", "正式党员", ""],
    ]

    result = result_of(upload(client, rows))

    assert [(e.row, e.problems) for e in result.row_errors] == [
        (3, ["出生日期“1985”无法识别，请填写如 1985-03-12 的日期"])
    ]
    rows.pop()
    assert result_of(upload(client, rows)).created == 1
    member = Member.objects.get(name="序列号")
    assert (member.birth_date, member.join_date) == (dt.date(1988, 3, 12), dt.date(2010, 7, 1))


def test_ambiguous_short_name_and_inactive_branch_are_bad_rows(client, committee_user, side_a, side_b):
    UnitFactory(name="市A局机关事务中心", short_name="A局")  # a second unit with the same short name
    BranchFactory(unit=side_a.unit, name="已撤销支部", dissolved_on=dt.date(2024, 1, 1), end_reason="revoked")
    client.force_login(committee_user)
    rows = [
        ["A局", "A局第一党支部", "甲", "男", "1990-01-01", "2015-01-01", "正式党员", ""],
        ["市A局", "已撤销支部", "乙", "男", "1990-01-01", "2015-01-01", "正式党员", ""],
    ]

    errors = result_of(upload(client, rows)).row_errors

    assert [(e.row, e.problems) for e in errors] == [
        (2, ["单位简称“A局”对应多个单位，请填写单位全称"]),
        (3, ["党支部“已撤销支部”已撤销"]),
    ]


def test_join_on_eighteenth_birthday_is_allowed(client, committee_user, side_a):
    client.force_login(committee_user)
    rows = [["市A局", "A局第一党支部", "刚满十八", "女", "2000-06-01", "2018-06-01", "预备党员", ""]]
    assert result_of(upload(client, rows)).created == 1


def test_member_already_in_another_branch_of_the_unit_is_not_duplicated(client, committee_user, side_a):
    member = side_a.other_branch_member
    client.force_login(committee_user)
    row = ["市A局", "A局第一党支部", member.name, "男", member.birth_date, member.join_date, "正式党员", ""]

    errors = result_of(upload(client, [row])).row_errors

    assert len(errors) == 1 and "已登记在本单位“A局第二党支部”" in errors[0].problems[0]
    assert not Member.objects.filter(branch=side_a.branch, name=member.name).exists()


# --- file-level problems ----------------------------------------------------------------------------


def test_missing_required_columns_are_named(client, committee_user, side_a):
    client.force_login(committee_user)
    header = ["单位", "支部", "姓名", "出生日期", "党员状态"]
    before = snapshot()

    result = result_of(upload(client, [["市A局", "A局第一党支部", "王", "1990-01-01", "正式党员"]], header=header))

    assert snapshot() == before
    assert len(result.file_errors) == 1
    assert "缺少必需的列：性别、入党日期" in result.file_errors[0]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("名册.xlsx", "单位,支部,姓名\n市A局,A局第一党支部,王\n".encode(), "不是有效的 .xlsx"),
        ("名册.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "旧版 Excel（.xls）"),
        ("名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "旧版 Excel（.xls）"),
        ("名册.txt", b"hello", "只能导入 Excel 的 .xlsx 文件"),
        ("名册.xlsx", b"PK\x03\x04" + b"broken zip" * 10, "不是有效的 .xlsx"),
    ],
)
def test_not_an_xlsx_gets_a_clear_message(client, committee_user, side_a, name, content, expected):
    client.force_login(committee_user)

    response = upload(client, name=name, content=content)

    assert response.status_code == 200
    result = result_of(response)
    assert len(result.file_errors) == 1 and expected in result.file_errors[0]
    assert expected in response.content.decode()


def test_zip_that_is_not_a_workbook_gets_a_clear_message(client, committee_user, side_a):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    client.force_login(committee_user)

    result = result_of(upload(client, content=buf.getvalue()))

    assert len(result.file_errors) == 1 and "无法读取该文件" in result.file_errors[0]


def test_oversize_file_is_refused(client, committee_user, side_a, monkeypatch):
    monkeypatch.setattr(roster_sheet, "MAX_FILE_BYTES", 1024)
    client.force_login(committee_user)

    result = result_of(upload(client, content=xlsx_bytes([["市A局"]]) + b"\0" * 2048))

    assert len(result.file_errors) == 1
    assert "文件过大" in result.file_errors[0] and "不能超过 1 KB" in result.file_errors[0]


def test_too_many_rows_is_refused(client, committee_user, side_a, monkeypatch):
    monkeypatch.setattr(roster_sheet, "MAX_ROWS", 2)
    client.force_login(committee_user)
    rows = [["市A局", "A局第一党支部", f"党员{i}", "男", "1990-01-01", "2015-01-01", "正式党员", ""] for i in range(3)]
    before = snapshot()

    result = result_of(upload(client, rows))

    assert snapshot() == before
    assert result.file_errors == ["每次最多导入 2 人，该文件超出（第 4 行起），请分批导入。"]


def test_empty_sheet_and_header_only(client, committee_user, side_a):
    client.force_login(committee_user)
    assert "缺少必需的列" in result_of(upload(client, [], header=[])).file_errors[0]
    assert "没有党员数据" in result_of(upload(client, [[None] * 8, []])).file_errors[0]


def test_template_example_row_is_refused(client, committee_user, side_a):
    client.force_login(committee_user)
    template = client.get(TEMPLATE_URL).content

    errors = result_of(upload(client, content=template)).row_errors

    assert [(e.row, e.problems) for e in errors] == [(2, ["这是模板中的示例行，请删除后再导入"])]


# --- permissions --------------------------------------------------------------------------------------


def test_unit_secretary_cannot_import_another_units_row(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    rows = [
        ["市A局", "A局第一党支部", "自己人", "男", "1990-01-01", "2015-01-01", "正式党员", ""],
        ["市B局", "B局第一党支部", "外单位", "男", "1990-01-01", "2015-01-01", "正式党员", ""],
    ]
    before = snapshot()

    response = upload(client, rows)

    assert snapshot() == before
    errors = result_of(response).row_errors
    assert [(e.row, e.problems) for e in errors] == [(3, ["无权导入其他单位的党员"])]
    assert "无权导入其他单位的党员" in response.content.decode()


def test_unit_secretary_imports_own_unit(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    rows = [["A局", "A局第二党支部", "自己人", "男", "1990-01-01", "2015-01-01", "正式党员", ""]]

    result = result_of(upload(client, rows))

    assert result.created == 1
    created = Member.objects.get(name="自己人")
    assert created.branch == side_a.other_branch
    assert created.history.get().history_user == side_a.unit_secretary


@pytest.mark.parametrize("who", ["branch_secretary", "member_user"])
def test_branch_secretary_and_member_get_403(client, side_a, side_b, who):
    client.force_login(getattr(side_a, who))
    before = snapshot()
    rows = [["市A局", "A局第一党支部", "自己人", "男", "1990-01-01", "2015-01-01", "正式党员", ""]]

    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(TEMPLATE_URL).status_code == 403
    assert upload(client, rows).status_code == 403
    assert snapshot() == before


def test_user_without_role_gets_403(client, db):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(TEMPLATE_URL).status_code == 403


@pytest.mark.parametrize("url", [IMPORT_URL, TEMPLATE_URL])
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_service_refuses_branch_secretary(side_a):
    file = SimpleUploadedFile("名册.xlsx", xlsx_bytes([]), content_type=XLSX)
    with pytest.raises(PermissionDenied):
        importer.roster_import(actor=side_a.branch_secretary, file=file)


# --- dry run, page, template, query count ----------------------------------------------------------------


def test_dry_run_reports_counts_and_writes_nothing(client, committee_user, side_a, side_b):
    client.force_login(committee_user)
    member = side_a.members[0]
    rows = good_rows(side_a, side_b) + [
        ["市A局", "A局第一党支部", member.name, "男", member.birth_date, member.join_date, "正式党员", "新职务"],
        [
            "市A局",
            "A局第一党支部",
            side_a.members[1].name,
            "男",
            side_a.members[1].birth_date,
            side_a.members[1].join_date,
            "正式党员",
            "",
        ],
    ]
    before = snapshot()

    response = upload(client, rows, dry_run=True)

    assert snapshot() == before
    result = result_of(response)
    assert result.ok and result.dry_run
    assert (result.rows, result.created, result.updated, result.unchanged) == (5, 3, 1, 1)
    page = response.content.decode()
    assert "校验通过" in page and "尚未导入" in page


def test_import_page_explains_columns_and_offers_template(client, side_a):
    client.force_login(side_a.unit_secretary)

    response = client.get(IMPORT_URL)

    assert response.status_code == 200
    page = response.content.decode()
    for column in HEADER:
        assert f">{column}<" in page
    assert TEMPLATE_URL in page
    assert 'accept=".xlsx"' in page and 'enctype="multipart/form-data"' in page
    assert "仅校验，不导入" in page and "btn-portal" in page


def test_template_download_is_an_xlsx_with_the_columns(client, committee_user):
    client.force_login(committee_user)

    response = client.get(TEMPLATE_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert ".xlsx" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [*HEADER, "转入日期"]  # issue 7: the optional transfer date
    assert len(rows) == 2 and rows[1][2] == importer.EXAMPLE_NAME


def test_query_count_does_not_grow_with_rows(committee_user, side_a, assert_constant_queries):
    batch = {}

    def prepare(n: int, tag: str) -> None:
        rows = [
            [
                "市A局",
                "A局第一党支部",
                f"{tag}{i}",
                "男",
                dt.date(1980, 1, 1) + dt.timedelta(days=i),
                "2010-01-01",
                "正式",
                "",
            ]
            for i in range(n)
        ]
        batch["n"] = n
        batch["file"] = SimpleUploadedFile("名册.xlsx", xlsx_bytes(rows), content_type=XLSX)
        batch["actor"] = User.objects.get(pk=committee_user.pk)  # a fresh request's user: scope not cached

    def run() -> None:
        result = importer.roster_import(actor=batch["actor"], file=batch["file"])
        assert result.created == batch["n"]

    prepare(3, "甲")
    # scope (permissions ×2, member row), savepoint, units, branches, members (locked), insert members,
    # insert history, insert their memberships and its history, release savepoint: 12, whatever the row count;
    # + the last closed month (关账: undated memberships start after it).
    assert_constant_queries(
        run, grow=lambda: prepare(30, "乙"), expected=17 + 6
    )  # + audit: 2 × (units, insert); + the verdict store's batch (savepoints, branches, lock)


def test_a_small_file_padded_with_cells_is_refused_before_it_is_parsed(client, committee_user, side_a, monkeypatch):
    # Issue 11: a 2 MB roster padded with 800 columns took a worker 40 s to read. The cells are counted in the
    # sheet's XML first (here with a lower ceiling, so the file stays small): refused, nothing parsed or written.
    monkeypatch.setattr(excel, "MAX_CELLS", 2_000)
    rows = [
        ["市A局", "A局第一党支部", f"王{i}", "男", "1990-05-04", "2015-07-01", "正式党员", "", *["x"] * 40]
        for i in range(60)
    ]
    # 60 rows × 48 columns ≈ 2,900 cells
    parsed = []
    monkeypatch.setattr(excel, "load_workbook", lambda *a, **k: parsed.append(1))
    client.force_login(committee_user)
    before = snapshot()

    result = result_of(upload(client, rows))

    assert (
        len(result.file_errors) == 1
        and "单元格过多" in result.file_errors[0]
        and "最多 2,000 个" in result.file_errors[0]
    )
    assert parsed == [] and snapshot() == before


def test_cells_are_counted_without_parsing_across_chunk_boundaries():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        cells = b"".join(b'<c r="A%d"><v>1</v></c>' % i for i in range(1, 120_001))  # > 1 MiB: several chunks
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>" + cells + b"</row></sheetData>")
        archive.writestr("xl/worksheets/sheet2.xml", b"<c ><c >")  # only the first sheet is read
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as archive:
        assert excel._sheet_cells(archive) == 120_000
