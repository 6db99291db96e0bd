"""Scoring · 排名测算 — 发起测算、进度、发布；排名表与导出.

The committee sees every run (drafts and provisional ones included); everyone else sees published runs only
(`selectors.runs.visible_runs`): a draft's pages, status and export answer 404 to them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core.listing import paginate
from apps.core.navigation import NavItem
from apps.orgs.access import Role, committee_required, scope_required
from apps.orgs.models.tree import UnitCategory

from .. import permissions, presenters
from ..filters.runs import PUBLISHED_CHOICES
from ..forms.runs import RankingChoiceForm, RunStartForm
from ..models import RunStatus, Tier
from ..selectors import results as result_selectors
from ..selectors import runs as selectors
from ..services import runs as services

DENIED = "只有工委管理员可以发起和发布排名测算。"
LIST_FILTERS = ("period_kind", "year", "status", "published")


def _run_or_404(request, pk):
    run = selectors.run_get(user=request.user, pk=pk)
    if run is None:
        raise Http404("没有找到该排名。")
    return run


def _start_form(data=None) -> RunStartForm:
    today = timezone.localdate()
    return RunStartForm(
        data, periods=selectors.startable_periods(today=today), default=selectors.default_period(today=today)
    )


@committee_required(message=DENIED)
@require_GET
def runs_list(request, scope):
    filterset = selectors.run_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    return render(
        request,
        "scoring/runs_list.html",
        {
            "title": "排名测算",
            "page": page,
            "querystring": querystring,
            "filter_messages": filterset.messages(),
            "filters": {name: request.GET.get(name, "").strip() for name in LIST_FILTERS},
            "kind_choices": [("", "全部期间类型"), *RunStartForm.base_fields["period_kind"].choices],
            "status_choices": [("", "全部状态"), *RunStatus.choices],
            "published_choices": [("", "发布与否"), *PUBLISHED_CHOICES],
            "start_form": _start_form(),
        },
    )


@committee_required(message=DENIED)
@require_POST
def run_start(request, scope):
    form = _start_form(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("scoring:runs")
    try:
        run = services.run_request(actor=request.user, period=form.cleaned_data["period"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("scoring:runs")
    messages.success(request, f"已发起{run.period.label}的排名测算。")
    return redirect("scoring:run_detail", pk=run.pk)


def _table_context(request, scope, run) -> dict:
    """The ranking table of a finished run: filters, rows (own rows highlighted, links where the breakdown opens)."""
    filterset = selectors.ranking_filter(run=run, filters=request.GET, scope=scope)
    rows = presenters.ranking_rows(
        filterset.qs,
        own_unit_ids=scope.unit_ids,
        linkable=lambda r: permissions.can_see_breakdown(scope, run, r.unit_id),
    )
    not_scored = presenters.ranking_rows(
        selectors.not_scored(run),
        own_unit_ids=scope.unit_ids,
        linkable=lambda r: permissions.can_see_breakdown(scope, run, r.unit_id),
    )
    return {
        "rows": rows,
        "not_scored": not_scored,
        "filter_messages": filterset.messages(),
        "filters": {name: request.GET.get(name, "").strip() for name in ("category", "tier")},
        "category_choices": [("", "全部分类"), *UnitCategory.choices],
        "tier_choices": [("", "全部等次"), *Tier.choices],
    }


@scope_required
@require_GET
def run_detail(request, scope, pk):
    run = _run_or_404(request, pk)
    context = {"run": run, "can_manage": permissions.can_manage(scope)}
    if run.status == RunStatus.DONE:
        context.update(_table_context(request, scope, run))
    return render(request, "scoring/run_detail.html", context)


@scope_required
@require_GET
def run_status(request, scope, pk):
    run = _run_or_404(request, pk)
    response = render(request, "scoring/run_status.html", {"run": run})
    if request.headers.get("HX-Request") and not run.is_active:
        response["HX-Refresh"] = "true"  # finished: the page reloads and shows the table (or the error)
    return response


@committee_required(message=DENIED)
def run_publish(request, scope, pk):
    run = _run_or_404(request, pk)
    if request.method == "POST":
        try:
            services.run_publish(actor=request.user, run=run)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"{run.period.label}排名已发布，各单位党务干部已收到通知。")
        return redirect("scoring:run_detail", pk=run.pk)
    return render(request, "scoring/run_publish.html", {"run": run})


@scope_required
@require_GET
def run_export(request, scope, pk):
    run = _run_or_404(request, pk)
    results = list(selectors.ranking_filter(run=run, filters=request.GET, scope=scope).qs)
    results += selectors.not_scored(run)
    lines = result_selectors.run_lines(run)
    if not scope.is_committee:
        lines = lines.filter(unit_result__unit_id__in=sorted(scope.unit_ids))  # a breakdown is the unit's own
    sheets = [presenters.ranking_sheet(results), presenters.lines_sheet(lines.iterator(chunk_size=500))]
    return presenters.workbook_response(filename=f"{run.period.label}排名", sheets=sheets)


@scope_required
@require_GET
def rankings(request, scope):
    runs = selectors.published_runs()
    form = RankingChoiceForm(request.GET or None, runs=runs)
    run = form.cleaned_data.get("run") if form.is_valid() else None
    run = run or runs.first()
    context = {
        "run": run,
        "runs": list(runs[:60]),
        "form_errors": [e for errors in form.errors.values() for e in errors] if form.is_bound else [],
        "can_manage": permissions.can_manage(scope),
    }
    if run is not None:
        context.update(_table_context(request, scope, run))
    return render(request, "scoring/rankings.html", context)


urlpatterns = [
    path("runs/", runs_list, name="runs"),
    path("runs/start/", run_start, name="run_start"),
    path("runs/<int:pk>/", run_detail, name="run_detail"),
    path("runs/<int:pk>/status/", run_status, name="run_status"),
    path("runs/<int:pk>/publish/", run_publish, name="run_publish"),
    path("runs/<int:pk>/export.xlsx", run_export, name="run_export"),
    path("rankings/", rankings, name="rankings"),
]

NAV_ITEMS = (
    NavItem("排名", "scoring:rankings", roles=(Role.COMMITTEE, Role.UNIT), menu="scoring", order=10),
    NavItem("排名测算", "scoring:runs", roles=(Role.COMMITTEE,), menu="scoring", order=20),
)
