"""Discipline · 责任清单 pages.

The committee keeps the template (versions; a draft is edited then published, read-only after) and sees
every unit's current list and who has not adopted the latest template (filter, Excel). A unit's secretary
adopts the latest template into a new draft version, adapts it (每条须有责任岗位) and confirms it; every
confirmed version stays viewable with its comparison to the template it came from. Branch secretaries and
members: 403 (the guard); another unit's list: 404 (the scope).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core import trash
from apps.core.excel import xlsx_response
from apps.core.forms import save_with_form_errors
from apps.core.listing import paginate
from apps.core.navigation import NavItem
from apps.orgs.access import Role, committee_required, unit_manager_required
from apps.orgs.models import UnitCategory

from .. import permissions
from ..filters.duties import AdoptionStatus
from ..forms.duties import DutyItemForm, TemplateForm, TemplateItemForm
from ..selectors import duties as selectors
from ..services import duties as services

COMMITTEE_MESSAGE = "只有工委管理员可以维护责任清单模板。"
UNIT_MESSAGE = "责任清单仅供单位党务干部和工委管理员查看。"


def _refused(request, write) -> bool:
    """Run a write; show a refusal (ValidationError) as an error message and say so."""
    try:
        write()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return True
    return False


def _item_fields(form, names) -> dict:
    """An item form's values for the service; an empty 顺序 leaves it (a new item goes last)."""
    fields = {name: form.cleaned_data[name] for name in names}
    if fields.get("order") is None:
        fields.pop("order", None)
    return fields


# --- the committee's template ---------------------------------------------------------------------------


def _template_or_404(pk):
    template = selectors.template_get(pk)
    if template is None:
        raise Http404("没有找到该模板版本。")
    return template


@unit_manager_required(message=UNIT_MESSAGE)
@require_GET
def duty_templates(request, scope):
    page, querystring = paginate(request, selectors.template_list())
    return render(
        request,
        "discipline/duties_templates.html",
        {"page": page, "querystring": querystring, "can_edit": permissions.can_supervise(scope)},
    )


@committee_required(message=COMMITTEE_MESSAGE)
@require_POST
def duty_template_new(request, scope):
    created = []
    if _refused(request, lambda: created.append(services.duty_template_new_version(actor=request.user))):
        return redirect("discipline:duty_templates")
    messages.success(request, f"已新建第{created[0].version}版草稿（已复制上一版的条目）。")
    return redirect("discipline:duty_template_detail", pk=created[0].pk)


@unit_manager_required(message=UNIT_MESSAGE)
def duty_template_detail(request, scope, pk):
    template = _template_or_404(pk)
    can_edit = permissions.can_supervise(scope) and template.published_at is None
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(services.TEMPLATE_PUBLISHED if scope.is_committee else COMMITTEE_MESSAGE)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in services.TEMPLATE_FIELDS}
            if save_with_form_errors(
                form, lambda: services.duty_template_update(actor=request.user, template=template, fields=fields)
            ):
                messages.success(request, "已保存。")
                return redirect("discipline:duty_template_detail", pk=template.pk)
    return render(
        request,
        "discipline/duties_template_detail.html",
        {"template": template, "items": list(template.items.all()), "can_edit": can_edit, "form": form},
    )


@committee_required(message=COMMITTEE_MESSAGE)
def duty_template_item(request, scope, pk, item_pk=None):
    """Add (item_pk None) or change an item of a draft template."""
    template = _template_or_404(pk)
    item = None
    if item_pk is not None:
        item = selectors.template_item_get(item_pk)
        if item is None or item.template_id != template.pk:
            raise Http404("没有找到该条目。")
    form = TemplateItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        fields = _item_fields(form, services.TEMPLATE_ITEM_FIELDS)
        saved = save_with_form_errors(
            form,
            lambda: services.duty_template_item_save(actor=request.user, template=template, item=item, fields=fields),
        )
        if saved:
            messages.success(request, "条目已保存。")
            return redirect("discipline:duty_template_detail", pk=template.pk)
    return render(
        request,
        "discipline/duties_item_form.html",
        {
            "form": form,
            "title": f"{'修改' if item else '新增'}模板条目",
            "back": reverse("discipline:duty_template_detail", args=[template.pk]),
            "subject": str(template),
        },
    )


@committee_required(message=COMMITTEE_MESSAGE)
@require_POST
def duty_template_item_delete(request, scope, pk, item_pk):
    template = _template_or_404(pk)
    item = selectors.template_item_get(item_pk)
    if item is None or item.template_id != template.pk:
        raise Http404("没有找到该条目。")
    if not _refused(request, lambda: services.duty_template_item_delete(actor=request.user, item=item)):
        messages.success(request, f"条目{trash.MOVED}。")
    return redirect("discipline:duty_template_detail", pk=template.pk)


@committee_required(message=COMMITTEE_MESSAGE)
@require_POST
def duty_template_publish(request, scope, pk):
    template = _template_or_404(pk)
    write = lambda: services.duty_template_publish(actor=request.user, template=template, now=timezone.now())  # noqa: E731
    if not _refused(request, write):
        messages.success(request, f"第{template.version}版已发布，各单位可采用。")
    return redirect("discipline:duty_template_detail", pk=template.pk)


@committee_required(message=COMMITTEE_MESSAGE)
@require_POST
def duty_template_delete(request, scope, pk):
    template = _template_or_404(pk)
    if _refused(request, lambda: services.duty_template_delete(actor=request.user, template=template)):
        return redirect("discipline:duty_template_detail", pk=template.pk)
    messages.success(request, f"第{template.version}版草稿{trash.MOVED}。")
    return redirect("discipline:duty_templates")


# --- the committee's overview of units ------------------------------------------------------------------


@committee_required(message="各单位责任清单仅供工委管理员查看。")
@require_GET
def duty_overview(request, scope):
    filterset = selectors.unit_duty_overview(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    return render(
        request,
        "discipline/duties_overview.html",
        {
            "title": "各单位责任清单",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("discipline:duty_overview_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in ("q", "category", "status")},
            "category_choices": [("", "全部分类"), *UnitCategory.choices],
            "status_choices": [("", "全部采用情况"), *AdoptionStatus.choices],
            "latest_version": filterset.latest_version,
        },
    )


def adoption_label(unit, latest_version) -> str:
    if unit.current_version is None:
        return AdoptionStatus.NONE.label
    if latest_version is not None and unit.current_template_version == latest_version:
        return AdoptionStatus.LATEST.label
    return AdoptionStatus.BEHIND.label


@committee_required(message="各单位责任清单仅供工委管理员查看。")
@require_GET
def duty_overview_export(request, scope):
    filterset = selectors.unit_duty_overview(user=request.user, filters=request.GET)
    latest = filterset.latest_version
    rows = (
        (
            u.name,
            u.get_category_display(),
            f"第{u.current_version}版" if u.current_version else "—",
            f"第{u.current_template_version}版" if u.current_template_version else "—",
            u.current_adopted_at or "—",
            adoption_label(u, latest),
            u.has_draft,
        )
        for u in filterset.qs.iterator(chunk_size=500)
    )
    headers = ["单位", "分类", "当前清单版本", "依据模板版本", "确认时间", "采用情况", "有未确认草稿"]
    return xlsx_response(
        filename="各单位责任清单", sheet_title="各单位责任清单", headers=headers, rows=rows, notes=filterset.messages()
    )


# --- a unit's list ------------------------------------------------------------------------------------------


@unit_manager_required(message=UNIT_MESSAGE)
@require_GET
def duty_mine(request, scope):
    """本单位责任清单: the secretary's unit (a chooser when they keep several; the committee goes to the overview)."""
    if scope.is_committee:
        return redirect("discipline:duty_overview")
    units = list(scope.managed_units())
    if len(units) == 1:
        return redirect("discipline:duty_unit", unit_pk=units[0].pk)
    return render(request, "discipline/duties_choose_unit.html", {"units": units})


@unit_manager_required(message=UNIT_MESSAGE)
@require_GET
def duty_unit(request, scope, unit_pk):
    unit = scope.managed_units().filter(pk=unit_pk).first()
    if unit is None:
        raise Http404("没有找到该单位。")
    versions = list(selectors.unit_lists(user=request.user, unit_id=unit.pk))
    current = next((v for v in versions if v.adopted_at), None)
    draft = next((v for v in versions if not v.adopted_at), None)
    latest = selectors.latest_published_template()
    can_answer = permissions.can_answer_for_unit(scope, unit.pk)
    return render(
        request,
        "discipline/duties_unit.html",
        {
            "unit": unit,
            "versions": versions,
            "current": current,
            "current_items": list(current.items.all()) if current else [],
            "draft": draft,
            "latest": latest,
            "behind": latest is not None and (current is None or current.template_id != latest.pk),
            "can_adopt": can_answer and latest is not None and draft is None,
            "can_answer": can_answer,
        },
    )


@unit_manager_required(message=UNIT_MESSAGE)
@require_POST
def duty_adopt(request, scope, unit_pk):
    unit = scope.managed_units().filter(pk=unit_pk).first()
    if unit is None:
        raise Http404("没有找到该单位。")
    created = []
    if _refused(request, lambda: created.append(services.unit_duty_list_adopt(actor=request.user, unit=unit))):
        return redirect("discipline:duty_unit", unit_pk=unit.pk)
    messages.success(request, f"已按最新模板生成第{created[0].version}版草稿，请逐条填写责任岗位后确认。")
    return redirect("discipline:duty_list_detail", pk=created[0].pk)


def _list_or_404(request, pk):
    duty_list = selectors.duty_list_get(user=request.user, pk=pk)
    if duty_list is None:
        raise Http404("没有找到该责任清单。")
    return duty_list


@unit_manager_required(message=UNIT_MESSAGE)
@require_GET
def duty_list_detail(request, scope, pk):
    duty_list = _list_or_404(request, pk)
    rows = selectors.compare_with_template(duty_list)
    return render(
        request,
        "discipline/duties_list_detail.html",
        {
            "duty_list": duty_list,
            "rows": rows,
            "can_edit": duty_list.adopted_at is None and permissions.can_answer_for_unit(scope, duty_list.unit_id),
            "missing_owner": sum(1 for r in rows if r.item and not r.item.owner_position.strip()),
        },
    )


@unit_manager_required(message=UNIT_MESSAGE)
def duty_item(request, scope, pk, item_pk=None):
    """Change an item of the unit's draft, or add the unit's own (item_pk None)."""
    duty_list = _list_or_404(request, pk)
    item = None
    if item_pk is not None:
        item = selectors.duty_item_get(user=request.user, pk=item_pk)
        if item is None or item.duty_list_id != duty_list.pk:
            raise Http404("没有找到该条目。")
    if not permissions.can_answer_for_unit(scope, duty_list.unit_id):
        raise PermissionDenied(services.UNIT_ONLY)
    form = DutyItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        fields = _item_fields(form, services.DUTY_ITEM_FIELDS)
        saved = save_with_form_errors(
            form,
            lambda: services.unit_duty_item_save(actor=request.user, duty_list=duty_list, item=item, fields=fields),
        )
        if saved:
            messages.success(request, "条目已保存。")
            return redirect("discipline:duty_list_detail", pk=duty_list.pk)
    return render(
        request,
        "discipline/duties_item_form.html",
        {
            "form": form,
            "title": "修改清单条目" if item else "新增本单位条目",
            "back": reverse("discipline:duty_list_detail", args=[duty_list.pk]),
            "subject": str(duty_list),
        },
    )


@unit_manager_required(message=UNIT_MESSAGE)
@require_POST
def duty_item_delete(request, scope, pk, item_pk):
    duty_list = _list_or_404(request, pk)
    item = selectors.duty_item_get(user=request.user, pk=item_pk)
    if item is None or item.duty_list_id != duty_list.pk:
        raise Http404("没有找到该条目。")
    if not _refused(request, lambda: services.unit_duty_item_delete(actor=request.user, item=item)):
        messages.success(request, f"条目{trash.MOVED}。")
    return redirect("discipline:duty_list_detail", pk=duty_list.pk)


@unit_manager_required(message=UNIT_MESSAGE)
@require_POST
def duty_list_confirm(request, scope, pk):
    duty_list = _list_or_404(request, pk)
    write = lambda: services.unit_duty_list_confirm(actor=request.user, duty_list=duty_list, now=timezone.now())  # noqa: E731
    if not _refused(request, write):
        messages.success(request, f"第{duty_list.version}版责任清单已确认。")
    return redirect("discipline:duty_list_detail", pk=duty_list.pk)


@unit_manager_required(message=UNIT_MESSAGE)
@require_POST
def duty_list_discard(request, scope, pk):
    duty_list = _list_or_404(request, pk)
    if _refused(request, lambda: services.unit_duty_list_discard(actor=request.user, duty_list=duty_list)):
        return redirect("discipline:duty_list_detail", pk=duty_list.pk)
    messages.success(request, f"第{duty_list.version}版草稿{trash.MOVED}。")
    return redirect("discipline:duty_unit", unit_pk=duty_list.unit_id)


urlpatterns = [
    path("duties/templates/", duty_templates, name="duty_templates"),
    path("duties/templates/new/", duty_template_new, name="duty_template_new"),
    path("duties/templates/<int:pk>/", duty_template_detail, name="duty_template_detail"),
    path("duties/templates/<int:pk>/items/new/", duty_template_item, name="duty_template_item_new"),
    path("duties/templates/<int:pk>/items/<int:item_pk>/", duty_template_item, name="duty_template_item"),
    path(
        "duties/templates/<int:pk>/items/<int:item_pk>/delete/",
        duty_template_item_delete,
        name="duty_template_item_delete",
    ),
    path("duties/templates/<int:pk>/publish/", duty_template_publish, name="duty_template_publish"),
    path("duties/templates/<int:pk>/delete/", duty_template_delete, name="duty_template_delete"),
    path("duties/units/", duty_overview, name="duty_overview"),
    path("duties/units/export/", duty_overview_export, name="duty_overview_export"),
    path("duties/mine/", duty_mine, name="duty_mine"),
    path("duties/units/<int:unit_pk>/", duty_unit, name="duty_unit"),
    path("duties/units/<int:unit_pk>/adopt/", duty_adopt, name="duty_adopt"),
    path("duties/lists/<int:pk>/", duty_list_detail, name="duty_list_detail"),
    path("duties/lists/<int:pk>/items/new/", duty_item, name="duty_item_new"),
    path("duties/lists/<int:pk>/items/<int:item_pk>/", duty_item, name="duty_item"),
    path("duties/lists/<int:pk>/items/<int:item_pk>/delete/", duty_item_delete, name="duty_item_delete"),
    path("duties/lists/<int:pk>/confirm/", duty_list_confirm, name="duty_list_confirm"),
    path("duties/lists/<int:pk>/discard/", duty_list_discard, name="duty_list_discard"),
]
NAV_ITEMS = (
    NavItem("责任清单模板", "discipline:duty_templates", roles=(Role.COMMITTEE,), menu="discipline", order=10),
    NavItem("各单位责任清单", "discipline:duty_overview", roles=(Role.COMMITTEE,), menu="discipline", order=11),
    NavItem("本单位责任清单", "discipline:duty_mine", roles=(Role.UNIT,), menu="discipline", order=10),
)
