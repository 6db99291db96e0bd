"""补学 (make-up) pages: a member's own make-up tasks; a secretary's tasks for their branch or unit.

A member absent from a 党课/主题党日/党员大会 gets a task when the record is submitted.
Marking it done (services.makeup_complete) makes the absence count as attendance
(metrics.attendance_counts). Everything shown comes from the user's scope (selectors):
another unit's task answers 404; who may complete one is `permissions.can_complete_makeup`.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from apps.core import exports
from apps.core.forms import save_with_form_errors
from apps.core.listing import paginate
from apps.core.redirects import same_site
from apps.orgs.access import Scope, member_or_manager_required

from .. import permissions, selectors, services
from ..filters import MAKEUP_STATUS_CHOICES
from ..forms.makeup import MakeupCompleteForm
from ..metrics import attendance_counts

LIST_FILTERS = ("status", "unit", "branch", "q", "mine")


def _decorate(scope: Scope, tasks, today):
    for task in tasks:
        task.can_complete = not task.done_at and permissions.can_complete_makeup(scope, task)
        task.is_overdue = task.done_at is None and task.due_on < today
        task.counts = attendance_counts(task.attendance)
    return tasks


@member_or_manager_required
def makeup_list(request, scope):
    filterset = selectors.makeup_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    _decorate(scope, page, timezone.localdate())
    units, branches = selectors.filter_places(scope, unit=filterset.form.cleaned_data.get("unit"))
    branch_rows = [(str(b.pk), b.name) for b in branches] if branches is not None else []
    own_only = not scope.is_manager
    return render(
        request,
        "partylife/misc/makeup_list.html",
        {
            "title": "我的补学" if own_only else "补学管理",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("partylife:makeup_export"),
            "filter_messages": filterset.messages(),
            "filters": {name: request.GET.get(name, "").strip() for name in LIST_FILTERS},
            "status_choices": [("", "全部状态"), *MAKEUP_STATUS_CHOICES],
            "unit_choices": [("", "全部单位"), *((str(u.pk), u.name) for u in units)] if units is not None else None,
            "branch_choices": [("", "全部支部"), *branch_rows] if len(branch_rows) > 1 else None,
            "own_only": own_only,
            "show_mine": scope.is_manager and scope.member_id,
            "form": MakeupCompleteForm(),
            "next": request.get_full_path(),
        },
    )


MAKEUP_HEADERS = [
    "单位",
    "支部",
    "党员",
    "活动类型",
    "活动主题",
    "活动时间",
    "缺席原因",
    "补学期限",
    "状态",
    "完成时间",
]
MAKEUP_HEADERS += ["补学情况", "确认人"]


def _makeup_line(t) -> tuple:
    activity = t.attendance.activity
    return (
        t.member.branch.unit.name,
        t.member.branch.name,
        t.member.name,
        activity.activity_type.name,
        activity.topic,
        activity.held_at,
        t.attendance.absence_reason,
        t.due_on,
        "已完成" if t.done_at else "待补学",
        t.done_at,
        t.note,
        str(t.confirmed_by) if t.confirmed_by else "",
    )


@exports.exporter("补学情况")
def makeup_rows(*, user, params) -> exports.Export:
    """The 补学 tasks the user sees (the list's FilterSet); a job builds them again for its owner."""
    filterset = selectors.makeup_filter(user=user, filters=params)
    return exports.Export(
        filename="补学情况",
        sheet_title="补学",
        headers=MAKEUP_HEADERS,
        queryset=filterset.qs,
        row=_makeup_line,
        notes=[f"{m}（已忽略该条件）" for m in filterset.messages()],
        chunk_size=500,
    )


@member_or_manager_required
def makeup_export(request, scope):
    return exports.respond(request, makeup_rows)


@member_or_manager_required
def makeup_complete(request, scope, pk):
    """GET: the task with a form; POST: mark it done with a short note (the service checks who may)."""
    task = selectors.makeup_get(user=request.user, pk=pk)
    if task is None:
        raise Http404("没有找到该补学任务。")
    next_url = same_site(request, request.POST.get("next") or request.GET.get("next")) or ""
    form = MakeupCompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = save_with_form_errors(
            form, lambda: services.makeup_complete(actor=request.user, task=task, note=form.cleaned_data["note"])
        )
        if done is not None:
            messages.success(request, f"已记录 {task.member.name} 的补学，该次出勤计入统计。")
            return redirect(next_url or "partylife:makeup_list")
    _decorate(scope, [task], timezone.localdate())
    if request.method == "GET" and not task.can_complete and not task.done_at:
        raise PermissionDenied("您不能办理该补学。")
    return render(request, "partylife/misc/makeup_complete.html", {"task": task, "form": form, "next": next_url})
