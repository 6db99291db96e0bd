"""Activity record pages (组织生活记录): pick a type, log it on one page, see it, list and export.

Thin views: a guard hands over the user's scope, reads come from `selectors`, writes go
through `services` (whose ValidationError becomes form errors in Chinese and saves
nothing), and `permissions` decides which buttons show.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core import exports, trash
from apps.core.files import stored_file_response
from apps.core.history import history_rows
from apps.core.listing import paginate
from apps.core.periods import Frequency, Period, local_date
from apps.orgs.access import Role, manager_required, scope_required

from .. import permissions, selectors, services
from ..filters import ACTIVITY_STATUS_CHOICES
from ..forms import study
from ..forms.records import ActivityForm, PlaceChoiceForm
from ..forms.review import ReturnForm, UnlockForm
from ..forms.rows import RowError, parse_attendance, parse_problems, problem_rows
from ..models import ActivityCategory, ActivityStatus, Level, ProblemCategory

# Service error keys shown beside a block of the form rather than a single field.
BLOCK_KEYS = ("attendance", "problems", "speeches", "evidence", "duplicate")
LIST_FILTERS = ("q", "type", "unit", "branch", "period", "status")


def activity_or_404(request, pk):
    activity = selectors.activity_get(user=request.user, pk=pk)
    if activity is None:
        raise Http404("没有找到该记录。")
    return activity


# --- type picker ----------------------------------------------------------------------------------


@manager_required(message="只有党务工作人员可以登记组织生活。")
@require_GET
def activity_new(request, scope):
    types = selectors.loggable_types(scope)
    if not types:
        raise PermissionDenied("您还没有负责的支部或单位，不能登记组织生活。")
    branch = PlaceChoiceForm(request.GET, scope=scope).branch_choice()
    query = f"?{urlencode({'branch': branch.pk})}" if branch else ""
    has_groups = any(t.level == Level.PARTY_GROUP for t in types) and selectors.has_party_groups(scope)
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


@manager_required(message="只有党务工作人员可以登记组织生活。")
def activity_create(request, scope, code):
    activity_type = get_object_or_404(selectors.active_types(), code=code)
    if activity_type.level not in selectors.loggable_levels(scope):
        raise PermissionDenied("您不能登记该类活动：单位层面的活动由单位党务干部登记，支部活动由支部登记。")
    return _activity_form(request, scope, activity_type, None)


@manager_required(message="您不能修改该记录。")
def activity_edit(request, scope, pk):
    activity = activity_or_404(request, pk)
    if not permissions.can_change(scope, activity):
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
        refresh_url=request.path,
    )
    blocks: dict[str, list[str]] = {key: [] for key in BLOCK_KEYS}
    posted_problems = problem_rows(request.POST) if posted and t.has_enterprise else None
    # 研讨发言 as posted, or as carried by a refresh (a new place or day) so what was typed stays
    posted_speeches = study.speech_rows(request.POST if posted else request.GET) if study.has_speeches(t) else None
    if posted:
        attendance = problems = speeches = None
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
        if posted_speeches is not None:
            try:
                speeches = study.parse_speeches(posted_speeches)
            except RowError as exc:
                blocks["speeches"].append(str(exc))
        if form.is_valid() and not any(blocks.values()):
            try:
                saved = services.activity_record(
                    actor=request.user,
                    activity=activity,
                    **form.record_kwargs(),
                    attendance=attendance,
                    problems=problems,
                    speeches=speeches,
                    submit=request.POST.get("action") == "submit",
                )
            except ValidationError as exc:
                _apply_errors(form, blocks, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "您不能为该支部（单位）登记组织生活。")
            else:
                _saved_message(request, saved, created=activity is None)
                return redirect(saved)
    elif activity is None and not form.initial.get("place"):
        form.initial["place"] = selectors.recent_place(scope, unit=form.chosen_unit, branch=form.chosen_branch)

    staged = []
    if posted:  # refused: keep the chosen files (暂存) so they need not be chosen again
        form.mark_invalid()
        staged = [*form.staged_files(), *services.evidence_stage(actor=request.user, items=form.uploads())]
    rows, others = form.attendance_rows(request.POST if posted else None)
    context = {
        "form": form,
        "activity_type": t,
        "activity": activity,
        "blocks": blocks,
        "staged": staged,
        "attendance_rows": rows,
        "attendance_others": others,
        "present_count": sum(1 for r in rows if r["present"]),
        "problem_rows": form.problem_rows(posted_problems),
        "problem_categories": ProblemCategory.choices,
        "has_speeches": study.has_speeches(t),
        "speech_rows": study.shown_rows(form, posted_speeches) if study.has_speeches(t) else [],
        "speakers": list(study.speakers(form)) if study.has_speeches(t) else [],
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


# --- detail, delete ---------------------------------------------------------------------------


@scope_required
@require_GET
def activity_detail(request, scope, pk):
    activity = activity_or_404(request, pk)
    locked = services.is_locked(activity)
    can_change = permissions.can_change(scope, activity)
    submitted = activity.status == ActivityStatus.SUBMITTED
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
            "can_edit": can_change and not locked,
            "can_delete": can_change and not submitted and not activity.return_reason,
            "can_unlock": permissions.can_unlock(scope) and locked,
            "unlock_form": UnlockForm(),
            "can_return": permissions.can_return(scope) and submitted,
            "return_form": ReturnForm(),
            "attendances": attendances,
            "present_count": present_count,
            "absent_count": len(attendances) - present_count,
            "images": [e for e in evidence if e.is_image],
            "documents": [e for e in evidence if not e.is_image],
            "problems": list(activity.problems.all()),
            "also": services.also_counts(activity),
            "show_history": scope.is_manager,
            "speeches": list(activity.speeches.all()),
            "history": _history(activity) if scope.is_manager else [],
            "unlocks": list(activity.unlocks.select_related("unlocked_by")) if scope.is_manager else [],
            "returns": list(activity.returns.all()) if scope.is_manager else [],
        },
    )


def _history(activity, limit: int = 20) -> list[dict]:
    """The record's changes (留痕) with those of its 研讨发言, newest first."""
    rows = history_rows(activity, limit=limit)
    rows += [{"record": h, "changes": [f"研讨发言：{h.speaker.name}"]} for h in selectors.speech_history(activity)]
    return sorted(rows, key=lambda row: row["record"].history_date, reverse=True)[:limit]


def write_refused(request, write) -> bool:
    """Run a service write; if it refuses (ValidationError), show its Chinese message and say so."""
    try:
        write()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return True
    return False


def _month_closed(activity) -> bool:
    return local_date(activity.held_at).replace(day=1) in selectors.locked_months()


@manager_required(message="您不能删除该记录。")
@require_POST
def activity_delete(request, scope, pk):
    activity = activity_or_404(request, pk)
    if write_refused(request, lambda: services.activity_delete(actor=request.user, activity=activity)):
        return redirect(activity)
    messages.success(request, f"草稿“{activity.topic}”{trash.MOVED}。")
    return redirect("partylife:activity_list")


# --- evidence files ----------------------------------------------------------------------------------------


def _get_evidence(request, pk):
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    if evidence is None:
        raise Http404("没有找到该材料。")
    return evidence


@scope_required
@require_GET
def evidence_file(request, scope, pk):
    """Serve an evidence file to those who may see its record (never from MEDIA_URL)."""
    evidence = _get_evidence(request, pk)
    return stored_file_response(evidence, missing="材料文件已丢失。")


@manager_required(message="您不能删除该材料。")
@require_POST
def evidence_delete(request, scope, pk):
    evidence = _get_evidence(request, pk)
    activity = evidence.activity
    if write_refused(request, lambda: services.evidence_delete(actor=request.user, evidence=evidence)):
        return redirect(activity)
    messages.success(request, f"材料“{evidence.original_name}”{trash.MOVED}。")
    if services.is_locked(activity):
        return redirect(activity)
    return redirect("partylife:activity_edit", pk=activity.pk)


# --- list and export --------------------------------------------------------------------------------------


@scope_required
@require_GET
def activity_list(request, scope):
    filterset = selectors.activity_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    closed = selectors.locked_months()
    for activity in page:
        activity.month_closed = local_date(activity.held_at).replace(day=1) in closed
    values = {name: request.GET.get(name, "").strip() for name in LIST_FILTERS}
    units, branches = selectors.filter_places(scope, unit=filterset.form.cleaned_data.get("unit"))
    branch_rows = [(str(b.pk), b.name) for b in branches] if branches is not None else []
    is_member = scope.role == Role.MEMBER
    return render(
        request,
        "partylife/records/list.html",
        {
            "title": "我的组织生活" if is_member else "活动记录",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("partylife:activity_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": values,
            "period_hints": [(p.key, p.label) for p in (Period.current(k) for k in Frequency.values)],
            "type_choices": [("", "全部类型"), *((t.code, t.name) for t in selectors.active_types())],
            "unit_choices": [("", "全部单位"), *((str(u.pk), u.name) for u in units)] if units is not None else None,
            "branch_choices": [("", "全部支部"), *branch_rows] if len(branch_rows) > 1 or values["branch"] else None,
            "status_choices": [("", "全部状态"), *ACTIVITY_STATUS_CHOICES],
            "can_create": scope.is_manager and bool(selectors.loggable_levels(scope)),
            "is_member": is_member,
        },
    )


ACTIVITY_EXPORT_HEADERS = ["单位", "支部", "类型", "主题", "时间", "地点", "主持人", "出席人数", "缺席人数", "状态"]
ACTIVITY_EXPORT_HEADERS += ["材料是否齐全"]


def _activity_line(a) -> tuple:
    return (
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


@exports.exporter("组织生活记录")
def activity_rows(*, user, params) -> exports.Export:
    """The records list's rows for `user` (the page's selector and FilterSet); a job builds them again."""
    return exports.Export(
        filename="组织生活记录",
        sheet_title="组织生活记录",
        headers=ACTIVITY_EXPORT_HEADERS,
        queryset=selectors.activity_list(user=user, filters=params),
        row=_activity_line,
        chunk_size=500,
    )


@scope_required
@require_GET
def activity_export(request, scope):
    return exports.respond(request, activity_rows)
