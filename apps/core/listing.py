"""Paginated, searchable lists for HTML pages."""

from django.conf import settings
from django.core.paginator import Paginator


def paginate(request, queryset, *, per_page: int | None = None):
    """Return (page, querystring-without-page) for a list page.

    Django's Paginator clamps out-of-range and junk page numbers, so a bad
    ?page= shows the nearest real page instead of an error.
    """
    paginator = Paginator(queryset, per_page or settings.PORTAL_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
