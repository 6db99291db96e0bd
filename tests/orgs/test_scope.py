"""The scoping selector: what each role sees, across two units."""

from apps.orgs.access import Role, scope_for
from apps.orgs.models import Member


def test_committee_sees_everything(committee_user, side_a, side_b):
    scope = scope_for(committee_user)
    assert scope.role == Role.COMMITTEE
    assert set(scope.units()) == {side_a.unit, side_b.unit}
    assert scope.members().count() == Member.objects.count() == 8


def test_unit_secretary_sees_own_unit_only(side_a, side_b):
    scope = scope_for(side_a.unit_secretary)
    assert scope.role == Role.UNIT
    assert list(scope.units()) == [side_a.unit]
    assert set(scope.branches()) == {side_a.branch, side_a.other_branch}
    visible = set(scope.members())
    assert visible == set(side_a.members) | {side_a.other_branch_member}
    assert not visible & set(side_b.members)


def test_branch_secretary_sees_own_branch_and_reads_own_unit(side_a, side_b):
    scope = scope_for(side_a.branch_secretary)
    assert scope.role == Role.BRANCH
    assert list(scope.branches()) == [side_a.branch]
    assert list(scope.units()) == [side_a.unit]
    assert set(scope.members()) == set(side_a.members)
    assert side_a.other_branch_member not in scope.members()


def test_member_sees_only_self(side_a, side_b):
    scope = scope_for(side_a.member_user)
    assert scope.role == Role.MEMBER
    assert list(scope.members()) == [side_a.member]
    assert list(scope.branches()) == [side_a.branch]
    assert list(scope.units()) == [side_a.unit]


def test_user_without_role_sees_nothing(db, side_a):
    from tests.orgs.factories import UserFactory

    scope = scope_for(UserFactory(username="nobody"))
    assert scope.role == Role.NONE
    assert not scope.members().exists()
    assert not scope.units().exists()
    assert not scope.branches().exists()


def test_inactive_member_loses_member_scope(side_a):
    side_a.member.active = False
    side_a.member.left_on = side_a.member.join_date
    side_a.member.save()
    assert scope_for(side_a.member_user).role == Role.NONE


def test_model_without_scope_paths_refuses(side_a):
    import pytest

    from apps.orgs.models import UnitUserObjectPermission  # an internal table no page shows

    with pytest.raises(TypeError):
        scope_for(side_a.unit_secretary).filter(UnitUserObjectPermission.objects.all())
