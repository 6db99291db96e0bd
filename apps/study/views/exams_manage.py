"""考试管理 pages (committee): the exam list, an exam's form, 发布/撤回, an exam's results and their export."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core import exports
from apps.core.forms import save_with_form_errors
from apps.core.listing import paginate
from apps.orgs.access import committee_required, scope_for

from ..filters.exams import EXAM_STATE_CHOICES, RESULT_CHOICES
from ..forms.exams import ExamForm
from ..selectors import exams as selectors
from ..services import exams as services

EXAMS_ONLY = "考试管理仅供工委管理员使用。"
STATE_LABELS = dict(EXAM_STATE_CHOICES)


def exam_or_404(request, pk):
    exam = selectors.exam_get(user=request.user, pk=pk)
    if exam is None:
        raise Http404("没有找到该考试。")
    return exam


@committee_required(message=EXAMS_ONLY)
@require_GET
def exam_list(request, scope):
    filterset = selectors.exam_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    now = timezone.now()
    for exam in page:
        exam.state = selectors.exam_state(exam, now)
        exam.state_label = STATE_LABELS[exam.state]
    return render(
        request,
        "study/exam_list.html",
        {
            "title": "考试管理",
            "page": page,
            "querystring": querystring,
            "filter_messages": filterset.messages(),
            "filters": {name: request.GET.get(name, "").strip() for name in ("q", "state")},
            "state_choices": [("", "全部状态"), *EXAM_STATE_CHOICES],
        },
    )


def _exam_form(request, exam):
    form = ExamForm(request.POST or None, instance=exam)
    if request.method == "POST" and form.is_valid():
        if exam is None:
            saved = save_with_form_errors(
                form, lambda: services.exam_create(actor=request.user, **form.service_kwargs())
            )
        else:
            saved = save_with_form_errors(
                form, lambda: services.exam_update(actor=request.user, exam=exam, **form.service_kwargs())
            )
        if saved is not None:
            messages.success(request, "考试已保存。" if exam else "考试已创建（未发布）。核对无误后请点击“发布”。")
            return redirect(saved)
    return render(
        request,
        "study/exam_form.html",
        {
            "form": form,
            "exam": exam,
            "title": f"编辑考试：{exam.title}" if exam else "新建考试",
            "started": exam is not None and exam.attempts.exists(),
        },
    )


@committee_required(message=EXAMS_ONLY)
def exam_create(request, scope):
    return _exam_form(request, None)


@committee_required(message=EXAMS_ONLY)
def exam_edit(request, scope, pk):
    return _exam_form(request, exam_or_404(request, pk))


def _refused(request, write) -> bool:
    try:
        write()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return True
    return False


@committee_required(message=EXAMS_ONLY)
@require_POST
def exam_publish(request, scope, pk):
    exam = exam_or_404(request, pk)
    if not _refused(request, lambda: services.exam_publish(actor=request.user, exam=exam, now=timezone.now())):
        messages.success(request, f"考试“{exam.title}”已发布，参考单位的党员可在考试时间内作答。")
    return redirect(exam)


@committee_required(message=EXAMS_ONLY)
@require_POST
def exam_unpublish(request, scope, pk):
    exam = exam_or_404(request, pk)
    if not _refused(request, lambda: services.exam_unpublish(actor=request.user, exam=exam)):
        messages.success(request, f"已撤回考试“{exam.title}”的发布。")
    return redirect(exam)


# --- results ------------------------------------------------------------------------------------------------------


@committee_required(message=EXAMS_ONLY)
@require_GET
def exam_results(request, scope, pk):
    """Every targeted member's best result, filtered by unit, branch and result; per-unit participation above."""
    exam = exam_or_404(request, pk)
    exam.state = selectors.exam_state(exam, timezone.now())
    today = timezone.localdate()
    filterset = selectors.result_filter(user=request.user, exam=exam, today=today, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    chosen_unit = filterset.form.cleaned_data.get("unit")  # the form was cleaned by .qs
    branches = filterset.filters["branch"].queryset.select_related("unit").order_by("unit__order", "order", "id")
    if chosen_unit is not None:
        branches = branches.filter(unit=chosen_unit)
    units = list(exam.units.all()) or list(filterset.filters["unit"].queryset.filter(active=True).order_by("order"))
    return render(
        request,
        "study/exam_results.html",
        {
            "title": f"考试成绩：{exam.title}",
            "exam": exam,
            "page": page,
            "querystring": querystring,
            "export_url": reverse("study:exam_results_export", args=[exam.pk]),
            "filter_messages": filterset.messages(),
            "filters": {name: request.GET.get(name, "").strip() for name in ("q", "unit", "branch", "result")},
            "unit_choices": [("", "全部单位"), *((str(u.pk), u.name) for u in units)],
            "branch_choices": [("", "全部支部"), *((str(b.pk), b.name) for b in branches)] if chosen_unit else None,
            "result_choices": [("", "全部结果"), *RESULT_CHOICES],
            "participation": selectors.unit_participation(filterset.qs),
            "reference_day": selectors.reference_day(exam, today),
        },
    )


EXAM_RESULT_HEADERS = ["单位", "支部", "姓名", "作答次数", "最好成绩", "结果"]


def _result_line(m) -> tuple:
    result = "及格" if m.passed else ("不及格" if m.taken else "未参考")
    return (m.branch.unit.name, m.branch.name, m.member.name, m.attempt_count, m.best if m.taken else "", result)


@exports.exporter("考试成绩")
def exam_result_rows(*, user, params) -> exports.Export:
    """An exam's results for the committee (the page's selector and FilterSet); asked again when a job builds them.

    The exam is the URL's (`respond(..., extra={"exam": pk})`), looked up for the user as the page does."""
    if not scope_for(user).is_committee:
        raise PermissionDenied(EXAMS_ONLY)
    exam = selectors.exam_get(user=user, pk=forms.IntegerField().clean(params.get("exam")))
    if exam is None:
        raise PermissionDenied("没有找到该考试，可能已被删除。")
    filterset = selectors.result_filter(user=user, exam=exam, today=timezone.localdate(), filters=params)
    return exports.Export(
        filename=f"考试成绩-{exam.title}",
        sheet_title="考试成绩",
        headers=EXAM_RESULT_HEADERS,
        queryset=filterset.qs,
        row=_result_line,
        notes=[f"{line}（已忽略该条件）" for line in filterset.messages()],
        chunk_size=500,
    )


@committee_required(message=EXAMS_ONLY)
@require_GET
def exam_results_export(request, scope, pk):
    exam = exam_or_404(request, pk)
    return exports.respond(request, exam_result_rows, extra={"exam": exam.pk})
