"""The committee's compliance settings: rules (组织生活规则), unit overrides (单位规则调整), closed months (关账).

Every page is the committee's (`committee_required`); every write goes through a service, whose
ValidationError becomes a form error or a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core import trash
from apps.core.forms import save_with_form_errors
from apps.core.history import history_rows
from apps.core.periods import Frequency, Period, local_date, local_tz
from apps.orgs.access import committee_required

from .. import services
from ..forms.compliance import OverrideForm, RuleForm
from ..forms.params import MonthForm, OverrideParams, YearParams
from ..models import Activity, ComplianceRule, PeriodLock, RuleOverride
from ..presenters import lock_months, year_links

# --- rules --------------------------------------------------------------------------------------------------


def _rules(scope):
    return scope.visible(ComplianceRule).select_related("activity_type")


def _applies_from() -> str:
    """What a saved edit says about when it applies."""
    month = services.rule_edits_apply_from()
    if month is None:
        return ""
    return f"调整自 {month.year}年{month.month}月 起生效；已关账月份按关账时的规则判定。"


@committee_required
def rule_list(request, scope):
    rules = _rules(scope).annotate(override_count=Count("overrides")).order_by("order", "id")
    context = {"rules": rules, "applies_from": services.rule_edits_apply_from()}
    return render(request, "partylife/compliance/rule_list.html", context)


def _override_units(scope):
    return scope.units().filter(active=True).only("pk", "name", "order").order_by("order", "id")


def _override_initial(rule: ComplianceRule, override: RuleOverride | None = None, unit=None) -> dict:
    """The override form's values: an existing override's, else the rule's own for the chosen unit."""
    source = override or rule
    initial = {name: getattr(source, name) for name in ("frequency", "min_count", "strength", "coverage")}
    if override is None:
        return initial | {"unit": unit.pk if unit else None, "applies": True}
    return initial | {"unit": override.unit_id, "applies": override.applies, "note": override.note}


@committee_required
def rule_edit(request, scope, pk):
    rule = get_object_or_404(_rules(scope), pk=pk)
    initial = {name: getattr(rule, name) for name in services.RULE_FIELDS}
    form = RuleForm(request.POST or None, initial=initial, coverage=rule.activity_type.has_talk_pair)
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(
            form, lambda: services.rule_update(actor=request.user, rule=rule, data=form.cleaned_data)
        )
        if saved:
            messages.success(request, f"规则“{saved.name}”已保存。{_applies_from()}")
            return redirect("partylife:rule_edit", pk=saved.pk)
        rule.refresh_from_db()
    overrides = scope.filter(rule.overrides.select_related("unit")).order_by("unit__order", "unit_id")
    return render(
        request,
        "partylife/compliance/rule_edit.html",
        {
            "rule": rule,
            "form": form,
            "overrides": overrides,
            "override_form": OverrideForm(
                units=_override_units(scope),
                initial=_override_initial(rule),
                coverage=rule.activity_type.has_talk_pair,
            ),
            "history": history_rows(rule),
            "applies_from": services.rule_edits_apply_from(),
        },
    )


@committee_required
def override_edit(request, scope, pk):
    """Add or change one unit's version of a rule (stricter, looser, or not applicable)."""
    rule = get_object_or_404(_rules(scope), pk=pk)
    params = OverrideParams(request.GET, scope=scope)
    unit = params.get("unit")
    existing = None
    if unit is not None:
        existing = scope.visible(RuleOverride).filter(rule=rule, unit=unit).select_related("unit").first()
    initial = _override_initial(rule, existing, unit)
    form = OverrideForm(
        request.POST or None, units=_override_units(scope), initial=initial, coverage=rule.activity_type.has_talk_pair
    )
    if request.method == "POST" and form.is_valid():
        # The form's fields are the service's arguments: unit, frequency, min_count, strength, applies, note
        # (and coverage, for 谈心谈话).
        saved = save_with_form_errors(
            form, lambda: services.rule_override_set(actor=request.user, rule=rule, **form.cleaned_data)
        )
        if saved:
            messages.success(request, f"已保存“{saved.unit.name}”的规则调整。{_applies_from()}")
            return redirect("partylife:rule_edit", pk=rule.pk)
    return render(
        request,
        "partylife/compliance/override_form.html",
        {
            "rule": rule,
            "form": form,
            "existing": existing,
            "filter_messages": params.messages(),
            "applies_from": services.rule_edits_apply_from(),
        },
    )


@committee_required
@require_POST
def override_delete(request, scope, pk):
    override = get_object_or_404(scope.visible(RuleOverride).select_related("unit", "rule"), pk=pk)
    rule_pk, unit_name = override.rule_id, override.unit.name
    try:
        services.rule_override_delete(actor=request.user, override=override)
        messages.success(
            request, f"已取消“{unit_name}”的规则调整，恢复执行统一规则（该调整{trash.MOVED}）。{_applies_from()}"
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("partylife:rule_edit", pk=rule_pk)


# --- 关账 ----------------------------------------------------------------------------------------------------


@committee_required
def period_list(request, scope):
    params = YearParams(request.GET, scope=scope)
    today = params.today
    year = params.get("year", today.year)
    locks = list(scope.visible(PeriodLock).filter(month__year=year).select_related("closed_by"))
    start, end = Period(year, Frequency.YEAR).bounds()
    counts = (
        scope.visible(Activity)
        .filter(held_at__gte=start, held_at__lt=end)
        .annotate(month=TruncMonth("held_at", tzinfo=local_tz()))
        .values("month")
        .annotate(n=Count("id"))
    )
    history = PeriodLock.history.filter(month__year=year).select_related("history_user").order_by("-history_date")[:50]
    return render(
        request,
        "partylife/compliance/period_list.html",
        {
            "year": year,
            "months": lock_months(year, locks, {local_date(row["month"]): row["n"] for row in counts}, today),
            "history": history,
            "filter_messages": params.messages(),
            **year_links(request.GET, year, params.years),
        },
    )


def _month_action(request, service, *, missing: str, done: str):
    """Close or reopen the posted month through `service`; back to the 关账 page of its year with a message."""
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, missing)
        return redirect("partylife:period_list")
    month = form.cleaned_data["month"].start
    try:
        service(actor=request.user, month=month)
        messages.success(request, f"{month.year}年{month.month}月{done}")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(f"{reverse('partylife:period_list')}?year={month.year}")


@committee_required
@require_POST
def period_close(request, scope):
    return _month_action(
        request, services.period_close, missing="请选择要关账的月份。", done="已关账，该月的记录不能再修改。"
    )


@committee_required
@require_POST
def period_reopen(request, scope):
    return _month_action(
        request,
        services.period_reopen,
        missing="请选择要重新开放的月份。",
        done="已重新开放，该月的记录可以修改。",
    )
