"""A member takes an exam on a phone: 我的考试, start, answers saved as they tap (htmx), submit, the result;
and a countdown that reaches zero submits by itself."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.study.models import AttemptAnswer, ExamAttempt
from tests.e2e.conftest import login, shot
from tests.orgs.factories import PASSWORD
from tests.study.exams_factories import EXPLANATION, bank, exam, item

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_takes_an_exam_on_a_phone(phone_page, live_server, side_a):
    page = phone_page
    law = item("中华人民共和国宪法")
    bank(3, items=[law])
    e = exam(question_count=3, title="宪法知识测试")
    page.on("dialog", lambda dialog: dialog.accept())  # 开始考试 and 交卷 ask first

    login(page, live_server.url, side_a.member_user.username, PASSWORD)
    page.goto(f"{live_server.url}/study/exams/")
    page.click(f"[data-exam='{e.pk}'] >> text=去考试")
    page.click("text=开始考试")
    page.wait_for_selector("#countdown")
    assert EXPLANATION not in page.content()
    attempt = ExamAttempt.objects.get()
    first, second, third = attempt.question_ids

    page.check(f"#q{first}-1")
    page.wait_for_selector(f"[data-question='{first}'] .save-status >> text=已保存")
    assert AttemptAnswer.objects.get(attempt=attempt, question_id=first).chosen == [1]
    assert page.inner_text("#answered") == "1"
    assert page.inner_text("#countdown") != "--:--"
    page.check(f"#q{second}-1")
    page.check(f"#q{third}-0")
    shot(page, "exam-take-phone")
    page.click("button:has-text('交卷')")
    page.wait_for_selector("[data-score]")
    assert "66.7" in page.inner_text("[data-score]")
    assert "《中华人民共和国宪法》" in page.inner_text(f"[data-wrong='{third}']")
    shot(page, "exam-result-phone")
    # the phone's width holds the page: nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_countdown_submits_at_zero(phone_page, live_server, side_a):
    page = phone_page
    bank(2)
    e = exam(question_count=2, opens=-1, closes=0)
    e.closes_at = timezone.now() + dt.timedelta(seconds=6)  # the deadline is the window's close
    e.save()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server.url, side_a.member_user.username, PASSWORD)
    page.goto(f"{live_server.url}{e.get_absolute_url()}")
    page.click("text=开始考试")
    page.wait_for_selector("#countdown")
    attempt = ExamAttempt.objects.get()
    page.check(f"#q{attempt.question_ids[0]}-1")
    page.wait_for_selector("[data-score]", timeout=20000)  # no click: the countdown sent the form
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score is not None
