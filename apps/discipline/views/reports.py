"""Discipline · 履责报告 pages.

The committee opens rounds and sees per round which units reported, on time or late; it accepts or returns
(with a comment) each submitted report. A unit's secretary sees what their unit owes and by when, writes
the report (text and files), submits it and resubmits after a return. Files are served only through
`report_file`, which reads through the scope (another unit, a branch secretary or a member: 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core import trash
from apps.core.excel import xlsx_response
from apps.core.files import stored_file_response
from apps.core.forms import save_with_form_errors
from apps.core.listing import paginate
from apps.core.navigation import NavItem
from apps.orgs.access import Role, committee_required, unit_manager_required
from apps.orgs.filters import unit_choices

from .. import permissions
from ..forms.reports import ReportForm, ReviewForm, RoundForm
from ..models import ReportStatus, RoundKind
from ..selectors import reports as selectors
from ..services import reports as services
from ..services.reports import OnTime, on_time_status

UNIT_MESSAGE = "履责报告仅供单位党务干部和工委管理员查看。"
COMMITTEE_MESSAGE = "只有工委管理员可以管理报告期。"
LIST_FILTERS = ("q", "round", "kind", "unit", "status", "on_time")
STATUS_BADGES = {
    ReportStatus.DRAFT: "text-bg-secondary",
    ReportStatus.SUBMITTED: "text-bg-primary",
    ReportStatus.ACCEPTED: "text-bg-success",
    ReportStatus.RETURNED: "text-bg-warning",
}
ON_TIME_BADGES = {
    OnTime.ON_TIME: "text-bg-success",
    OnTime.LATE: "text-bg-warning",
    OnTime.MISSING: "text-bg-danger",
    OnTime.PENDING: "text-bg-light border",
}


def decorate(report, now) -> None:
    """Attach what every page shows of a report: its on-time status and badges."""
    report.on_time = on_time_status(due_on=report.round.due_on, first_submitted_at=report.first_submitted_at, now=now)
    report.on_time_label = OnTime(report.on_time).label
    report.on_time_badge = ON_TIME_BADGES[report.on_time]
    report.status_badge = STATUS_BADGES[report.status]


def _refused(request, write) -> bool:
    try:
        write()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return True
    return False


# --- lists -----------------------------------------------------------------------------------------------


@unit_manager_required(message=UNIT_MESSAGE)
@require_GET
def report_list(request, scope):
    """履责报告: the committee's list of every unit's report; a unit's secretary sees what their unit owes."""
    now = timezone.now()
    filterset = selectors.report_filter(user=request.user, filters=request.GET, now=now)
    page, querystring = paginate(request, filterset.qs)
    for report in page:
        decorate(report, now)
    return render(
        request,
        "discipline/reports_list.html",
        {
            "title": "履责报告" if scope.is_committee else "本单位履责报告",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("discipline:report_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in LIST_FILTERS},
            "round_choices": [("", "全部报告期"), *((str(r.pk), r.title) for r in selectors.round_list())],
            "kind_choices": [("", "全部周期"), *RoundKind.choices],
            "unit_choices": unit_choices(scope),
            "status_choices": [("", "全部状态"), *ReportStatus.choices],
            "on_time_choices": [("", "全部报送情况"), *OnTime.choices],
            "is_committee": scope.is_committee,
        },
    )


@unit_manager_required(message=UNIT_MESSAGE)
@require_GET
def report_export(request, scope):
    now = timezone.now()
    filterset = selectors.report_filter(user=request.user, filters=request.GET, now=now)

    def rows():
        for r in filterset.qs.iterator(chunk_size=500):
            status = on_time_status(due_on=r.round.due_on, first_submitted_at=r.first_submitted_at, now=now)
            yield (
                r.round.title,
                r.round.get_kind_display(),
                r.unit.name,
                r.round.due_on,
                r.get_status_display(),
                OnTime(status).label,
                r.first_submitted_at or "—",
                r.submitted_at or "—",
                r.reviewed_at or "—",
                r.review_comment,
            )

    headers = [
        "报告期",
        "周期",
        "单位",
        "报送截止日",
        "状态",
        "报送情况",
        "首次报送时间",
        "最近报送时间",
        "审核时间",
        "审核意见",
    ]
    return xlsx_response(
        filename="履责报告", sheet_title="履责报告", headers=headers, rows=rows(), notes=filterset.messages()
    )


# --- rounds (the committee) ----------------------------------------------------------------------------


@committee_required(message=COMMITTEE_MESSAGE)
@require_GET
def report_rounds(request, scope):
    page, querystring = paginate(request, selectors.round_list())
    summaries = selectors.round_summaries([r.pk for r in page], now=timezone.now())
    for round_ in page:
        round_.summary = summaries.get(round_.pk, {})
    return render(request, "discipline/reports_rounds.html", {"page": page, "querystring": querystring})


def _round_form(request, scope, round_=None):
    form = RoundForm(request.POST or None, instance=round_, units=scope.managed_units().filter(active=True))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.ROUND_FIELDS}
        units = list(form.cleaned_data["units"])
        if round_ is None:
            saved = save_with_form_errors(
                form,
                lambda: services.report_round_open(actor=request.user, fields=fields, units=units, now=timezone.now()),
            )
        else:
            saved = save_with_form_errors(
                form,
                lambda: services.report_round_update(actor=request.user, round_=round_, fields=fields, units=units),
            )
        if saved:
            messages.success(request, f"报告期“{saved.title}”已{'保存' if round_ else '发布'}。")
            return redirect(f"{reverse('discipline:report_list')}?round={saved.pk}")
    return render(request, "discipline/reports_round_form.html", {"form": form, "round": round_})


@committee_required(message=COMMITTEE_MESSAGE)
def report_round_new(request, scope):
    return _round_form(request, scope)


@committee_required(message=COMMITTEE_MESSAGE)
def report_round_edit(request, scope, pk):
    round_ = selectors.round_get(pk)
    if round_ is None:
        raise Http404("没有找到该报告期。")
    return _round_form(request, scope, round_)


# --- one report --------------------------------------------------------------------------------------------


def _report_or_404(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    if report is None:
        raise Http404("没有找到该履责报告。")
    return report


@unit_manager_required(message=UNIT_MESSAGE)
def report_detail(request, scope, pk):
    """The report: its text, files and review log; the unit edits and submits, the committee reviews."""
    report = _report_or_404(request, pk)
    decorate(report, timezone.now())
    can_write = permissions.can_answer_for_unit(scope, report.unit_id) and report.status in services.OPEN_STATUSES
    form = ReportForm(request.POST or None, request.FILES or None, instance=report)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(
                services.UNIT_ONLY
                if not permissions.can_answer_for_unit(scope, report.unit_id)
                else f"该报告{report.get_status_display()}，不能修改。"
            )
        if form.is_valid() and _save_report(request, form, report):
            return redirect("discipline:report_detail", pk=report.pk)
    return render(
        request,
        "discipline/reports_detail.html",
        {
            "report": report,
            "form": form,
            "files": list(report.files.all()),
            "reviews": list(report.reviews.all()),
            "can_write": can_write,
            "can_review": permissions.can_supervise(scope) and report.status == ReportStatus.SUBMITTED,
            "review_form": ReviewForm(),
        },
    )


def _save_report(request, form, report) -> bool:
    """Save the text, add the files, and submit when asked: all or nothing."""
    from django.db import transaction

    fields = {name: form.cleaned_data[name] for name in services.REPORT_FIELDS}
    submit = request.POST.get("action") == "submit"

    def write():
        with transaction.atomic():
            saved = services.report_save(actor=request.user, report=report, fields=fields)
            if form.cleaned_data["files"]:
                services.report_files_add(actor=request.user, report=saved, uploads=form.cleaned_data["files"])
            if submit:
                saved = services.report_submit(actor=request.user, report=saved, now=timezone.now())
            return saved

    saved = save_with_form_errors(form, write)
    if saved is None:
        return False
    messages.success(request, "报告已报送，等待工委审核。" if submit else "草稿已保存。")
    return True


@unit_manager_required(message=UNIT_MESSAGE)
@require_POST
def report_submit(request, scope, pk):
    report = _report_or_404(request, pk)
    if not _refused(request, lambda: services.report_submit(actor=request.user, report=report, now=timezone.now())):
        messages.success(request, "报告已报送，等待工委审核。")
    return redirect("discipline:report_detail", pk=report.pk)


@unit_manager_required(message=UNIT_MESSAGE)
@require_POST
def report_review(request, scope, pk, decision):
    """通过 (decision 'accept') or 退回 ('return', a comment required)."""
    report = _report_or_404(request, pk)
    form = ReviewForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("discipline:report_detail", pk=report.pk)
    service = services.report_accept if decision == "accept" else services.report_return
    write = lambda: service(actor=request.user, report=report, now=timezone.now(), comment=comment)  # noqa: E731
    if not _refused(request, write):
        messages.success(request, "报告已通过。" if decision == "accept" else "报告已退回，已通知该单位。")
    return redirect("discipline:report_detail", pk=report.pk)


# --- files -------------------------------------------------------------------------------------------------


def _file_or_404(request, pk):
    attachment = selectors.report_attachment_get(user=request.user, pk=pk)
    if attachment is None:
        raise Http404("没有找到该附件。")
    return attachment


@unit_manager_required(message=UNIT_MESSAGE)
@require_GET
def report_file(request, scope, pk):
    """Serve a report's file to the committee and that unit's secretary only (never from MEDIA_URL)."""
    attachment = _file_or_404(request, pk)
    return stored_file_response(attachment, missing="附件文件已丢失。")


@unit_manager_required(message=UNIT_MESSAGE)
@require_POST
def report_file_delete(request, scope, pk):
    attachment = _file_or_404(request, pk)
    report_id = attachment.report_id
    if not _refused(request, lambda: services.report_file_delete(actor=request.user, attachment=attachment)):
        messages.success(request, f"附件“{attachment.original_name}”{trash.MOVED}。")
    return redirect("discipline:report_detail", pk=report_id)


urlpatterns = [
    path("reports/", report_list, name="report_list"),
    path("reports/export/", report_export, name="report_export"),
    path("reports/rounds/", report_rounds, name="report_rounds"),
    path("reports/rounds/new/", report_round_new, name="report_round_new"),
    path("reports/rounds/<int:pk>/edit/", report_round_edit, name="report_round_edit"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/submit/", report_submit, name="report_submit"),
    path("reports/<int:pk>/accept/", report_review, {"decision": "accept"}, name="report_accept"),
    path("reports/<int:pk>/return/", report_review, {"decision": "return"}, name="report_return"),
    path("reports/files/<int:pk>/", report_file, name="report_file"),
    path("reports/files/<int:pk>/delete/", report_file_delete, name="report_file_delete"),
]
NAV_ITEMS = (
    NavItem("履责报告", "discipline:report_list", roles=(Role.COMMITTEE,), menu="discipline", order=20),
    NavItem("履责报告", "discipline:report_list", roles=(Role.UNIT,), menu="discipline", order=20),
)
