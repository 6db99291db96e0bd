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


def test_an_api_list_counts_up_to_the_cap_and_says_so(client, side_a, settings):
    client.force_login(side_a.unit_secretary)
    whole = client.get("/api/members/").json()
    assert whole["count"] > 2 and whole["count_capped"] is False
    settings.PORTAL_LIST_COUNT_CAP = 2
    with CaptureQueriesContext(connection) as queries:
        capped = client.get("/api/members/").json()
    assert capped["count"] == 2 and capped["count_capped"] is True
    assert len(capped["results"]) == 2  # the pages stop at the cap
    assert any("LIMIT 3" in q["sql"] and "COUNT(" in q["sql"] for q in queries)  # counted at most cap + 1 rows
    assert client.get("/api/members/?page=2").status_code == 404  # past the cap: no page


def test_the_api_schema_documents_the_capped_count(client, side_a):
    client.force_login(side_a.unit_secretary)
    schema = client.get("/api/schema/?format=json").json()
    page = schema["components"]["schemas"]["PaginatedMemberList"]
    assert "count_capped" in page["required"] and page["properties"]["count_capped"]["type"] == "boolean"


def test_the_committee_roster_offers_branches_once_a_unit_is_chosen(client, side_a, side_b, committee_user):
    client.force_login(committee_user)
    everyone = client.get(reverse("orgs:member_list"))
    assert everyone.context["branch_choices"] is None  # a province's 30,000 branches are not one select
    assert 'name="branch"' not in everyone.content.decode()
    chosen = client.get(reverse("orgs:member_list") + f"?unit={side_a.unit.pk}").context["branch_choices"]
    assert chosen[0] == ("", "全部支部") and str(side_a.branch.pk) in dict(chosen)
    assert str(side_b.branch.pk) not in dict(chosen)  # only the chosen unit's
