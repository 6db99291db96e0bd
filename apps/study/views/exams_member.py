"""A member's exam pages: 我的考试, an exam's page, start, the take page (answers saved as the member goes), submit,
and the result.

The take page never carries the answer key or the explanations; the result shows them only once
`selectors.key_released` says so. The server keeps the time (services.exam_attempts).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from apps.core.periods import local_time_label
from apps.orgs.access import scope_required

from .. import permissions
from ..forms.exams import SaveAnswerForm, posted_answers
from ..selectors import exams as selectors
from ..services import exams as services
from .exams_manage import STATE_LABELS, exam_or_404

CLOSED_SHOWN = dt.timedelta(days=365)  # 我的考试 lists the exams closed within the last year


@scope_required
@require_GET
def my_exams(request, scope):
    now = timezone.now()
    sections = selectors.my_exams(
        member_id=scope.member_id, unit_id=scope.member_unit_id, now=now, since=now - CLOSED_SHOWN
    )
    for exam in (*sections["open"], *sections["upcoming"]):
        _start_state(exam, exam.my_attempts, scope, now)
    return render(request, "study/exam_mine.html", {"sections": sections, "is_member": scope.member_id is not None})


def _start_state(exam, attempts, scope, now) -> None:
    """Set `exam.resume` (an open attempt in time), `exam.can_start` and `exam.refusal` for the buttons."""
    exam.resume = next((a for a in attempts if a.submitted_at is None and not services.is_expired(a, now)), None)
    closed = [a for a in attempts if a is not exam.resume]
    exam.refusal = None
    if scope.member_id is None:
        exam.refusal = "只有在册党员可以参加考试。"
    elif exam.resume is None:
        exam.refusal = services.start_refusal(exam, unit_id=scope.member_unit_id, attempts=closed, now=now)
    exam.can_start = exam.resume is None and exam.refusal is None
    exam.attempts_left = max(services.attempts_allowed(exam) - len(attempts), 0)


@scope_required
@require_GET
def exam_detail(request, scope, pk):
    """The exam's page for whoever opens it: what it is, the member's attempts and button, the committee's tools."""
    exam = exam_or_404(request, pk)
    now = timezone.now()
    exam.state = selectors.exam_state(exam, now)
    attempts = selectors.member_attempts(scope.member_id, [exam.pk])
    for attempt in attempts:
        services.attempt_close_if_expired(attempt=attempt, now=now)
    _start_state(exam, attempts, scope, now)
    context = {
        "exam": exam,
        "state_label": STATE_LABELS[exam.state],
        "attempts": attempts,
        "targeted": services.exam_targets(exam, scope.member_unit_id),
        "units": list(exam.units.all()),
        "items": list(exam.items.all()),
        "is_member": scope.member_id is not None,
        "can_manage": permissions.can_configure(scope),
    }
    if context["can_manage"]:
        context["pool_size"] = selectors.exam_pool_size(exam)
        context["started"] = exam.attempts.exists()
    return render(request, "study/exam_detail.html", context)


@scope_required
@require_POST
def exam_start(request, scope, pk):
    exam = exam_or_404(request, pk)
    try:
        attempt, created = services.attempt_start(actor=request.user, exam=exam, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(exam)
    if not created:
        messages.info(request, "您有一份未交卷的答卷，已为您继续作答。")
    return redirect(attempt)


# --- the attempt ---------------------------------------------------------------------------------------------------


def _attempt_or_404(request, pk):
    attempt = selectors.attempt_get(user=request.user, pk=pk)
    if attempt is None:
        raise Http404("没有找到该答卷。")
    return attempt


@scope_required
@require_GET
def attempt_detail(request, scope, pk):
    """An open attempt of one's own: the take page. Otherwise (submitted, or just closed for time): the result."""
    attempt = _attempt_or_404(request, pk)
    now = timezone.now()
    attempt = services.attempt_close_if_expired(attempt=attempt, now=now)
    drawn = selectors.attempt_questions(attempt)
    if attempt.submitted_at is None:
        if not permissions.can_answer_attempt(scope, attempt):
            raise PermissionDenied("该答卷尚未交卷。")
        remaining = max(int((attempt.deadline - now).total_seconds()), 0)
        return render(
            request,
            "study/attempt_take.html",
            {
                "attempt": attempt,
                "exam": attempt.exam,
                "drawn": drawn,
                "answered": sum(1 for d in drawn if d.chosen),
                "remaining": remaining,
                "deadline_label": local_time_label(attempt.deadline),
                "letters": services.LETTERS,
            },
        )
    wrong = [d for d in drawn if not d.correct]
    return render(
        request,
        "study/attempt_result.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "drawn": drawn,
            "wrong": wrong,
            "show_key": selectors.key_released(attempt.exam, now),
            "timed_out": attempt.submitted_at == attempt.deadline,
            "own": permissions.can_answer_attempt(scope, attempt),
            "letters": services.LETTERS,
            "knowledge_url": reverse("study:knowledge_list"),
        },
    )


def _fragment(text: str, css: str) -> HttpResponse:
    return HttpResponse(format_html('<span class="{}">{}</span>', css, text))


@scope_required
@require_POST
def attempt_save(request, scope, pk):
    """Save one question's answer as the member goes (htmx): a short status fragment back."""
    attempt = _attempt_or_404(request, pk)
    form = SaveAnswerForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("题目无效。")
        answer = form.answer(request.POST)
        services.attempt_answer_save(actor=request.user, attempt=attempt, answer=answer, now=timezone.now())
    except services.AttemptClosed as exc:
        messages.warning(request, exc.messages[0])
        response = HttpResponse("")  # htmx follows HX-Redirect to the result
        response["HX-Redirect"] = reverse("study:attempt_detail", args=[attempt.pk])
        return response
    except ValidationError as exc:
        return _fragment("未保存：" + "；".join(exc.messages), "text-danger")
    return _fragment(f"已保存 {timezone.localtime():%H:%M:%S}", "text-success")


@scope_required
@require_POST
def attempt_submit(request, scope, pk):
    """交卷: the answers on the page (over the saved ones), graded on the server."""
    attempt = _attempt_or_404(request, pk)
    try:
        answers = posted_answers(request.POST)
        attempt = services.attempt_submit(actor=request.user, attempt=attempt, answers=answers, now=timezone.now())
    except services.AttemptClosed as exc:
        messages.warning(request, exc.messages[0])
    except ValidationError as exc:
        messages.error(request, "交卷未成功：" + "；".join(exc.messages))
    else:
        verdict = "及格" if attempt.passed else "不及格"
        messages.success(request, f"已交卷，得分 {attempt.score} 分（{verdict}）。")
    return redirect("study:attempt_detail", pk=attempt.pk)
