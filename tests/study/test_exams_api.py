"""Exam API: take an exam through the API, answer secrecy, refusals as 400/403/404, the committee-only bank."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.study.models import Exam, ExamAttempt, Question
from tests.study.exams_factories import EXPLANATION, bank, exam, item, question

pytestmark = pytest.mark.django_db
EXAMS, ATTEMPTS, QUESTIONS = "/api/study/exams/", "/api/study/attempts/", "/api/study/questions/"


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_member_takes_an_exam_through_the_api(client, side_a):
    bank(4)
    e = exam(question_count=3)
    client.force_login(side_a.member_user)

    listed = client.get(EXAMS).json()
    assert [row["id"] for row in listed["results"]] == [e.pk] and listed["results"][0]["state"] == "open"

    started = post(client, f"{EXAMS}{e.pk}/start/")
    assert started.status_code == 201
    body = started.json()
    assert len(body["questions"]) == 3 and body["seconds_left"] > 0
    again = post(client, f"{EXAMS}{e.pk}/start/")
    assert again.status_code == 200 and again.json()["id"] == body["id"]  # resumed, not duplicated

    first, second, third = (q["id"] for q in body["questions"])
    saved = post(client, f"{ATTEMPTS}{body['id']}/answers/", {"question": first, "chosen": [1]})
    assert saved.status_code == 200 and saved.json()["questions"][0]["chosen"] == [1]

    done = post(client, f"{ATTEMPTS}{body['id']}/submit/", {"answers": [{"question": second, "chosen": [1]}]})
    assert done.status_code == 200, done.json()
    result = done.json()
    assert Decimal(result["score"]) == Decimal("66.7") and result["passed"] is True
    assert [q["correct"] for q in result["questions"]] == [True, True, False]
    # no retakes: the key is released once submitted
    assert all(q["answer"] == [1] and q["explanation"] == EXPLANATION for q in result["questions"])

    second_time = post(client, f"{ATTEMPTS}{body['id']}/submit/", {})
    assert second_time.status_code == 400 and "已交卷" in str(second_time.json())
    assert post(client, f"{EXAMS}{e.pk}/start/").status_code == 400


def test_the_api_never_holds_the_key_before_submission(client, side_a):
    bank(3)
    e = exam(question_count=3, allow_retake=True, max_attempts=2)
    client.force_login(side_a.member_user)
    body = post(client, f"{EXAMS}{e.pk}/start/").json()
    for text in (json.dumps(body, ensure_ascii=False), client.get(f"{ATTEMPTS}{body['id']}/").content.decode()):
        assert EXPLANATION not in text and '"answer"' not in text and '"correct"' not in text
    assert "answer" not in client.get(f"{EXAMS}{e.pk}/").content.decode().replace("my_attempts", "")
    # submitted, but a retake is still possible while the exam is open: still no key
    done = post(client, f"{ATTEMPTS}{body['id']}/submit/", {}).json()
    text = json.dumps(done, ensure_ascii=False)
    assert EXPLANATION not in text and '"answer"' not in text and done["passed"] is False


def test_refusals_are_400_with_chinese_messages(client, side_a, side_b):
    questions = bank(5)
    client.force_login(side_a.member_user)
    other_unit = exam(units=[side_b.unit])
    assert client.get(f"{EXAMS}{other_unit.pk}/").status_code == 404  # not theirs to see in the API
    not_open = exam(opens=1, closes=3)
    refused = post(client, f"{EXAMS}{not_open.pk}/start/")
    assert refused.status_code == 400 and "尚未开始" in str(refused.json())

    e = exam(question_count=2)
    attempt = post(client, f"{EXAMS}{e.pk}/start/").json()
    drawn = {q["id"] for q in attempt["questions"]}
    other = next(q.pk for q in questions if q.pk not in drawn)
    not_drawn = post(client, f"{ATTEMPTS}{attempt['id']}/answers/", {"question": other, "chosen": [1]})
    assert not_drawn.status_code == 400 and not_drawn.json() == {"question": ["题目不在本次抽取的试题中。"]}
    out_of_range = post(client, f"{ATTEMPTS}{attempt['id']}/answers/", {"question": min(drawn), "chosen": [5]})
    assert out_of_range.status_code == 400 and "超出范围" in str(out_of_range.json())
    junk = post(client, f"{ATTEMPTS}{attempt['id']}/answers/", {"question": "x", "chosen": "y"})
    assert junk.status_code == 400


def test_late_submission_through_the_api(client, side_a):
    bank(3)
    e = exam(question_count=3, duration_minutes=10)
    client.force_login(side_a.member_user)
    attempt = post(client, f"{EXAMS}{e.pk}/start/").json()
    ExamAttempt.objects.filter(pk=attempt["id"]).update(deadline=timezone.now() - dt.timedelta(minutes=1))
    late = post(
        client,
        f"{ATTEMPTS}{attempt['id']}/submit/",
        {"answers": [{"question": attempt["questions"][0]["id"], "chosen": [1]}]},
    )
    assert late.status_code == 400 and "已超过交卷截止时间" in str(late.json())
    closed = ExamAttempt.objects.get(pk=attempt["id"])
    assert closed.submitted_at == closed.deadline and closed.score == Decimal("0.0")


def test_another_members_attempt_is_404(client, side_a, side_b, committee_user):
    bank(3)
    e = exam()
    client.force_login(side_a.member_user)
    attempt = post(client, f"{EXAMS}{e.pk}/start/").json()
    for user in (side_b.member_user, side_a.unit_secretary, committee_user):
        client.force_login(user)
        assert client.get(f"{ATTEMPTS}{attempt['id']}/").status_code == 404
        assert post(client, f"{ATTEMPTS}{attempt['id']}/submit/", {}).status_code == 404
        assert post(client, f"{ATTEMPTS}{attempt['id']}/answers/", {"question": 1, "chosen": []}).status_code == 404
        assert client.get(ATTEMPTS).json()["results"] == []
    assert ExamAttempt.objects.get().submitted_at is None


def test_the_bank_api_is_the_committees(client, side_a, committee_user):
    law = item("中国共产党问责条例")
    q = question(items=[law])
    for user in (side_a.unit_secretary, side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        assert client.get(QUESTIONS).status_code == 403
        assert client.get(f"{QUESTIONS}{q.pk}/").status_code == 403
        assert post(client, QUESTIONS, {"kind": "judge", "stem": "题", "answer": [0]}).status_code == 403

    client.force_login(committee_user)
    listed = client.get(QUESTIONS, {"item": law.pk}).json()
    assert [row["id"] for row in listed["results"]] == [q.pk] and listed["results"][0]["answer"] == [1]
    created = post(
        client, QUESTIONS, {"kind": "multiple", "stem": "多选题", "options": ["a", "b", "c"], "answer": [0, 2]}
    )
    assert created.status_code == 201, created.json()
    bad = post(client, QUESTIONS, {"kind": "multiple", "stem": "多选题2", "options": ["a", "b"], "answer": [0]})
    assert bad.status_code == 400 and "至少应有两个" in str(bad.json())
    stopped = post(client, f"{QUESTIONS}{q.pk}/active/", {"active": False})
    assert stopped.status_code == 200 and Question.objects.get(pk=q.pk).active is False
    assert client.get(QUESTIONS, {"kind": "nope"}).status_code == 400


def test_committee_sees_every_exam_members_their_units_published_ones(client, side_a, side_b, committee_user):
    bank(3)
    mine, theirs, draft = exam(units=[side_a.unit]), exam(units=[side_b.unit]), exam(published=False)
    client.force_login(side_a.member_user)
    assert {r["id"] for r in client.get(EXAMS).json()["results"]} == {mine.pk}
    client.force_login(committee_user)
    assert {r["id"] for r in client.get(EXAMS).json()["results"]} == {mine.pk, theirs.pk, draft.pk}
    assert Exam.objects.count() == 3


def test_the_schema_describes_the_exam_endpoints(client, committee_user):
    client.force_login(committee_user)
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/study/exams/{id}/start/",
        "/api/study/attempts/{id}/answers/",
        "/api/study/attempts/{id}/submit/",
    ):
        assert path in schema
    assert "/api/study/questions/" in schema
