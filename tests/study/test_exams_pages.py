"""Exam pages: a member takes an exam (start, save as they go, submit, result), answer secrecy, another member's
attempt, the committee's bank, exams and results (403 for secretaries, pinned query counts)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.study.models import AttemptAnswer, Exam, ExamAttempt, Question, QuestionKind
from apps.study.services import exams as services
from tests.export_jobs import export_job_rows
from tests.orgs.factories import MemberFactory
from tests.study.exams_factories import EXPLANATION, bank, exam, item, question

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def start_page(client, e):
    return client.post(reverse("study:exam_start", args=[e.pk]))


# --- taking an exam -------------------------------------------------------------------------------------------------


def test_member_takes_an_exam_through_the_pages(login, side_a):
    law = item("中华人民共和国宪法")
    bank(4, items=[law])
    e = exam(question_count=3)
    client = login(side_a.member_user)

    mine = client.get(reverse("study:my_exams"))
    assert mine.status_code == 200 and f'data-exam="{e.pk}" data-section="open"' in html(mine)

    response = start_page(client, e)
    attempt = ExamAttempt.objects.get(exam=e, member=side_a.member)
    assert response.status_code == 302 and response["Location"] == attempt.get_absolute_url()

    take = client.get(attempt.get_absolute_url())
    assert take.status_code == 200 and 'id="countdown"' in html(take)
    first, second, third = attempt.question_ids

    saved = client.post(
        reverse("study:attempt_save", args=[attempt.pk]), {"question": first, f"q{first}": "1"}, HTTP_HX_REQUEST="true"
    )
    assert saved.status_code == 200 and "已保存" in html(saved)
    assert AttemptAnswer.objects.get(attempt=attempt, question_id=first).chosen == [1]

    response = client.post(reverse("study:attempt_submit", args=[attempt.pk]), {f"q{second}": "1", f"q{third}": "0"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == Decimal("66.7") and attempt.passed is True  # first saved earlier, second right, third wrong

    result = html(client.get(attempt.get_absolute_url()))
    assert "data-score>66.7" in result and f'data-wrong="{third}"' in result and "《中华人民共和国宪法》" in result


def test_refusals_show_a_clear_message(login, side_a, side_b):
    bank(3)
    e = exam(units=[side_b.unit])
    client = login(side_a.member_user)
    response = start_page(client, e)
    assert response.status_code == 302 and not ExamAttempt.objects.exists()
    page = html(client.get(response["Location"]))
    assert "本次考试不面向您所在的单位" in page
    closed = exam(opens=-5, closes=-1)
    page = html(client.post(reverse("study:exam_start", args=[closed.pk]), follow=True))
    assert "考试已于" in page


def test_submitting_a_question_not_drawn_on_the_page_is_refused(login, side_a):
    questions = bank(5)
    e = exam(question_count=2)
    client = login(side_a.member_user)
    start_page(client, e)
    attempt = ExamAttempt.objects.get()
    other = next(q for q in questions if q.pk not in attempt.question_ids)
    page = html(client.post(reverse("study:attempt_submit", args=[attempt.pk]), {f"q{other.pk}": "1"}, follow=True))
    assert "题目不在本次抽取的试题中" in page
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    bad = client.post(
        reverse("study:attempt_save", args=[attempt.pk]),
        {"question": attempt.question_ids[0], f"q{attempt.question_ids[0]}": "x"},
    )
    assert "所选选项无效" in html(bad)


def test_the_take_page_never_holds_the_key_or_the_explanations(login, side_a):
    # Every option text is distinct, the key's text is unique: the page holds it only as an option label.
    qs = [
        question(
            QuestionKind.SINGLE,
            stem=f"保密测试题{i}",
            options=[f"错误项{i}A", f"正确项{i}B", f"错误项{i}C"],
            answer=[1],
            explanation=f"{EXPLANATION}-{i}",
        )
        for i in range(3)
    ]
    e = exam(question_count=3)
    client = login(side_a.member_user)
    start_page(client, e)
    attempt = ExamAttempt.objects.get()
    page = html(client.get(attempt.get_absolute_url()))
    for q in qs:
        assert q.stem in page
        assert q.explanation not in page and EXPLANATION not in page
        assert "正确答案" not in page and '"answer"' not in page
        # the key's option appears exactly as often as a wrong option (as a label), never marked
        assert page.count(q.options[1]) == page.count(q.options[0]) == 1


def test_result_hides_the_key_while_a_retake_could_use_it(login, side_a):
    bank(3)
    e = exam(question_count=3, allow_retake=True, max_attempts=2)
    client = login(side_a.member_user)
    start_page(client, e)
    attempt = ExamAttempt.objects.get()
    client.post(reverse("study:attempt_submit", args=[attempt.pk]), {})
    page = html(client.get(attempt.get_absolute_url()))
    assert "data-score>0.0" in page and EXPLANATION not in page and "正确答案：" not in page
    assert "后可查看正确答案和解析" in page

    Exam.objects.filter(pk=e.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    page = html(client.get(attempt.get_absolute_url()))
    assert EXPLANATION in page and "正确答案：<span" in page


def test_another_members_attempt_is_404(login, side_a, side_b):
    bank(3)
    e = exam()
    services.attempt_start(actor=side_a.member_user, exam=e, now=timezone.now())
    attempt = ExamAttempt.objects.get()
    for user in (side_b.member_user, side_a.unit_secretary, side_a.branch_secretary):
        client = login(user)
        assert client.get(attempt.get_absolute_url()).status_code == 404
        assert client.post(reverse("study:attempt_submit", args=[attempt.pk]), {}).status_code == 404
        assert client.post(reverse("study:attempt_save", args=[attempt.pk]), {"question": 1}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_an_unpublished_exam_is_404_for_members(login, side_a):
    e = exam(published=False)
    assert login(side_a.member_user).get(e.get_absolute_url()).status_code == 404


# --- the committee's pages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [
        ("study:question_list", []),
        ("study:question_create", []),
        ("study:question_import", []),
        ("study:question_template", []),
        ("study:exam_list", []),
        ("study:exam_create", []),
    ],
)
def test_bank_and_exam_pages_are_the_committees(login, side_a, committee_user, name, args):
    for user in (side_a.unit_secretary, side_a.branch_secretary, side_a.member_user):
        assert login(user).get(reverse(name, args=args)).status_code == 403
    assert login(committee_user).get(reverse(name, args=args)).status_code == 200


def test_secretary_cannot_touch_a_question_or_an_exam(login, side_a):
    q = question()
    e = exam(published=False)
    client = login(side_a.unit_secretary)
    assert client.get(reverse("study:question_edit", args=[q.pk])).status_code == 403
    assert client.post(reverse("study:question_toggle", args=[q.pk])).status_code == 403
    assert client.post(reverse("study:exam_publish", args=[e.pk])).status_code == 403
    assert client.get(reverse("study:exam_results", args=[e.pk])).status_code == 403
    q.refresh_from_db()
    e.refresh_from_db()
    assert q.active and not e.published


def test_committee_creates_a_question_and_an_exam_and_publishes(login, committee_user):
    law = item("中国共产党纪律处分条例")
    client = login(committee_user)
    response = client.post(
        reverse("study:question_create"),
        {
            "kind": "multiple",
            "stem": "以下属于六项纪律的是",
            "options_text": "政治纪律\n组织纪律\n生活纪律\n财经纪律",
            "answer_text": "abc",
            "items": [law.pk],
        },
    )
    assert response.status_code == 302
    created = Question.objects.get()
    assert created.options == ["政治纪律", "组织纪律", "生活纪律", "财经纪律"] and created.answer == [0, 1, 2]
    assert list(created.items.all()) == [law]

    bad = client.post(
        reverse("study:question_create"), {"kind": "single", "stem": "题", "options_text": "甲\n乙", "answer_text": "C"}
    )
    assert bad.status_code == 200 and "不是本题的选项" in html(bad)

    now = timezone.localtime()
    data = {
        "title": "纪律条例测试",
        "opens_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 20,
        "question_count": 2,
        "pass_score": "60",
        "max_attempts": 2,
        "items": [law.pk],
    }
    response = client.post(reverse("study:exam_create"), data)
    e = Exam.objects.get()
    assert response.status_code == 302 and not e.published
    page = html(client.post(reverse("study:exam_publish", args=[e.pk]), follow=True))
    assert "只有 1 道" in page and not Exam.objects.get().published
    question(QuestionKind.JUDGE, items=[law])
    client.post(reverse("study:exam_publish", args=[e.pk]))
    assert Exam.objects.get().published

    inverted = client.post(reverse("study:exam_create"), {**data, "closes_at": data["opens_at"]})
    assert inverted.status_code == 200 and "截止时间须晚于开始时间" in html(inverted)


def test_deactivating_asks_first_and_stops_the_draw(login, committee_user):
    q = question()
    client = login(committee_user)
    page = html(client.get(reverse("study:question_list")))
    assert 'data-confirm="确定停用该试题' in page
    client.post(reverse("study:question_toggle", args=[q.pk]))
    q.refresh_from_db()
    assert not q.active and services.questions_in_scope([]).count() == 0


def test_question_list_filters(login, committee_user):
    law = item("中华人民共和国民法典")
    tagged = question(items=[law], stem="民法典题")
    question(QuestionKind.JUDGE, stem="判断题甲")
    client = login(committee_user)
    page = html(client.get(reverse("study:question_list"), {"item": law.pk}))
    assert "民法典题" in page and "判断题甲" not in page
    page = html(client.get(reverse("study:question_list"), {"kind": "judge", "q": "甲"}))
    assert "判断题甲" in page and tagged.stem not in page
    page = html(client.get(reverse("study:question_list"), {"item": "x", "active": "9"}))
    assert "已忽略该条件" in page


def test_exam_list_query_count_is_constant(login, committee_user, assert_constant_queries):
    bank(3)
    exam()
    client = login(committee_user)
    url = reverse("study:exam_list")
    response = assert_constant_queries(lambda: client.get(url), grow=lambda: [exam() for _ in range(8)], expected=9)
    assert response.status_code == 200 and html(response).count("data-exam=") == 9


def _took(side, e, member, *, right: bool):
    user = member.user or type(side.member_user).objects.create(username=f"u{member.pk}")
    member.user = user
    member.save()
    attempt, _ = services.attempt_start(actor=user, exam=e, now=timezone.now())
    answers = [services.AnswerInput(question_id=pk, chosen=(1 if right else 0,)) for pk in attempt.question_ids]
    return services.attempt_submit(actor=user, attempt=attempt, answers=answers, now=timezone.now())


def test_results_page_lists_every_targeted_member_with_filters_and_participation(login, side_a, side_b, committee_user):
    bank(3)
    e = exam(units=[side_a.unit])
    _took(side_a, e, side_a.members[0], right=True)
    _took(side_a, e, side_a.members[1], right=False)
    client = login(committee_user)
    url = reverse("study:exam_results", args=[e.pk])
    page = html(client.get(url))
    for m in [*side_a.members, side_a.other_branch_member]:
        assert f'data-member="{m.pk}"' in page
    assert f'data-member="{side_b.member.pk}"' not in page  # not targeted
    row = re.search(rf'data-unit="{side_a.unit.pk}">(.*?)</tr>', page).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", row) == [side_a.unit.name, "4", "2", "50.0%", "1", "50.0%"]
    passed = html(client.get(url, {"result": "passed"}))
    assert f'data-member="{side_a.members[0].pk}"' in passed and f'data-member="{side_a.members[1].pk}"' not in passed
    absent = html(client.get(url, {"result": "absent", "branch": side_a.branch.pk}))
    assert (
        f'data-member="{side_a.members[2].pk}"' in absent
        and f'data-member="{side_a.other_branch_member.pk}"' not in absent
    )

    export = client.get(reverse("study:exam_results_export", args=[e.pk]), {"result": "failed"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_results_page_query_count_is_constant(login, side_a, committee_user, assert_constant_queries):
    bank(3)
    e = exam(units=[side_a.unit])
    _took(side_a, e, side_a.members[0], right=True)
    client = login(committee_user)
    url = reverse("study:exam_results", args=[e.pk])

    def grow():
        for _ in range(12):
            member = MemberFactory(branch=side_a.branch)
            _took(side_a, e, member, right=False)

    response = assert_constant_queries(lambda: client.get(url), grow=grow, expected=13)
    assert html(response).count("data-member=") == 16


def test_my_exams_page_query_count_is_constant(login, side_a, assert_constant_queries):
    bank(3)
    client = login(side_a.member_user)

    def grow():
        for hours in (-30, -20, 5, 10):
            e = exam(opens=hours - 2, closes=hours)
            if hours < 0:
                ExamAttempt.objects.create(
                    exam=e,
                    member=side_a.member,
                    question_ids=[],
                    started_at=e.opens_at,
                    deadline=e.closes_at,
                    submitted_at=e.opens_at,
                    score=Decimal("80"),
                    passed=True,
                )

    exam()
    response = assert_constant_queries(lambda: client.get(reverse("study:my_exams")), grow=grow, expected=10)
    assert html(response).count("data-exam=") == 5


def test_question_list_query_count_is_constant(login, committee_user, assert_constant_queries):
    law = item("中华人民共和国公务员法")
    question(items=[law])
    client = login(committee_user)
    url = reverse("study:question_list")
    response = assert_constant_queries(
        lambda: client.get(url), grow=lambda: [question(items=[law]) for _ in range(10)], expected=11
    )
    assert html(response).count("data-question=") == 11


def test_exam_page_for_a_member_and_for_the_committee(login, side_a, committee_user):
    bank(3)
    e = exam(question_count=3, allow_retake=True, max_attempts=2)
    client = login(side_a.member_user)
    page = html(client.get(e.get_absolute_url()))
    assert "开始考试" in page and 'data-confirm="开始后计时 30 分钟' in page and 'id="manage"' not in page
    start_page(client, e)
    attempt = ExamAttempt.objects.get()
    page = html(client.get(e.get_absolute_url()))
    assert "继续作答" in page and attempt.get_absolute_url() in page

    page = html(login(committee_user).get(e.get_absolute_url()))
    assert 'id="manage"' in page and "<strong>3</strong> 道" in page
    assert "撤回发布" not in page  # somebody started: it cannot be withdrawn


def test_a_large_results_export_is_a_job_with_the_urls_exam_and_the_pages_filters(
    login, side_a, side_b, committee_user, django_capture_on_commit_callbacks
):
    bank(3)
    e = exam(units=[side_a.unit])
    other = exam(units=[side_a.unit, side_b.unit])
    _took(side_a, e, side_a.members[0], right=True)
    _took(side_a, e, side_a.members[1], right=False)
    job, rows = export_job_rows(
        login(committee_user),
        reverse("study:exam_results_export", args=[e.pk]),
        capture=django_capture_on_commit_callbacks,
        params={"result": "failed", "exam": other.pk},  # a query parameter cannot point the job at another exam
    )
    assert [(r[2], r[5]) for r in rows] == [(side_a.members[1].name, "不及格")] and job.total == 1
    assert job.params["query"]["exam"] == [str(e.pk)]
