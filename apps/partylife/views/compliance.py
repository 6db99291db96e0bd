"""Compliance pages of one branch (组织生活落实情况): its year calendar, one cell's records and 未开展原因.
The unit's and the committee's overviews are `views.overviews`.

Counting is the engine's (`compliance.evaluate_branches` / `evaluate_units`), as of the page's evaluation
day (`params.today`: today, or the committee's `?as_of=`), so the query count does not grow with the rows
it shows. Parameters are read once by the page's form (`forms.CalendarParams`, …): a branch, unit, rule or
window that is bad or outside the user's scope answers 404; any other bad parameter is ignored and named
on the page. Drawing is the presenters' (`presenters.GridCell`, `Summary`, …).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.forms import save_with_form_errors
from apps.core.periods import Frequency, Period
from apps.orgs.access import manager_required, scope_for
from apps.orgs.models import Branch, Unit

from .. import permissions, services
from ..compliance import Cell, Status, cell_records, evaluate_branches, evaluate_units
from ..forms.compliance import MissedReasonForm
from ..forms.params import CalendarParams, CellParams, PageParams
from ..models import ActivityStatus, ComplianceRule, Level
from ..presenters import (
    MONTH_LABELS,
    GridCell,
    calendar_url,
    cell_url,
    grid_rows,
    record_notes,
    summarise,
    todo_cells,
    unit_overview_url,
    year_links,
)


def params_or_404(form: PageParams) -> PageParams:
    """The page's parameters; 404 when the branch, unit, rule or window they name is not one the user follows."""
    if form.subject_error:
        raise Http404("没有这个页面，或不在您负责的范围内。")
    return form


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- calendar -------------------------------------------------------------------------------------------


def _branch_choice(scope, params, year: Period):
    """The branch shown, its unit, and the branches to choose among: those that existed in the year
    (dissolved and merged ones included, marked as such), current ones first picked by default."""
    branches = scope.managed_branches()
    branch = params.get("branch")
    unit = branch.unit if branch else None
    if scope.is_committee:
        # Choosing another unit in the selector drops the branch of the previous one.
        chosen = params.get("unit")
        if chosen is not None and (branch is None or branch.unit_id != chosen.pk):
            unit = chosen
            branch = branches.filter(unit=unit).current().order_by("order", "id").first()
        if unit is None:
            return branch, unit, None
        in_year = branches.filter(unit=unit).existing_during(year.start, year.end)
        choices = list(in_year | branches.filter(pk=branch.pk if branch else 0))
        return branch, unit, choices
    in_year = list(branches.existing_during(year.start, year.end))
    if branch is None:
        current = [b for b in in_year if b.is_current]
        own = [b for b in current if b.pk in scope.branch_ids]
        branch = (own or current or in_year or [None])[0]
        unit = branch.unit if branch else None
    if branch is not None and branch not in in_year:
        in_year.append(branch)  # a branch opened by its id, outside the year
    return branch, unit, in_year if len(in_year) > 1 else None


@manager_required
def calendar(request, scope):
    """A branch's year calendar: rules × months, each cell coloured by its verdict, up to the branch's end."""
    params = params_or_404(CalendarParams(request.GET, scope=scope))
    today = params.today
    year = params.get("year", today.year)
    branch, unit, branch_choices = _branch_choice(scope, params, Period(year, Frequency.YEAR))
    unit_choices = list(scope.units().filter(active=True).only("pk", "name", "order")) if scope.is_committee else None
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
        "as_of": params.as_of,
        "filter_messages": params.messages(),
        **year_links(request.GET, year, params.years),
    }
    if branch is not None:
        result = evaluate_branches([branch], Period(year, Frequency.YEAR), today=today)[branch.pk]
        rows = grid_rows(result, today, params.as_of)
        context.update(
            rows=rows,
            summary=summarise(result.rollup_cells()),
            todo=todo_cells(rows),
            can_log=scope.manages_branch(branch) and branch.is_current,
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
    today: dt.date
    as_of: dt.date | None

    @property
    def subject(self) -> Branch | Unit:
        return self.branch or self.unit


def _resolve_cell(scope, data) -> CellContext:
    """Find the subject, rule and window of a cell from request parameters; 404 unless the user follows it."""
    params = params_or_404(CellParams(data, scope=scope))
    rule, window, today = params.get("rule"), params.get("window"), params.today
    if rule.activity_type.level == Level.UNIT:
        unit, branch = params.get("unit"), None
        result = evaluate_units([unit], window, today=today, rule_ids=[rule.pk])[unit.pk]
    else:
        branch = params.get("branch")
        unit = branch.unit
        result = evaluate_branches([branch], window, today=today, rule_ids=[rule.pk])[branch.pk]
    if not result.cells:
        raise Http404("该规则已停用。")
    cell = next((c for c in result.cells if c.window.key == window.key), result.cells[0])
    return CellContext(rule=rule, cell=cell, unit=unit, branch=branch, today=today, as_of=params.as_of)


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
    record_notes(records, ctx.rule)
    can_write = _can_write(request, ctx)
    can_reason = can_write and ctx.cell.status == Status.WARNING
    if can_reason and form is None:
        form = MissedReasonForm(initial={"reason": ctx.cell.reason})
    log_url = None
    if can_write and ctx.rule.activity_type.active and (ctx.branch is None or ctx.branch.is_current):
        param = f"branch={ctx.branch.pk}" if ctx.branch else f"unit={ctx.unit.pk}"
        log_url = f"{reverse('partylife:activity_create', args=[ctx.rule.activity_type.code])}?{param}"
    year = ctx.cell.window.year
    context = {
        "ctx": ctx,
        "cell": ctx.cell,
        "grid": GridCell(ctx.cell, "", ctx.today),
        "rule": ctx.rule,
        "records": records,
        "log_url": log_url,
        "form": form if can_reason else None,
        "saved": saved,
        "error": error,
        "back_url": calendar_url(ctx.branch, year) if ctx.branch else unit_overview_url(ctx.unit.pk, year),
        "page_url": cell_url(ctx.cell, ctx.subject, ctx.as_of),
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
