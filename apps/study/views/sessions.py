"""Study · sessions pages (集中学习): list, export, pick a kind, log on one page, detail, delete; youth groups.

Thin views: a guard hands over the scope, reads come from `selectors.sessions`, writes go through
`services.sessions` (a ValidationError becomes form errors in Chinese, nothing saved), and
`permissions` decides which buttons show.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core import exports, trash
from apps.core.history import history_rows
from apps.core.listing import paginate
from apps.core.navigation import NavItem
from apps.orgs.access import Role, manager_required, scope_required
from apps.orgs.filters import branch_choices, unit_choices

from .. import permissions
from ..forms.sessions import KindChoiceForm, RowError, SessionForm, parse_attendance, parse_speeches, speech_rows
from ..models import SessionKind
from ..selectors import sessions as selectors
from ..services import sessions as services
from .youth import youth_group_create, youth_group_edit, youth_group_list

BLOCK_KEYS = ("attendance", "speeches")
LIST_FILTERS = ("q", "kind", "unit", "branch", "start", "end")
DENIED = "只有支部书记、单位党务干部和工委管理员可以登记集中学习。"


def _session_or_404(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    if session is None:
        raise Http404("没有找到该学习记录。")
    return session


# --- list and export --------------------------------------------------------------------------------


@scope_required
@require_GET
def session_list(request, scope):
    filterset = selectors.session_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    values = {name: request.GET.get(name, "").strip() for name in LIST_FILTERS}
    unit = filterset.form.cleaned_data.get("unit") if filterset.form.is_valid() else None
    is_member = not scope.is_manager
    return render(
        request,
        "study/session_list.html",
        {
            "title": "我参加的集中学习" if is_member else "集中学习",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("study:session_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": values,
            "kind_choices": [("", "全部类型"), *SessionKind.choices],
            "unit_choices": unit_choices(scope),
            "branch_choices": branch_choices(scope, unit=unit) if scope.is_manager else None,
            "can_create": bool(selectors.keepable_kinds(scope)),
            "can_youth": scope.is_unit_manager,
            "is_member": is_member,
        },
    )


SESSION_EXPORT_HEADERS = [
    "单位",
    "支部/小组",
    "类型",
    "学习主题",
    "日期",
    "地点",
    "领学人",
    "学时",
    "出席人数",
    "缺席人数",
    "与组织生活为同一次活动",
    "学习材料",
]


def _session_line(s) -> tuple:
    return (
        s.unit.name,
        s.branch.name if s.branch else (s.youth_group.name if s.youth_group else "—"),
        s.get_kind_display(),
        s.topic,
        s.held_on,
        s.place,
        s.leader.name if s.leader else "",
        s.hours,
        s.present_count,
        s.absent_count,
        "是" if s.same_as else "否",
        s.materials,
    )


@exports.exporter("集中学习")
def session_rows(*, user, params) -> exports.Export:
    """The sessions list's rows for `user` (the page's selector and FilterSet); a job builds them again."""
    return exports.Export(
        filename="集中学习",
        sheet_title="集中学习",
        headers=SESSION_EXPORT_HEADERS,
        queryset=selectors.session_list(user=user, filters=params),
        row=_session_line,
        chunk_size=500,
    )


@scope_required
@require_GET
def session_export(request, scope):
    return exports.respond(request, session_rows)


# --- pick a kind, the one-page form -------------------------------------------------------------------


@manager_required(message=DENIED)
@require_GET
def session_new(request, scope):
    kinds = selectors.keepable_kinds(scope)
    if not kinds:
        raise PermissionDenied("您还没有负责的支部或单位，不能登记集中学习。")
    form = KindChoiceForm(request.GET)
    if form.is_valid() and form.cleaned_data["kind"] in dict(kinds):
        return redirect("study:session_create", kind=form.cleaned_data["kind"])
    notes = {
        SessionKind.WEEKLY: "支部每周集中学习，由支部书记（或单位党务干部）登记，出勤为支部党员。",
        SessionKind.YOUTH: "青年理论学习小组的学习，出勤为小组中学习当天未超龄的组员。",
        SessionKind.TRAINING: "单位组织的专题培训，出勤为本单位党员。",
        SessionKind.READING: "单位组织的读书班，出勤为本单位党员。",
    }
    return render(request, "study/session_new.html", {"kinds": [(k, label, notes[k]) for k, label in kinds]})


@manager_required(message=DENIED)
def session_create(request, scope, kind):
    if kind not in dict(selectors.keepable_kinds(scope)):
        raise PermissionDenied("您不能登记该类学习：专题培训、读书班和青年理论学习小组由单位党务干部登记。")
    return _session_form(request, scope, kind, None)


@manager_required(message="您不能修改该学习记录。")
def session_edit(request, scope, pk):
    session = _session_or_404(request, pk)
    if not permissions.can_change_session(scope, session):
        raise PermissionDenied("您不能修改该学习记录。")
    return _session_form(request, scope, session.kind, session)


def _apply_errors(form, blocks: dict[str, list[str]], exc: ValidationError) -> None:
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


def _session_form(request, scope, kind, session):
    """The one-page form. POST action=save saves; add_speech / refresh (no script) only redraw with what was typed;
    a GET carrying the place and day (the htmx refresh) redraws the parts that depend on them."""
    posted = request.method == "POST"
    action = request.POST.get("action", "save") if posted else ""
    saving = posted and action == "save"
    typed = request.POST if posted else request.GET
    form = SessionForm(
        request.POST if saving else None,
        scope=scope,
        kind=kind,
        session=session,
        preset=typed,
        refresh_url=request.path,
        initial=_typed_initial(typed) if posted and not saving else None,
    )
    blocks: dict[str, list[str]] = {key: [] for key in BLOCK_KEYS}
    if saving:
        attendance = speeches = None
        try:
            attendance = parse_attendance(request.POST)
        except RowError as exc:
            blocks["attendance"].append(str(exc))
        try:
            speeches = parse_speeches(speech_rows(request.POST))
        except RowError as exc:
            blocks["speeches"].append(str(exc))
        if form.is_valid() and not any(blocks.values()):
            try:
                if session is None:
                    saved = services.session_create(
                        actor=request.user, kind=kind, **form.session_kwargs(), speeches=speeches, attendance=attendance
                    )
                else:
                    saved = services.session_update(
                        actor=request.user,
                        session=session,
                        **form.session_kwargs(),
                        speeches=speeches,
                        attendance=attendance,
                    )
            except ValidationError as exc:
                _apply_errors(form, blocks, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or services.WRITE_DENIED)
            else:
                messages.success(request, "学习记录已保存。" if session else "学习记录已登记。")
                return redirect(saved)
        form.mark_invalid()
    members, over_age = form.roster()
    carried = typed if posted or "att" in request.GET else None
    rows = form.attendance_rows(carried)
    listed = {r["member"].pk for r in rows}
    speech_source = typed if posted or any(key.startswith("speech-") for key in request.GET) else None
    context = {
        "form": form,
        "kind": kind,
        "kind_label": SessionKind(kind).label,
        "session": session,
        "blocks": blocks,
        "attendance_rows": rows,
        "attendance_others": [m for m in members if m.pk not in listed],
        "over_age": over_age,
        "present_count": sum(1 for r in rows if r["present"]),
        "speech_rows": form.speech_rows(speech_source, extra=1 if action == "add_speech" else 0),
        "speakers": list(form.people_choices()),
        "has_errors": saving and bool(form.errors or any(blocks.values())),
    }
    return render(request, "study/session_form.html", context)


def _typed_initial(data) -> dict:
    """What was typed, as the redrawn form's initial values (a redraw shows no errors)."""
    return {name: data.get(name) for name in (*services.SESSION_PLACEMENT, *services.SESSION_FIELDS) if name in data}


# --- detail, delete --------------------------------------------------------------------------------------


@scope_required
@require_GET
def session_detail(request, scope, pk):
    session = _session_or_404(request, pk)
    can_change = permissions.can_change_session(scope, session)
    attendances = list(session.attendances.all())
    present = sum(1 for a in attendances if a.present)
    same_as_label = ""
    if session.same_as:
        options = dict(services.same_event_choices(unit=session.unit, branch=session.branch, held_on=session.held_on))
        same_as_label = options.get(session.same_as, "已关联的组织生活记录")
    return render(
        request,
        "study/session_detail.html",
        {
            "session": session,
            "can_change": can_change,
            "attendances": attendances,
            "present_count": present,
            "absent_count": len(attendances) - present,
            "speeches": list(session.speeches.all()),
            "materials": [line.strip() for line in session.materials.splitlines() if line.strip()],
            "same_as_label": same_as_label,
            "show_history": scope.is_manager,
            "history": history_rows(session, limit=20) if scope.is_manager else [],
        },
    )


@manager_required(message="您不能删除该学习记录。")
@require_POST
def session_delete(request, scope, pk):
    session = _session_or_404(request, pk)
    services.session_delete(actor=request.user, session=session)
    messages.success(request, f"学习记录“{session.topic}”{trash.MOVED}。")
    return redirect("study:session_list")


urlpatterns = [
    path("sessions/", session_list, name="session_list"),
    path("sessions/export/", session_export, name="session_export"),
    path("sessions/new/", session_new, name="session_new"),
    path("sessions/new/<str:kind>/", session_create, name="session_create"),
    path("sessions/<int:pk>/", session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", session_edit, name="session_edit"),
    path("sessions/<int:pk>/delete/", session_delete, name="session_delete"),
    path("youth-groups/", youth_group_list, name="youth_group_list"),
    path("youth-groups/new/", youth_group_create, name="youth_group_create"),
    path("youth-groups/<int:pk>/edit/", youth_group_edit, name="youth_group_edit"),
]
SECRETARIES = (Role.COMMITTEE, Role.UNIT, Role.BRANCH)
NAV_ITEMS = (
    NavItem("集中学习", "study:session_list", roles=SECRETARIES, menu="study", order=20),
    NavItem("青年理论学习小组", "study:youth_group_list", roles=(Role.COMMITTEE, Role.UNIT), menu="study", order=22),
)
