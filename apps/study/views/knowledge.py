"""Study · 应知应会 pages: the member's list with a mark-studied toggle; the committee's list management and
Excel import; the progress page (per unit, branch and member) for secretaries and the committee.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core import exports
from apps.core.excel import xlsx_response
from apps.core.imports import report_import
from apps.core.listing import paginate
from apps.core.navigation import NavItem
from apps.core.redirects import same_site
from apps.orgs.access import Role, committee_required, manager_required, scope_required
from apps.orgs.filters import branch_choices, unit_choices

from ..filters.knowledge import ORDER_CHOICES, PROGRESS_CHOICES
from ..forms.knowledge import KnowledgeImportForm, KnowledgeItemForm
from ..models import KnowledgeCategory, KnowledgeItem
from ..selectors import knowledge as selectors
from ..services import knowledge as services
from ..services import knowledge_import as importer
from .errors import add_service_errors

ADMIN_DENIED = "只有工委管理员可以维护应知应会清单。"
PROGRESS_DENIED = "应知应会进度仅供党务工作人员查看。"


# --- the member's list ------------------------------------------------------------------------------


@scope_required
@require_GET
def knowledge_list(request, scope):
    groups = selectors.grouped_items(scope.member_id)
    total = sum(len(g["items"]) for g in groups)
    done = sum(g["done"] for g in groups)
    return render(
        request,
        "study/knowledge_list.html",
        {
            "groups": groups,
            "total": total,
            "done": done,
            "percent": int(done * 100 / total) if total else 0,
            "can_mark": scope.member_id is not None,
        },
    )


@scope_required
@require_POST
def knowledge_mark(request, scope, pk):
    """Mark (action=mark) or unmark (action=unmark) one item for oneself; back to the list at that item."""
    item = get_object_or_404(KnowledgeItem, pk=pk)
    try:
        if request.POST.get("action") == "unmark":
            services.knowledge_unmark(actor=request.user, item=item)
            messages.info(request, f"已取消“{item.title}”的已学标记。")
        else:
            services.knowledge_mark(actor=request.user, item=item)
            messages.success(request, f"已标记“{item.title}”为已学。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    back = same_site(request, request.POST.get("next")) or reverse("study:knowledge_list")
    return redirect(f"{back}#item-{item.pk}")


# --- the committee's list ------------------------------------------------------------------------------


@committee_required(message=ADMIN_DENIED)
@require_GET
def knowledge_admin(request, scope):
    filterset = selectors.item_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    return render(
        request,
        "study/knowledge_admin.html",
        {
            "title": "应知应会清单管理",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("study:knowledge_admin_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in ("q", "category", "subcategory", "active")},
            "category_choices": [("", "全部类别"), *KnowledgeCategory.choices],
            "subcategory_choices": [("", "全部分类"), *((s, s) for s in selectors.subcategories())],
            "active_choices": [("", "全部"), ("1", "在清单中"), ("0", "已停用")],
        },
    )


@committee_required(message=ADMIN_DENIED)
@require_GET
def knowledge_admin_export(request, scope):
    rows = (
        (
            i.get_category_display(),
            i.subcategory,
            i.title,
            i.issued_by,
            i.issued_on,
            i.summary,
            i.link,
            i.order,
            "是" if i.active else "否",
        )
        for i in selectors.item_filter(user=request.user, filters=request.GET).qs.iterator(chunk_size=500)
    )
    return xlsx_response(
        filename="应知应会清单", sheet_title="应知应会清单", headers=importer.TEMPLATE_HEADERS, rows=rows
    )


@committee_required(message=ADMIN_DENIED)
def knowledge_item_create(request, scope):
    return _item_form(request, None)


@committee_required(message=ADMIN_DENIED)
def knowledge_item_edit(request, scope, pk):
    return _item_form(request, get_object_or_404(KnowledgeItem, pk=pk))


def _item_form(request, item):
    form = KnowledgeItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.KNOWLEDGE_FIELDS}
        try:
            if item is None:
                services.knowledge_item_create(actor=request.user, fields=fields)
            else:
                services.knowledge_item_update(actor=request.user, item=item, fields=fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "条目已保存。")
            return redirect("study:knowledge_admin")
    return render(request, "study/knowledge_form.html", {"form": form, "item": item})


@committee_required(message=ADMIN_DENIED)
@require_POST
def knowledge_item_toggle(request, scope, pk):
    item = get_object_or_404(KnowledgeItem, pk=pk)
    active = request.POST.get("active") == "1"
    services.knowledge_item_set_active(actor=request.user, item=item, active=active)
    messages.success(request, f"“{item.title}”已{'恢复到清单中' if active else '停用（移出清单）'}。")
    return redirect(same_site(request, request.POST.get("next")) or reverse("study:knowledge_admin"))


@committee_required(message=ADMIN_DENIED)
def knowledge_import(request, scope):
    """Upload the list: preview (check only) first, then import; every bad row is listed, nothing written."""
    result = None
    form = KnowledgeImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = importer.knowledge_import(
            actor=request.user, file=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"]
        )
        report_import(request, result)
        if result.written:
            form = KnowledgeImportForm()
    return render(
        request,
        "study/knowledge_import.html",
        {"form": form, "result": result, "columns": importer.COLUMN_HELP, "max_rows": importer.MAX_ROWS},
    )


@committee_required(message=ADMIN_DENIED)
@require_GET
def knowledge_template(request, scope):
    return xlsx_response(
        filename="应知应会清单导入模板",
        sheet_title="应知应会清单",
        headers=importer.TEMPLATE_HEADERS,
        rows=[importer.EXAMPLE_ROW],
    )


# --- progress ------------------------------------------------------------------------------------------


@manager_required(message=PROGRESS_DENIED)
@require_GET
def knowledge_progress(request, scope):
    """Per unit (several units) or per branch, the completion rate; per member done / total, filtered."""
    total = selectors.knowledge_total()
    filterset = selectors.progress_filter(user=request.user, filters=request.GET, total=total)
    page, querystring = paginate(request, filterset.qs)
    unit = filterset.form.cleaned_data.get("unit") if filterset.form.is_valid() else None
    units = selectors.unit_rates(scope, total_items=total) if scope.spans_units else None
    branches = None
    if not scope.spans_units or unit is not None:
        branches = selectors.branch_rates(scope, unit=unit, total_items=total)
    return render(
        request,
        "study/knowledge_progress.html",
        {
            "title": "应知应会学习进度",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("study:knowledge_progress_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {
                name: request.GET.get(name, "").strip() for name in ("q", "unit", "branch", "progress", "order")
            },
            "unit_choices": unit_choices(scope),
            "branch_choices": branch_choices(scope, unit=unit),
            "progress_choices": [("", "全部进度"), *PROGRESS_CHOICES],
            "order_choices": [("", "排序：完成少的在前"), *ORDER_CHOICES[1:]],
            "total": total,
            "unit_rates": units,
            "branch_rates": branches,
            "chosen_unit": unit,
        },
    )


KNOWLEDGE_PROGRESS_HEADERS = ["单位", "支部", "姓名", "职务", "已学条目", "清单条目", "完成率"]


@exports.exporter("应知应会学习进度")
def knowledge_progress_rows(*, user, params) -> exports.Export:
    """Each member's 应知应会 progress the user may see (the page's selector); a city's members export as a job."""
    total = selectors.knowledge_total()

    def line(m) -> tuple:
        rate = f"{m.done * 100 / total:.1f}%" if total else "—"
        return (m.branch.unit.name, m.branch.name, m.name, m.position, m.done, total, rate)

    filterset = selectors.progress_filter(user=user, filters=params, total=total)
    return exports.Export(
        filename="应知应会学习进度",
        sheet_title="应知应会学习进度",
        headers=KNOWLEDGE_PROGRESS_HEADERS,
        queryset=filterset.qs,
        row=line,
        notes=[f"{m}（已忽略该条件）" for m in filterset.messages()],
        chunk_size=500,
    )


@manager_required(message=PROGRESS_DENIED)
@require_GET
def knowledge_progress_export(request, scope):
    return exports.respond(request, knowledge_progress_rows)


urlpatterns = [
    path("knowledge/", knowledge_list, name="knowledge_list"),
    path("knowledge/<int:pk>/mark/", knowledge_mark, name="knowledge_mark"),
    path("knowledge/admin/", knowledge_admin, name="knowledge_admin"),
    path("knowledge/admin/export/", knowledge_admin_export, name="knowledge_admin_export"),
    path("knowledge/admin/new/", knowledge_item_create, name="knowledge_item_create"),
    path("knowledge/admin/<int:pk>/edit/", knowledge_item_edit, name="knowledge_item_edit"),
    path("knowledge/admin/<int:pk>/active/", knowledge_item_toggle, name="knowledge_item_toggle"),
    path("knowledge/admin/import/", knowledge_import, name="knowledge_import"),
    path("knowledge/admin/template/", knowledge_template, name="knowledge_template"),
    path("knowledge/progress/", knowledge_progress, name="knowledge_progress"),
    path("knowledge/progress/export/", knowledge_progress_export, name="knowledge_progress_export"),
]
SECRETARIES = (Role.COMMITTEE, Role.UNIT, Role.BRANCH)
NAV_ITEMS = (
    NavItem("应知应会进度", "study:knowledge_progress", roles=SECRETARIES, menu="study", order=26),
    NavItem(
        "应知应会清单管理",
        "study:knowledge_admin",
        roles=(Role.COMMITTEE,),
        menu="study",
        order=30,
        divider_before=True,
    ),
    NavItem("应知应会", "study:knowledge_list", roles=(Role.MEMBER, Role.UNIT, Role.BRANCH), menu="study", order=44),
)
