"""Study · progress pages (学习进度): the member's own page, the secretaries' table of who is behind (with its
Excel export), the committee's overview across units (stored snapshots, with its export and 立即刷新), and
the year's targets (学时目标设置).

Thin views: a guard hands over the scope, reads come from `selectors.progress`, writes go through
`services.progress`.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core import study_hours
from apps.core.excel import xlsx_response
from apps.core.forms import save_with_form_errors
from apps.core.listing import paginate
from apps.core.metrics import percent
from apps.core.navigation import NavItem
from apps.core.periods import day_label, local_time_label
from apps.orgs.access import Role, committee_required, manager_required, scope_required

from ..filters.progress import ROLE_CHOICES, SORT_CHOICES
from ..forms.progress import OVERVIEW_SORTS, OverviewParams, StudyYearForm, YearForm, year_choices
from ..ledger import PRORATION_NOTE
from ..models import StudyYear
from ..presenters import source_colours, status_choices
from ..selectors import progress as reads
from ..services import progress as services

# --- the member's own page --------------------------------------------------------------------------------


def _links() -> dict[str, str]:
    """The other study pages this one points to."""
    return {
        "self_study_new": reverse("study:self_study_new"),
        "my_exams": reverse("study:my_exams"),
        "knowledge_list": reverse("study:knowledge_list"),
    }


def _exam_links(exams) -> list[tuple]:
    return [(exam, reverse("study:exam_detail", args=[exam.pk])) for exam in exams]


def own_progress(scope, *, year: int, today) -> reads.MemberProgress | None:
    """The signed-in member's progress (None for an account without a member row)."""
    if scope.member_id is None:
        return None
    member = scope.members().filter(pk=scope.member_id).first()
    return reads.member_progress(member, year, today=today) if member else None


@scope_required
@require_GET
def progress(request, scope):
    """学习进度: the member's year — hours by source against the pro-rated target, 应知应会, exams, what is due."""
    today = timezone.localdate()
    form = YearForm(request.GET)
    year = form.get("year", today.year)
    data = own_progress(scope, year=year, today=today)
    context = {
        "form": form,
        "year": year,
        "p": data,
        "filter_messages": form.messages(),
        "links": _links(),
        "year_choices": year_choices(),
    }
    if data is not None:
        page, querystring = paginate(request, data.entries, per_page=reads.RECENT_ENTRIES)
        labels = {source.key: source.label for source in study_hours.sources()}
        context.update(
            entries=page,
            entry_rows=[(entry, labels.get(entry.source, "")) for entry in page],
            querystring=querystring,
            due_exams=_exam_links(data.due_exams),
        )
    return render(request, "study/progress_page.html", context)


# --- the table of who is behind ----------------------------------------------------------------------------


def _table(request):
    return reads.progress_table(user=request.user, filters=request.GET, today=timezone.localdate())


@manager_required(message="学习进度统计仅供党务工作人员使用。")
@require_GET
def progress_table(request, scope):
    table = _table(request)
    page, querystring = paginate(request, table.rows)
    unit = table.unit
    values = {name: request.GET.get(name, "").strip() for name in ("q", "unit", "branch", "role", "status", "sort")}
    if unit is not None:
        values["unit"] = str(unit.pk)
    branches = scope.managed_branches().filter(dissolved_on__isnull=True)
    if unit is not None:
        branches = branches.filter(unit=unit)
    branch_rows = [(str(b.pk), b.name) for b in branches]
    unit_choices = None
    if scope.spans_units:
        unit_choices = [(str(u.pk), u.name) for u in scope.managed_units().filter(active=True)]
    return render(
        request,
        "study/progress_table.html",
        {
            "title": "学习进度统计",
            "table": table,
            "page": page,
            "querystring": querystring,
            "export_url": reverse("study:progress_export"),
            "filter_messages": table.messages,
            "invalid": set(table.filterset.form.errors),
            "filters": values,
            "year": table.year,
            "year_choices": year_choices(),
            "unit_choices": unit_choices,
            "branch_choices": [("", "全部支部"), *branch_rows] if len(branch_rows) > 1 else None,
            "role_choices": [("", "全部角色"), *ROLE_CHOICES],
            "status_choices": [("", "全部进度"), *status_choices()],
            "sort_choices": [("", "默认顺序"), *SORT_CHOICES],
            "sources": study_hours.sources(),
            "colours": source_colours(),
            "note": PRORATION_NOTE,
        },
    )


@manager_required(message="学习进度统计仅供党务工作人员使用。")
@require_GET
def progress_export(request, scope):
    table = _table(request)
    sources = study_hours.sources()
    headers = ["单位", "支部", "姓名", "角色", "角色年度目标", "年度目标（折算）", "应完成（截至统计日）"]
    headers += [f"{s.label}（学时）" for s in sources]
    headers += ["合计学时", "完成比例(%)", "进度", "应知应会已学", "应知应会总数", "参加考试", "考试及格"]
    rows = (
        (
            r.member.branch.unit.name,
            r.member.branch.name,
            r.member.name,
            "支部委员" if r.ledger.is_leader else "党员",
            r.ledger.base_target,
            r.ledger.target,
            r.ledger.expected,
            *r.hours,
            r.ledger.total,
            r.ledger.percent,
            r.ledger.status_label,
            r.knowledge_done,
            table.knowledge_total,
            r.exams_taken,
            r.exams_passed,
        )
        for r in table.rows
    )
    place = table.unit.short_name or table.unit.name if table.unit else "学习进度"
    notes = [f"{table.year}年，统计截至{day_label(table.as_of)}。", PRORATION_NOTE]
    notes += [f"{m}（已忽略该条件）" for m in table.messages]
    return xlsx_response(
        filename=f"学习进度-{place}-{table.year}", sheet_title="学习进度", headers=headers, rows=rows, notes=notes
    )


# --- the committee's overview (stored snapshots) -------------------------------------------------------------


OVERVIEW_KEYS = {
    "met": lambda r: (r["met_rate"] is None, r["met_rate"] or 0),
    "-met": lambda r: (r["met_rate"] is None, -(r["met_rate"] or 0)),
    "hours": lambda r: (r["average"] is None, r["average"] or 0),
    "behind": lambda r: -r["snapshot"].behind,
    "exam": lambda r: (r["snapshot"].exam_pass_rate is None, r["snapshot"].exam_pass_rate or 0),
}


def _overview(request, scope) -> dict:
    params = OverviewParams(request.GET)
    year = params.get("year", timezone.localdate().year)
    snapshots = reads.overview_snapshots(scope, year=year, category=params.get("category"))
    rows = [
        {
            "snapshot": s,
            "unit": s.unit,
            "average": s.hours_average,
            "met_rate": percent(s.target_met, s.members),
        }
        for s in snapshots
    ]
    sort = params.get("sort")
    if sort in OVERVIEW_KEYS:
        rows.sort(key=OVERVIEW_KEYS[sort])
    return {"params": params, "year": year, "rows": rows}


@committee_required
@require_GET
def overview(request, scope):
    """各单位学习情况: the stored figures of every unit (a Celery job computes them; no page computes the city)."""
    data = _overview(request, scope)
    rows = data["rows"]
    chart = [{"name": r["unit"].short_name or r["unit"].name, "value": float(r["met_rate"] or 0)} for r in rows]
    as_of = min((r["snapshot"].as_of for r in rows), default=None)
    computed = max((r["snapshot"].computed_at for r in rows), default=None)
    params = data["params"]
    return render(
        request,
        "study/overview_page.html",
        {
            **data,
            "chart": json.dumps(chart, ensure_ascii=False),
            "as_of": as_of,
            "computed_label": local_time_label(computed) if computed else "",
            "filters": {name: request.GET.get(name, "").strip() for name in ("year", "category", "sort")},
            "year_choices": year_choices(),
            "category_choices": params.fields["category"].choices,
            "sort_choices": [("", "单位顺序"), *OVERVIEW_SORTS],
            "filter_messages": params.messages(),
            "querystring": request.GET.urlencode(),
        },
    )


@committee_required
@require_GET
def overview_export(request, scope):
    data = _overview(request, scope)
    headers = ["单位", "分类", "党员数", "人均学时", "目标完成率(%)", "已完成", "进度正常", "进度落后"]
    headers += ["应知应会完成率(%)", "参考率(%)", "及格率(%)", "统计截至", "计算时间"]
    rows = (
        (
            r["unit"].name,
            r["unit"].get_category_display(),
            r["snapshot"].members,
            r["average"],
            r["met_rate"],
            r["snapshot"].target_met,
            r["snapshot"].on_track,
            r["snapshot"].behind,
            r["snapshot"].knowledge_rate,
            r["snapshot"].exam_participation,
            r["snapshot"].exam_pass_rate,
            r["snapshot"].as_of,
            r["snapshot"].computed_at,
        )
        for r in data["rows"]
    )
    notes = [f"{m}（已忽略该条件）" for m in data["params"].messages()]
    return xlsx_response(
        filename=f"各单位学习情况-{data['year']}", sheet_title="各单位学习情况", headers=headers, rows=rows, notes=notes
    )


@committee_required
@require_POST
def overview_refresh(request, scope):
    """立即刷新: queue the recount of the year shown (the page shows it once the job has run)."""
    params = OverviewParams(request.POST)
    year = params.get("year", timezone.localdate().year)
    services.snapshots_refresh_request(actor=request.user, year=year)
    messages.success(request, f"已开始重新统计{year}年各单位学习情况，稍后刷新本页即可看到最新数据。")
    return redirect(f"{reverse('study:overview')}?year={year}")


# --- the year's targets ------------------------------------------------------------------------------------


@committee_required
def settings_list(request, scope):
    """学时目标设置: the years set so far, and a form for a new one."""
    current = StudyYear.for_year(timezone.localdate().year)
    initial = {name: getattr(current, name) for name in services.STUDY_YEAR_FIELDS}
    form = StudyYearForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(
            form, lambda: services.study_year_save(actor=request.user, data=form.cleaned_data)
        )
        if saved:
            messages.success(request, f"{saved.year}年学时目标已保存。")
            return redirect("study:settings")
    return render(
        request,
        "study/settings_page.html",
        {"rows": list(StudyYear.objects.order_by("-year")), "form": form, "note": PRORATION_NOTE},
    )


@committee_required
def settings_edit(request, scope, year):
    row = get_object_or_404(StudyYear, year=year)
    form = StudyYearForm(request.POST or None, instance=row, editing=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "year"}
        saved = save_with_form_errors(
            form, lambda: services.study_year_save(actor=request.user, study_year=row, data=data)
        )
        if saved:
            messages.success(request, f"{saved.year}年学时目标已保存。")
            return redirect("study:settings")
    return render(request, "study/settings_form.html", {"row": row, "form": form})


urlpatterns = [
    path("progress/", progress, name="progress"),
    path("progress/table/", progress_table, name="progress_table"),
    path("progress/table/export/", progress_export, name="progress_export"),
    path("overview/", overview, name="overview"),
    path("overview/export/", overview_export, name="overview_export"),
    path("overview/refresh/", overview_refresh, name="overview_refresh"),
    path("settings/", settings_list, name="settings"),
    path("settings/<int:year>/", settings_edit, name="settings_edit"),
]

_COMMITTEE, _UNIT, _BRANCH, _MEMBER = Role.COMMITTEE, Role.UNIT, Role.BRANCH, Role.MEMBER
NAV_ITEMS = (
    # A member opens their progress from the navbar (and it is the first block of their home page).
    NavItem("学习进度", "study:progress", roles=(_MEMBER,), icon="bar-chart-line", order=12),
    NavItem("各单位学习情况", "study:overview", roles=(_COMMITTEE,), menu="study", order=10),
    NavItem("学习进度统计", "study:progress_table", roles=(_COMMITTEE, _UNIT, _BRANCH), menu="study", order=12),
    # Secretaries are members too (most of them): their own page, below the ones they keep.
    NavItem("我的学习进度", "study:progress", roles=(_UNIT, _BRANCH), menu="study", order=40, divider_before=True),
    NavItem("学时目标设置", "study:settings", roles=(_COMMITTEE,), menu="study", order=36),
)
