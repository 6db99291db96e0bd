"""Scoring · 指标体系 — 年度指标体系、版本、指标的增删改.

Committee and unit secretaries read every system; only the committee writes (the services check again).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.core import trash
from apps.core.navigation import NavItem
from apps.core.permissions import require
from apps.orgs.access import Role, committee_required, unit_manager_required

from ..forms.systems import IndicatorForm, NewYearForm, SystemForm
from ..models import Indicator, IndicatorSystem
from ..permissions import can_manage
from ..selectors import systems as selectors
from ..services import systems as services
from ..services.systems import FROZEN

READ_DENIED = "指标体系仅供工委管理员和单位党务干部查看。"
WRITE_DENIED = "只有工委管理员可以维护指标体系。"


def _errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.error_dict.items():
        form.add_error(key if key in form.fields else None, [m for e in errors for m in e.messages])


def _system(pk) -> IndicatorSystem:
    system = selectors.system_get(pk)
    if system is None:
        raise Http404("没有该指标体系。")
    return system


@unit_manager_required(message=READ_DENIED)
def systems_list(request, scope):
    systems = selectors.systems_list()
    next_year = (systems[0].year + 1) if systems else timezone.localdate().year
    form = NewYearForm(request.POST or None, initial={"year": next_year})
    if request.method == "POST":
        require(can_manage(scope), WRITE_DENIED)
        if form.is_valid():
            try:
                system = services.system_create_year(actor=request.user, year=form.cleaned_data["year"])
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, f"{system.year}年度的指标体系已就绪。")
                return redirect("scoring:system_detail", pk=system.pk)
    return render(
        request,
        "scoring/systems_list.html",
        {"systems": systems, "can_manage": can_manage(scope), "form": form},
    )


@unit_manager_required(message=READ_DENIED)
@require_GET
def system_detail(request, scope, pk):
    system = _system(pk)
    view = selectors.system_view(system)
    return render(
        request,
        "scoring/systems_detail.html",
        {
            "system": system,
            "view": view,
            "tier_rules": selectors.tier_rules(system),
            "can_manage": can_manage(scope),
            "frozen_message": FROZEN,
        },
    )


@committee_required(message=WRITE_DENIED)
def system_edit(request, scope, pk):
    system = _system(pk)
    form = SystemForm(request.POST or None, instance=system)
    if system.frozen:
        if request.method == "POST":
            form.add_error(None, FROZEN)
    elif request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.SYSTEM_FIELDS}
        try:
            services.system_update(actor=request.user, system=system, fields=fields)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "指标体系已保存。")
            return redirect("scoring:system_detail", pk=system.pk)
    return render(
        request, "scoring/systems_form.html", {"form": form, "system": system, "title": "编辑指标体系及等次规则"}
    )


@committee_required(message=WRITE_DENIED)
def system_new_version(request, scope, pk):
    """GET: what a new version does; POST: make it (the new version is in force from then on)."""
    system = _system(pk)
    if request.method == "POST":
        new = services.system_new_version(actor=request.user, system=system)
        messages.success(request, f"已新建第{new.version}版，自即日起按该版本评分。")
        return redirect("scoring:system_detail", pk=new.pk)
    return render(request, "scoring/systems_new_version.html", {"system": system})


@unit_manager_required(message=READ_DENIED)
@require_GET
def system_history(request, scope, pk):
    system = _system(pk)
    return render(
        request, "scoring/systems_history.html", {"system": system, "history": selectors.system_history(system)}
    )


def _indicator_form(request, system: IndicatorSystem, indicator: Indicator | None):
    form = IndicatorForm(request.POST or None, instance=indicator)
    if system.frozen:
        if request.method == "POST":
            form.add_error(None, FROZEN)
    elif request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.INDICATOR_FIELDS}
        try:
            if indicator is None:
                indicator = services.indicator_create(actor=request.user, system=system, fields=fields)
            else:
                indicator = services.indicator_update(actor=request.user, indicator=indicator, fields=fields)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"指标“{indicator.name}”已保存。")
            return redirect(reverse("scoring:system_detail", args=[system.pk]) + f"#indicator-{indicator.pk}")
    return render(
        request,
        "scoring/systems_indicator_form.html",
        {"form": form, "system": system, "indicator": indicator, "frozen_message": FROZEN},
    )


@committee_required(message=WRITE_DENIED)
def indicator_new(request, scope, pk):
    return _indicator_form(request, _system(pk), None)


@committee_required(message=WRITE_DENIED)
def indicator_edit(request, scope, pk):
    indicator = get_object_or_404(Indicator.objects.select_related("system"), pk=pk)
    return _indicator_form(request, indicator.system, indicator)


@committee_required(message=WRITE_DENIED)
def indicator_delete(request, scope, pk):
    """GET: the confirmation page (or why it cannot be deleted); POST: delete."""
    indicator = get_object_or_404(Indicator.objects.select_related("system"), pk=pk)
    system = indicator.system
    reason = FROZEN if system.frozen else services.indicator_in_use(indicator)
    if request.method == "POST" and not reason:
        try:
            services.indicator_delete(actor=request.user, indicator=indicator)
        except ValidationError as exc:
            reason = "；".join(exc.messages)
        else:
            messages.success(request, f"指标“{indicator.name}”{trash.MOVED}。")
            return redirect("scoring:system_detail", pk=system.pk)
    if request.method == "POST":
        messages.error(request, reason)
    return render(
        request,
        "scoring/systems_indicator_delete.html",
        {"indicator": indicator, "system": system, "reason": reason},
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("", systems_list, name="systems"),
    path("systems/<int:pk>/", system_detail, name="system_detail"),
    path("systems/<int:pk>/edit/", system_edit, name="system_edit"),
    path("systems/<int:pk>/new-version/", system_new_version, name="system_new_version"),
    path("systems/<int:pk>/history/", system_history, name="system_history"),
    path("systems/<int:pk>/indicators/new/", indicator_new, name="indicator_new"),
    path("indicators/<int:pk>/edit/", indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/delete/", indicator_delete, name="indicator_delete"),
]

NAV_ITEMS = (
    NavItem(
        "指标体系", "scoring:systems", roles=(Role.COMMITTEE, Role.UNIT), menu="scoring", order=80, divider_before=True
    ),
)
