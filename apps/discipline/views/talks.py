"""Discipline · 约谈提醒 (talks) pages: the committee records and follows up talks; a unit's secretary reads
their own unit's (read-only). Branch secretaries and members get 403; another unit's talk is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
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
from ..filters.talks import FOLLOW_UP_CHOICES
from ..forms.talks import FollowUpDoneForm, TalkForm
from ..models import TalkKind
from ..selectors import talks as selectors
from ..services import talks as services

READ_DENIED = "约谈提醒仅工委管理员和本单位党务干部可以查看。"
WRITE_DENIED = "只有工委管理员可以登记约谈提醒。"
LIST_FILTERS = ("q", "unit", "kind", "date_from", "date_to", "follow_up")


def _talk_or_404(request, pk):
    talk = selectors.talk_get(user=request.user, pk=pk)
    if talk is None:
        raise Http404("没有找到该约谈记录。")
    return talk


@unit_manager_required(message=READ_DENIED)
@require_GET
def talk_list(request, scope):
    filterset = selectors.talk_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    return render(
        request,
        "discipline/talk_list.html",
        {
            "title": "约谈提醒" if scope.is_committee else "本单位约谈提醒",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("discipline:talk_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in LIST_FILTERS},
            "unit_choices": unit_choices(scope),
            "kind_choices": [("", "全部类型"), *TalkKind.choices],
            "follow_up_choices": [("", "后续要求"), *FOLLOW_UP_CHOICES],
            "can_write": permissions.can_supervise(scope),
        },
    )


@unit_manager_required(message=READ_DENIED)
@require_GET
def talk_export(request, scope):
    rows = (
        (
            t.unit.name,
            t.get_kind_display(),
            t.held_on,
            t.talked_with,
            t.talked_by,
            t.reason,
            t.outcome,
            t.follow_up,
            t.follow_up_due,
            t.follow_up_done_on,
        )
        for t in selectors.talk_filter(user=request.user, filters=request.GET).qs.iterator(chunk_size=500)
    )
    headers = ["单位", "类型", "谈话日期", "谈话对象", "谈话人", "谈话事由", "谈话情况", "后续要求", "落实期限"]
    headers += ["落实日期"]
    return xlsx_response(filename="约谈提醒", sheet_title="约谈提醒", headers=headers, rows=rows)


@unit_manager_required(message=READ_DENIED)
@require_GET
def talk_detail(request, scope, pk):
    talk = _talk_or_404(request, pk)
    can_write = permissions.can_supervise(scope)
    return render(
        request,
        "discipline/talk_detail.html",
        {
            "talk": talk,
            "can_write": can_write,
            "history": history_rows(talk),
            "done_form": FollowUpDoneForm(initial={"done_on": None}) if can_write else None,
        },
    )


@committee_required(message=WRITE_DENIED)
def talk_create(request, scope):
    return _talk_form(request, scope, None)


@committee_required(message=WRITE_DENIED)
def talk_edit(request, scope, pk):
    return _talk_form(request, scope, _talk_or_404(request, pk))


def _talk_form(request, scope, talk):
    form = TalkForm(request.POST or None, instance=talk, scope=scope)
    if request.method == "POST" and form.is_valid():
        if talk is None:
            write = lambda: services.talk_create(actor=request.user, fields=form.service_fields())  # noqa: E731
        else:
            write = lambda: services.talk_update(actor=request.user, talk=talk, fields=form.service_fields())  # noqa: E731
        saved = save_with_form_errors(form, write)
        if saved is not None:
            messages.success(request, "约谈记录已保存。")
            return redirect("discipline:talk_detail", pk=saved.pk)
    return render(request, "discipline/talk_form.html", {"form": form, "talk": talk})


@committee_required(message=WRITE_DENIED)
@require_POST
def talk_follow_up_done(request, scope, pk):
    talk = _talk_or_404(request, pk)
    form = FollowUpDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("discipline:talk_detail", pk=talk.pk)
    try:
        services.talk_follow_up_done(actor=request.user, talk=talk, done_on=form.cleaned_data["done_on"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已标记后续要求落实。")
    return redirect("discipline:talk_detail", pk=talk.pk)


urlpatterns = [
    path("talks/", talk_list, name="talk_list"),
    path("talks/export/", talk_export, name="talk_export"),
    path("talks/new/", talk_create, name="talk_create"),
    path("talks/<int:pk>/", talk_detail, name="talk_detail"),
    path("talks/<int:pk>/edit/", talk_edit, name="talk_edit"),
    path("talks/<int:pk>/follow-up-done/", talk_follow_up_done, name="talk_follow_up_done"),
]
NAV_ITEMS = (
    NavItem("约谈提醒", "discipline:talk_list", roles=(Role.COMMITTEE, Role.UNIT), menu="discipline", order=40),
)
