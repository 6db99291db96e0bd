"""The verdicts API says what the pages say (issue 7): 未纳入 and 已撤销 windows, the party groups that met and did not,
谈心谈话 coverage, days left; scoped to those who run the branch or unit, across two units."""

import datetime as dt

import pytest

from apps.orgs.models import Platform
from tests.orgs.factories import MemberFactory, PartyGroupFactory
from tests.partylife.factories import ActivityFactory, activity_type, at, rule_for

pytestmark = pytest.mark.django_db

URL = "/api/partylife/compliance/"


def cells_of(body, code):
    return [c for c in body["cells"] if c["rule"] == rule_for(code).pk]


def test_groups_coverage_and_windows_not_judged(client, side_a):
    Platform.objects.create(pk=1, start_on=dt.date(2025, 3, 20))
    g1 = PartyGroupFactory(branch=side_a.branch, name="一组")
    PartyGroupFactory(branch=side_a.branch, name="二组")
    ActivityFactory(
        branch=side_a.branch, party_group=g1, activity_type=activity_type("party_group_meeting"), held_at=at(2025, 4, 2)
    )
    secretary = MemberFactory(branch=side_a.branch, is_branch_committee=True, name="书记")
    ActivityFactory(
        branch=side_a.branch,
        activity_type=activity_type("heart_talk"),
        talker=secretary,
        talkee=side_a.members[0],
        held_at=at(2025, 5, 2),
    )
    client.force_login(side_a.branch_secretary)
    body = client.get(URL, {"branch": side_a.branch.pk, "period": "2025", "as_of": "2025-12-31"}).json()
    groups = cells_of(body, "party_group_meeting")
    assert [c["status"] for c in groups[:4]] == ["not_judged", "not_judged", "not_judged", "warning"]
    assert (groups[3]["groups_met_names"], groups[3]["groups_missed_names"]) == (["一组"], ["二组"])
    assert groups[11]["status"] == "due" and groups[11]["days_left"] == 0
    (talks,) = cells_of(body, "heart_talk")
    assert talks["status"] == "due"
    line = next(r for r in talks["reach"] if r["label"] == "支部委员与党员之间")
    assert (line["reached"], line["total"], line["met"], line["missing"]) == (1, 3, False, ["A党员1", "A党员2"])
    assert body["tally"]["not_judged"] >= 3 and body["as_of"] == "2025-12-31"


def test_a_dissolved_branchs_windows_after_its_end_are_ended(client, side_a, side_b):
    side_a.other_branch.dissolved_on, side_a.other_branch.end_reason = dt.date(2025, 6, 1), "revoked"
    side_a.other_branch.save()
    client.force_login(side_a.unit_secretary)
    body = client.get(URL, {"branch": side_a.other_branch.pk, "period": "2025-Q2", "as_of": "2025-12-31"}).json()
    assert [c["status"] for c in cells_of(body, "branch_committee_meeting")] == ["warning", "warning", "ended"]
    assert "支部已于2025-06-01撤销" in cells_of(body, "branch_committee_meeting")[2]["note"]
    client.force_login(side_b.unit_secretary)
    assert client.get(URL, {"branch": side_a.other_branch.pk, "period": "2025"}).status_code == 404
