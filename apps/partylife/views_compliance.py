"""Compliance pages (组织生活落实情况): a branch's year calendar, one cell's records, a unit's view of
its branches, the committee's view of all units (with Excel export), rules and unit overrides, 关账.

Counting is the engine's (`compliance.evaluate_branches` / `evaluate_units`): every page evaluates all
its subjects at once, so the query count does not grow with the number of branches or units.
Every subject comes from the user's scope; a branch or unit outside it answers 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.excel import xlsx_response
from apps.core.forms import save_with_form_errors
from apps.core.history import history_rows
from apps.core.metrics import percent
from apps.core.periods import Frequency, Period, local_tz
from apps.orgs.access import scope_for
from apps.orgs.forms import CATEGORY_CHOICES
from apps.orgs.models import Branch, Unit

from . import services
from .compliance import (
    Cell,
    EffectiveRule,
    Status,
    active_rules,
    cell_records,
    evaluate_branches,
    evaluate_by_unit,
    evaluate_units,
)
from .forms_compliance import MissedReasonForm, OverrideForm, RuleForm
from .models import Activity, ActivityStatus, ComplianceRule, Level, PeriodLock, RuleOverride

# How bad a status is when several windows are summed up: a decided miss outweighs a success,
# and a success outweighs a window still open (a branch on track shows green, not grey).
STATUS_RANK = {Status.FAILURE: 4, Status.WARNING: 3, Status.MET: 2, Status.DUE: 1, Status.NA: 0}
STATUS_FILTER_CHOICES = [("", "全部状态"), *Status.choices]
MONTH_LABELS = [f"{m}月" for m in range(1, 13)]


# --- access -------------------------------------------------------------------------------------------


def _managers(request):
    scope = scope_for(request.user)
    if not scope.is_manager:
        raise PermissionDenied("该页面仅供党务工作人员使用。")
    return scope


def _committee_only(request):
    scope = scope_for(request.user)
    if not scope.is_committee:
        raise PermissionDenied("该页面仅供工委管理员使用。")
    return scope


def _managed_branches(scope):
    """Branches whose compliance this user follows: committee all, unit secretary their units', branch
    secretary their own (a secretary's membership elsewhere gives read access to nothing here)."""
    qs = scope.branches()
    if not scope.is_committee:
        qs = qs.filter(Q(pk__in=sorted(scope.branch_ids)) | Q(unit_id__in=sorted(scope.unit_ids)))
    return qs


def _managed_units(scope):
    qs = scope.units()
    if not scope.is_committee:
        qs = qs.filter(pk__in=sorted(scope.unit_ids))
    return qs


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- periods --------------------------------------------------------------------------------------------


def _year(request) -> int:
    year = _int(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


def _period(request, param: str = "period") -> Period:
    text = request.GET.get(param, "").strip()
    if not text:
        return Period.current(Frequency.YEAR)
    try:
        return Period.parse(text)
    except ValueError as exc:
        messages.error(request, f"期间“{text}”无法识别：{exc}已显示本年度。")
        return Period.current(Frequency.YEAR)


def _querystring(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return params.urlencode()


def _period_nav(request, period: Period) -> dict:
    """A period <select> for one year (全年, 4 quarters, 12 months) and links to the years around it."""
    y = period.year
    options = [(str(y), f"{y}年全年")]
    options += [(f"{y}-Q{q}", f"{y}年第{q}季度") for q in range(1, 5)]
    options += [(f"{y}-{m:02d}", f"{y}年{m}月") for m in range(1, 13)]
    return {
        "options": options,
        "value": period.key,
        "prev_qs": _querystring(request, period=y - 1) if y > 2000 else None,
        "next_qs": _querystring(request, period=y + 1) if y < 2100 else None,
        "prev_year": y - 1,
        "next_year": y + 1,
    }


# --- grid cells ----------------------------------------------------------------------------------------


def cell_url(cell: Cell, subject) -> str:
    key = "unit" if isinstance(subject, Unit) else "branch"
    query = urlencode({key: subject.pk, "rule": cell.rule.pk, "window": cell.window.key})
    return f"{reverse('partylife:cell')}?{query}"


@dataclass
class GridCell:
    """One engine cell as the calendar draws it."""

    cell: Cell
    url: str
    today: dt.date

    @property
    def status(self) -> str:
        return self.cell.status

    @property
    def span(self) -> int:
        return self.cell.window.months

    @property
    def css(self) -> str:
        classes = [f"cs-{self.cell.status}"]
        if self.cell.status == Status.DUE and self.cell.is_future:
            classes.append("cs-future")
        if self.cell.window.contains(self.today):
            classes.append("cs-current")
        return " ".join(classes)

    @property
    def text(self) -> str:
        c = self.cell
        if c.status == Status.MET:
            return f"✓ {c.count}次"
        if c.status == Status.DUE:
            if c.is_future:
                return ""
            return "待完成"
        if c.status == Status.WARNING:
            return "! 预警"
        if c.status == Status.FAILURE:
            return "✗ 不合格"
        return "不适用"

    @property
    def sub(self) -> str:
        c = self.cell
        if c.incomplete and c.status != Status.NA:
            return f"需补充 {c.incomplete}"
        if c.groups_total and c.status != Status.NA and not c.is_future:
            return f"{c.groups_met}/{c.groups_total}组"
        if c.status == Status.DUE and not c.is_future and c.rule.min_count > 1:
            return f"{c.count}/{c.rule.min_count}次"
        if c.status == Status.WARNING:
            return "已说明原因" if c.reason else "未开展"
        if c.status == Status.FAILURE:
            return "未开展"
        return ""

    @property
    def symbol(self) -> str:
        c = self.cell
        if c.status == Status.MET:
            return "✓"
        if c.status in (Status.WARNING, Status.FAILURE):
            return "!" if c.status == Status.WARNING else "✗"
        if c.status == Status.NA:
            return "–"
        return "补" if c.incomplete else ("·" if not c.is_future else "")

    @property
    def when(self) -> str:
        w = self.cell.window
        if w.kind == Frequency.MONTH:
            return str(w.index)
        if w.kind == Frequency.QUARTER:
            return f"Q{w.index}"
        return "全年"

    @property
    def title(self) -> str:
        c = self.cell
        parts = [f"{c.window.label} · {c.rule.name}：{c.label}", f"已完成{c.count}次（要求{c.rule.requirement}）"]
        if c.incomplete:
            parts.append(f"{c.incomplete}条记录需补充材料")
        if c.note:
            parts.append(c.note)
        if c.reason:
            parts.append(f"未开展原因：{c.reason}")
        return "；".join(parts)


@dataclass
class GridRow:
    rule: EffectiveRule
    cells: list[GridCell] = field(default_factory=list)

    @property
    def type_name(self) -> str:
        return self.rule.rule.activity_type.name


def _grid_rows(result, subject, today) -> list[GridRow]:
    rows = []
    for cells in result.by_rule().values():
        rows.append(GridRow(cells[0].rule, [GridCell(c, cell_url(c, subject), today) for c in cells]))
    return rows


@dataclass
class Summary:
    """Windows of one or more subjects summed up: counts per status and the worst one."""

    counts: dict = field(default_factory=lambda: dict.fromkeys(Status.values, 0))
    incomplete: int = 0

    def add(self, cell: Cell) -> None:
        self.counts[cell.status] += 1
        self.incomplete += cell.incomplete

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def worst(self) -> str:
        present = [s for s, n in self.counts.items() if n]
        return max(present, key=lambda s: STATUS_RANK[s]) if present else Status.NA

    @property
    def met(self) -> int:
        return self.counts[Status.MET]

    @property
    def due(self) -> int:
        return self.counts[Status.DUE]

    @property
    def warning(self) -> int:
        return self.counts[Status.WARNING]

    @property
    def failure(self) -> int:
        return self.counts[Status.FAILURE]

    @property
    def na(self) -> int:
        return self.counts[Status.NA]

    @property
    def decided(self) -> int:
        return self.met + self.warning + self.failure

    @property
    def rate(self):
        return percent(self.met, self.decided)

    @property
    def title(self) -> str:
        return f"完成{self.met}、待完成{self.due}、预警{self.warning}、不合格{self.failure}、不适用{self.na}" + (
            f"；{self.incomplete}条记录需补充" if self.incomplete else ""
        )


def _summarise(cells) -> Summary:
    summary = Summary()
    for cell in cells:
        summary.add(cell)
    return summary


def _todo(rows: list[GridRow], today: dt.date) -> list[GridCell]:
    """What is still open in the windows running today (本月/本季度/本年 还需完成)."""
    return [g for row in rows for g in row.cells if g.cell.status == Status.DUE and g.cell.window.contains(today)]


# --- calendar -------------------------------------------------------------------------------------------


@login_required
def calendar(request):
    """A branch's year calendar: rules × months, each cell coloured by its verdict."""
    scope = _managers(request)
    year = _year(request)
    today = timezone.localdate()
    branches = _managed_branches(scope)
    branch = None
    unit = None
    branch_id = request.GET.get("branch", "").strip()
    unit_pk = _int(request.GET.get("unit")) if scope.is_committee else None
    if branch_id:
        pk = _int(branch_id)
        if pk is None:
            raise Http404
        branch = get_object_or_404(branches, pk=pk)
        unit = branch.unit
    if scope.is_committee:
        # Choosing another unit in the selector drops the branch of the previous one.
        if unit_pk and (branch is None or branch.unit_id != unit_pk):
            unit = get_object_or_404(scope.units(), pk=unit_pk)
            branch = branches.filter(unit=unit, active=True).order_by("order", "id").first()
    managed = [] if scope.is_committee else list(branches.filter(active=True))
    if not scope.is_committee and branch is None:
        own = [b for b in managed if b.pk in scope.branch_ids]
        branch = (own or managed or [None])[0]
        unit = branch.unit if branch else None

    # Selectors: a unit secretary picks among their branches; the committee picks a unit, then a branch.
    branch_choices = unit_choices = None
    if scope.is_committee:
        unit_choices = list(scope.units().filter(active=True).only("pk", "name", "order"))
        if unit is not None:
            branch_choices = list(branches.filter(unit=unit).filter(Q(active=True) | Q(pk=branch.pk if branch else 0)))
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
        "view": request.GET.get("view", ""),
        "prev_qs": _querystring(request, year=year - 1) if year > 2000 else None,
        "next_qs": _querystring(request, year=year + 1) if year < 2100 else None,
        "today": today,
    }
    if branch is not None:
        result = evaluate_branches([branch], Period(year, Frequency.YEAR))[branch.pk]
        rows = _grid_rows(result, branch, today)
        context.update(
            rows=rows,
            summary=_summarise(result.cells),
            todo=_todo(rows, today),
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
    def subject(self):
        return self.branch or self.unit


def _resolve_cell(scope, params) -> CellContext:
    """Find the subject, rule and window of a cell from request parameters; 404 unless the user follows it."""
    rule = get_object_or_404(ComplianceRule.objects.select_related("activity_type"), pk=_int(params.get("rule")) or 0)
    try:
        window = Period.parse(params.get("window", ""))
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    if rule.activity_type.level == Level.UNIT:
        unit = get_object_or_404(_managed_units(scope), pk=_int(params.get("unit")) or 0)
        branch = None
        result = evaluate_units([unit], window, rule_ids=[rule.pk])[unit.pk]
    else:
        branch = get_object_or_404(_managed_branches(scope), pk=_int(params.get("branch")) or 0)
        unit = branch.unit
        result = evaluate_branches([branch], window, rule_ids=[rule.pk])[branch.pk]
    if not result.cells:
        raise Http404("该规则已停用。")
    cell = next((c for c in result.cells if c.window.key == window.key), result.cells[0])
    return CellContext(rule=rule, cell=cell, unit=unit, branch=branch)


def _cell_page(request, scope, ctx: CellContext, *, form=None, saved=False, error="", status=200):
    records = list(
        cell_records(subject=ctx.subject, rule=ctx.rule, window=ctx.cell.window, user=request.user).prefetch_related(
            "evidence", "attendances"
        )
    )
    for record in records:
        record.missing = [] if record.evidence_complete else services.missing_evidence(record)
        record.is_draft = record.status == ActivityStatus.DRAFT
    can_write = services.can_write_for(
        request.user, activity_type=ctx.rule.activity_type, unit=ctx.unit, branch=ctx.branch
    )
    can_reason = can_write and ctx.cell.status == Status.WARNING
    if can_reason and form is None:
        form = MissedReasonForm(initial={"reason": ctx.cell.reason})
    log_url = None
    if can_write and ctx.rule.activity_type.active:
        param = f"branch={ctx.branch.pk}" if ctx.branch else f"unit={ctx.unit.pk}"
        log_url = f"{reverse('partylife:activity_create', args=[ctx.rule.activity_type.code])}?{param}"
    if ctx.branch:
        back_url = f"{reverse('partylife:calendar')}?branch={ctx.branch.pk}&year={ctx.cell.window.year}"
    else:
        back_url = f"{reverse('partylife:unit_overview')}?unit={ctx.unit.pk}&period={ctx.cell.window.year}"
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
        "back_url": back_url,
        "page_url": cell_url(ctx.cell, ctx.subject),
        "is_modal": _is_htmx(request),
        "subject_key": "branch" if ctx.branch else "unit",
    }
    template = "partylife/compliance/_cell_modal.html" if context["is_modal"] else "partylife/compliance/cell.html"
    return render(request, template, context, status=status)


@login_required
def cell(request):
    """The records behind one calendar cell, the verdict with its clause, and what is missing."""
    scope = _managers(request)
    ctx = _resolve_cell(scope, request.GET)
    return _cell_page(request, scope, ctx)


@login_required
@require_POST
def missed_reason(request):
    """未开展原因 for a missed soft rule (预警) of one window."""
    scope = _managers(request)
    ctx = _resolve_cell(scope, request.POST)
    if not services.can_write_for(request.user, activity_type=ctx.rule.activity_type, unit=ctx.unit, branch=ctx.branch):
        raise PermissionDenied("您不能为该支部（单位）填写未开展原因。")
    if ctx.cell.status != Status.WARNING:
        error = "只有已结束且未完成的一般要求（预警）可以填写未开展原因。"
        return _cell_page(request, scope, ctx, error=error, status=200 if _is_htmx(request) else 400)
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
        return _cell_page(request, scope, ctx, form=form, status=200 if _is_htmx(request) else 400)
    if _is_htmx(request):
        ctx.cell.reason = saved.reason
        response = _cell_page(request, scope, ctx, form=MissedReasonForm(initial={"reason": saved.reason}), saved=True)
        response["HX-Trigger"] = "complianceChanged"
        return response
    messages.success(request, "未开展原因已保存。")
    return redirect(cell_url(ctx.cell, ctx.subject))


# --- a unit's branches ------------------------------------------------------------------------------------


@login_required
def unit_overview(request):
    """A unit's view of all its branches (rule × branch summaries) and its own unit-level rules."""
    scope = _managers(request)
    if not (scope.is_committee or scope.unit_ids):
        raise PermissionDenied("该页面仅供单位党务干部和工委管理员使用。")
    units = _managed_units(scope)
    unit_pk = _int(request.GET.get("unit"))
    if request.GET.get("unit", "").strip() and unit_pk is None:
        raise Http404
    if unit_pk:
        unit = get_object_or_404(units, pk=unit_pk)
    elif scope.is_committee:
        unit = None
    else:
        unit = units.order_by("order", "id").first()
    unit_choices = None
    if scope.is_committee or len(scope.unit_ids) > 1:
        unit_choices = list(units.filter(Q(active=True) | Q(pk=unit.pk if unit else 0)).only("pk", "name", "order"))
    period = _period(request)
    today = timezone.localdate()
    context = {
        "unit": unit,
        "unit_choices": unit_choices,
        "period": period,
        "period_nav": _period_nav(request, period),
        "months": MONTH_LABELS,
        "today": today,
    }
    if unit is not None:
        branches = list(_managed_branches(scope).filter(unit=unit, active=True).order_by("order", "id"))
        results = evaluate_branches(branches, period)
        rules: list[EffectiveRule] = []
        for result in results.values():
            rules = [cells[0].rule for cells in result.by_rule().values()]
            break
        all_cells = []
        rows = []
        for branch in branches:
            by_rule = results[branch.pk].by_rule()
            all_cells += results[branch.pk].cells
            summaries = [_summarise(by_rule.get(rule.pk, [])) for rule in rules]
            rows.append(
                {
                    "branch": branch,
                    "summaries": summaries,
                    "total": _summarise(results[branch.pk].cells),
                    "url": f"{reverse('partylife:calendar')}?branch={branch.pk}&year={period.year}",
                }
            )
        unit_result = evaluate_units([unit], Period(period.year, Frequency.YEAR))[unit.pk]
        unit_rows = _grid_rows(unit_result, unit, today)
        context.update(
            rules=rules,
            rows=rows,
            summary=_summarise(all_cells),
            unit_rows=unit_rows,
            unit_summary=_summarise(unit_result.cells),
            current_month=today.month if today.year == period.year else None,
        )
    return render(request, "partylife/compliance/unit_overview.html", context)


# --- the committee's view of all units -------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit: Unit
    per_rule: dict[int, Summary] = field(default_factory=dict)
    rules: dict[int, EffectiveRule] = field(default_factory=dict)
    total: Summary = field(default_factory=Summary)
    cells: list = field(default_factory=list)  # (rule, Summary | None) in column order
    url: str = ""

    def add(self, cell: Cell) -> None:
        self.per_rule.setdefault(cell.rule.pk, Summary()).add(cell)
        self.rules.setdefault(cell.rule.pk, cell.rule)
        self.total.add(cell)


def _overview_filters(request) -> dict:
    return {name: request.GET.get(name, "").strip() for name in ("category", "rule", "status", "period")}


def _overview_data(request, scope, filters, period):
    """One row per active unit, summing every window of its branches and of itself; worst first."""
    rules = all_rules = active_rules()
    rule_pk = _int(filters["rule"])
    if rule_pk is not None:
        rules = [r for r in rules if r.pk == rule_pk]
    rule_ids = [r.pk for r in rules]
    units = scope.units().filter(active=True)
    if filters["category"]:
        units = units.filter(category=filters["category"])
    units = list(units.order_by("order", "id"))
    results = evaluate_by_unit(units, period, rule_ids=rule_ids)  # committee only: every branch of the units
    out = []
    for unit in units:
        row = UnitRow(unit)
        for cell in results[unit.pk].cells:
            row.add(cell)
        out.append(row)
    if filters["status"] in Status.values:
        out = [r for r in out if r.total.counts[filters["status"]]]
    out.sort(key=lambda r: (r.total.rate is None, r.total.rate if r.total.rate is not None else 0, r.unit.order))
    for row in out:
        row.cells = [(rule, row.per_rule.get(rule.pk)) for rule in rules]
        row.url = f"{reverse('partylife:unit_overview')}?{urlencode({'unit': row.unit.pk, 'period': period.key})}"
    return all_rules, rules, out


@login_required
def overview(request):
    """Which units are behind on what: compliance rate, warnings, failures and per-rule worst status."""
    scope = _committee_only(request)
    filters = _overview_filters(request)
    period = _period(request)
    all_rules, rules, rows = _overview_data(request, scope, filters, period)
    totals = Summary()
    for row in rows:
        for status, n in row.total.counts.items():
            totals.counts[status] += n
    return render(
        request,
        "partylife/compliance/overview.html",
        {
            "rules": rules,
            "rows": rows,
            "totals": totals,
            "filters": filters,
            "period": period,
            "period_nav": _period_nav(request, period),
            "category_choices": CATEGORY_CHOICES,
            "rule_choices": [("", "全部规则"), *[(str(r.pk), r.name) for r in all_rules]],
            "status_choices": STATUS_FILTER_CHOICES,
            "querystring": request.GET.urlencode(),
        },
    )


@login_required
def overview_export(request):
    scope = _committee_only(request)
    filters = _overview_filters(request)
    period = _period(request)
    _, rules, rows = _overview_data(request, scope, filters, period)
    headers = ["期间", "单位", "单位分类", "规则", "活动类型", "要求", "要求强度", "依据"]
    headers += ["周期数", "已完成", "待完成", "预警", "不合格", "不适用", "需补充记录", "落实率(%)"]

    def lines():
        for row in rows:
            for rule in rules:
                summary = row.per_rule.get(rule.pk)
                eff = row.rules.get(rule.pk)
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
    return xlsx_response(filename=filename, sheet_title="落实情况", headers=headers, rows=lines())


# --- rules (committee) ------------------------------------------------------------------------------------------


@login_required
def rule_list(request):
    _committee_only(request)
    rules = (
        ComplianceRule.objects.select_related("activity_type")
        .annotate(override_count=Count("overrides"))
        .order_by("order", "id")
    )
    return render(request, "partylife/compliance/rule_list.html", {"rules": rules})


def _rule_initial(rule: ComplianceRule) -> dict:
    return {name: getattr(rule, name) for name in services.RULE_FIELDS}


@login_required
def rule_edit(request, pk):
    scope = _committee_only(request)
    rule = get_object_or_404(ComplianceRule.objects.select_related("activity_type"), pk=pk)
    form = RuleForm(request.POST or None, initial=_rule_initial(rule))
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(
            form, lambda: services.rule_update(actor=request.user, rule=rule, data=form.cleaned_data)
        )
        if saved:
            messages.success(request, f"规则“{saved.name}”已保存。")
            return redirect("partylife:rule_edit", pk=saved.pk)
        rule.refresh_from_db()
    overrides = rule.overrides.select_related("unit").order_by("unit__order", "unit_id")
    return render(
        request,
        "partylife/compliance/rule_edit.html",
        {
            "rule": rule,
            "form": form,
            "overrides": overrides,
            "override_form": OverrideForm(
                units=_override_units(scope),
                initial={"frequency": rule.frequency, "min_count": rule.min_count, "strength": rule.strength}
                | {"applies": True},
            ),
            "history": history_rows(rule),
        },
    )


def _override_units(scope):
    return scope.units().filter(active=True).only("pk", "name", "order").order_by("order", "id")


@login_required
def override_edit(request, pk):
    """Add or change one unit's version of a rule (stricter, looser, or not applicable)."""
    scope = _committee_only(request)
    rule = get_object_or_404(ComplianceRule.objects.select_related("activity_type"), pk=pk)
    units = _override_units(scope)
    existing = None
    unit_pk = _int(request.GET.get("unit"))
    if unit_pk:
        existing = RuleOverride.objects.filter(rule=rule, unit_id=unit_pk).select_related("unit").first()
    if existing is not None:
        initial = {
            "unit": existing.unit_id,
            "frequency": existing.frequency,
            "min_count": existing.min_count,
            "strength": existing.strength,
            "applies": existing.applies,
            "note": existing.note,
        }
    else:
        initial = {"unit": unit_pk, "frequency": rule.frequency, "min_count": rule.min_count}
        initial |= {"strength": rule.strength, "applies": True}
    form = OverrideForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = save_with_form_errors(
            form,
            lambda: services.rule_override_set(
                actor=request.user,
                rule=rule,
                unit=data["unit"],
                frequency=data["frequency"],
                min_count=data["min_count"],
                strength=data["strength"],
                applies=data["applies"],
                note=data["note"],
            ),
        )
        if saved:
            messages.success(request, f"已保存“{saved.unit.name}”的规则调整。")
            return redirect("partylife:rule_edit", pk=rule.pk)
    return render(
        request,
        "partylife/compliance/override_form.html",
        {"rule": rule, "form": form, "existing": existing},
    )


@login_required
@require_POST
def override_delete(request, pk):
    _committee_only(request)
    override = get_object_or_404(RuleOverride.objects.select_related("unit", "rule"), pk=pk)
    rule_pk, unit_name = override.rule_id, override.unit.name
    try:
        services.rule_override_delete(actor=request.user, override=override)
        messages.success(request, f"已取消“{unit_name}”的规则调整，恢复执行统一规则。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("partylife:rule_edit", pk=rule_pk)


# --- 关账 (committee) ------------------------------------------------------------------------------------------


@login_required
def period_list(request):
    scope = _committee_only(request)
    year = _year(request)
    today = timezone.localdate()
    locks = {lock.month: lock for lock in PeriodLock.objects.filter(month__year=year).select_related("closed_by")}
    start = dt.datetime(year, 1, 1, tzinfo=local_tz())
    end = dt.datetime(year + 1, 1, 1, tzinfo=local_tz())
    counts = {
        row["month"].astimezone(local_tz()).date() if isinstance(row["month"], dt.datetime) else row["month"]: row["n"]
        for row in scope.filter(Activity.objects.filter(held_at__gte=start, held_at__lt=end))
        .annotate(month=TruncMonth("held_at", tzinfo=local_tz()))
        .values("month")
        .annotate(n=Count("id"))
    }
    months = []
    for m in range(1, 13):
        first = dt.date(year, m, 1)
        months.append(
            {
                "first": first,
                "key": f"{year}-{m:02d}",
                "label": f"{year}年{m}月",
                "lock": locks.get(first),
                "is_future": first > today.replace(day=1),
                "is_current": first == today.replace(day=1),
                "count": counts.get(first, 0),
            }
        )
    history = PeriodLock.history.filter(month__year=year).select_related("history_user").order_by("-history_date")[:50]
    return render(
        request,
        "partylife/compliance/period_list.html",
        {
            "year": year,
            "months": months,
            "history": history,
            "prev_year": year - 1 if year > 2000 else None,
            "next_year": year + 1 if year < 2100 else None,
        },
    )


def _posted_month(request) -> dt.date | None:
    try:
        period = Period.parse(request.POST.get("month", ""))
    except ValueError:
        return None
    return period.start if period.kind == Frequency.MONTH else None


@login_required
@require_POST
def period_close(request):
    _committee_only(request)
    month = _posted_month(request)
    if month is None:
        messages.error(request, "请选择要关账的月份。")
        return redirect("partylife:period_list")
    try:
        services.period_close(actor=request.user, month=month)
        messages.success(request, f"{month.year}年{month.month}月已关账，该月的记录不能再修改。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(f"{reverse('partylife:period_list')}?year={month.year}")


@login_required
@require_POST
def period_reopen(request):
    _committee_only(request)
    month = _posted_month(request)
    if month is None:
        messages.error(request, "请选择要重新开放的月份。")
        return redirect("partylife:period_list")
    try:
        services.period_reopen(actor=request.user, month=month)
        messages.success(request, f"{month.year}年{month.month}月已重新开放，该月的记录可以修改。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(f"{reverse('partylife:period_list')}?year={month.year}")
