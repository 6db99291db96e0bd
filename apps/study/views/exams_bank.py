"""题库 pages (committee only): the question list, a question's form, 停用/启用, the Excel import and its template."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.excel import xlsx_response
from apps.core.imports import report_import
from apps.core.listing import paginate
from apps.orgs.access import committee_required

from ..filters.exams import ACTIVE_CHOICES
from ..forms.exams import QuestionForm, QuestionImportForm
from ..models import QuestionKind
from ..selectors import exams as selectors
from ..services import exam_import
from ..services import exams as services

BANK_ONLY = "题库仅供工委管理员维护。"
LIST_FILTERS = ("q", "kind", "item", "active")


def _question_or_404(request, pk):
    question = selectors.question_get(user=request.user, pk=pk)
    if question is None:
        raise Http404("没有找到该试题。")
    return question


@committee_required(message=BANK_ONLY)
@require_GET
def question_list(request, scope):
    filterset = selectors.question_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    for question in page:
        question.key = services.answer_text(question)
    items = filterset.filters["item"].queryset
    return render(
        request,
        "study/question_list.html",
        {
            "title": "题库",
            "page": page,
            "querystring": querystring,
            "filter_messages": filterset.messages(),
            "filters": {name: request.GET.get(name, "").strip() for name in LIST_FILTERS},
            "kind_choices": [("", "全部题型"), *QuestionKind.choices],
            "item_choices": [("", "全部应知应会条目"), *((str(i.pk), i.title) for i in items)],
            "active_choices": [("", "全部状态"), *ACTIVE_CHOICES],
        },
    )


def _question_form(request, question):
    form = QuestionForm(request.POST or None, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            if question is None:
                saved = services.question_create(
                    actor=request.user, fields=form.service_fields(), items=form.cleaned_data["items"]
                )
            else:
                saved = services.question_update(
                    actor=request.user,
                    question=question,
                    fields=form.service_fields(),
                    items=form.cleaned_data["items"],
                )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "试题已保存。" if question else f"已添加试题（第 {saved.pk} 号）。")
            return redirect("study:question_list")
    return render(
        request,
        "study/question_form.html",
        {"form": form, "question": question, "title": "编辑试题" if question else "添加试题"},
    )


@committee_required(message=BANK_ONLY)
def question_create(request, scope):
    return _question_form(request, None)


@committee_required(message=BANK_ONLY)
def question_edit(request, scope, pk):
    return _question_form(request, _question_or_404(request, pk))


@committee_required(message=BANK_ONLY)
@require_POST
def question_toggle(request, scope, pk):
    """停用 (confirmed in the page) or 启用 a question."""
    question = _question_or_404(request, pk)
    services.question_set_active(actor=request.user, question=question, active=not question.active)
    if question.active:
        messages.success(request, "试题已停用：今后的考试不再抽到该题，已抽到的答卷不受影响。")
    else:
        messages.success(request, "试题已重新启用。")
    return redirect("study:question_list")


@committee_required(message=BANK_ONLY)
def question_import(request, scope):
    """Upload the bank's .xlsx: a dry run shows every bad row; the import writes all rows or none."""
    result = None
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = services.question_import(
            actor=request.user, file=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"]
        )
        report_import(request, result, things="试题")
        if result.written:
            form = QuestionImportForm(initial={"dry_run": True})
    return render(
        request,
        "study/question_import.html",
        {"form": form, "result": result, "columns": exam_import.COLUMN_HELP, "max_rows": exam_import.MAX_ROWS},
    )


@committee_required(message=BANK_ONLY)
@require_GET
def question_template(request, scope):
    """The import template: the header row and one example row (refused on import until deleted)."""
    return xlsx_response(
        filename="题库导入模板",
        sheet_title="题库",
        headers=services.IMPORT_COLUMNS,
        rows=[services.IMPORT_EXAMPLE_ROW],
        notes=[
            f"{name}（{'必填' if required else '可选'}）：{note}" for name, required, note in exam_import.COLUMN_HELP
        ],
    )
