"""Activity record pages (组织生活记录): pick a type, log it on one page, see it, list and export.

Every queryset comes from the user's scope (selectors); every write goes through
`services`, whose ValidationError becomes form errors in Chinese and saves nothing.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.excel import xlsx_response
from apps.core.history import history_rows
from apps.core.listing import paginate
from apps.core.periods import Frequency, Period, local_date
from apps.orgs.access import Role, scope_for
from apps.orgs.models import PartyGroup

from . import selectors, services
from .forms import ActivityForm, RowError, UnlockForm, parse_attendance, parse_problems, problem_rows
from .models import ActivityCategory, ActivityStatus, ActivityType, Level, ProblemCategory

# Service error keys shown beside a block of the form rather than a single field.
BLOCK_KEYS = ("attendance", "problems", "evidence")


def _manager(request):
    scope = scope_for(request.user)
    if not scope.is_manager:
        raise PermissionDenied("只有党务工作人员可以登记组织生活。")
    return scope


def _get_activity(request, pk):
    activity = selectors.activity_get(user=request.user, pk=pk)
    if activity is None:
        raise Http404("没有找到该记录。")
    return activity


def _can_write(user, activity) -> bool:
    return services.can_write_for(
        user, activity_type=activity.activity_type, unit=activity.unit, branch=activity.branch
    )


# --- type picker ----------------------------------------------------------------------------------


@login_required
@require_GET
def activity_new(request):
    scope = _manager(request)
    types = selectors.loggable_types(scope)
    if not types:
        raise PermissionDenied("您还没有负责的支部或单位，不能登记组织生活。")
    branch = request.GET.get("branch", "")
    query = f"?{urlencode({'branch': branch})}" if branch.isdigit() else ""
    has_groups = any(t.level == Level.PARTY_GROUP for t in types) and (
        PartyGroup.objects.filter(branch__in=selectors.writable_branches(scope), active=True).exists()
    )
    groups = []
    for value, label in ActivityCategory.choices:
        members = [t for t in types if t.category == value]
        if members:
            groups.append({"label": label, "types": members})
    return render(
        request,
        "partylife/records/new.html",
        {"groups": groups, "query": query, "has_groups": has_groups},
    )


# --- the one-page form (create and edit) ------------------------------------------------------------


@login_required
def activity_create(request, code):
    scope = _manager(request)
    activity_type = get_object_or_404(ActivityType, code=code, active=True)
    if activity_type.level not in selectors.loggable_levels(scope):
        raise PermissionDenied("您不能登记该类活动：单位层面的活动由单位党务干部登记，支部活动由支部登记。")
    return _activity_form(request, scope, activity_type, None)


@login_required
def activity_edit(request, pk):
    activity = _get_activity(request, pk)
    scope = scope_for(request.user)
    if not _can_write(request.user, activity):
        raise PermissionDenied("您不能修改该记录。")
    if services.is_locked(activity):
        messages.error(request, "该记录所在月份已关账，不能修改。如需更正，请联系工委解锁。")
        return redirect(activity)
    return _activity_form(request, scope, activity.activity_type, activity)


def _host_default(request, scope) -> str:
    """Who usually hosts: the secretary logging it (their roster name, else the account's name)."""
    if scope.member_id:
        member = scope.members().filter(pk=scope.member_id).values_list("name", flat=True).first()
        if member:
            return member
    return request.user.display_name or ""


def _apply_errors(form, blocks: dict[str, list[str]], exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: its keys become field, block or non-field errors."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.error_dict.items():
        texts = [text for error in errors for text in error.messages]
        if key in blocks:
            blocks[key].extend(texts)
        elif key in form.fields:
            form.add_error(key, texts)
        else:
            form.add_error(None, texts)


def _activity_form(request, scope, activity_type, activity):
    t = activity_type
    posted = request.method == "POST"
    form = ActivityForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        scope=scope,
        activity_type=t,
        activity=activity,
        preset=request.GET,
        host_default="" if activity else _host_default(request, scope),
    )
    blocks: dict[str, list[str]] = {key: [] for key in BLOCK_KEYS}
    posted_problems = problem_rows(request.POST) if posted and t.has_enterprise else None
    if posted:
        attendance = problems = None
        if t.needs_attendance:
            try:
                attendance = parse_attendance(request.POST)
            except RowError as exc:
                blocks["attendance"].append(str(exc))
        if t.has_enterprise:
            try:
                problems = parse_problems(posted_problems)
            except RowError as exc:
                blocks["problems"].append(str(exc))
        valid = form.is_valid()
        if valid and not any(blocks.values()):
            submit = request.POST.get("action") == "submit"
            try:
                saved = services.activity_save(
                    actor=request.user,
                    data=form.to_input(attendance=attendance, problems=problems),
                    activity=activity,
                    submit=submit,
                )
            except ValidationError as exc:
                _apply_errors(form, blocks, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "您不能为该支部（单位）登记组织生活。")
            else:
                _saved_message(request, saved, created=activity is None)
                return redirect(saved)
    elif not form.is_bound and activity is None and not form.initial.get("place"):
        form.initial["place"] = selectors.recent_place(scope, unit=form.chosen_unit, branch=form.chosen_branch)

    if posted:
        form.mark_invalid()
    rows, others = _attendance_rows(scope, form, t, activity, request.POST if posted else None)
    context = {
        "form": form,
        "activity_type": t,
        "activity": activity,
        "blocks": blocks,
        "files_dropped": posted and any(request.FILES.getlist(name) for name in request.FILES),
        "attendance_rows": rows,
        "attendance_others": others,
        "present_count": sum(1 for r in rows if r["present"]),
        "problem_rows": _problem_rows(activity, posted_problems),
        "problem_categories": ProblemCategory.choices,
        "evidence": list(activity.evidence.all()) if activity else [],
        "required": t.required_evidence(),
        "is_submitted": activity is not None and activity.status == ActivityStatus.SUBMITTED,
    }
    return render(request, "partylife/records/form.html", context)


def _saved_message(request, activity, *, created: bool) -> None:
    missing = services.missing_evidence(activity)
    if activity.status == ActivityStatus.SUBMITTED:
        if missing:
            messages.warning(
                request,
                f"记录已提交，但材料不齐（需补充：{'、'.join(missing)}），补齐后才计入组织生活落实情况。",
            )
        else:
            messages.success(request, "记录已提交，材料齐全。" if created else "记录已保存，材料齐全。")
    elif missing:
        messages.info(request, f"草稿已保存。提交前还需补充：{'、'.join(missing)}。")
    else:
        messages.success(request, "草稿已保存，材料已齐全，可以提交。")


def _attendance_rows(scope, form, t, activity, posted):
    """The picker's rows (who is on the list, present or absent with reason) and the rest of the roster.

    Posted values win (a failed save shows what was entered); then the saved list
    of an edited record in its own branch; otherwise everyone expected, present.
    """
    if not t.needs_attendance:
        return [], []
    expected, others = selectors.expected_attendance(
        scope, activity_type=t, unit=form.chosen_unit, branch=form.chosen_branch, party_group=form.chosen_group
    )
    roster = {m.pk: m for m in [*expected, *others]}
    same_place = activity is not None and (activity.branch_id, activity.unit_id, activity.party_group_id) == (
        form.chosen_branch.pk if form.chosen_branch else None,
        form.chosen_unit.pk if form.chosen_unit else None,
        form.chosen_group.pk if form.chosen_group else None,
    )
    rows = []
    if posted is not None:
        try:
            entries = parse_attendance(posted)
        except RowError:
            entries = []
        saved = {a.member_id: a.member for a in activity.attendances.all()} if activity else {}
        for entry in entries:
            member = roster.get(entry.member_id) or saved.get(entry.member_id)
            if member is not None:
                rows.append({"member": member, "present": entry.present, "reason": entry.absence_reason})
    elif same_place:
        rows = [
            {"member": a.member, "present": a.present, "reason": a.absence_reason} for a in activity.attendances.all()
        ]
    else:
        rows = [{"member": m, "present": True, "reason": ""} for m in expected]
    listed = {r["member"].pk for r in rows}
    return rows, [m for m in roster.values() if m.pk not in listed]


def _problem_rows(activity, posted):
    if posted is not None:
        rows = posted
    elif activity is not None:
        rows = [
            {
                "category": p.category,
                "description": p.description,
                "solved": p.solved,
                "solved_on": p.solved_on.isoformat() if p.solved_on else "",
                "solution": p.solution,
            }
            for p in activity.problems.all()
        ]
    else:
        rows = []
    blank = {"category": "", "description": "", "solved": False, "solved_on": "", "solution": ""}
    return rows or [blank]


# --- detail, delete, unlock ---------------------------------------------------------------------------


@login_required
@require_GET
def activity_detail(request, pk):
    activity = _get_activity(request, pk)
    scope = scope_for(request.user)
    locked = services.is_locked(activity)
    can_write = scope.is_manager and _can_write(request.user, activity)
    evidence = list(activity.evidence.all())
    attendances = list(activity.attendances.all())
    present_count = sum(1 for a in attendances if a.present)
    return render(
        request,
        "partylife/records/detail.html",
        {
            "activity": activity,
            "t": activity.activity_type,
            "missing": services.missing_evidence(activity),
            "locked": locked,
            "unlocked": bool(activity.unlocked_until and not locked and _month_closed(activity)),
            "can_edit": can_write and not locked,
            "can_delete": can_write and activity.status == ActivityStatus.DRAFT,
            "can_unlock": scope.is_committee and locked,
            "unlock_form": UnlockForm(),
            "attendances": attendances,
            "present_count": present_count,
            "absent_count": len(attendances) - present_count,
            "images": [e for e in evidence if e.is_image],
            "documents": [e for e in evidence if not e.is_image],
            "problems": list(activity.problems.all()),
            "also": list(activity.also_counts_as.all()),
            "show_history": scope.is_manager,
            "history": history_rows(activity, limit=20) if scope.is_manager else [],
            "unlocks": list(activity.unlocks.select_related("unlocked_by")) if scope.is_manager else [],
        },
    )


def _month_closed(activity) -> bool:
    return local_date(activity.held_at).replace(day=1) in selectors.locked_months()


@login_required
@require_POST
def activity_delete(request, pk):
    activity = _get_activity(request, pk)
    if not _can_write(request.user, activity):
        raise PermissionDenied("您不能删除该记录。")
    try:
        services.activity_delete(actor=request.user, activity=activity)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(activity)
    messages.success(request, f"草稿“{activity.topic}”已删除。")
    return redirect("partylife:activity_list")


@login_required
@require_POST
def activity_unlock(request, pk):
    activity = _get_activity(request, pk)
    if not scope_for(request.user).is_committee:
        raise PermissionDenied("只有工委管理员可以解锁记录。")
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写解锁原因。")
        return redirect(activity)
    try:
        unlock = services.activity_unlock(actor=request.user, activity=activity, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(activity)
    messages.success(request, f"记录已解锁，{unlock.until:%Y-%m-%d %H:%M} 前可修改。解锁已留痕。")
    return redirect(activity)


# --- evidence files ----------------------------------------------------------------------------------------


@login_required
@require_GET
def evidence_file(request, pk):
    """Serve an evidence file to those who may see its record (never from MEDIA_URL)."""
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    if evidence is None:
        raise Http404("没有找到该材料。")
    try:
        handle = evidence.file.storage.open(evidence.file.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("材料文件已丢失。") from exc
    response = FileResponse(handle, content_type=evidence.content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(evidence.original_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def evidence_delete(request, pk):
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    if evidence is None:
        raise Http404("没有找到该材料。")
    activity = evidence.activity
    try:
        services.evidence_delete(actor=request.user, evidence=evidence)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(activity)
    messages.success(request, f"已删除材料“{evidence.original_name}”。")
    if services.is_locked(activity):
        return redirect(activity)
    return redirect("partylife:activity_edit", pk=activity.pk)


# --- list and export --------------------------------------------------------------------------------------


def _filter_choices(scope, filters):
    types = [("", "全部类型"), *ActivityType.objects.filter(active=True).values_list("code", "name")]
    units = branches = None
    if scope.is_committee or len(scope.unit_ids) > 1:
        unit_qs = scope.units().filter(active=True).order_by("order", "id")
        if not scope.is_committee:
            unit_qs = unit_qs.filter(pk__in=sorted(scope.unit_ids))
        units = [("", "全部单位"), *((str(pk), name) for pk, name in unit_qs.values_list("pk", "name"))]
    if scope.role in (Role.COMMITTEE, Role.UNIT, Role.BRANCH):
        branch_qs = scope.branches().order_by("unit__order", "unit_id", "order", "id")
        if scope.is_committee or len(scope.unit_ids) > 1:
            # Hundreds of branches: offer those of the chosen unit only.
            branch_qs = branch_qs.filter(unit_id=int(filters.unit)) if filters.unit.isdigit() else branch_qs.none()
        rows = list(branch_qs.values_list("pk", "name"))
        if len(rows) > 1 or filters.branch:
            branches = [("", "全部支部"), *((str(pk), name) for pk, name in rows)]
    return types, units, branches


@login_required
@require_GET
def activity_list(request):
    scope = scope_for(request.user)
    filters, period_error = selectors.parse_filters(request.GET)
    qs = selectors.activity_list(user=request.user, filters=filters)
    page, querystring = paginate(request, qs)
    closed = selectors.locked_months()
    for activity in page:
        activity.month_closed = local_date(activity.held_at).replace(day=1) in closed
    types, units, branches = _filter_choices(scope, filters)
    return render(
        request,
        "partylife/records/list.html",
        {
            "page": page,
            "querystring": querystring,
            "filters": filters,
            "period_text": request.GET.get("period", "").strip(),
            "period_error": period_error,
            "period_hints": [(p.key, p.label) for p in (Period.current(k) for k in Frequency.values)],
            "type_choices": types,
            "unit_choices": units,
            "branch_choices": branches,
            "status_choices": selectors.STATUS_CHOICES,
            "can_create": scope.is_manager and bool(selectors.loggable_levels(scope)),
            "is_member": scope.role == Role.MEMBER,
        },
    )


@login_required
@require_GET
def activity_export(request):
    filters, _ = selectors.parse_filters(request.GET)
    qs = selectors.activity_list(user=request.user, filters=filters)
    rows = (
        (
            a.unit.name,
            " · ".join(x for x in (a.branch.name if a.branch else "", a.party_group.name if a.party_group else "") if x)
            or "—",
            a.activity_type.name,
            a.topic,
            a.held_at,
            a.place,
            a.host,
            a.present_count,
            a.absent_count,
            a.get_status_display(),
            a.evidence_complete,
        )
        for a in qs.iterator(chunk_size=500)
    )
    headers = ["单位", "支部", "类型", "主题", "时间", "地点", "主持人", "出席人数", "缺席人数", "状态", "材料是否齐全"]
    return xlsx_response(filename="组织生活记录", sheet_title="组织生活记录", headers=headers, rows=rows)
