"""List pages count at most PORTAL_LIST_COUNT_CAP rows for their pager (apps.core.listing)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.listing import CappedPaginator
from apps.orgs.models import Member


def test_the_count_stops_at_the_cap_and_says_so(db, side_a):
    assert Member.objects.count() > 3
    paginator = CappedPaginator(Member.objects.order_by("pk"), 2, cap=3)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 3
    assert paginator.capped and paginator.num_pages == 2
    assert "LIMIT 4" in queries[0]["sql"]  # the count reads at most cap + 1 rows
    roomy = CappedPaginator(Member.objects.all(), 2, cap=10_000)
    assert roomy.count == Member.objects.count() and not roomy.capped


def test_a_list_page_over_the_cap_says_more_than(client, side_a, settings):
    settings.PORTAL_LIST_COUNT_CAP = 2
    settings.PORTAL_PAGE_SIZE = 1
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse("orgs:member_list"))
    assert response.status_code == 200
    assert "超过 2 条（请用筛选缩小范围）" in response.content.decode()
    assert response.context["page"].paginator.num_pages == 2
