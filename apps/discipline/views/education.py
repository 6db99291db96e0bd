"""Discipline · 典型案例 (committee publishes, units confirm read, receipts per unit) and 警示教育 sessions
(the unit's secretary or the committee records them with attendance; hours reach the study ledger)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core import trash
from apps.core.excel import xlsx_response
from apps.core.forms import save_with_form_errors
from apps.core.history import history_rows
from apps.core.listing import paginate
from apps.core.navigation import NavItem
from apps.orgs.access import Role, committee_required, unit_manager_required
from apps.orgs.filters import unit_choices

from .. import permissions
from ..forms.education import CaseForm, CaseReadForm, PlaceForm, RowError, WarningSessionForm, parse_attendance
from ..models import WarningKind
from ..selectors import education as selectors
from ..services import education as services

CASE_SEE = "典型案例仅工委管理员和单位党务干部可以查看。"
WARNING_SEE = "警示教育记录仅工委管理员和单位党务干部可以查看。"


def _case_or_404(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    if case is None:
        raise Http404("没有找到该案例。")
    return case


def _session_or_404(request, pk):
    session = selectors.warning_get(user=request.user, pk=pk)
    if session is None:
        raise Http404("没有找到该警示教育记录。")
    return session


# --- cases ----------------------------------------------------------------------------------------------


@unit_manager_required(message=CASE_SEE)
@require_GET
def case_list(request, scope):
    filterset = selectors.case_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    return render(
        request,
        "discipline/case_list.html",
        {
            "title": "典型案例",
            "page": page,
            "querystring": querystring,
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in ("q", "category", "year")},
            "is_committee": scope.is_committee,
        },
    )


@committee_required(message=services.CASE_DENIED)
def case_create(request, scope):
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = save_with_form_errors(
            form, lambda: services.case_publish(actor=request.user, **{k: data[k] for k in services.CASE_FIELDS})
        )
        if case is not None:
            messages.success(request, "案例已发布，并已通知发送单位。")
            return redirect("discipline:case_detail", pk=case.pk)
    return render(request, "discipline/case_form.html", {"form": form})


@unit_manager_required(message=CASE_SEE)
@require_GET
def case_detail(request, scope, pk):
    case = _case_or_404(request, pk)
    receipts = selectors.case_receipts(case) if scope.is_committee else []
    return render(
        request,
        "discipline/case_detail.html",
        {
            "case": case,
            "receipts": receipts,
            "read_count": sum(1 for r in receipts if r["receipt"]),
            "readable_units": selectors.readable_units(scope, case),
            "is_committee": scope.is_committee,
        },
    )


@unit_manager_required(message=services.READ_DENIED)
@require_POST
def case_read(request, scope, pk):
    case = _case_or_404(request, pk)
    form = CaseReadForm(request.POST, scope=scope)
    unit = form.cleaned_data.get("unit") if form.is_valid() else None
    try:
        _, created = services.case_read(actor=request.user, case=case, unit=unit)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已确认阅知。" if created else "本单位此前已确认阅知。")
    return redirect("discipline:case_detail", pk=case.pk)


@committee_required(message=CASE_SEE)
@require_GET
def case_receipts_export(request, scope, pk):
    case = _case_or_404(request, pk)
    rows = (
        (
            r["unit"].name,
            "已阅" if r["receipt"] else "未阅",
            r["receipt"].read_at if r["receipt"] else None,
            str(r["receipt"].read_by or "") if r["receipt"] else "",
        )
        for r in selectors.case_receipts(case)
    )
    return xlsx_response(
        filename=f"案例阅知情况-{case.title[:20]}",
        sheet_title="阅知情况",
        headers=["单位", "阅知情况", "阅知时间", "确认人"],
        rows=rows,
    )


# --- warning-education sessions ----------------------------------------------------------------------------


@unit_manager_required(message=WARNING_SEE)
@require_GET
def warning_list(request, scope):
    filterset = selectors.warning_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    return render(
        request,
        "discipline/warning_list.html",
        {
            "title": "警示教育",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("discipline:warning_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in ("q", "unit", "kind", "year")},
            "unit_choices": unit_choices(scope),
            "kind_choices": [("", "全部类型"), *WarningKind.choices],
        },
    )


@unit_manager_required(message=WARNING_SEE)
@require_GET
def warning_export(request, scope):
    rows = (
        (s.unit.name, s.get_kind_display(), s.title, s.held_on, s.place, s.hours, s.present_count, s.absent_count)
        for s in selectors.warning_filter(user=request.user, filters=request.GET).qs.iterator(chunk_size=500)
    )
    headers = ["单位", "类型", "主题", "日期", "地点", "学时", "出席人数", "缺席人数"]
    return xlsx_response(filename="警示教育", sheet_title="警示教育", headers=headers, rows=rows)


def _apply_errors(form, exc: ValidationError) -> str:
    """Show a service's refusal on the form; return the attendance block's message."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return ""
    block = ""
    for key, errors in exc.error_dict.items():
        texts = [text for error in errors for text in error.messages]
        if key == "attendance":
            block = "；".join(texts)
        else:
            form.add_error(key if key in form.fields else None, texts)
    return block


def _warning_form(request, scope, session):
    posted = request.method == "POST"
    if posted:
        place_data = request.POST
    elif "unit" in request.GET or session is None:
        place_data = request.GET if "unit" in request.GET else None
    else:
        place_data = {"unit": session.unit_id, "held_on": session.held_on.isoformat()}
    place = PlaceForm(place_data, scope=scope)
    if not place.is_valid():
        return render(request, "discipline/warning_form.html", {"place": place, "session": session, "form": None})
    unit, held_on = place.cleaned_data["unit"], place.cleaned_data["held_on"]
    roster = list(selectors.session_roster(unit, held_on))
    form = WarningSessionForm(
        request.POST if posted else None,
        instance=session,
        scope=scope,
        unit=unit,
        initial={"unit": unit.pk, "held_on": held_on},
    )
    attendance_error = ""
    if posted:
        try:
            attendance = parse_attendance(request.POST, roster)
        except RowError as exc:
            attendance_error = str(exc)
        if form.is_valid() and not attendance_error:
            try:
                saved = services.warning_session_save(
                    actor=request.user, session=session, **form.session_kwargs(), attendance=attendance
                )
            except ValidationError as exc:
                attendance_error = _apply_errors(form, exc)
            else:
                messages.success(request, "警示教育已保存，出席党员的学时已计入学习台账。")
                return redirect("discipline:warning_detail", pk=saved.pk)
    existing = {a.member_id: a for a in session.attendances.all()} if session is not None else {}
    rows = []
    for member in roster:
        if posted:
            present = request.POST.get(f"present-{member.pk}") == "on"
            reason = request.POST.get(f"reason-{member.pk}", "")
        elif member.pk in existing:
            present, reason = existing[member.pk].present, existing[member.pk].absence_reason
        else:
            present, reason = True, ""
        rows.append({"member": member, "present": present, "reason": reason})
    return render(
        request,
        "discipline/warning_form.html",
        {
            "place": place,
            "unit": unit,
            "held_on": held_on,
            "session": session,
            "form": form,
            "rows": rows,
            "attendance_error": attendance_error,
        },
    )


@unit_manager_required(message=services.WARNING_DENIED)
def warning_create(request, scope):
    return _warning_form(request, scope, None)


@unit_manager_required(message=services.WARNING_DENIED)
def warning_edit(request, scope, pk):
    session = _session_or_404(request, pk)
    if not permissions.can_keep_warning(scope, session.unit_id):
        raise Http404("没有找到该警示教育记录。")
    return _warning_form(request, scope, session)


@unit_manager_required(message=WARNING_SEE)
@require_GET
def warning_detail(request, scope, pk):
    session = _session_or_404(request, pk)
    attendances = list(session.attendances.all())
    present = sum(1 for a in attendances if a.present)
    return render(
        request,
        "discipline/warning_detail.html",
        {
            "session": session,
            "attendances": attendances,
            "present_count": present,
            "absent_count": len(attendances) - present,
            "cases": list(session.cases.all()),
            "can_change": permissions.can_keep_warning(scope, session.unit_id),
            "history": history_rows(session, limit=20),
        },
    )


@unit_manager_required(message=services.WARNING_DENIED)
@require_POST
def warning_delete(request, scope, pk):
    session = _session_or_404(request, pk)
    services.warning_session_delete(actor=request.user, session=session)
    messages.success(request, f"警示教育“{session.title}”{trash.MOVED}。")
    return redirect("discipline:warning_list")


urlpatterns = [
    path("cases/", case_list, name="case_list"),
    path("cases/new/", case_create, name="case_create"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/read/", case_read, name="case_read"),
    path("cases/<int:pk>/receipts/export/", case_receipts_export, name="case_receipts_export"),
    path("warning/", warning_list, name="warning_list"),
    path("warning/export/", warning_export, name="warning_export"),
    path("warning/new/", warning_create, name="warning_create"),
    path("warning/<int:pk>/", warning_detail, name="warning_detail"),
    path("warning/<int:pk>/edit/", warning_edit, name="warning_edit"),
    path("warning/<int:pk>/delete/", warning_delete, name="warning_delete"),
]
NAV_ITEMS = (
    NavItem("典型案例", "discipline:case_list", roles=(Role.COMMITTEE, Role.UNIT), menu="discipline", order=70),
    NavItem("警示教育", "discipline:warning_list", roles=(Role.COMMITTEE, Role.UNIT), menu="discipline", order=75),
)
