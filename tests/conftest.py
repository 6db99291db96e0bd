"""Shared fixtures: two units (A and B) with a branch each and one user per role.

Every permission test uses both units: what A's people do must never show B's data.
"""

from dataclasses import dataclass

import pytest

from apps.core import default_data
from apps.orgs.models import Branch, Member, Unit, User
from tests.orgs.factories import (
    PASSWORD,
    BranchFactory,
    MemberFactory,
    UnitFactory,
    UserFactory,
    make_branch_secretary,
    make_committee,
    make_unit_secretary,
)


@dataclass
class Side:
    """One unit's world: the unit, two branches, members, and its people."""

    unit: Unit
    branch: Branch
    other_branch: Branch
    members: list[Member]
    other_branch_member: Member
    unit_secretary: User
    branch_secretary: User
    member_user: User
    member: Member


def _side(tag: str) -> Side:
    unit = UnitFactory(name=f"市{tag}局", short_name=f"{tag}局")
    branch = BranchFactory(unit=unit, name=f"{tag}局第一党支部")
    other_branch = BranchFactory(unit=unit, name=f"{tag}局第二党支部")
    members = [MemberFactory(branch=branch, name=f"{tag}党员{i}") for i in range(3)]
    other_member = MemberFactory(branch=other_branch, name=f"{tag}二支部党员")
    member_user = UserFactory(username=f"member_{tag}")
    members[0].user = member_user
    members[0].save()
    return Side(
        unit=unit,
        branch=branch,
        other_branch=other_branch,
        members=members,
        other_branch_member=other_member,
        unit_secretary=make_unit_secretary(UserFactory(username=f"unitsec_{tag}"), unit),
        branch_secretary=make_branch_secretary(UserFactory(username=f"branchsec_{tag}"), branch),
        member_user=member_user,
        member=members[0],
    )


@pytest.fixture(autouse=True)
def _default_data(request):
    """Transactional tests flush the database after each test, migration-seeded rows included: put them back.

    Each app registers its own loader (apps.core.default_data); the suite knows no app.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        default_data.load_all()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploaded files of every test go to a fresh temporary folder, never into the project."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def side_a(db) -> Side:
    return _side("A")


@pytest.fixture
def side_b(db) -> Side:
    return _side("B")


@pytest.fixture
def committee_user(db) -> User:
    return make_committee(UserFactory(username="committee"))


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def login(client):
    """Log a user into the test client; return the client."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def assert_constant_queries(django_assert_num_queries):
    """Pin a page's query count and show that it does not grow with its rows.

        assert_constant_queries(lambda: client.get(url), grow=lambda: make_rows(27), expected=12)

    runs the request, adds rows with `grow`, runs it again: `expected` queries both times.
    Returns the second response.
    """

    def check(run, *, grow, expected: int):
        with django_assert_num_queries(expected):
            run()
        grow()
        with django_assert_num_queries(expected):
            return run()

    return check
