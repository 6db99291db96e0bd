"""The trash's pages (回收站): the committee lists deleted records, reads what each entry holds, restores one.

A list with a FilterSet (record type, unit, who deleted, date range, in the trash or restored), newest first,
paginated; a detail page showing every stored row's fields by their Chinese names; a restore confirmation page
(GET) whose POST restores (`apps.core.trash.restore`). Entries are never edited here. Everyone but the
committee gets 403.
"""

from collections import defaultdict

import django_filters
from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from . import trash
from .audit.recorder import SECRET_FIELDS
from .filters import FilterSet, SearchFilter
from .listing import paginate
from .models import TrashEntry

DENIED = "只有工委管理员可以查看回收站。"
IN_TRASH, RESTORED = "trash", "restored"


def _unit_choices():
    unit = apps.get_model("orgs", "Unit")  # by name: core never imports orgs
    return [(u.pk, str(u)) for u in unit.objects.order_by("pk")]


def _kind_choices():
    pairs = TrashEntry.objects.order_by().values_list("kind", "kind_label").distinct()
    return sorted(set(pairs), key=lambda c: c[1])


class TrashFilter(FilterSet):
    kind = django_filters.ChoiceFilter(label="记录类型")
    unit = django_filters.TypedChoiceFilter(field_name="unit_id", label="单位", coerce=int)
    person = SearchFilter("deleted_by_label", label="删除人")
    q = SearchFilter("object_label", "object_id", label="记录")
    state = django_filters.ChoiceFilter(
        label="状态", choices=[(IN_TRASH, "在回收站中"), (RESTORED, "已恢复")], method="filter_state"
    )
    start = django_filters.DateFilter(
        field_name="deleted_at",
        lookup_expr="date__gte",
        label="起始日期",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = django_filters.DateFilter(
        field_name="deleted_at",
        lookup_expr="date__lte",
        label="截止日期",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = TrashEntry
        fields = ["kind", "unit", "person", "q", "state", "start", "end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["unit"].extra["choices"] = _unit_choices()
        self.filters["kind"].extra["choices"] = _kind_choices()

    def filter_state(self, queryset, name, value):
        if value == IN_TRASH:
            return queryset.filter(restored_at__isnull=True)
        if value == RESTORED:
            return queryset.filter(restored_at__isnull=False)
        return queryset


def _committee_only(request) -> None:
    if not trash.is_committee(request.user):
        raise PermissionDenied(DENIED)


def _entry_or_404(request, pk) -> TrashEntry:
    _committee_only(request)
    return get_object_or_404(TrashEntry.objects.defer("payload"), pk=pk)


@login_required
@require_GET
def trash_list(request):
    _committee_only(request)
    filterset = TrashFilter(request.GET, TrashEntry.objects.defer("payload").order_by("-deleted_at", "-id"))
    page, querystring = paginate(request, filterset.qs)
    return render(
        request,
        "core/trash_list.html",
        {
            "title": "回收站",
            "filter": filterset,
            "filter_messages": filterset.messages(),
            "page": page,
            "querystring": querystring,
            "retention_days": trash.retention_days(),
        },
    )


def _text(obj, field, cache: dict) -> str:
    value = getattr(obj, field.attname)
    if value is None or value == "":
        return "—"
    if field.is_relation:
        target = cache.get((field.remote_field.model._meta.concrete_model, value))
        return trash._label(target) if target is not None else f"#{value}（已不存在）"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.FileField):
        return getattr(value, "name", str(value))
    if isinstance(field, models.DateTimeField):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if timezone.is_aware(value) else str(value)
    return str(value)[:1000]


def stored_rows(entry: TrashEntry) -> list[dict]:
    """The entry's rows for the page: type, id, label and (verbose name, value) per field, in restore order.

    A fixed number of queries: the rows' parents are read once per parent model, then cached on the rows.
    """
    objects = [d.object for d in trash.stored_objects(entry)]
    cache = {(type(o)._meta.concrete_model, o.pk): o for o in objects}
    wanted: dict[type, set] = defaultdict(set)
    for obj in objects:
        for field in obj._meta.concrete_fields:
            value = getattr(obj, field.attname)
            if field.is_relation and value is not None:
                target = field.remote_field.model._meta.concrete_model
                if (target, value) not in cache:
                    wanted[target].add(value)
    for target, ids in wanted.items():
        for pk, row in target._base_manager.in_bulk(ids).items():
            cache[(target, pk)] = row
    for obj in objects:
        for field in obj._meta.concrete_fields:
            value = getattr(obj, field.attname)
            if field.is_relation and value is not None:
                parent = cache.get((field.remote_field.model._meta.concrete_model, value))
                if parent is not None:
                    field.set_cached_value(obj, parent)
    rows = []
    for obj in objects:
        fields = [
            (str(f.verbose_name), _text(obj, f, cache))
            for f in obj._meta.concrete_fields
            if not f.primary_key and f.name not in SECRET_FIELDS
        ]
        rows.append({"kind": str(obj._meta.verbose_name), "pk": obj.pk, "label": trash._label(obj), "fields": fields})
    return rows


@login_required
@require_GET
def trash_detail(request, pk):
    _committee_only(request)
    entry = get_object_or_404(TrashEntry, pk=pk)
    try:
        rows, problem = stored_rows(entry), ""
    except ValidationError as exc:
        rows, problem = [], "；".join(exc.messages)
    context = {"title": f"回收站 · {entry}", "entry": entry, "rows": rows[:1], "groups": row_groups(rows[1:])}
    return render(request, "core/trash_detail.html", {**context, "problem": problem})


def row_groups(rows: list[dict]) -> list[dict]:
    """The rows that came with the record (attendance, speeches, files…), one table per type: its field names as
    the header, a line per row — forty attendance rows read as one table, not forty cards."""
    groups: dict[str, dict] = {}
    for row in rows:
        group = groups.setdefault(
            row["kind"], {"kind": row["kind"], "headers": [n for n, _ in row["fields"]], "rows": []}
        )
        group["rows"].append(row)
    return list(groups.values())


@login_required
@require_http_methods(["GET", "POST"])
def trash_restore(request, pk):
    """GET: what will come back, and a confirmation; POST: restore (refusals are shown, nothing written)."""
    entry = _entry_or_404(request, pk)
    if request.method == "POST":
        try:
            trash.restore(entry, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            what = f"{entry.kind_label}“{entry.object_label}”"
            messages.success(request, f"已恢复{what}（共 {entry.row_count} 行数据）。")
            return redirect("core:trash_detail", pk=entry.pk)
    return render(request, "core/trash_restore.html", {"title": "恢复记录", "entry": entry})
