"""Study · youth groups pages (青年理论学习小组): list, create, edit — routed by `views.sessions`.

Kept by the unit's secretary and the committee; members past the age limit are warned about.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.core.listing import paginate
from apps.orgs.access import unit_manager_required
from apps.orgs.filters import unit_choices
from apps.orgs.models import Member

from ..forms.sessions import YouthGroupForm
from ..selectors import sessions as selectors
from ..services import sessions as services
from .errors import add_service_errors

DENIED = "只有单位党务干部和工委管理员可以设置青年理论学习小组。"


@unit_manager_required(message=DENIED)
@require_GET
def youth_group_list(request, scope):
    filterset = selectors.youth_group_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    today = timezone.localdate()
    # One query for the page's members (not one per group): who is past the group's age limit today.
    prefetch_related_objects(
        page.object_list, Prefetch("members", queryset=Member.objects.order_by("birth_date", "name"))
    )
    for group in page:
        cutoff = services.youth_cutoff(today, group.max_age)
        group.over_age = [m for m in group.members.all() if m.birth_date <= cutoff]
    return render(
        request,
        "study/youth_list.html",
        {
            "title": "青年理论学习小组",
            "page": page,
            "querystring": querystring,
            "filter_messages": filterset.messages(),
            "filters": {name: request.GET.get(name, "").strip() for name in ("q", "unit", "active")},
            "unit_choices": unit_choices(scope),
            "active_choices": [("", "全部"), ("1", "在用"), ("0", "已停用")],
        },
    )


def _group_or_404(request, pk):
    group = selectors.youth_group_get(user=request.user, pk=pk)
    if group is None:
        raise Http404("没有找到该小组。")
    return group


@unit_manager_required(message=DENIED)
def youth_group_create(request, scope):
    return _group_form(request, scope, None)


@unit_manager_required(message=DENIED)
def youth_group_edit(request, scope, pk):
    return _group_form(request, scope, _group_or_404(request, pk))


def _group_form(request, scope, group):
    posted = request.method == "POST"
    form = YouthGroupForm(request.POST if posted else None, scope=scope, group=group, preset=request.GET)
    if posted and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in services.YOUTH_GROUP_FIELDS}
        try:
            if group is None:
                saved = services.youth_group_create(actor=request.user, fields=fields, members=data["members"])
            else:
                saved = services.youth_group_update(
                    actor=request.user, group=group, fields=fields, members=data["members"]
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or DENIED)
        else:
            over = services.over_age_members(saved, on=timezone.localdate())
            if over:
                names = "、".join(m.name for m in over)
                messages.warning(
                    request, f"小组已保存。注意：{names} 已超过{saved.max_age}周岁，不能再参加小组学习，请及时调整。"
                )
            else:
                messages.success(request, "小组已保存。")
            return redirect("study:youth_group_list")
    over_age = services.over_age_members(group, on=timezone.localdate()) if group is not None else []
    return render(
        request,
        "study/youth_form.html",
        {
            "form": form,
            "group": group,
            "over_age": over_age,
            "unit_picker": group is None and scope.spans_units,
            "units": selectors.keepable_units(scope),
        },
    )
