"""Compliance pages (组织生活落实情况): a branch's year calendar, one cell's records and 未开展原因, a unit's
view of its branches, the committee's view of all units with its Excel export.

Counting is the engine's (`compliance.evaluate_branches` / `evaluate_units` / `evaluate_by_unit`): every
page evaluates all its subjects at once, so the query count does not grow with the rows it shows.
Parameters are read once by the page's form (`forms.CalendarParams`, …): a branch, unit, rule or window
that is bad or outside the user's scope answers 404; any other bad parameter is ignored and named on
the page. Drawing is the presenters' (`presenters.GridCell`, `Summary`, `UnitRow`, …).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.excel import xlsx_response
from apps.core.forms import save_with_form_errors
from apps.core.periods import Frequency, Period
from apps.orgs.access import committee_required, manager_required, scope_for, unit_manager_required
from apps.orgs.models import Branch, Unit

from .. import permissions, services
from ..compliance import Cell, Status, active_rules, cell_records, evaluate_branches, evaluate_by_unit, evaluate_units
from ..forms.compliance import MissedReasonForm
from ..forms.params import CalendarParams, CellParams, OverviewParams, PageParams, UnitOverviewParams
from ..models import ActivityStatus, ComplianceRule, Level
from ..presenters import (
    MONTH_LABELS,
    GridCell,
    Summary,
    branch_rows,
    calendar_url,
    cell_url,
    grid_rows,
    period_nav,
    summarise,
    todo_cells,
    unit_overview_url,
    unit_rows,
    year_links,
)


def _params(form: PageParams) -> PageParams:
    """The page's parameters; 404 when the branch, unit, rule or window they name is not one the user follows."""
    if form.subject_error:
        raise Http404("没有这个页面，或不在您负责的范围内。")
    return form


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- calendar -------------------------------------------------------------------------------------------


@manager_required
def calendar(request, scope):
    """A branch's year calendar: rules × months, each cell coloured by its verdict."""
    params = _params(CalendarParams(request.GET, scope=scope))
    today = timezone.localdate()
    year = params.get("year", today.year)
    branches = scope.managed_branches()
    branch = params.get("branch")
    unit = branch.unit if branch else None
    if scope.is_committee:
        # Choosing another unit in the selector drops the branch of the previous one.
        chosen = params.get("unit")
        if chosen is not None and (branch is None or branch.unit_id != chosen.pk):
            unit = chosen
            branch = branches.filter(unit=unit).current().order_by("order", "id").first()
    managed = [] if scope.is_committee else list(branches.current())
    if not scope.is_committee and branch is None:
        own = [b for b in managed if b.pk in scope.branch_ids]
        branch = (own or managed or [None])[0]
        unit = branch.unit if branch else None

    # Selectors: a unit secretary picks among their branches; the committee picks a unit, then a branch.
    branch_choices = unit_choices = None
    if scope.is_committee:
        unit_choices = list(scope.units().filter(active=True).only("pk", "name", "order"))
        if unit is not None:
            branch_choices = list(
                branches.filter(unit=unit).filter(Q(dissolved_on__isnull=True) | Q(pk=branch.pk if branch else 0))
            )
    else:
        if branch is not None and branch not in managed:
            managed.append(branch)  # a stopped branch opened by its id
        if len(managed) > 1:
            branch_choices = managed

    context = {
        "year": year,
        "branch": branch,
        "unit": unit,
        "branch_choices": branch_choices,
        "unit_choices": unit_choices,
        "show_unit_in_choice": not scope.is_committee and len(scope.unit_ids) > 1,
        "months": MONTH_LABELS,
        "view": params.get("view", ""),
        "today": today,
        "filter_messages": params.messages(),
        **year_links(request.GET, year),
    }
    if branch is not None:
        result = evaluate_branches([branch], Period(year, Frequency.YEAR))[branch.pk]
        rows = grid_rows(result, today)
        context.update(
            rows=rows,
            summary=summarise(result.cells),
            todo=todo_cells(rows, today),
            can_log=scope.manages_branch(branch),
            current_month=today.month if today.year == year else None,
        )
    return render(request, "partylife/compliance/calendar.html", context)


# --- one cell ---------------------------------------------------------------------------------------------


@dataclass
class CellContext:
    rule: ComplianceRule
    cell: Cell
    unit: Unit
    branch: Branch | None

    @property
    def subject(self) -> Branch | Unit:
        return self.branch or self.unit


def _resolve_cell(scope, data) -> CellContext:
    """Find the subject, rule and window of a cell from request parameters; 404 unless the user follows it."""
    params = _params(CellParams(data, scope=scope))
    rule, window = params.get("rule"), params.get("window")
    if rule.activity_type.level == Level.UNIT:
        unit, branch = params.get("unit"), None
        result = evaluate_units([unit], window, rule_ids=[rule.pk])[unit.pk]
    else:
        branch = params.get("branch")
        unit = branch.unit
        result = evaluate_branches([branch], window, rule_ids=[rule.pk])[branch.pk]
    if not result.cells:
        raise Http404("该规则已停用。")
    cell = next((c for c in result.cells if c.window.key == window.key), result.cells[0])
    return CellContext(rule=rule, cell=cell, unit=unit, branch=branch)


def _can_write(request, ctx: CellContext) -> bool:
    scope = scope_for(request.user)
    return permissions.can_write_activity(scope, activity_type=ctx.rule.activity_type, unit=ctx.unit, branch=ctx.branch)


def _cell_page(request, ctx: CellContext, *, form=None, saved=False, error="", status=200):
    records = list(
        cell_records(subject=ctx.subject, rule=ctx.rule, window=ctx.cell.window, user=request.user).prefetch_related(
            "evidence", "attendances"
        )
    )
    for record in records:
        record.missing = [] if record.evidence_complete else services.missing_evidence(record)
        record.is_draft = record.status == ActivityStatus.DRAFT
    can_write = _can_write(request, ctx)
    can_reason = can_write and ctx.cell.status == Status.WARNING
    if can_reason and form is None:
        form = MissedReasonForm(initial={"reason": ctx.cell.reason})
    log_url = None
    if can_write and ctx.rule.activity_type.active:
        param = f"branch={ctx.branch.pk}" if ctx.branch else f"unit={ctx.unit.pk}"
        log_url = f"{reverse('partylife:activity_create', args=[ctx.rule.activity_type.code])}?{param}"
    year = ctx.cell.window.year
    context = {
        "ctx": ctx,
        "cell": ctx.cell,
        "grid": GridCell(ctx.cell, "", timezone.localdate()),
        "rule": ctx.rule,
        "records": records,
        "log_url": log_url,
        "form": form if can_reason else None,
        "saved": saved,
        "error": error,
        "back_url": calendar_url(ctx.branch, year) if ctx.branch else unit_overview_url(ctx.unit.pk, year),
        "page_url": cell_url(ctx.cell, ctx.subject),
        "is_modal": _is_htmx(request),
        "subject_key": "branch" if ctx.branch else "unit",
    }
    template = "partylife/compliance/_cell_modal.html" if context["is_modal"] else "partylife/compliance/cell.html"
    return render(request, template, context, status=status)


@manager_required
def cell(request, scope):
    """The records behind one calendar cell, the verdict with its clause, and what is missing."""
    return _cell_page(request, _resolve_cell(scope, request.GET))


@manager_required
@require_POST
def missed_reason(request, scope):
    """未开展原因 for a missed soft rule (预警) of one window."""
    ctx = _resolve_cell(scope, request.POST)
    if not _can_write(request, ctx):
        raise PermissionDenied("您不能为该支部（单位）填写未开展原因。")
    refused = 200 if _is_htmx(request) else 400
    if ctx.cell.status != Status.WARNING:
        return _cell_page(
            request, ctx, error="只有已结束且未完成的一般要求（预警）可以填写未开展原因。", status=refused
        )
    form = MissedReasonForm(request.POST)
    saved = None
    if form.is_valid():
        saved = save_with_form_errors(
            form,
            lambda: services.missed_reason_set(
                actor=request.user,
                rule=ctx.rule,
                unit=ctx.unit,
                branch=ctx.branch,
                window=ctx.cell.window,
                reason=form.cleaned_data["reason"],
            ),
        )
    if saved is None:
        return _cell_page(request, ctx, form=form, status=refused)
    if _is_htmx(request):
        ctx.cell.reason = saved.reason
        response = _cell_page(request, ctx, form=MissedReasonForm(initial={"reason": saved.reason}), saved=True)
        response["HX-Trigger"] = "complianceChanged"
        return response
    messages.success(request, "未开展原因已保存。")
    return redirect(cell_url(ctx.cell, ctx.subject))


# --- a unit's branches ------------------------------------------------------------------------------------


@unit_manager_required
def unit_overview(request, scope):
    """A unit's view of all its branches (rule × branch summaries) and its own unit-level rules."""
    params = _params(UnitOverviewParams(request.GET, scope=scope))
    units = scope.managed_units()
    unit = params.get("unit")
    if unit is None and not scope.is_committee:
        unit = units.first()
    unit_choices = None
    if scope.spans_units:
        unit_choices = list(units.filter(Q(active=True) | Q(pk=unit.pk if unit else 0)).only("pk", "name", "order"))
    period = params.get("period") or Period.current(Frequency.YEAR)
    today = timezone.localdate()
    context = {
        "unit": unit,
        "unit_choices": unit_choices,
        "period": period,
        "period_nav": period_nav(request.GET, period),
        "months": MONTH_LABELS,
        "today": today,
        "filter_messages": params.messages(),
    }
    if unit is not None:
        branches = list(scope.managed_branches().filter(unit=unit).current().order_by("order", "id"))
        results = evaluate_branches(branches, period)
        # The columns: the rules as they apply to this unit (its overrides included).
        rules = next(([cells[0].rule for cells in r.by_rule().values()] for r in results.values()), [])
        unit_result = evaluate_units([unit], Period(period.year, Frequency.YEAR))[unit.pk]
        context.update(
            rules=rules,
            rows=branch_rows(branches, results, rules, period.year),
            summary=summarise(cell for result in results.values() for cell in result.cells),
            unit_rows=grid_rows(unit_result, today),
            unit_summary=summarise(unit_result.cells),
            current_month=today.month if today.year == period.year else None,
        )
    return render(request, "partylife/compliance/unit_overview.html", context)


# --- the committee's view of all units -------------------------------------------------------------------------


def _overview(request, scope):
    """The overview's parameters, period, rule columns and unit rows: the page and its export show the same."""
    all_rules = active_rules()
    params = OverviewParams(request.GET, scope=scope, rules=all_rules)
    period = params.get("period") or Period.current(Frequency.YEAR)
    chosen = params.get("rule")
    rules = [r for r in all_rules if chosen is None or r.pk == chosen]
    units = scope.managed_units().filter(active=True)
    if params.get("category"):
        units = units.filter(category=params.get("category"))
    # Every active branch of the units, and the units' own rules (the committee sees them all).
    results = evaluate_by_unit(list(units), period, rule_ids=[r.pk for r in rules])
    return params, period, rules, unit_rows(results, rules, period, status=params.get("status"))


@committee_required
def overview(request, scope):
    """Which units are behind on what: compliance rate, warnings, failures and per-rule worst status."""
    params, period, rules, rows = _overview(request, scope)
    totals = Summary()
    for row in rows:
        totals.merge(row.total)
    return render(
        request,
        "partylife/compliance/overview.html",
        {
            "rules": rules,
            "rows": rows,
            "totals": totals,
            "filters": params.values(),
            "filter_messages": params.messages(),
            "period": period,
            "period_nav": period_nav(request.GET, period),
            "category_choices": params.choices("category"),
            "rule_choices": params.choices("rule"),
            "status_choices": params.choices("status"),
            "querystring": request.GET.urlencode(),
        },
    )


OVERVIEW_HEADERS = ["期间", "单位", "单位分类", "规则", "活动类型", "要求", "要求强度", "依据"]
OVERVIEW_HEADERS += ["周期数", "已完成", "待完成", "预警", "不合格", "不适用", "需补充记录", "落实率(%)"]


@committee_required
def overview_export(request, scope):
    """The overview as Excel: a row per unit and rule (the page's filters; a bad one is ignored as there)."""
    _, period, rules, rows = _overview(request, scope)

    def lines():
        for row in rows:
            for rule in rules:
                summary, eff = row.per_rule.get(rule.pk), row.rules.get(rule.pk)
                if summary is None or eff is None:
                    continue
                yield (
                    period.label,
                    row.unit.name,
                    row.unit.get_category_display(),
                    rule.name,
                    rule.activity_type.name,
                    eff.requirement if eff.applies else "不适用",
                    eff.strength_label,
                    rule.source,
                    summary.total,
                    summary.met,
                    summary.due,
                    summary.warning,
                    summary.failure,
                    summary.na,
                    summary.incomplete,
                    float(summary.rate) if summary.rate is not None else None,
                )

    filename = f"组织生活落实情况-{period.key}"
    return xlsx_response(filename=filename, sheet_title="落实情况", headers=OVERVIEW_HEADERS, rows=lines())
