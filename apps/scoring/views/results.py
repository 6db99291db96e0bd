"""Scoring · 单位得分 — 得分明细、指标、数据与记录；提升建议；历次得分.

A breakdown (and each of its lines, its records and its export) opens for the committee, and for a unit's own
secretaries in any run of their unit (`permissions.can_see_breakdown`); another unit's answers 404."""

from __future__ import annotations

import dataclasses

from django import forms
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_GET

from apps.core import metrics as metric_registry
from apps.core.navigation import NavItem
from apps.orgs.access import Role, unit_manager_required

from .. import presenters
from ..models import Method, Tier
from ..selectors import results as selectors

DENIED = "本单位得分仅供该单位党务干部和工委管理员查看。"


def _metric(key: str):
    if not key:
        return None
    try:
        return metric_registry.get(key)
    except KeyError:
        return None


def _result_or_404(request, pk):
    result = selectors.result_get(user=request.user, pk=pk)
    if result is None:
        raise Http404("没有找到该单位得分。")
    return result


def _breakdown_context(result) -> dict:
    lines = selectors.result_lines(result)
    units = {}
    for line in lines:
        metric = _metric(line.indicator.metric_key)
        units[line.indicator.metric_key] = metric.unit if metric else ""
        line.max_text = presenters.line_max(line)
        line.name_text = presenters.line_name(line)
        line.method_text = presenters.METHOD_LABELS.get(presenters.line_method(line), "")
    return {
        "result": result,
        "run": result.run,
        "groups": presenters.breakdown(lines),
        "suggestions": presenters.suggestions(lines, metric_units=units),
        "reweight_text": presenters.reweight_text(result),
        "tier_colour": presenters.tier_colour(result.tier),
        "arrow": presenters.rank_arrow(result),
        "lines": lines,
    }


@unit_manager_required(message=DENIED)
@require_GET
def unit_result(request, scope, pk):
    result = _result_or_404(request, pk)
    return render(request, "scoring/result_detail.html", _breakdown_context(result))


@unit_manager_required(message=DENIED)
@require_GET
def unit_result_export(request, scope, pk):
    result = _result_or_404(request, pk)
    context = _breakdown_context(result)
    summary = dataclasses.replace(presenters.ranking_sheet([result]), title="得分")
    advice = presenters.Sheet(
        "提升建议",
        ["指标", "目前", "目标", "可再得分"],
        [(s["name"], s["current"], s["goal"], s["adds"]) for s in context["suggestions"]],
        [30, 14, 14, 10],
    )
    sheets = [summary, presenters.lines_sheet(context["lines"], with_unit=False), advice]
    return presenters.workbook_response(filename=f"{result.unit_name}{result.run.period.label}得分", sheets=sheets)


def _evidence_url(entry) -> str:
    if entry is None or not entry.evidence:
        return ""
    try:
        return reverse("scoring:manual_evidence", args=[entry.pk])
    except NoReverseMatch:
        return ""


@unit_manager_required(message=DENIED)
@require_GET
def line_detail(request, scope, pk):
    line = selectors.line_get(user=request.user, pk=pk)
    if line is None:
        raise Http404("没有找到该指标得分。")
    result, run = line.unit_result, line.unit_result.run
    metric = _metric(line.indicator.metric_key)
    records = metric.records(run.period, result.unit_id, today=run.evaluated_on) if metric else []
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    method = presenters.line_method(line)
    entry = selectors.manual_entry(line) if method != Method.AUTO else None
    return render(
        request,
        "scoring/line_detail.html",
        {
            "line": line,
            "result": result,
            "run": run,
            "name": presenters.line_name(line),
            "max_points": presenters.line_max(line),
            "method_label": presenters.METHOD_LABELS.get(method, ""),
            "look_label": presenters.LOOK_LABELS.get(presenters.line_look(line), ""),
            "how": presenters.how_computed(line, metric_unit=metric.unit if metric else ""),
            "metric": metric,
            "page": page,
            "querystring": "",
            "entry": entry,
            "evidence_url": _evidence_url(entry),
            "is_manual": method != Method.AUTO,
        },
    )


class UnitParamForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


@unit_manager_required(message=DENIED)
@require_GET
def my_score(request, scope):
    if scope.is_committee:
        return redirect("scoring:rankings")
    units = scope.managed_units()
    form = UnitParamForm(request.GET or None, units=units)
    unit = (form.cleaned_data.get("unit") if form.is_valid() else None) or units.first()
    latest = selectors.latest_result(unit.pk) if unit else None
    history = selectors.published_history(unit.pk) if unit else []
    chart = [
        {"period": r.run.period.label, "total": float(r.total) if r.total is not None else None, "rank": r.rank}
        for r in history
    ]
    return render(
        request,
        "scoring/my_score.html",
        {
            "unit": unit,
            "units": list(units) if len(scope.unit_ids) > 1 else [],
            "latest": latest,
            "latest_colour": presenters.tier_colour(latest.tier) if latest else "",
            "history": [{"r": r, "tier_colour": presenters.tier_colour(r.tier)} for r in reversed(history)],
            "chart": chart,
            "tiers": Tier.choices,
        },
    )


urlpatterns = [
    path("results/<int:pk>/", unit_result, name="unit_result"),
    path("results/<int:pk>/export.xlsx", unit_result_export, name="unit_result_export"),
    path("lines/<int:pk>/", line_detail, name="line_detail"),
    path("mine/", my_score, name="my_score"),
]

NAV_ITEMS = (NavItem("本单位得分", "scoring:my_score", roles=(Role.UNIT,), menu="scoring", order=15),)
