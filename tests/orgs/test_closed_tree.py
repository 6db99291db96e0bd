"""Closed periods stay closed for the tree (issue 11, bullet 4): a transfer, a member leaving, a branch or party
group founded or ended on a day in (or before) a month closed by party life (关账) would change that month's
verdicts, so orgs refuses it — through the core registry (`apps.core.periods.require_open_since`), without
importing party life — until the committee reopens the month.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.periods import Period
from apps.orgs import services
from apps.orgs.models import Membership, PartyGroup
from apps.partylife import services as partylife
from apps.partylife.compliance import Status, evaluate_branches
from tests.orgs.factories import BranchFactory, PartyGroupFactory
from tests.partylife.factories import rule_for

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)
IN_OCTOBER = dt.date(2026, 10, 15)
IN_NOVEMBER = dt.date(2026, 11, 10)
REFUSED = "该日期所在月份（2026年10月）已关账，不能补录；如确需调整，请联系工委解锁"


@pytest.fixture
def closed(committee_user):
    partylife.period_close(actor=committee_user, month=OCTOBER)


def memberships(member):
    return list(Membership.objects.filter(member=member).order_by("start_on").values_list("branch_id", "end_on"))


# --- transfers and 离册 ----------------------------------------------------------------------------------------


def test_a_transfer_into_a_closed_month_is_refused_until_the_month_is_reopened(side_a, committee_user, closed):
    member, before = side_a.members[1], memberships(side_a.members[1])
    with pytest.raises(ValidationError) as refused:
        services.member_transfer(
            actor=side_a.unit_secretary, member=member, to_branch=side_a.other_branch, on=IN_OCTOBER
        )
    assert refused.value.message_dict == {"on": [REFUSED]}
    assert memberships(member) == before

    partylife.period_reopen(actor=committee_user, month=OCTOBER)  # the committee's logged unlock
    services.member_transfer(actor=side_a.unit_secretary, member=member, to_branch=side_a.other_branch, on=IN_OCTOBER)
    assert memberships(member)[-1] == (side_a.other_branch.pk, None)


def test_a_transfer_before_a_closed_month_is_refused_and_one_after_it_accepted(side_a, closed):
    member = side_a.members[1]
    with pytest.raises(ValidationError, match=r"2026年10月已关账，2026年9月20日起的变动会改变该月的评判"):
        services.member_transfer(
            actor=side_a.unit_secretary, member=member, to_branch=side_a.other_branch, on=dt.date(2026, 9, 20)
        )
    services.member_transfer(actor=side_a.unit_secretary, member=member, to_branch=side_a.other_branch, on=IN_NOVEMBER)
    assert Membership.objects.get(member=member, end_on=None).start_on == IN_NOVEMBER


def test_the_transfer_page_shows_the_refusal(login, side_a, closed):
    member, before = side_a.members[1], memberships(side_a.members[1])
    client = login(side_a.unit_secretary)
    response = client.post(
        reverse("orgs:member_transfer", args=[member.pk]), {"to_branch": side_a.other_branch.pk, "on": "2026-10-15"}
    )
    assert response.status_code in (200, 400) and REFUSED in response.content.decode()
    assert memberships(member) == before


def test_leaving_in_a_closed_month_is_refused_by_the_api(login, side_a, closed):
    member = side_a.members[2]
    client = login(side_a.unit_secretary)
    response = client.post(
        f"/api/members/{member.pk}/deactivate/", {"left_on": "2026-10-20", "left_reason": "去世"}, format="json"
    )
    assert response.status_code == 400 and REFUSED in response.content.decode()
    member.refresh_from_db()
    assert member.active and memberships(member)[-1][1] is None


def test_a_member_registered_with_a_date_in_a_closed_month_is_refused_and_without_one_starts_after_it(
    login, side_a, closed
):
    client = login(side_a.unit_secretary)
    data = {
        "branch": side_a.branch.pk,
        "name": "新转入",
        "gender": "F",
        "birth_date": "1990-01-01",
        "join_date": "2015-07-01",
        "status": "full",
    }
    response = client.post("/api/members/", data | {"since": "2026-10-08"}, content_type="application/json")
    assert response.status_code == 400 and REFUSED in response.content.decode()
    response = client.post("/api/members/", data, content_type="application/json")
    assert response.status_code == 201, response.content.decode()
    assert Membership.objects.get(member_id=response.json()["id"]).start_on == dt.date(2026, 11, 1)


# --- branches and party groups --------------------------------------------------------------------------------


def group_meeting_status(branch) -> str:
    """October's 党小组会 verdict for the branch (each party group in force must meet)."""
    result = evaluate_branches([branch], Period.parse("2026-10"), today=dt.date(2026, 11, 20))[branch.pk]
    rule = rule_for("party_group_meeting")
    return next(c.status for c in result.cells if c.rule.pk == rule.pk)


def test_a_party_group_ended_in_a_closed_month_is_refused_and_its_verdict_kept(side_a, committee_user):
    group = PartyGroupFactory(branch=side_a.branch, name="第一党小组")
    partylife.period_close(actor=committee_user, month=OCTOBER)
    assert group_meeting_status(side_a.branch) == Status.WARNING
    with pytest.raises(ValidationError, match="联系工委解锁"):
        services.party_group_dissolve(actor=side_a.unit_secretary, group=group, on=dt.date(2026, 10, 1))
    group.refresh_from_db()
    assert group.dissolved_on is None and group_meeting_status(side_a.branch) == Status.WARNING

    partylife.period_reopen(actor=committee_user, month=OCTOBER)
    services.party_group_dissolve(actor=side_a.unit_secretary, group=group, on=dt.date(2026, 10, 1))
    assert group_meeting_status(side_a.branch) == Status.NA  # through the unlock only


def test_a_party_group_founded_in_a_closed_month_is_refused_by_the_api_and_the_page(login, side_a, closed):
    client = login(side_a.unit_secretary)
    response = client.post(
        "/api/party-groups/",
        {"branch": side_a.branch.pk, "name": "新党小组", "founded_on": "2026-10-09"},
        content_type="application/json",
    )
    assert response.status_code == 400 and REFUSED in response.content.decode()
    response = client.post(
        reverse("orgs:party_group_create", args=[side_a.branch.pk]),
        {"name": "新党小组", "founded_on": "2026-10-09"},
        follow=True,
    )
    assert REFUSED in response.content.decode()
    assert not PartyGroup.objects.filter(name="新党小组").exists()


def test_moving_a_founding_day_across_a_closed_month_is_refused(side_a, closed):
    group = PartyGroupFactory(branch=side_a.branch, founded_on=dt.date(2026, 11, 2))
    with pytest.raises(ValidationError, match="联系工委解锁"):
        services.party_group_update(actor=side_a.unit_secretary, group=group, data={"founded_on": dt.date(2026, 9, 1)})
    with pytest.raises(ValidationError, match="联系工委解锁"):
        services.branch_create(
            actor=side_a.unit_secretary,
            data={"unit": side_a.unit, "name": "补建支部", "kind": "in_service", "founded_on": dt.date(2026, 10, 3)},
        )


def test_a_branch_dissolved_in_a_closed_month_is_refused_on_the_page(login, side_a, committee_user, closed):
    branch = BranchFactory(unit=side_a.unit, name="空支部")
    response = login(side_a.unit_secretary).post(
        reverse("orgs:branch_dissolve", args=[branch.pk]), {"reason": "revoked", "on": "2026-10-31"}
    )
    assert REFUSED in response.content.decode()
    branch.refresh_from_db()
    assert branch.dissolved_on is None
    services.branch_dissolve(actor=side_a.unit_secretary, branch=branch, on=IN_NOVEMBER, reason="revoked")
    branch.refresh_from_db()
    assert branch.dissolved_on == IN_NOVEMBER
