"""Issue 8, done when: a member on a phone opens 学习进度, logs an hour of 自学, takes an exam, and sees the bar
move and the missed items suggested; their unit secretary finds who is behind and exports the list."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.partylife.models import Attendance
from apps.study.models import ExamAttempt, SelfStudy
from tests.e2e.conftest import login, shot
from tests.orgs.factories import PASSWORD
from tests.partylife.factories import ActivityFactory, activity_type
from tests.study.exams_factories import bank, exam, item

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def total(page) -> str:
    return page.locator("[data-study-progress] [data-total]").first.inner_text().strip()


def test_a_member_studies_and_takes_an_exam_on_a_phone_and_the_secretary_exports_who_is_behind(
    phone_page, page, live_server, side_a
):
    member = side_a.member
    lecture = ActivityFactory(
        activity_type=activity_type("party_lecture"), branch=side_a.branch, held_at=timezone.now()
    )
    Attendance.objects.create(activity=lecture, member=member)  # a 党课 this year: 2 学时, typed once
    charter = item("中国共产党章程")
    law = item("中华人民共和国宪法")
    bank(2, items=[charter])
    bank(1, items=[law])
    test = exam(question_count=3, title="学法用法考试（手机）")

    phone = phone_page
    phone.on("dialog", lambda dialog: dialog.accept())
    login(phone, live_server.url, side_a.member_user.username, PASSWORD)

    # 1. 学习进度: the party-life lesson is already there; the open exam is due.
    phone.goto(f"{live_server.url}/study/progress/")
    assert total(phone) == "2"
    assert phone.locator("[data-segment]").count() == 1
    assert "学法用法考试（手机）" in phone.inner_text("[data-still-due]")
    assert phone.locator("[data-suggested-item]").count() == 0

    # 2. an hour of 自学, from the page's own button
    phone.click("[data-action=self-study]")
    phone.fill("input[name=title]", "学习《中国共产党章程》总纲")
    phone.fill("input[name=hours]", "1")
    phone.click("button[type=submit]:has-text('保存')")
    phone.wait_for_load_state("networkidle")
    assert SelfStudy.objects.filter(member=member).count() == 1
    phone.goto(f"{live_server.url}/study/progress/")
    assert total(phone) == "3"  # the bar moved
    assert phone.locator("[data-segment]").count() == 2  # 党课 and 自学 side by side

    # 3. the exam: every answer right except the 宪法 question
    phone.goto(f"{live_server.url}/study/exams/")
    phone.click(f"[data-exam='{test.pk}'] >> text=去考试")
    phone.click("text=开始考试")
    phone.wait_for_selector("#countdown")
    attempt = ExamAttempt.objects.get(member=member)
    for question_id in attempt.question_ids:
        on_law = law.questions.filter(pk=question_id).exists()
        phone.check(f"#q{question_id}-{0 if on_law else 1}")
        phone.wait_for_selector(f"[data-question='{question_id}'] .save-status >> text=已保存")
    phone.click("button:has-text('交卷')")
    phone.wait_for_selector("[data-score]")
    assert "66.7" in phone.inner_text("[data-score]")

    # 4. back on 学习进度: the exam counts, the missed 宪法 item is suggested, nothing is due any more
    phone.goto(f"{live_server.url}/study/progress/")
    assert phone.inner_text("[data-exams-taken]").strip() == "1"
    assert phone.inner_text("[data-exams-passed]").strip() == "1"
    suggested = phone.locator("[data-suggested-item]")
    assert suggested.count() == 1 and "中华人民共和国宪法" in suggested.inner_text()
    assert "学法用法考试（手机）" not in phone.inner_text("[data-still-due]")
    shot(phone, "study-journey-progress-phone")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # 5. the unit secretary finds who is behind (3 of 32 学时 by today is behind) and exports the list
    login(page, live_server.url, side_a.unit_secretary.username, PASSWORD)
    page.goto(f"{live_server.url}/study/progress/table/")
    page.select_option("select[name=status]", "behind")
    page.click("button:has-text('查询')")
    page.wait_for_load_state("networkidle")
    rows = page.locator("tbody tr")
    names = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
    assert member.name in names
    assert all("B" not in name for name in names)  # unit B's members never appear
    assert side_a.other_branch_member.name in names  # the whole unit: both branches
    with page.expect_download() as download:
        page.click("a:has-text('导出Excel')")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    exported = {cell for row in sheet.iter_rows(min_row=2, values_only=True) for cell in row}
    assert member.name in exported
    assert side_a.other_branch_member.name in exported
    assert not any(isinstance(cell, str) and cell.startswith("B党员") for cell in exported)
    shot(page, "study-journey-behind-table")
