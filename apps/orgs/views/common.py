"""Pieces every org list page and form page shares: the list context, the export, form errors as messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib import messages

from apps.core.excel import xlsx_response
from apps.core.filters import FilterSet
from apps.core.listing import paginate


def list_context(request, filterset: FilterSet, *, title: str, export_url: str | None = None, **extra) -> dict:
    """What `list_page.html` needs: this page of the FilterSet's rows, the filter values as typed, the
    parameters it ignored (`filter_messages`), the title and the export link."""
    page, querystring = paginate(request, filterset.qs)
    return {
        "title": title,
        "export_url": export_url,
        "page": page,
        "querystring": querystring,
        "filters": {name: str(filterset.data.get(name, "")).strip() for name in filterset.filters},
        "filter_messages": filterset.messages(),
        **extra,
    }


def export(filterset: FilterSet, *, filename: str, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]):
    """A list's rows as .xlsx; the filter parameters it ignored are listed on a "说明" sheet."""
    return xlsx_response(
        filename=filename, sheet_title=sheet_title, headers=headers, rows=rows, notes=filterset.messages()
    )


def form_errors_to_messages(request, form) -> None:
    """A form posted from another page (a detail page's small form): its errors become flash messages."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
