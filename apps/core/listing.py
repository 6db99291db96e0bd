"""Paginated, searchable lists for HTML pages.

A list counts its rows for the pager, and a count is a scan of every row that matches: the committee's records
list would count every record of the city on each page view. `CappedPaginator` counts at most
`PORTAL_LIST_COUNT_CAP` rows (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`): beyond that the pager says "超过 N 条"
and offers the first cap rows' pages; a filter narrows the list to what a person reads.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A Paginator whose count stops at `cap` (`PORTAL_LIST_COUNT_CAP` unless given; `capped` tells whether there
    are more rows). The HTML lists (`paginate`) and the API's (`apps.core.api.CappedPagination`) page with it."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = settings.PORTAL_LIST_COUNT_CAP if cap is None else cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        if not hasattr(self.object_list, "query"):  # a list: its length costs nothing
            return len(self.object_list)
        rows = self.object_list.order_by()  # the order and the shown columns (attendance counts …) change no count
        query = rows.query
        if not (query.distinct or query.combinator or query.group_by):
            rows = rows.values("pk")
        counted = rows[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)


def paginate(request, queryset, *, per_page: int | None = None):
    """Return (page, querystring-without-page) for a list page.

    Django's Paginator clamps out-of-range and junk page numbers, so a bad
    ?page= shows the nearest real page instead of an error.
    """
    paginator = CappedPaginator(queryset, per_page or settings.PORTAL_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
