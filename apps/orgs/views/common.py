"""Pieces the org pages share: the list context and export, the form and confirmation pages, service errors
as messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from apps.core.excel import xlsx_response
from apps.core.filters import FilterSet
from apps.core.forms import save_with_form_errors
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


def _posted(request, form, *, save, success, done):
    """On a valid POST run the service (`save()`); saved: flash `success(obj)` and redirect to `done(obj)`.

    Returns the redirect, or None (a GET, bad input, or the service's ValidationError shown on the form).
    """
    if request.method == "POST" and form.is_valid():
        saved = save_with_form_errors(form, save)
        if saved:
            messages.success(request, success(saved))
            return redirect(done(saved))
    return None


def form_page(request, form, *, save, success: str, title: str, back: str = "", back_obj=None, done=None):
    """A create or edit page (`orgs/form.html`): on a valid POST run the service (`save()`).

    Saved: flash `success` (formatted with `obj`, the saved row) and go to `done(obj)`, by default
    the row's own page. Refused: the service's ValidationError shows on the form, nothing changed.
    """
    posted = _posted(
        request, form, save=save, success=lambda obj: success.format(obj=obj), done=done or (lambda obj: obj)
    )
    return posted or render(
        request, "orgs/form.html", {"form": form, "title": title, "back": back, "back_obj": back_obj}
    )


def confirm_page(request, form, *, save, success, done, **context):
    """An irreversible step on the tree (`orgs/confirm_form.html`: what it touches, what happens, the form,
    a confirmation before sending): as `form_page`, with `success(obj)` and `done(obj)` callables.

    `context`: title, lead, consequences (lines), submit, confirm, back_obj.
    """
    posted = _posted(request, form, save=save, success=success, done=done)
    return posted or render(request, "orgs/confirm_form.html", {"form": form, **context})


def report(request, write, success: str) -> None:
    """Run a service from a small POST form (a button); its ValidationError becomes an error message."""
    try:
        write()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, success)
