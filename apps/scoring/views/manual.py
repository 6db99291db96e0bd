"""Scoring · 人工评分 — 工委录入人工评分、加分、扣分、一票否决；Excel 导入；佐证材料.

Every page is the committee's; the evidence file is also served to the secretaries of the entry's unit.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from apps.core import trash
from apps.core.excel import xlsx_response
from apps.core.files import stored_file_response
from apps.core.history import history_rows
from apps.core.imports import report_import
from apps.core.listing import paginate
from apps.core.navigation import NavItem
from apps.core.periods import Frequency
from apps.orgs.access import Role, committee_required, scope_required

from ..forms.manual import ManualForm, ManualImportForm
from ..models import Indicator, Look
from ..selectors import manual as selectors
from ..services import manual as services
from ..services import manual_import as importer
from ..services.manual import DuplicateEntry

DENIED = "人工评分仅供工委管理员使用。"
EXPORT_HEADERS = (
    *("年度", "期间", "单位", "维度", "指标编码", "指标"),
    *("评分方式", "分数", "依据说明", "录入人", "更新时间"),
)
FILTER_NAMES = ("q", "year", "period", "look", "indicator", "unit")


def _entry(request, pk):
    entry = selectors.manual_entry(user=request.user, pk=pk)
    if entry is None:
        raise Http404("没有该条人工评分。")
    return entry


@committee_required(message=DENIED)
@require_GET
def manual_list(request, scope):
    filterset = selectors.manual_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    indicators = Indicator.objects.select_related("system").order_by("-system__year", "-system__version", "order")
    return render(
        request,
        "scoring/manual_list.html",
        {
            "title": "人工评分",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("scoring:manual_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in FILTER_NAMES},
            "look_choices": [("", "全部维度"), *Look.choices],
            "indicator_choices": [("", "全部指标")]
            + [
                (str(i.pk), f"{i.system.year}年第{i.system.version}版 · {i.name}")
                for i in indicators
                if i.entered_by_hand
            ],
            "unit_choices": [("", "全部单位"), *((str(u.pk), u.name) for u in scope.managed_units())],
        },
    )


@committee_required(message=DENIED)
@require_GET
def manual_export(request, scope):
    rows = (
        (
            e.period_key[:4],
            e.period.label,
            e.unit.name,
            e.indicator.get_look_display(),
            e.indicator.code,
            e.indicator.name,
            e.indicator.get_method_display(),
            e.points,
            e.note,
            str(e.entered_by or ""),
            e.updated_at,
        )
        for e in selectors.manual_filter(user=request.user, filters=request.GET).qs.iterator(chunk_size=500)
    )
    return xlsx_response(filename="人工评分", sheet_title="人工评分", headers=EXPORT_HEADERS, rows=rows)


def _errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.error_dict.items():
        form.add_error(key if key in form.fields else None, [m for e in errors for m in e.messages])


def _form(request, entry):
    form = ManualForm(request.POST or None, request.FILES or None, instance=entry)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.MANUAL_FIELDS}
        evidence = form.cleaned_data.get("evidence")
        try:
            if entry is None:
                saved = services.manual_create(actor=request.user, fields=fields, evidence=evidence)
            else:
                saved = services.manual_update(
                    actor=request.user,
                    entry=entry,
                    fields=fields,
                    evidence=evidence,
                    clear_evidence=form.cleaned_data.get("clear_evidence") and not evidence,
                )
        except DuplicateEntry as exc:
            duplicate = exc.existing
            _errors(form, exc)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"已保存：{saved.unit} {saved.period.label}“{saved.indicator}”{saved.points}分。")
            return redirect("scoring:manual_list")
    return render(
        request,
        "scoring/manual_form.html",
        {"form": form, "entry": entry, "duplicate": duplicate, "kinds": Frequency.choices},
        status=400 if request.method == "POST" else 200,
    )


@committee_required(message=DENIED)
def manual_new(request, scope):
    return _form(request, None)


@committee_required(message=DENIED)
def manual_edit(request, scope, pk):
    return _form(request, _entry(request, pk))


@committee_required(message=DENIED)
def manual_delete(request, scope, pk):
    entry = _entry(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.manual_delete(actor=request.user, entry=entry)
        except ValidationError as exc:
            error = "；".join(exc.messages)
            messages.error(request, error)
        else:
            messages.success(request, f"{entry.unit} {entry.period.label}“{entry.indicator}”的评分{trash.MOVED}。")
            return redirect("scoring:manual_list")
    return render(request, "scoring/manual_delete.html", {"entry": entry, "error": error}, status=400 if error else 200)


@committee_required(message=DENIED)
@require_GET
def manual_history(request, scope, pk):
    entry = _entry(request, pk)
    return render(request, "scoring/manual_history.html", {"entry": entry, "history": history_rows(entry, limit=50)})


@scope_required
@require_GET
def manual_evidence(request, scope, pk):
    entry = selectors.evidence_entry(user=request.user, pk=pk)
    if entry is None:
        raise Http404("没有该佐证材料。")
    try:
        stored = selectors.StoredEvidence(entry)
    except (FileNotFoundError, OSError) as exc:
        raise Http404("佐证材料文件已丢失。") from exc
    return stored_file_response(stored, missing="佐证材料文件已丢失。")


@committee_required(message=DENIED)
def manual_import(request, scope):
    result = None
    form = ManualImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        result = importer.manual_import(
            actor=request.user, file=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"]
        )
        report_import(request, result, things="评分")
        if result.written:
            form = ManualImportForm()
    return render(
        request,
        "scoring/manual_import.html",
        {"form": form, "result": result, "columns": importer.COLUMN_HELP, "max_rows": importer.MAX_ROWS},
    )


@committee_required(message=DENIED)
@require_GET
def manual_template(request, scope):
    return xlsx_response(
        filename="人工评分导入模板", sheet_title="人工评分", headers=importer.COLUMNS, rows=[importer.EXAMPLE_ROW]
    )


urlpatterns = [
    path("manual/", manual_list, name="manual_list"),
    path("manual/new/", manual_new, name="manual_new"),
    path("manual/<int:pk>/edit/", manual_edit, name="manual_edit"),
    path("manual/<int:pk>/delete/", manual_delete, name="manual_delete"),
    path("manual/<int:pk>/history/", manual_history, name="manual_history"),
    path("manual/<int:pk>/evidence/", manual_evidence, name="manual_evidence"),
    path("manual/import/", manual_import, name="manual_import"),
    path("manual/template.xlsx", manual_template, name="manual_template"),
    path("manual/export.xlsx", manual_export, name="manual_export"),
]

NAV_ITEMS = (NavItem("人工评分", "scoring:manual_list", roles=(Role.COMMITTEE,), menu="scoring", order=70),)
