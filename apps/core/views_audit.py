"""The audit trail's page (审计日志): the committee searches it and exports it; nothing here changes an entry.

Only GET: by person (账号或姓名), unit, object type, action and date range (a FilterSet), newest first,
paginated; the export takes the same rows. Unit secretaries and everyone else get 403.
"""

import django_filters
from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from . import exports
from .filters import FilterSet, SearchFilter
from .listing import paginate
from .models import AuditEntry

DENIED = "只有工委管理员可以查看审计日志。"
EXPORT_LIMIT = 500_000  # rows of one export (a background job past PORTAL_EXPORT_JOB_ROWS)


def _committee(user) -> bool:
    return user.is_superuser or user.has_perm("orgs.committee")


def _unit_choices():
    unit = apps.get_model("orgs", "Unit")  # by name: core never imports orgs
    return [(u.pk, str(u)) for u in unit.objects.order_by("pk")]


def _type_choices():
    from .audit.recorder import audited_models

    return sorted(((m._meta.label_lower, str(m._meta.verbose_name)) for m in audited_models()), key=lambda c: c[1])


class AuditFilter(FilterSet):
    person = SearchFilter("actor_label", label="操作人")
    unit = django_filters.TypedChoiceFilter(field_name="unit_id", label="单位", coerce=int)
    object_type = django_filters.ChoiceFilter(label="对象类型")
    q = SearchFilter("object_label", "object_id", label="对象")
    action = django_filters.ChoiceFilter(label="操作", choices=AuditEntry.ACTIONS)
    start = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label="起始日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label="截止日期", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEntry
        fields = ["person", "unit", "object_type", "q", "action", "start", "end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["unit"].extra["choices"] = _unit_choices()
        self.filters["object_type"].extra["choices"] = _type_choices()


def _filterset(request) -> AuditFilter:
    if not _committee(request.user):
        raise PermissionDenied(DENIED)
    return AuditFilter(request.GET, AuditEntry.objects.order_by("-at", "-id"))


def _changes(values) -> str:
    if not values:
        return ""
    return "；".join(f"{k}={v}" for k, v in values.items())[:2000]


@login_required
@require_GET
def audit_list(request):
    filterset = _filterset(request)
    page, querystring = paginate(request, filterset.qs)
    return render(
        request,
        "core/audit_list.html",
        {
            "title": "审计日志",
            "filter": filterset,
            "filter_messages": filterset.messages(),
            "page": page,
            "querystring": querystring,
            "export_url": reverse("core:audit_export"),
        },
    )


HEADERS = ["时间", "操作人", "来源地址", "操作", "对象类型", "对象ID", "对象", "单位", "修改前", "修改后", "说明"]


def _line(e: AuditEntry) -> tuple:
    return (
        e.at,
        e.actor_label or "系统",
        e.address or "",
        e.get_action_display(),
        e.object_type_label,
        e.object_id,
        e.object_label,
        e.unit_label,
        _changes(e.before),
        _changes(e.after),
        e.note,
    )


@exports.exporter("审计日志")
def audit_rows(*, user, params) -> exports.Export:
    """The entries the filters select, for the committee only (asked again when a job builds them)."""
    if not _committee(user):
        raise PermissionDenied(DENIED)
    filterset = AuditFilter(params, AuditEntry.objects.order_by("-at", "-id"))
    return exports.Export(
        filename="审计日志",
        sheet_title="审计日志",
        headers=HEADERS,
        queryset=filterset.qs[:EXPORT_LIMIT],
        row=_line,
        notes=[f"{m}（已忽略该条件）" for m in filterset.messages()],
        chunk_size=2000,
    )


@login_required
@require_GET
def audit_export(request):
    return exports.respond(request, audit_rows)
