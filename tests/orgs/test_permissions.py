"""Permission matrix: for every org page, export and endpoint, people of unit A get nothing of unit B.

Also: a branch secretary sees only their branch, a member only themselves.
"""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.orgs.models import Branch, Member, PartyGroup
from tests.orgs.factories import PartyGroupFactory


def _text(response) -> str:
    """Everything a response shows: HTML/JSON as text, or every cell of an .xlsx."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        wb = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    return response.content.decode()


def _b_names(side_b) -> list[str]:
    return [side_b.unit.name, side_b.branch.name, side_b.other_branch.name, side_b.other_branch_member.name] + [
        m.name for m in side_b.members
    ]


LISTS = [
    "orgs:unit_list",
    "orgs:unit_export",
    "orgs:branch_list",
    "orgs:branch_export",
    "orgs:member_list",
    "orgs:member_export",
]
API_LISTS = ["/api/units/", "/api/branches/", "/api/party-groups/", "/api/members/", "/api/memberships/"]


@pytest.fixture
def groups(side_a, side_b):
    return PartyGroupFactory(branch=side_a.branch, name="A组"), PartyGroupFactory(branch=side_b.branch, name="B组")


def _detail_urls(side, group):
    """Every page that shows or changes one object of `side`."""
    m = side.members[1]
    return [
        ("get", reverse("orgs:unit_detail", args=[side.unit.pk])),
        ("get", reverse("orgs:unit_edit", args=[side.unit.pk])),
        ("get", reverse("orgs:branch_detail", args=[side.branch.pk])),
        ("get", reverse("orgs:branch_edit", args=[side.branch.pk])),
        ("post", reverse("orgs:party_group_create", args=[side.branch.pk])),
        ("get", reverse("orgs:party_group_edit", args=[group.pk])),
        ("get", reverse("orgs:member_detail", args=[m.pk])),
        ("get", reverse("orgs:member_edit", args=[m.pk])),
        ("post", reverse("orgs:member_edit", args=[m.pk])),
        ("get", reverse("orgs:member_deactivate", args=[m.pk])),
        ("post", reverse("orgs:member_deactivate", args=[m.pk])),
        ("post", reverse("orgs:member_reactivate", args=[m.pk])),
        # the tree's history (issue 7): ending a branch or group, transferring a member
        ("get", reverse("orgs:branch_dissolve", args=[side.branch.pk])),
        ("post", reverse("orgs:branch_dissolve", args=[side.branch.pk])),
        ("get", reverse("orgs:party_group_dissolve", args=[group.pk])),
        ("post", reverse("orgs:party_group_dissolve", args=[group.pk])),
        ("get", reverse("orgs:member_transfer", args=[m.pk])),
        ("post", reverse("orgs:member_transfer", args=[m.pk])),
        ("get", f"/api/units/{side.unit.pk}/"),
        ("get", f"/api/branches/{side.branch.pk}/"),
        ("get", f"/api/party-groups/{group.pk}/"),
        ("get", f"/api/members/{m.pk}/"),
        ("patch", f"/api/members/{m.pk}/"),
        ("post", f"/api/members/{m.pk}/deactivate/"),
    ]


@pytest.mark.parametrize("who", ["unit_secretary", "branch_secretary", "member_user"])
def test_people_of_a_get_nothing_of_b_through_any_page(client, side_a, side_b, groups, who):
    client.force_login(getattr(side_a, who))
    before = list(Member.objects.order_by("pk").values())
    b_names = _b_names(side_b)
    for method, url in _detail_urls(side_b, groups[1]):
        data = {"name": "改名", "left_on": "2026-01-01", "left_reason": "去世", "on": "2026-01-01"}
        data |= {"reason": "merged", "successor": side_b.other_branch.pk, "to_branch": side_b.other_branch.pk}
        if method == "patch":
            response = client.patch(url, data='{"name": "改名"}', content_type="application/json")
        else:
            response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert response.status_code in (403, 404), (who, method, url, response.status_code)
        body = _text(response)
        for name in b_names:
            assert name not in body, (who, url, name)
    assert list(Member.objects.order_by("pk").values()) == before
    assert PartyGroup.objects.count() == 2
    assert not PartyGroup.objects.filter(dissolved_on__isnull=False).exists()
    assert not Branch.objects.filter(dissolved_on__isnull=False).exists()


@pytest.mark.parametrize("url_name", LISTS)
def test_unit_secretary_lists_and_exports_show_own_unit_only(client, side_a, side_b, url_name):
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    body = _text(response)
    assert side_a.unit.name in body or side_a.unit.short_name in body
    for name in _b_names(side_b):
        assert name not in body, name


@pytest.mark.parametrize("url_name", ["orgs:member_list", "orgs:member_export"])
def test_branch_secretary_sees_only_own_branch_members(client, side_a, side_b, url_name):
    client.force_login(side_a.branch_secretary)
    body = _text(client.get(reverse(url_name) + "?active=all"))
    for m in side_a.members:
        assert m.name in body
    assert side_a.other_branch_member.name not in body
    for name in _b_names(side_b):
        assert name not in body


def test_branch_secretary_cannot_open_sibling_branch(client, side_a):
    client.force_login(side_a.branch_secretary)
    assert client.get(reverse("orgs:branch_detail", args=[side_a.other_branch.pk])).status_code == 404
    assert client.get(reverse("orgs:member_detail", args=[side_a.other_branch_member.pk])).status_code == 404


def test_filtering_by_another_units_id_shows_nothing(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    for url in [
        reverse("orgs:member_list") + f"?unit={side_b.unit.pk}",
        reverse("orgs:member_export") + f"?branch={side_b.branch.pk}",
        f"/api/members/?branch={side_b.branch.pk}",
        f"/api/members/?branch__unit={side_b.unit.pk}",
    ]:
        body = _text(client.get(url))
        for name in _b_names(side_b):
            assert name not in body, url


@pytest.mark.parametrize("url_name", LISTS)
def test_member_gets_no_org_lists(client, side_a, side_b, url_name):
    client.force_login(side_a.member_user)
    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("url", API_LISTS)
def test_api_lists_are_scoped_for_every_role(client, side_a, side_b, groups, url):
    for user in [side_a.unit_secretary, side_a.branch_secretary, side_a.member_user]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        for name in [*_b_names(side_b), "B组"]:
            assert name not in body, (user.username, url, name)


def test_api_member_sees_only_self(client, side_a, side_b):
    client.force_login(side_a.member_user)
    data = client.get("/api/members/").json()
    assert [row["id"] for row in data["results"]] == [side_a.member.pk]


def test_api_create_member_in_other_unit_is_refused(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    count = Member.objects.count()
    response = client.post(
        "/api/members/",
        {
            "branch": side_b.branch.pk,
            "name": "越权新增",
            "gender": "M",
            "birth_date": "1990-01-01",
            "join_date": "2015-01-01",
            "status": "full",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "branch" in response.json()
    assert Member.objects.count() == count


def test_anonymous_gets_nothing(client, side_a):
    for url_name in LISTS:
        response = client.get(reverse(url_name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for url in API_LISTS:
        assert client.get(url).status_code in (401, 403)


@pytest.mark.parametrize(
    "url_name,args",
    [
        ("orgs:account_list", []),
        ("orgs:account_create", []),
        ("orgs:unit_create", []),
    ],
)
def test_committee_only_pages_refuse_unit_secretary(client, side_a, url_name, args):
    client.force_login(side_a.unit_secretary)
    assert client.get(reverse(url_name, args=args)).status_code == 403


def test_committee_only_account_detail_and_role_grant(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    target = side_b.unit_secretary
    assert client.get(reverse("orgs:account_detail", args=[target.pk])).status_code == 403
    response = client.post(reverse("orgs:role_grant", args=[target.pk]), {"role": "committee"})
    assert response.status_code == 403
    assert not target.user_permissions.exists()


def test_committee_sees_both_units(client, committee_user, side_a, side_b):
    client.force_login(committee_user)
    body = _text(client.get(reverse("orgs:member_export")))
    for m in [*side_a.members, *side_b.members]:
        assert m.name in body


# --- new inputs: query parameters, ids in links and posts, moves through the API -----------------------


@pytest.mark.parametrize("url_name", ["orgs:member_list", "orgs:member_export", "orgs:branch_list"])
def test_another_units_ids_in_filters_are_ignored_with_a_message(client, side_a, side_b, url_name):
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse(url_name) + f"?unit={side_b.unit.pk}&branch={side_b.branch.pk}")
    assert response.status_code == 200
    body = _text(response)
    assert "选择一个有效的选项" in body  # the page's message, or the export's 说明 sheet
    for name in _b_names(side_b):
        assert name not in body, name


@pytest.mark.parametrize(
    "url",
    [
        "/api/members/?unit={unit}",
        "/api/members/?branch={branch}",
        "/api/branches/?unit={unit}",
        "/api/memberships/?branch={branch}",
    ],
)
def test_api_filter_by_another_units_id_is_a_400(client, side_a, side_b, url):
    client.force_login(side_a.unit_secretary)
    response = client.get(url.format(unit=side_b.unit.pk, branch=side_b.branch.pk))
    assert response.status_code == 400
    for name in _b_names(side_b):
        assert name not in response.content.decode()


def test_member_form_link_to_another_units_branch_preselects_nothing(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    for value in [side_b.branch.pk, "abc", "²"]:
        response = client.get(reverse("orgs:member_create") + f"?branch={value}")
        assert response.status_code == 200
        assert response.context["form"]["branch"].value() is None
        assert side_b.branch.name not in response.content.decode()
    response = client.get(reverse("orgs:member_create") + f"?branch={side_a.other_branch.pk}")
    assert response.context["form"]["branch"].value() == side_a.other_branch.pk


@pytest.mark.parametrize("value", ["abc", "²", "999999"])
def test_account_for_unknown_member_is_404(client, committee_user, side_a, value):
    client.force_login(committee_user)
    assert client.get(reverse("orgs:account_create") + f"?member={value}").status_code == 404


def test_role_revoke_with_bad_target_changes_nothing(client, committee_user, side_a, side_b):
    client.force_login(committee_user)
    target = side_a.unit_secretary
    url = reverse("orgs:role_revoke", args=[target.pk])
    for data in [{"role": "unit", "target": "abc"}, {"role": "unit", "target": "²"}, {"role": "nonsense"}]:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert list(response.context["messages"])
    client.post(url, {"role": "unit", "target": str(side_b.unit.pk)})  # a unit this account has no role in
    from apps.orgs.access import scope_for
    from apps.orgs.models import User

    assert scope_for(User.objects.get(pk=target.pk)).unit_ids == {side_a.unit.pk}


def _snapshot():
    from apps.orgs.models import Branch

    return (
        list(Member.objects.order_by("pk").values()),
        list(Branch.objects.order_by("pk").values()),
        list(PartyGroup.objects.order_by("pk").values()),
    )


def test_api_moving_a_member_to_another_units_branch_is_refused(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    member = side_a.members[1]
    before = _snapshot()
    response = client.patch(f"/api/members/{member.pk}/", {"branch": side_b.branch.pk}, content_type="application/json")
    assert response.status_code == 400 and "branch" in response.json()
    assert _snapshot() == before


def test_api_moving_a_branch_to_another_unit_is_refused(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    before = _snapshot()
    response = client.patch(
        f"/api/branches/{side_a.branch.pk}/", {"unit": side_b.unit.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and "unit" in response.json()
    assert _snapshot() == before


def test_api_moving_a_party_group_to_another_branch_is_refused(client, side_a, side_b, groups):
    a_group = groups[0]
    client.force_login(side_a.unit_secretary)
    before = _snapshot()
    for branch in [side_b.branch, side_a.other_branch]:  # another unit's, and a sibling in the same unit
        response = client.patch(
            f"/api/party-groups/{a_group.pk}/", {"branch": branch.pk}, content_type="application/json"
        )
        assert response.status_code == 400 and "branch" in response.json()
    assert _snapshot() == before


@pytest.fixture
def two_branch_person(side_a, side_b):
    """A secretary of unit A who is also branch secretary of B's first branch: they see both, keep A's roster."""
    from tests.orgs.factories import make_branch_secretary

    return make_branch_secretary(side_a.unit_secretary, side_b.branch)


def test_person_in_two_branches_cannot_move_records_between_them(client, side_a, side_b, groups, two_branch_person):
    client.force_login(two_branch_person)
    before = _snapshot()
    moves = [
        (f"/api/members/{side_a.members[1].pk}/", {"branch": side_b.branch.pk}, "branch"),
        (f"/api/branches/{side_a.other_branch.pk}/", {"unit": side_b.unit.pk}, "unit"),
        (f"/api/party-groups/{groups[0].pk}/", {"branch": side_b.branch.pk}, "branch"),
    ]
    for url, payload, field in moves:
        response = client.patch(url, payload, content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert field in response.json()
    # B's first branch is visible to them, but B's roster is not theirs: no new member there either.
    response = client.post(
        "/api/members/",
        {
            "branch": side_b.branch.pk,
            "name": "越权新增",
            "gender": "M",
            "birth_date": "1990-01-01",
            "join_date": "2015-01-01",
            "status": "full",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "branch" in response.json()
    # Their B-side rights stay as they were: B's member cannot be moved into A either.
    response = client.patch(
        f"/api/members/{side_b.members[1].pk}/", {"branch": side_a.branch.pk}, content_type="application/json"
    )
    assert response.status_code == 403
    assert _snapshot() == before


def test_person_in_two_branches_web_form_offers_only_their_units_branches(client, side_a, side_b, two_branch_person):
    client.force_login(two_branch_person)
    member = side_a.members[1]
    form = client.get(reverse("orgs:member_edit", args=[member.pk])).context["form"]
    assert set(form.fields["branch"].queryset) == {side_a.branch, side_a.other_branch}
    data = {
        "branch": side_b.branch.pk,
        "name": member.name,
        "gender": member.gender,
        "birth_date": member.birth_date.isoformat(),
        "join_date": member.join_date.isoformat(),
        "status": member.status,
    }
    response = client.post(reverse("orgs:member_edit", args=[member.pk]), data)
    assert response.status_code == 200 and "branch" in response.context["form"].errors
    member.refresh_from_db()
    assert member.branch == side_a.branch


def test_moves_within_reach_still_work(client, committee_user, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    member = side_a.members[1]
    response = client.patch(
        f"/api/members/{member.pk}/", {"branch": side_a.other_branch.pk}, content_type="application/json"
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.branch == side_a.other_branch
    client.force_login(committee_user)
    response = client.patch(
        f"/api/branches/{side_a.other_branch.pk}/", {"unit": side_b.unit.pk}, content_type="application/json"
    )
    assert response.status_code == 200
    assert Member.objects.get(pk=member.pk).branch.unit == side_b.unit


def test_services_check_where_a_record_goes(side_a, side_b, groups):
    from django.core.exceptions import ValidationError

    from apps.orgs import services
    from apps.orgs.access import forget_scope
    from tests.orgs.factories import make_branch_secretary

    before = _snapshot()
    moves = [
        (services.member_update, {"member": side_a.members[1], "data": {"branch": side_b.branch}}),
        (services.branch_update, {"branch": side_a.other_branch, "data": {"unit": side_b.unit}}),
        (services.party_group_update, {"group": groups[0], "data": {"branch": side_b.branch}}),
        (services.party_group_update, {"group": groups[0], "data": {"branch": side_a.other_branch}}),
    ]
    actor = side_a.unit_secretary
    for _ in ("unit secretary of A", "and branch secretary of B's first branch"):
        for service, kwargs in moves:
            with pytest.raises(ValidationError):
                service(actor=actor, **kwargs)
        make_branch_secretary(actor, side_b.branch)
        forget_scope(actor)
    assert _snapshot() == before


def test_web_branch_edit_to_another_unit_is_refused(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    branch = side_a.other_branch
    data = {"unit": side_b.unit.pk, "name": branch.name, "kind": branch.kind, "founded_on": "2015-01-01", "order": "1"}
    response = client.post(reverse("orgs:branch_edit", args=[branch.pk]), {**data, "active": "on"})
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    branch.refresh_from_db()
    assert branch.unit == side_a.unit
