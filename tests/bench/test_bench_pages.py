"""How fast the busiest reads are on demo-sized data (~40 units, ~200 branches, ~3,000 members)."""

import pytest
from django.test import Client

from apps.core.periods import Period
from apps.orgs.access import scope_for
from apps.orgs.models import Branch, User
from apps.partylife.compliance import evaluate_branches, evaluate_units

pytestmark = pytest.mark.django_db


def _client(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.mark.parametrize("username", ["gongwei", "danwei", "zhibu", "dangyuan"])
def test_home_page(benchmark, username):
    client = _client(username)
    response = benchmark(client.get, "/")
    assert response.status_code == 200


@pytest.mark.parametrize("username", ["gongwei", "danwei"])
def test_member_list(benchmark, username):
    client = _client(username)
    response = benchmark(client.get, "/orgs/members/?q=王")
    assert response.status_code == 200


def test_member_export_all(benchmark):
    client = _client("gongwei")
    response = benchmark(client.get, "/orgs/members/export/")
    assert response.status_code == 200


def test_scope_for(benchmark):
    user = User.objects.get(username="danwei")

    def run():
        user.__dict__.pop("_portal_scope", None)
        return scope_for(user)

    assert benchmark(run).unit_ids


def test_engine_whole_city_year(benchmark):
    branches = list(Branch.objects.current())
    from apps.orgs.models import Unit

    units = list(Unit.objects.filter(active=True))
    period = Period.parse("2026")

    def run():
        return evaluate_branches(branches, period), evaluate_units(units, period)

    by_branch, _ = benchmark(run)
    assert len(by_branch) == len(branches)
