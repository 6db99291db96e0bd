"""题库导入: every bad row named with its problem and nothing written; a dry run; an import; the same file twice."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from apps.study.models import Question, QuestionKind
from apps.study.services import exams as services
from tests.study.exams_factories import item

pytestmark = pytest.mark.django_db
HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析", "应知应会条目"]


def xlsx(rows, header=HEADER, name="题库.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def row(kind="单选", stem="题干", a="甲", b="乙", c="丙", answer="B", explanation="", items=""):
    return [kind, stem, a, b, c, None, None, None, answer, explanation, items]


GOOD = [
    row(stem="党的最高领导机关是", answer="A", items="中国共产党章程"),
    row(
        "多选",
        "六项纪律包括",
        "政治纪律",
        "组织纪律",
        "廉洁纪律",
        answer="ABC",
        items="中国共产党章程；中华人民共和国监察法",
    ),
    ["判断", "预备党员有表决权", None, None, None, None, None, None, "错", "预备党员没有表决权", ""],
]


@pytest.fixture
def items(db):
    return item("中国共产党章程"), item("中华人民共和国监察法")


def test_a_clean_file_imports_every_row(committee_user, items):
    result = services.question_import(actor=committee_user, file=xlsx(GOOD))
    assert result.ok and result.written and (result.created, result.updated) == (3, 0)
    multiple = Question.objects.get(stem="六项纪律包括")
    assert multiple.kind == QuestionKind.MULTIPLE and multiple.answer == [0, 1, 2]
    assert {i.title for i in multiple.items.all()} == {"中国共产党章程", "中华人民共和国监察法"}
    judge = Question.objects.get(stem="预备党员有表决权")
    assert judge.options == ["正确", "错误"] and judge.answer == [1]

    again = services.question_import(actor=committee_user, file=xlsx([row(stem="党的最高领导机关是", answer="B")]))
    assert (again.created, again.updated) == (0, 1) and Question.objects.count() == 3
    assert Question.objects.get(stem="党的最高领导机关是").answer == [1]


def test_a_dry_run_writes_nothing(committee_user, items):
    result = services.question_import(actor=committee_user, file=xlsx(GOOD), dry_run=True)
    assert result.ok and not result.written and result.created == 3
    assert Question.objects.count() == 0


def test_bad_rows_are_named_and_nothing_is_imported(committee_user, items):
    rows = [
        GOOD[0],
        row(kind="填空", stem="题型不对"),  # 3
        row(stem="答案越界", answer="D"),  # 4
        row("多选", "多选只有一个答案", answer="A"),  # 5
        row(stem="条目不存在", items="中国共产党章程；不存在的条例"),  # 6
        row(stem="=1+1"),  # 7: a formula
        row(stem="党的最高领导机关是"),  # 8: same 题干 as row 2
        row(stem="", answer=""),  # 9
        row(stem="只有一个选项", b=None, c=None, answer="A"),  # 10
    ]
    result = services.question_import(actor=committee_user, file=xlsx(rows))
    assert not result.ok and Question.objects.count() == 0
    problems = {e.row: "；".join(e.problems) for e in result.row_errors}
    assert set(problems) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert "题型须填写" in problems[3]
    assert "D 不是本题的选项" in problems[4]
    assert "至少应有两个正确答案" in problems[5]
    assert "没有条目“不存在的条例”" in problems[6]
    assert "不能是公式" in problems[7]
    assert "与第 2 行题干相同" in problems[8]
    assert "题干未填写" in problems[9] and "答案未填写" in problems[9]
    assert "至少填写选项A、选项B" in problems[10]


def test_file_problems(committee_user):
    assert (
        "缺少必需的列" in services.question_import(actor=committee_user, file=xlsx([], header=["题干"])).file_errors[0]
    )
    assert (
        ".xlsx" in services.question_import(actor=committee_user, file=SimpleUploadedFile("a.csv", b"x")).file_errors[0]
    )
    broken = SimpleUploadedFile("a.xlsx", b"not a zip")
    assert "不是有效的 .xlsx" in services.question_import(actor=committee_user, file=broken).file_errors[0]
    assert "空行" in services.question_import(actor=committee_user, file=xlsx([])).file_errors[0]
    example = services.question_import(actor=committee_user, file=xlsx([list(services.IMPORT_EXAMPLE_ROW)]))
    assert "示例行" in example.row_errors[0].problems[0]


def test_import_page_shows_row_errors_and_the_template_downloads(login, committee_user, side_a, items):
    client = login(committee_user)
    page = client.post(reverse("study:question_import"), {"file": xlsx([GOOD[0], row(stem="错", answer="Z")])})
    text = page.content.decode()
    assert page.status_code == 200 and 'data-row-error="3"' in text and "未导入任何试题" in text
    done = client.post(reverse("study:question_import"), {"file": xlsx(GOOD)})
    assert "导入完成" in done.content.decode() and Question.objects.count() == 3

    template = client.get(reverse("study:question_template"))
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == list(services.IMPORT_COLUMNS)

    assert login(side_a.unit_secretary).post(reverse("study:question_import"), {"file": xlsx(GOOD)}).status_code == 403
