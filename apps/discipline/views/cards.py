"""Discipline · 黄红牌 pages: list and export (committee: all; a unit's secretary: their own, read-only), issue,
detail with its history, lift (解除), and the colour rules (黄红牌规则)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core.excel import xlsx_response
from apps.core.forms import save_with_form_errors
from apps.core.history import history_rows
from apps.core.listing import paginate
from apps.core.navigation import NavItem
from apps.orgs.access import Role, committee_required, unit_manager_required
from apps.orgs.filters import unit_choices

from .. import permissions
from ..filters.cards import STATE_CHOICES
from ..forms.cards import CardForm, CardLiftForm, CardRuleForm, UnitParamForm
from ..models import CardColour, CardRule
from ..selectors import cards as selectors
from ..services import cards as services

SEE_DENIED = "黄红牌仅工委管理员和本单位党务干部可以查看。"
LIST_FILTERS = ("q", "unit", "colour", "state", "year")


def _card_or_404(request, pk):
    card = selectors.card_get(user=request.user, pk=pk)
    if card is None:
        raise Http404("没有找到该黄红牌。")
    return card


@unit_manager_required(message=SEE_DENIED)
@require_GET
def card_list(request, scope):
    filterset = selectors.card_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    return render(
        request,
        "discipline/card_list.html",
        {
            "title": "黄红牌" if scope.is_committee else "本单位黄红牌",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("discipline:card_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in LIST_FILTERS},
            "unit_choices": unit_choices(scope),
            "colour_choices": [("", "全部颜色"), *CardColour.choices],
            "state_choices": [("", "全部状态"), *STATE_CHOICES],
            "can_issue": permissions.can_supervise(scope),
        },
    )


@unit_manager_required(message=SEE_DENIED)
@require_GET
def card_export(request, scope):
    rows = (
        (
            c.unit.name,
            c.get_colour_display(),
            c.reason,
            c.issued_on,
            c.deduction,
            c.tier_cap if c.caps_tier else "",
            "有效" if c.in_force else "已解除",
            c.lifted_on,
            c.lift_note,
        )
        for c in selectors.card_list(user=request.user, filters=request.GET).iterator(chunk_size=500)
    )
    headers = ["单位", "颜色", "亮牌事由", "亮牌日期", "扣分", "最高等次", "状态", "解除日期", "解除说明"]
    return xlsx_response(filename="黄红牌", sheet_title="黄红牌", headers=headers, rows=rows)


@committee_required(message=services.DENIED)
def card_create(request, scope):
    data = request.POST if request.method == "POST" else request.GET
    unit = UnitParamForm(data, scope=scope).chosen()
    form = CardForm(request.POST or None, scope=scope, unit=unit)
    if request.method == "POST" and form.is_valid():
        card = save_with_form_errors(form, lambda: services.card_issue(actor=request.user, **form.card_kwargs()))
        if card is not None:
            messages.success(
                request,
                f"已向{card.unit.name}{'亮黄牌' if card.colour == CardColour.YELLOW else '掏红牌'}，并已通知该单位。",
            )
            return redirect("discipline:card_detail", pk=card.pk)
    return render(
        request,
        "discipline/card_form.html",
        {"form": form, "unit": unit, "units": selectors.issuable_units(scope), "rules": selectors.card_rules()},
    )


@unit_manager_required(message=SEE_DENIED)
@require_GET
def card_detail(request, scope, pk):
    card = _card_or_404(request, pk)
    can_lift = permissions.can_supervise(scope) and card.in_force
    return render(
        request,
        "discipline/card_detail.html",
        {
            "card": card,
            "findings": list(card.findings.all()),
            "talks": list(card.talks.all()),
            "blocking": selectors.open_items(card) if card.in_force else [],
            "can_lift": can_lift,
            "lift_form": CardLiftForm(),
            "history": history_rows(card, limit=20),
        },
    )


@committee_required(message=services.DENIED)
@require_POST
def card_lift(request, scope, pk):
    card = _card_or_404(request, pk)
    form = CardLiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("discipline:card_detail", pk=card.pk)
    try:
        services.card_lift(
            actor=request.user,
            card=card,
            note=form.cleaned_data["lift_note"],
            lifted_on=form.cleaned_data["lifted_on"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"{card.get_colour_display()}已解除，并已通知该单位。")
    return redirect("discipline:card_detail", pk=card.pk)


@committee_required(message=services.DENIED)
def card_rules(request, scope):
    rules = selectors.card_rules()
    editing = None
    if request.method == "POST":
        editing = get_object_or_404(CardRule, colour=request.POST.get("colour", ""))
    forms = []
    for rule in rules:
        posted = editing is not None and rule.pk == editing.pk
        form = CardRuleForm(request.POST if posted else None, instance=rule, prefix=rule.colour)
        if posted and form.is_valid():
            data = form.cleaned_data
            saved = save_with_form_errors(
                form,
                lambda rule=rule, data=data: services.card_rule_update(
                    actor=request.user,
                    rule=rule,
                    deduction=data["deduction"],
                    caps_tier=data["caps_tier"],
                    tier_cap=data["tier_cap"],
                    note=data["note"],
                ),
            )
            if saved is not None:
                messages.success(request, f"{rule.get_colour_display()}规则已保存；此后亮牌按新规则，已亮的牌不变。")
                return redirect("discipline:card_rules")
        forms.append((rule, form))
    return render(request, "discipline/card_rules.html", {"forms": forms})


urlpatterns = [
    path("cards/", card_list, name="card_list"),
    path("cards/export/", card_export, name="card_export"),
    path("cards/new/", card_create, name="card_create"),
    path("cards/<int:pk>/", card_detail, name="card_detail"),
    path("cards/<int:pk>/lift/", card_lift, name="card_lift"),
    path("card-rules/", card_rules, name="card_rules"),
]
NAV_ITEMS = (
    NavItem("黄红牌", "discipline:card_list", roles=(Role.COMMITTEE, Role.UNIT), menu="discipline", order=60),
    NavItem(
        "黄红牌规则", "discipline:card_rules", roles=(Role.COMMITTEE,), menu="discipline", order=90, divider_before=True
    ),
)
