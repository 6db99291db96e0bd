"""Discipline · 督促检查 / 明察暗访 (inspections), findings and 整改 (rectifications) pages.

- The committee: inspections (list, create, edit, detail with findings), a finding with its
  rectification in one step, 整改跟踪 (every unit's rectifications, overdue first, Excel), and the
  review of a submission (销号 or 退回 with a comment).
- A unit's secretary: 本单位整改 (what is owed and by when), submit measures and evidence files.
- Branch secretaries and members: 403; another unit's rectification or file: 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core import exports, trash
from apps.core.files import stored_file_response
from apps.core.forms import save_with_form_errors
from apps.core.history import history_rows
from apps.core.listing import paginate
from apps.core.navigation import NavItem
from apps.orgs.access import Role, committee_required, unit_manager_required
from apps.orgs.filters import unit_choices

from .. import permissions
from ..forms.inspections import AcceptForm, FindingForm, InspectionForm, ReturnForm, SubmitForm
from ..models import InspectionKind, RectificationStatus
from ..selectors import inspections as selectors
from ..services import inspections as services

COMMITTEE_DENIED = "督促检查仅供工委管理员使用。"
READ_DENIED = "整改信息仅工委管理员和责任单位党务干部可以查看。"
INSPECTION_FILTERS = ("q", "kind", "date_from", "date_to")
RECT_FILTERS = ("q", "unit", "status", "overdue", "inspection")


def _inspection_or_404(request, pk):
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    if inspection is None:
        raise Http404("没有找到该检查。")
    return inspection


def _rect_or_404(request, pk, today):
    rect = selectors.rectification_get(user=request.user, pk=pk, today=today)
    if rect is None:
        raise Http404("没有找到该整改。")
    return rect


def _days_left(rects, today):
    for rect in rects:
        rect.days_left = (rect.deadline - today).days
        rect.overdue_days = -rect.days_left
    return rects


# --- inspections (the committee) ---------------------------------------------------------------------


@committee_required(message=COMMITTEE_DENIED)
@require_GET
def inspection_list(request, scope):
    filterset = selectors.inspection_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    return render(
        request,
        "discipline/inspection_list.html",
        {
            "title": "督促检查",
            "page": page,
            "querystring": querystring,
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in INSPECTION_FILTERS},
            "kind_choices": [("", "全部方式"), *InspectionKind.choices],
        },
    )


@committee_required(message=COMMITTEE_DENIED)
def inspection_create(request, scope):
    return _inspection_form(request, None)


@committee_required(message=COMMITTEE_DENIED)
def inspection_edit(request, scope, pk):
    return _inspection_form(request, _inspection_or_404(request, pk))


def _inspection_form(request, inspection):
    form = InspectionForm(request.POST or None, instance=inspection)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.INSPECTION_FIELDS}
        if inspection is None:
            write = lambda: services.inspection_create(actor=request.user, fields=fields)  # noqa: E731
        else:
            write = lambda: services.inspection_update(actor=request.user, inspection=inspection, fields=fields)  # noqa: E731
        saved = save_with_form_errors(form, write)
        if saved is not None:
            messages.success(request, "检查已保存。" + ("请逐条登记发现的问题。" if inspection is None else ""))
            return redirect("discipline:inspection_detail", pk=saved.pk)
    return render(request, "discipline/inspection_form.html", {"form": form, "inspection": inspection})


@committee_required(message=COMMITTEE_DENIED)
@require_GET
def inspection_detail(request, scope, pk):
    inspection = _inspection_or_404(request, pk)
    today = timezone.localdate()
    return render(
        request,
        "discipline/inspection_detail.html",
        {
            "inspection": inspection,
            "findings": selectors.inspection_findings(inspection, today=today),
            "history": history_rows(inspection),
        },
    )


@committee_required(message=COMMITTEE_DENIED)
def finding_create(request, scope, pk):
    inspection = _inspection_or_404(request, pk)
    form = FindingForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(
            form,
            lambda: services.finding_create(
                actor=request.user,
                inspection=inspection,
                fields=form.finding_fields(),
                rectification=form.rectification_fields(),
            ),
        )
        if saved is not None:
            messages.success(request, f"已登记问题并向{saved.unit.name}下发整改。")
            if request.POST.get("action") == "another":
                return redirect("discipline:finding_create", pk=inspection.pk)
            return redirect("discipline:inspection_detail", pk=inspection.pk)
    return render(request, "discipline/finding_form.html", {"form": form, "inspection": inspection, "finding": None})


@committee_required(message=COMMITTEE_DENIED)
def finding_edit(request, scope, pk):
    finding = selectors.finding_get(user=request.user, pk=pk)
    if finding is None:
        raise Http404("没有找到该问题。")
    rect = finding.rectification
    form = FindingForm(request.POST or None, instance=finding, scope=scope, rectification=rect)
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(
            form,
            lambda: services.finding_update(
                actor=request.user,
                finding=finding,
                fields=form.finding_fields(),
                rectification=form.rectification_fields(),
            ),
        )
        if saved is not None:
            messages.success(request, "问题及整改要求已保存。")
            return redirect("discipline:inspection_detail", pk=finding.inspection_id)
    return render(
        request,
        "discipline/finding_form.html",
        {"form": form, "inspection": finding.inspection, "finding": finding},
    )


# --- rectifications ------------------------------------------------------------------------------------------


@unit_manager_required(message=READ_DENIED)
@require_GET
def rectification_list(request, scope):
    today = timezone.localdate()
    filterset = selectors.rectification_filter(user=request.user, filters=request.GET, today=today)
    page, querystring = paginate(request, filterset.qs)
    _days_left(page, today)
    return render(
        request,
        "discipline/rectification_list.html",
        {
            "title": "整改跟踪" if scope.is_committee else "本单位整改",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("discipline:rectification_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in RECT_FILTERS},
            "unit_choices": unit_choices(scope),
            "status_choices": [("", "全部状态"), *RectificationStatus.choices],
            "is_committee": scope.is_committee,
            "owed": None if scope.is_committee else selectors.owed(scope, today=today),
            "today": today,
        },
    )


RECTIFICATION_EXPORT_HEADERS = [
    "责任单位",
    "检查方式",
    "检查名称",
    "检查日期",
    "问题性质",
    "发现问题",
    "整改要求",
    "须提交的佐证",
]
RECTIFICATION_EXPORT_HEADERS += ["整改期限", "状态", "是否逾期", "提交时间", "销号日期", "整改措施及成效"]


def _rectification_line(r) -> tuple:
    return (
        r.unit.name,
        r.finding.inspection.get_kind_display(),
        r.finding.inspection.title,
        r.finding.inspection.held_on,
        r.finding.get_severity_display(),
        r.finding.description,
        r.requirement,
        r.required_evidence,
        r.deadline,
        r.get_status_display(),
        r.is_overdue,
        r.submitted_at,
        r.accepted_on,
        r.measures,
    )


@exports.exporter("整改台账")
def rectification_rows(*, user, params) -> exports.Export:
    """The rectification ledger's rows for `user` (the page's selector and FilterSet); a job builds them again."""
    return exports.Export(
        filename="整改台账",
        sheet_title="整改台账",
        headers=RECTIFICATION_EXPORT_HEADERS,
        queryset=selectors.rectification_filter(user=user, filters=params, today=timezone.localdate()).qs,
        row=_rectification_line,
        chunk_size=500,
    )


@unit_manager_required(message=READ_DENIED)
@require_GET
def rectification_export(request, scope):
    return exports.respond(request, rectification_rows)


@unit_manager_required(message=READ_DENIED)
def rectification_detail(request, scope, pk):
    today = timezone.localdate()
    rect = _rect_or_404(request, pk, today)
    can_submit = permissions.can_answer_for_unit(scope, rect.unit_id) and rect.status in services.OPEN_OR_RETURNED
    can_review = permissions.can_supervise(scope) and rect.status == RectificationStatus.SUBMITTED
    submit_form = SubmitForm(initial={"measures": rect.measures})
    if request.method == "POST":  # the unit's submission (files come with it)
        if not can_submit:
            raise PermissionDenied(services.SUBMIT_DENIED)
        submit_form = SubmitForm(request.POST, request.FILES)
        if submit_form.is_valid():
            done = save_with_form_errors(
                submit_form,
                lambda: services.rectification_submit(
                    actor=request.user,
                    rectification=rect,
                    measures=submit_form.cleaned_data["measures"],
                    files=submit_form.cleaned_data["files"],
                ),
            )
            if done is not None:
                messages.success(request, "整改材料已提交，等待工委审核销号。")
                return redirect(rect)
    return render(
        request,
        "discipline/rectification_detail.html",
        {
            "rect": rect,
            "finding": rect.finding,
            "inspection": rect.finding.inspection,
            "events": list(selectors.rectification_events(rect)),
            "files": list(selectors.rectification_files(rect)),
            "days_left": (rect.deadline - today).days,
            "can_submit": can_submit,
            "can_review": can_review,
            "can_delete_files": can_submit,
            "is_committee": scope.is_committee,
            "submit_form": submit_form,
            "accept_form": AcceptForm(),
            "return_form": ReturnForm(),
        },
    )


def _review(request, pk, write, success: str):
    rect = _rect_or_404(request, pk, timezone.localdate())
    try:
        write(rect)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(rect)


@committee_required(message=services.ACCEPT_DENIED)
@require_POST
def rectification_accept(request, scope, pk):
    form = AcceptForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    return _review(
        request,
        pk,
        lambda rect: services.rectification_accept(actor=request.user, rectification=rect, comment=comment),
        "已销号，该问题整改完成。",
    )


@committee_required(message=services.ACCEPT_DENIED)
@require_POST
def rectification_return(request, scope, pk):
    form = ReturnForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    return _review(
        request,
        pk,
        lambda rect: services.rectification_return(actor=request.user, rectification=rect, comment=comment),
        "已退回整改，责任单位可修改后重新提交。",
    )


# --- evidence files (never from MEDIA_URL) -------------------------------------------------------------------


def _file_or_404(request, pk):
    attachment = selectors.attachment_get(user=request.user, pk=pk)
    if attachment is None:
        raise Http404("没有找到该文件。")
    return attachment


@unit_manager_required(message=READ_DENIED)
@require_GET
def rectification_file(request, scope, pk):
    """Serve an evidence file to the committee and the owner unit's secretary only."""
    attachment = _file_or_404(request, pk)
    return stored_file_response(attachment, missing="文件已丢失。")


@unit_manager_required(message=READ_DENIED)
@require_POST
def rectification_file_delete(request, scope, pk):
    attachment = _file_or_404(request, pk)
    rect = attachment.rectification
    try:
        services.rectification_file_delete(actor=request.user, attachment=attachment)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"文件“{attachment.original_name}”{trash.MOVED}。")
    return redirect(rect)


urlpatterns = [
    path("inspections/", inspection_list, name="inspection_list"),
    path("inspections/new/", inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/edit/", inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/findings/new/", finding_create, name="finding_create"),
    path("findings/<int:pk>/edit/", finding_edit, name="finding_edit"),
    path("rectifications/", rectification_list, name="rectification_list"),
    path("rectifications/export/", rectification_export, name="rectification_export"),
    path("rectifications/<int:pk>/", rectification_detail, name="rectification_detail"),
    path("rectifications/<int:pk>/accept/", rectification_accept, name="rectification_accept"),
    path("rectifications/<int:pk>/return/", rectification_return, name="rectification_return"),
    path("rectification-files/<int:pk>/", rectification_file, name="rectification_file"),
    path("rectification-files/<int:pk>/delete/", rectification_file_delete, name="rectification_file_delete"),
]
NAV_ITEMS = (
    NavItem("督促检查", "discipline:inspection_list", roles=(Role.COMMITTEE,), menu="discipline", order=30),
    NavItem("整改跟踪", "discipline:rectification_list", roles=(Role.COMMITTEE,), menu="discipline", order=32),
    NavItem("本单位整改", "discipline:rectification_list", roles=(Role.UNIT,), menu="discipline", order=32),
)
