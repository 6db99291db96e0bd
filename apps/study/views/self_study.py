"""Study · 自学 pages: the member's own list and entry form (phone first), and the secretaries' read-only list.

The member logs and deletes their own entries within the year's caps (`services.self_study`);
secretaries and the committee read the entries of the members they keep, filter and export them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core import exports, trash
from apps.core.listing import paginate
from apps.core.navigation import NavItem
from apps.orgs.access import Role, manager_required, scope_required
from apps.orgs.filters import branch_choices, unit_choices
from apps.orgs.models import Member

from ..forms.self_study import SelfStudyForm, YearForm
from ..models import StudyYear
from ..selectors import self_study as selectors
from ..services import self_study as services
from .errors import add_service_errors

LIST_FILTERS = ("q", "unit", "branch", "start", "end")


@scope_required
@require_GET
def self_study_list(request, scope):
    """我的自学: this year's (or ?year=) own entries, the caps and what is left today and this year."""
    year = YearForm(request.GET).year_or_current()
    context = {"year": year, "is_member": scope.member_id is not None, "is_manager": scope.is_manager}
    if scope.member_id is not None:
        entries = list(selectors.own_entries(member_id=scope.member_id, year=year))
        settings = StudyYear.for_year(year)
        total = sum((e.hours for e in entries), start=services.ZERO)
        context.update(
            entries=entries,
            total=total,
            settings=settings,
            year_left=max(services.ZERO, settings.self_study_yearly_cap - total),
            years=[year - 1, year, year + 1],
        )
    return render(request, "study/self_study_list.html", context)


@scope_required
def self_study_new(request, scope):
    """Log an entry (the member only); a refusal keeps what was typed and says how much is left."""
    if scope.member_id is None:
        raise PermissionDenied(services.NOT_MEMBER)
    form = SelfStudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.SELF_STUDY_FIELDS}
        try:
            entry = services.self_study_create(actor=request.user, fields=fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已登记自学 {entry.hours} 学时。")
            return redirect(f"{reverse('study:self_study_list')}?year={entry.studied_on.year}")
    today = timezone.localdate()
    day_left, year_left = services.caps_left(Member.objects.get(pk=scope.member_id), today)
    return render(
        request,
        "study/self_study_form.html",
        {"form": form, "settings": StudyYear.for_year(today.year), "day_left": day_left, "year_left": year_left},
    )


@scope_required
@require_POST
def self_study_delete(request, scope, pk):
    entry = selectors.own_entry_get(user=request.user, pk=pk)
    if entry is None:
        raise Http404("没有找到该自学记录。")
    services.self_study_delete(actor=request.user, entry=entry)
    messages.success(request, f"自学“{entry.title}”{trash.MOVED}。")
    return redirect(f"{reverse('study:self_study_list')}?year={entry.studied_on.year}")


# --- the secretaries' read-only list -------------------------------------------------------------------


@manager_required(message="该页面仅供党务工作人员查看。")
@require_GET
def self_study_records(request, scope):
    filterset = selectors.self_study_filter(user=request.user, filters=request.GET)
    page, querystring = paginate(request, filterset.qs)
    unit = filterset.form.cleaned_data.get("unit") if filterset.form.is_valid() else None
    return render(
        request,
        "study/self_study_records.html",
        {
            "title": "党员自学",
            "page": page,
            "querystring": querystring,
            "export_url": reverse("study:self_study_export"),
            "filter_messages": filterset.messages(),
            "invalid": set(filterset.form.errors),
            "filters": {name: request.GET.get(name, "").strip() for name in LIST_FILTERS},
            "unit_choices": unit_choices(scope),
            "branch_choices": branch_choices(scope, unit=unit),
        },
    )


SELF_STUDY_EXPORT_HEADERS = ["单位", "支部", "姓名", "学习日期", "学习内容", "材料", "链接", "学时", "学习体会"]


def _self_study_line(e) -> tuple:
    return (
        e.member.branch.unit.name,
        e.member.branch.name,
        e.member.name,
        e.studied_on,
        e.title,
        e.material,
        e.link,
        e.hours,
        e.note,
    )


@exports.exporter("党员自学")
def self_study_rows(*, user, params) -> exports.Export:
    """The self-study records' rows for `user` (the page's selector and FilterSet); a job builds them again."""
    return exports.Export(
        filename="党员自学",
        sheet_title="党员自学",
        headers=SELF_STUDY_EXPORT_HEADERS,
        queryset=selectors.self_study_list(user=user, filters=params),
        row=_self_study_line,
        chunk_size=500,
    )


@manager_required(message="该页面仅供党务工作人员查看。")
@require_GET
def self_study_export(request, scope):
    return exports.respond(request, self_study_rows)


urlpatterns = [
    path("self-study/", self_study_list, name="self_study_list"),
    path("self-study/new/", self_study_new, name="self_study_new"),
    path("self-study/<int:pk>/delete/", self_study_delete, name="self_study_delete"),
    path("self-study/records/", self_study_records, name="self_study_records"),
    path("self-study/records/export/", self_study_export, name="self_study_export"),
]
NAV_ITEMS = (
    NavItem(
        "党员自学", "study:self_study_records", roles=(Role.COMMITTEE, Role.UNIT, Role.BRANCH), menu="study", order=24
    ),
    NavItem("我的自学", "study:self_study_list", roles=(Role.MEMBER,), menu="study", order=42),
    # Secretaries are members too: their own 自学 below a line, after what they keep for others.
    NavItem("我的自学", "study:self_study_list", roles=(Role.UNIT, Role.BRANCH), menu="study", order=42),
)
