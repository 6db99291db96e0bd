"""补学 (make-up) pages: a member's own make-up tasks; a secretary's tasks for their branch or unit.

A member absent from a 党课/主题党日/党员大会 gets a task when the record is submitted
(services.activity_save). Marking it done (services.makeup_complete) makes the
absence count as attendance (metrics.attendance_counts). Everything shown comes from
`scope_for(user).filter(...)`: another unit's task answers 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core.excel import xlsx_response
from apps.core.forms import BootstrapFormMixin
from apps.core.listing import paginate
from apps.orgs.access import Scope, scope_for

from . import services
from .metrics import attendance_counts
from .models import MakeupTask

STATUS_CHOICES = [("", "全部状态"), ("open", "待补学"), ("overdue", "已逾期"), ("done", "已完成")]


class MakeupCompleteForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label="补学情况",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "例如：自学党课视频并撰写心得"}),
        error_messages={"required": "请填写补学情况（学习内容、方式）。"},
    )


def _scope(request) -> Scope:
    scope = scope_for(request.user)
    if not (scope.is_manager or scope.member_id):
        raise PermissionDenied("该页面仅供党员和党务工作人员使用。")
    return scope


def _params(request, *names):
    return {name: request.GET.get(name, "").strip() for name in names}


def makeup_tasks(scope: Scope, filters: dict) -> QuerySet[MakeupTask]:
    """The make-up tasks the user sees, filtered; open ones first, then by due date."""
    qs = scope.filter(
        MakeupTask.objects.select_related(
            "member__branch__unit",
            "attendance__activity__activity_type",
            "attendance__activity__branch",
            "confirmed_by",
        )
    )
    status = filters.get("status", "")
    if status == "open":
        qs = qs.filter(done_at__isnull=True)
    elif status == "overdue":
        qs = qs.filter(done_at__isnull=True, due_on__lt=timezone.localdate())
    elif status == "done":
        qs = qs.filter(done_at__isnull=False)
    if filters.get("unit", "").isdigit():
        qs = qs.filter(attendance__activity__unit_id=int(filters["unit"]))
    if filters.get("branch", "").isdigit():
        qs = qs.filter(attendance__activity__branch_id=int(filters["branch"]))
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(Q(member__name__icontains=q) | Q(attendance__activity__topic__icontains=q))
    if filters.get("mine") == "1" and scope.member_id:
        qs = qs.filter(member_id=scope.member_id)
    return qs.order_by(F("done_at").asc(nulls_first=True), "due_on", "id")


def _can_complete(scope: Scope, task: MakeupTask) -> bool:
    """The member themself, or a secretary of the record's branch (its unit for unit-level records)."""
    if task.done_at:
        return False
    if task.member_id == scope.member_id:
        return True
    activity = task.attendance.activity
    if activity.branch is not None:
        return scope.manages_branch(activity.branch)
    return scope.manages_unit(activity.unit_id)


def _decorate(scope: Scope, tasks, today):
    for task in tasks:
        task.can_complete = _can_complete(scope, task)
        task.is_overdue = task.done_at is None and task.due_on < today
        task.counts = attendance_counts(task.attendance)
    return tasks


def _filter_choices(scope: Scope, filters: dict):
    """Unit choices for the committee (or several units); branch choices within the chosen or only unit."""
    unit_choices = None
    if scope.is_committee or len(scope.unit_ids) > 1:
        unit_choices = [("", "全部单位"), *[(str(u.pk), u.name) for u in scope.units().filter(active=True)]]
    branch_choices = None
    if scope.is_manager and (not scope.is_committee or filters["unit"].isdigit()):
        branches = scope.branches().filter(active=True)
        if filters["unit"].isdigit():
            branches = branches.filter(unit_id=int(filters["unit"]))
        if not scope.is_committee:  # a branch secretary's scope also shows their unit; keep only managed ones
            branches = branches.filter(Q(pk__in=scope.branch_ids) | Q(unit_id__in=scope.unit_ids))
        rows = [(str(b.pk), b.name) for b in branches.order_by("unit__order", "unit_id", "order", "id")]
        if len(rows) > 1:
            branch_choices = [("", "全部支部"), *rows]
    return unit_choices, branch_choices


FILTER_NAMES = ("status", "unit", "branch", "q", "mine")


@login_required
def makeup_list(request):
    scope = _scope(request)
    filters = _params(request, *FILTER_NAMES)
    page, querystring = paginate(request, makeup_tasks(scope, filters))
    today = timezone.localdate()
    _decorate(scope, page, today)
    unit_choices, branch_choices = _filter_choices(scope, filters)
    own_only = not scope.is_manager
    return render(
        request,
        "partylife/misc/makeup_list.html",
        {
            "page": page,
            "querystring": querystring,
            "filters": filters,
            "status_choices": STATUS_CHOICES,
            "unit_choices": unit_choices,
            "branch_choices": branch_choices,
            "own_only": own_only,
            "show_mine": scope.is_manager and scope.member_id,
            "title": "我的补学" if own_only else "补学管理",
            "form": MakeupCompleteForm(),
            "next": request.get_full_path(),
        },
    )


@login_required
def makeup_export(request):
    scope = _scope(request)
    filters = _params(request, *FILTER_NAMES)
    tasks = makeup_tasks(scope, filters)
    rows = (
        (
            t.member.branch.unit.name,
            t.member.branch.name,
            t.member.name,
            t.attendance.activity.activity_type.name,
            t.attendance.activity.topic,
            t.attendance.activity.held_at,
            t.attendance.absence_reason,
            t.due_on,
            "已完成" if t.done_at else "待补学",
            t.done_at,
            t.note,
            str(t.confirmed_by) if t.confirmed_by else "",
        )
        for t in tasks.iterator(chunk_size=500)
    )
    headers = ["单位", "支部", "党员", "活动类型", "活动主题", "活动时间", "缺席原因", "补学期限", "状态", "完成时间"]
    headers += ["补学情况", "确认人"]
    return xlsx_response(filename="补学情况", sheet_title="补学", headers=headers, rows=rows)


@login_required
def makeup_complete(request, pk):
    """GET: the task with a form; POST: mark it done with a short note (service checks who may)."""
    scope = _scope(request)
    task = get_object_or_404(makeup_tasks(scope, {}), pk=pk)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = MakeupCompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.makeup_complete(actor=request.user, task=task, note=form.cleaned_data["note"])
        except ValidationError as exc:
            errors = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
            for field, items in errors.items():
                for error in items:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"已记录 {task.member.name} 的补学，该次出勤计入统计。")
            return redirect(next_url or "partylife:makeup_list")
    _decorate(scope, [task], timezone.localdate())
    if request.method == "GET" and not task.can_complete and not task.done_at:
        raise PermissionDenied("您不能办理该补学。")
    return render(
        request,
        "partylife/misc/makeup_complete.html",
        {"task": task, "form": form, "next": next_url},
    )
