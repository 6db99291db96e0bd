"""Discipline · the committee's board (监督总览) with its export, and a unit's own page (本单位监督)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.core.excel import xlsx_response
from apps.core.navigation import NavItem
from apps.orgs.access import Role, Scope, committee_required, unit_manager_required
from apps.orgs.models import Unit

from ..selectors import board as selectors


@committee_required
@require_GET
def board(request, scope):
    today = timezone.localdate()
    rows = selectors.board(today=today)
    overdue = selectors.overdue_rectifications(today=today)
    for r in overdue:
        r.link = reverse("discipline:rectification_detail", args=[r.pk])
        r.overdue_days = (today - r.deadline).days
    return render(
        request,
        "discipline/board_page.html",
        {"rows": rows, "totals": selectors.totals(rows), "overdue": overdue, "today": today},
    )


@committee_required
@require_GET
def board_export(request, scope):
    rows = (
        (
            r.unit.name,
            r.open_count,
            r.overdue_count,
            r.oldest_overdue_days or "",
            r.yellow,
            r.red,
            r.deduction,
            "、".join(rnd.title for rnd in r.reports_missing),
        )
        for r in selectors.board(today=timezone.localdate())
    )
    headers = [
        "单位",
        "未销号整改",
        "逾期整改",
        "最长逾期天数",
        "有效黄牌",
        "有效红牌",
        "黄红牌扣分",
        "未报送的履责报告",
    ]
    return xlsx_response(filename="纪律监督总览", sheet_title="监督总览", headers=headers, rows=rows)


class UnitParamForm(forms.Form):
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.none(), required=False)

    def __init__(self, data, *, scope: Scope):
        super().__init__(data)
        self.fields["unit"].queryset = scope.managed_units()


@unit_manager_required
@require_GET
def unit_page(request, scope):
    form = UnitParamForm(request.GET, scope=scope)
    unit = form.cleaned_data.get("unit") if form.is_valid() else None
    units = list(scope.managed_units()) if not scope.is_committee else None
    if unit is None:
        if scope.is_committee:
            unit = Unit.objects.filter(active=True).order_by("order", "id").first()
        elif units:
            unit = units[0]
    if unit is None:
        raise PermissionDenied("您还没有负责的单位。")
    today = timezone.localdate()
    summary = selectors.unit_summary(unit, today=today)
    for r in summary["rectifications"]:
        r.link = reverse("discipline:rectification_detail", args=[r.pk])
    for item in summary["reports_due"]:
        item["link"] = reverse("discipline:report_detail", args=[item["report"].pk]) if item["report"] else ""
    for t in summary["talks"]:
        t.link = reverse("discipline:talk_detail", args=[t.pk])
    return render(
        request,
        "discipline/unit_page.html",
        {
            "unit": unit,
            "units": units if units and len(units) > 1 else None,
            "all_units": list(Unit.objects.filter(active=True).order_by("order", "id")) if scope.is_committee else None,
            "today": today,
            **summary,
        },
    )


urlpatterns = [
    path("board/", board, name="board"),
    path("board/export/", board_export, name="board_export"),
    path("unit/", unit_page, name="unit_page"),
]
NAV_ITEMS = (
    NavItem("监督总览", "discipline:board", roles=(Role.COMMITTEE,), menu="discipline", order=1),
    NavItem("本单位监督", "discipline:unit_page", roles=(Role.UNIT,), menu="discipline", order=1),
)
