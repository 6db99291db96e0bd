"""Exam rules kept by the server: the window, the targeted units, the draw, the deadline and duration, retakes,
the answers a submission may carry, and closing attempts nobody submitted."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from apps.study.models import AttemptAnswer, ExamAttempt
from apps.study.services import exams as services
from tests.study.exams_factories import aware, bank, exam, item, question

pytestmark = pytest.mark.django_db
NOW = aware(2026, 5, 10, 9)


def start(side, e, now=NOW):
    return services.attempt_start(actor=side.member_user, exam=e, now=now)


def refused(side, e, now=NOW) -> str:
    with pytest.raises(ValidationError) as exc:
        start(side, e, now)
    return " ".join(exc.value.messages)


def submit(side, attempt, now, answers=None):
    return services.attempt_submit(actor=side.member_user, attempt=attempt, answers=answers, now=now)


def right(attempt):
    return [services.AnswerInput(question_id=pk, chosen=(1,)) for pk in attempt.question_ids]


# --- the window and the targeted units ---------------------------------------------------------------------------


def test_not_published_not_open_closed_are_refused(side_a):
    bank(3)
    assert "尚未发布" in refused(side_a, exam(now=NOW, published=False))
    assert "尚未开始" in refused(side_a, exam(now=NOW, opens=2, closes=5))
    assert "已于" in refused(side_a, exam(now=NOW, opens=-5, closes=-1))
    assert ExamAttempt.objects.count() == 0


def test_window_edges(side_a):
    bank(3)
    e = exam(now=NOW, opens=0, closes=1)
    assert start(side_a, e, now=NOW)[1] is True  # open at its opening instant
    later = exam(now=NOW, opens=-1, closes=0)
    assert "截止" in refused(side_a, later, now=NOW)  # closed at its closing instant


def test_an_exam_for_other_units_is_refused(side_a, side_b):
    bank(3)
    e = exam(now=NOW, units=[side_b.unit])
    assert "不面向您所在的单位" in refused(side_a, e)
    attempt, created = start(side_b, e)
    assert created and attempt.member == side_b.member
    everyone = exam(now=NOW)  # no 参考单位: every unit
    assert start(side_a, everyone)[1] is True


def test_only_members_start(side_a, committee_user):
    bank(3)
    with pytest.raises(PermissionDenied):
        services.attempt_start(actor=committee_user, exam=exam(now=NOW), now=NOW)


# --- the draw ------------------------------------------------------------------------------------------------------


def test_draw_takes_question_count_active_questions_in_scope_in_a_random_order(side_a):
    law = item("中华人民共和国宪法")
    in_scope = bank(6, items=[law])
    out_of_scope = bank(4)
    stopped = question(items=[law], active=False)
    e = exam(now=NOW, question_count=4, items=[law])
    attempt, _ = start(side_a, e)
    assert len(attempt.question_ids) == 4 and len(set(attempt.question_ids)) == 4
    assert set(attempt.question_ids) <= {q.pk for q in in_scope}
    assert stopped.pk not in attempt.question_ids and not set(attempt.question_ids) & {q.pk for q in out_of_scope}

    orders = set()
    for i, member in enumerate(side_a.members[1:]):
        user = type(side_a.member_user).objects.create(username=f"draw{i}")
        member.user = user
        member.save()
        drawn, _ = services.attempt_start(actor=user, exam=e, now=NOW)
        orders.add(tuple(drawn.question_ids))
    orders.add(tuple(attempt.question_ids))
    # three members drawing 4 of 6: all the same draw and order would be a 1 in 360² chance
    assert len(orders) > 1


def test_unfinished_attempt_in_time_is_resumed_not_duplicated(side_a):
    bank(3)
    e = exam(now=NOW)
    first, created = start(side_a, e)
    again, created_again = start(side_a, e, now=NOW + dt.timedelta(minutes=10))
    assert created and not created_again and again.pk == first.pk
    assert ExamAttempt.objects.filter(exam=e).count() == 1


# --- deadline and duration ------------------------------------------------------------------------------------------


def test_deadline_is_start_plus_duration_but_never_after_the_close(side_a):
    bank(3)
    long_window = exam(now=NOW, closes=24, duration_minutes=30)
    attempt, _ = start(side_a, long_window)
    assert attempt.deadline == NOW + dt.timedelta(minutes=30)
    closing_soon = exam(now=NOW, closes=0.25, duration_minutes=30)  # closes in 15 minutes
    attempt, _ = start(side_a, closing_soon)
    assert attempt.deadline == closing_soon.closes_at


def test_submission_within_the_grace_is_taken(side_a):
    bank(3)
    attempt, _ = start(side_a, exam(now=NOW, duration_minutes=30))
    done = submit(side_a, attempt, attempt.deadline + dt.timedelta(seconds=25), right(attempt))
    assert done.score == Decimal("100.0")


def test_late_submission_is_refused_and_the_attempt_closed_on_answers_saved_before(side_a):
    bank(3)
    attempt, _ = start(side_a, exam(now=NOW, duration_minutes=30))
    first = attempt.question_ids[0]
    services.attempt_answer_save(
        actor=side_a.member_user,
        attempt=attempt,
        answer=services.AnswerInput(question_id=first, chosen=(1,)),
        now=NOW + dt.timedelta(minutes=10),
    )
    with pytest.raises(services.AttemptClosed) as exc:
        submit(side_a, attempt, attempt.deadline + dt.timedelta(minutes=2), right(attempt))
    assert "已超过交卷截止时间" in exc.value.messages[0] and "截止前保存的答案" in exc.value.messages[0]
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("33.3")  # only the answer saved in time counts
    assert AttemptAnswer.objects.filter(attempt=attempt, correct=True).count() == 1


def test_saving_after_the_deadline_is_refused_and_closes(side_a):
    bank(3)
    attempt, _ = start(side_a, exam(now=NOW, duration_minutes=30))
    with pytest.raises(services.AttemptClosed):
        services.attempt_answer_save(
            actor=side_a.member_user,
            attempt=attempt,
            answer=services.AnswerInput(question_id=attempt.question_ids[0], chosen=(1,)),
            now=NOW + dt.timedelta(minutes=31),
        )
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None and attempt.score == Decimal("0.0")


def test_a_second_submission_is_refused(side_a):
    bank(3)
    attempt, _ = start(side_a, exam(now=NOW))
    submit(side_a, attempt, NOW + dt.timedelta(minutes=5), right(attempt))
    with pytest.raises(ValidationError) as exc:
        submit(side_a, attempt, NOW + dt.timedelta(minutes=6), [])
    assert "已交卷" in exc.value.messages[0]
    attempt.refresh_from_db()
    assert attempt.score == Decimal("100.0")


def test_expired_attempts_are_closed_by_the_periodic_function_and_when_touched(side_a, side_b):
    bank(3)
    e = exam(now=NOW, duration_minutes=30)
    a, _ = start(side_a, e)
    b, _ = start(side_b, e, now=NOW + dt.timedelta(minutes=20))
    assert services.close_expired_attempts(now=NOW + dt.timedelta(minutes=31)) == 1  # a's time is up, not b's yet
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.submitted_at == a.deadline and a.score == Decimal("0.0") and b.submitted_at is None
    assert services.close_expired_attempts(now=NOW + dt.timedelta(minutes=31)) == 0  # idempotent
    touched = services.attempt_close_if_expired(attempt=b, now=NOW + dt.timedelta(hours=1))
    assert touched.submitted_at == b.deadline


# --- retakes ---------------------------------------------------------------------------------------------------------


def test_one_attempt_unless_retakes_are_allowed(side_a):
    bank(3)
    once = exam(now=NOW)
    attempt, _ = start(side_a, once)
    submit(side_a, attempt, NOW + dt.timedelta(minutes=5), [])  # 0 points, failed
    assert "只能作答一次" in refused(side_a, once, now=NOW + dt.timedelta(minutes=6))


def test_retakes_up_to_max_attempts_and_none_after_a_pass(side_a):
    bank(3)
    e = exam(now=NOW, allow_retake=True, max_attempts=2)
    first, _ = start(side_a, e)
    submit(side_a, first, NOW + dt.timedelta(minutes=5), [])
    second, created = start(side_a, e, now=NOW + dt.timedelta(minutes=6))
    assert created and second.number == 2
    submit(side_a, second, NOW + dt.timedelta(minutes=10), [])
    assert "最多可作答 2 次" in refused(side_a, e, now=NOW + dt.timedelta(minutes=11))

    passed_exam = exam(now=NOW, allow_retake=True, max_attempts=3)
    attempt, _ = start(side_a, passed_exam)
    submit(side_a, attempt, NOW + dt.timedelta(minutes=5), right(attempt))
    assert "已通过" in refused(side_a, passed_exam, now=NOW + dt.timedelta(minutes=6))


def test_an_attempt_that_ran_out_of_time_counts_as_used(side_a):
    bank(3)
    e = exam(now=NOW, duration_minutes=30)
    start(side_a, e)
    assert "只能作答一次" in refused(side_a, e, now=NOW + dt.timedelta(hours=2))
    assert ExamAttempt.objects.get(exam=e).submitted_at is not None  # closed when touched, despite the refusal


# --- what a submission may carry ---------------------------------------------------------------------------------


def test_answer_to_a_question_not_drawn_is_refused_and_nothing_stored(side_a):
    questions = bank(5)
    attempt, _ = start(side_a, exam(now=NOW, question_count=3))
    other = next(q for q in questions if q.pk not in attempt.question_ids)
    answers = [*right(attempt)[:1], services.AnswerInput(question_id=other.pk, chosen=(1,))]
    with pytest.raises(ValidationError) as exc:
        submit(side_a, attempt, NOW + dt.timedelta(minutes=5), answers)
    assert exc.value.message_dict == {"question": ["题目不在本次抽取的试题中。"]}
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and not AttemptAnswer.objects.filter(attempt=attempt).exists()


def test_option_out_of_range_and_two_choices_for_a_single_are_refused(side_a):
    bank(3)
    attempt, _ = start(side_a, exam(now=NOW))
    pk = attempt.question_ids[0]
    for chosen, text in (((3,), "超出范围"), ((0, 1), "只能选择一个")):
        with pytest.raises(ValidationError) as exc:
            services.attempt_answer_save(
                actor=side_a.member_user, attempt=attempt, answer=services.AnswerInput(pk, chosen), now=NOW
            )
        assert text in exc.value.message_dict["chosen"][0]
    assert not AttemptAnswer.objects.filter(attempt=attempt).exists()


def test_another_members_attempt_is_not_found(side_a, side_b):
    bank(3)
    e = exam(now=NOW)
    attempt, _ = start(side_a, e)
    with pytest.raises(Http404):
        services.attempt_submit(actor=side_b.member_user, attempt=attempt, answers=[], now=NOW)
    with pytest.raises(Http404):
        services.attempt_answer_save(
            actor=side_a.unit_secretary,
            attempt=attempt,
            answer=services.AnswerInput(attempt.question_ids[0], (1,)),
            now=NOW,
        )
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


# --- the committee's writes ------------------------------------------------------------------------------------------


def test_publish_is_refused_when_the_bank_is_short(committee_user):
    law = item("中华人民共和国监察法")
    bank(2, items=[law])
    bank(5)
    e = exam(now=NOW, published=False, question_count=3, items=[law])
    with pytest.raises(ValidationError) as exc:
        services.exam_publish(actor=committee_user, exam=e, now=NOW)
    assert "只有 2 道" in exc.value.message_dict["question_count"][0]
    bank(1, items=[law])
    assert services.exam_publish(actor=committee_user, exam=e, now=NOW).published is True


def test_rules_frozen_once_someone_started(side_a, committee_user):
    bank(3)
    e = exam(now=NOW)
    start(side_a, e)
    fields = {name: getattr(e, name) for name in services.EXAM_FIELDS}
    with pytest.raises(ValidationError) as exc:
        services.exam_update(actor=committee_user, exam=e, fields={**fields, "question_count": 2})
    assert "question_count" in exc.value.message_dict
    later = e.closes_at + dt.timedelta(days=1)
    changed = services.exam_update(actor=committee_user, exam=e, fields={**fields, "closes_at": later, "title": "延期"})
    assert changed.closes_at == later and changed.title == "延期"
    with pytest.raises(ValidationError):
        services.exam_unpublish(actor=committee_user, exam=e)


def test_only_the_committee_writes_the_bank_and_exams(side_a):
    with pytest.raises(PermissionDenied):
        services.question_create(
            actor=side_a.unit_secretary, fields={"kind": "judge", "stem": "题", "options": [], "answer": [0]}
        )
    with pytest.raises(PermissionDenied):
        services.exam_publish(actor=side_a.unit_secretary, exam=exam(now=NOW, published=False), now=NOW)


def test_question_checks(committee_user):
    def create(**fields):
        return services.question_create(actor=committee_user, fields={"stem": "题干", **fields})

    judge = create(kind="judge", options=["随便"], answer=[1])
    assert judge.options == ["正确", "错误"] and judge.answer == [1]
    with pytest.raises(ValidationError) as exc:
        create(kind="multiple", options=["a", "b", "c"], answer=[1])
    assert "至少应有两个" in exc.value.message_dict["answer"][0]
    with pytest.raises(ValidationError) as exc:
        create(kind="single", options=["a"], answer=[0])
    assert "options" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create(kind="single", options=["a", "b"], answer=[0, 1])
    assert "只能有一个" in exc.value.message_dict["answer"][0]
    assert services.answer_from_text("multiple", "a、c d", 4) == [0, 2, 3]
    assert services.answer_from_text("judge", "错", 2) == [1]
    with pytest.raises(ValueError, match="不是本题的选项"):
        services.answer_from_text("single", "E", 4)
