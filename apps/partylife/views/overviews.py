"""Overviews of compliance (组织生活落实情况汇总): a unit's view of its branches (filtered, sorted, exported
by its secretaries), and the committee's view of all units with its Excel export.

Both take the branches that counted in each window of the period — dissolved and merged ones up to
their end, none after (`compliance.rollup_branches`, `SubjectResult.rollup_cells`) — as of the page's
evaluation day (`params.today`: today, or the committee's `?as_of=`). A page and its export read the
same parameters and show the same rows; the query count does not grow with them.

The committee's overview reads the stored verdicts (`compliance.store.tallies`: one grouped query); the engine
answers only for units the store cannot (a year not stored or being recomputed, or an `?as_of=` in the past with
records held since — a known limit: such a page computes those units on the request). Its export's requirement
columns give each rule as it applies to the unit today (the unit's override included).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import render

from apps.core.excel import xlsx_response
from apps.core.listing import paginate
from apps.core.periods import Frequency, Period
from apps.orgs.access import committee_required, unit_manager_required
from apps.orgs.tree import judged_from_units

from ..compliance import active_rules, evaluate_branches, evaluate_units, rollup_branches, store
from ..compliance.loading import effective
from ..forms.params import OverviewParams, UnitOverviewParams
from ..presenters import (
    MONTH_LABELS,
    Summary,
    branch_rows,
    days_left,
    grid_rows,
    period_nav,
    summarise,
    unit_rows,
)
from .compliance import params_or_404

# --- a unit's branches ------------------------------------------------------------------------------------


def _unit_overview(request, scope) -> dict:
    """The unit overview's parameters and what it shows: the page and its export read the same."""
    params = params_or_404(UnitOverviewParams(request.GET, scope=scope))
    units = scope.managed_units()
    unit = params.get("unit")
    if unit is None and not scope.is_committee:
        unit = units.first()
    today = params.today
    period = params.get("period") or Period.containing(today, Frequency.YEAR)
    data = {"params": params, "unit": unit, "period": period, "today": today}
    if unit is None:
        return data
    branches = list(rollup_branches([unit], period).filter(pk__in=scope.managed_branches().values("pk")))
    starts = judged_from_units([unit.pk])
    results = evaluate_branches(branches, period, today=today, judged_from=starts)
    # The columns: the rules as they apply to this unit (its overrides included).
    rules = next(([cells[0].rule for cells in r.by_rule().values()] for r in results.values()), [])
    data.update(
        starts=starts,
        branches=branches,
        rules=rules,
        rows=branch_rows(
            branches,
            results,
            rules,
            period.year,
            status=params.get("status"),
            sort=params.get("sort", ""),
            as_of=params.as_of,
        ),
        summary=summarise(cell for result in results.values() for cell in result.rollup_cells()),
    )
    return data


@unit_manager_required
def unit_overview(request, scope):
    """A unit's view of its branches (rule × branch summaries, filtered and sorted) and its own unit-level rules."""
    data = _unit_overview(request, scope)
    params, unit, period, today = data["params"], data["unit"], data["period"], data["today"]
    unit_choices = None
    if scope.spans_units:
        units = scope.managed_units()
        unit_choices = list(units.filter(Q(active=True) | Q(pk=unit.pk if unit else 0)).only("pk", "name", "order"))
    context = {
        **data,
        "unit_choices": unit_choices,
        "period_nav": period_nav(request.GET, period, params.years),
        "months": MONTH_LABELS,
        "as_of": params.as_of,
        "filters": params.values(),
        "status_choices": params.choices("status"),
        "sort_choices": params.choices("sort"),
        "querystring": request.GET.urlencode(),
        "filter_messages": params.messages(),
    }
    if unit is not None:
        year = Period(period.year, Frequency.YEAR)
        unit_result = evaluate_units([unit], year, today=today, judged_from=data["starts"])[unit.pk]
        context.update(
            unit_rows=grid_rows(unit_result, today, params.as_of),
            unit_summary=summarise(unit_result.cells),
            current_month=today.month if today.year == period.year else None,
        )
    return render(request, "partylife/compliance/unit_overview.html", context)


SUMMARY_HEADERS = ["周期数", "已完成", "待完成", "未到期", "预警", "不合格", "不适用", "未纳入", "需补充记录"]
UNIT_OVERVIEW_HEADERS = ["期间", "单位", "支部", "支部状态", "规则", "活动类型", "要求", "要求强度", "依据"]
UNIT_OVERVIEW_HEADERS += [*SUMMARY_HEADERS, "落实率(%)", "最近截止剩余天数"]


def _summary_cells(summary: Summary) -> list:
    return [
        summary.total,
        summary.met,
        summary.due,
        summary.upcoming,
        summary.warning,
        summary.failure,
        summary.na,
        summary.not_judged,
        summary.incomplete,
        float(summary.rate) if summary.rate is not None else None,
    ]


@unit_manager_required
def unit_overview_export(request, scope):
    """The unit overview as Excel: a row per branch and rule, then the unit's own rules (the page's filters)."""
    data = _unit_overview(request, scope)
    unit, period = data["unit"], data["period"]
    if unit is None:
        raise Http404("请先选择单位。")
    unit_result = evaluate_units([unit], period, today=data["today"], judged_from=data["starts"])[unit.pk]

    def state(branch) -> str:
        if branch.is_current:
            return "在用"
        return f"{branch.get_end_reason_display()}（{branch.dissolved_on:%Y-%m-%d}）"

    def lines():
        for row in data["rows"]:
            branch = row["branch"]
            for eff, summary in zip(data["rules"], row["summaries"], strict=True):
                if not summary.total:
                    continue
                yield (
                    period.label,
                    unit.name,
                    branch.name,
                    state(branch),
                    *_rule_cells(eff),
                    *_summary_cells(summary),
                    row["days_left"],
                )
        for cells in unit_result.by_rule().values():
            summary = summarise(cells)
            yield (
                period.label,
                unit.name,
                "（单位层面）",
                "",
                *_rule_cells(cells[0].rule),
                *_summary_cells(summary),
                days_left(cells),
            )

    filename = f"组织生活落实情况-{unit.short_name or unit.name}-{period.key}"
    return xlsx_response(filename=filename, sheet_title="各支部落实情况", headers=UNIT_OVERVIEW_HEADERS, rows=lines())


def _rule_cells(eff) -> list:
    rule = eff.rule
    return [
        rule.name,
        rule.activity_type.name,
        eff.requirement if eff.applies else "不适用",
        eff.strength_label,
        rule.source,
    ]


# --- the committee's view of all units -------------------------------------------------------------------------


def _overview(request, scope):
    """The overview's parameters, period, rule columns and unit rows: the page and its export show the same."""
    all_rules = active_rules()
    params = OverviewParams(request.GET, scope=scope, rules=all_rules)
    period = params.get("period") or Period.containing(params.today, Frequency.YEAR)
    chosen = params.get("rule")
    rules = [r for r in all_rules if chosen is None or r.pk == chosen]
    units = scope.managed_units().filter(active=True)
    if params.get("category"):
        units = units.filter(category=params.get("category"))
    units = list(units)
    # Every branch that counted in the period's windows, and the units' own rules (the committee sees them all):
    # the stored verdicts, the engine for units the store cannot answer for (a past `as_of`, a stale year).
    counted = store.tallies(units, period, today=params.today, rule_ids=[r.pk for r in rules])
    terms = effective(rules, {u.pk for u in units})
    rows = unit_rows(counted, units, terms, rules, period, status=params.get("status"), as_of=params.as_of)
    return params, period, rules, rows


OVERVIEW_PAGE_SIZE = 50


@committee_required
def overview(request, scope):
    """Which units are behind on what: compliance rate, warnings, failures and per-rule worst status."""
    params, period, rules, rows = _overview(request, scope)
    totals = Summary()
    for row in rows:
        totals.merge(row.total)
    # 50 units a page (the worst first): a province's 3,000 rows × 16 rules were seconds of rendering alone.
    page, page_querystring = paginate(request, rows, per_page=OVERVIEW_PAGE_SIZE)
    return render(
        request,
        "partylife/compliance/overview.html",
        {
            "rules": rules,
            "rows": rows,
            "page": page,
            "page_querystring": page_querystring,
            "totals": totals,
            "filters": params.values(),
            "filter_messages": params.messages(),
            "period": period,
            "period_nav": period_nav(request.GET, period, params.years),
            "as_of": params.as_of,
            "category_choices": params.choices("category"),
            "rule_choices": params.choices("rule"),
            "status_choices": params.choices("status"),
            "querystring": request.GET.urlencode(),
        },
    )


OVERVIEW_HEADERS = ["期间", "单位", "单位分类", "规则", "活动类型", "要求", "要求强度", "依据"]
OVERVIEW_HEADERS += [*SUMMARY_HEADERS, "落实率(%)"]


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
                head = (period.label, row.unit.name, row.unit.get_category_display())
                yield (*head, *_rule_cells(eff), *_summary_cells(summary))

    filename = f"组织生活落实情况-{period.key}"
    return xlsx_response(filename=filename, sheet_title="落实情况", headers=OVERVIEW_HEADERS, rows=lines())
