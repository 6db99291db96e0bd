"""No records outside the branch's life (issue 7 §5): a record dated before its branch (party group) was
founded, on or after the day it was dissolved, or after today, is refused with a clear Chinese message —
by the service, so the form and the API alike, a draft too. Days are Asia/Shanghai days: 23:59 and 00:00
either side of an edge fall on different days whatever the server's UTC offset.
"""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.orgs.models import BranchEnd
from apps.orgs.services import branch_dissolve, party_group_dissolve
from apps.partylife import services
from apps.partylife.models import Activity
from tests.orgs.factories import BranchFactory, MemberFactory, PartyGroupFactory
from tests.partylife.factories import activity_type, at

pytestmark = pytest.mark.django_db

API = "/api/partylife/activities/"


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return at(day.year, day.month, day.day, hh, mm)


def meeting(actor, branch, held_at, **extra):
    return services.activity_create(
        actor=actor,
        activity_type=activity_type(extra.pop("code", "branch_committee_meeting")),
        branch=branch,
        fields={"topic": "研究工作", "held_at": held_at, "minutes": "记录"},
        **extra,
    )


@pytest.fixture
def young_branch(side_a):
    """A branch of unit A founded 20 days ago, with one member since then."""
    founded = timezone.localdate() - dt.timedelta(days=20)
    branch = BranchFactory(unit=side_a.unit, name="A局新建支部", founded_on=founded)
    MemberFactory(branch=branch, name="新支部党员", membership=founded)
    return branch


def test_not_before_the_branch_was_founded(side_a, young_branch):
    founded = young_branch.founded_on
    actor = side_a.unit_secretary
    with pytest.raises(ValidationError) as exc:
        meeting(actor, young_branch, local(founded - dt.timedelta(days=1), 23, 59))
    assert exc.value.message_dict["held_at"] == [
        f"A局新建支部于{founded.year}年{founded.month}月{founded.day}日成立，不能登记成立之前的活动。"
    ]
    assert not Activity.objects.exists()
    assert meeting(actor, young_branch, local(founded, 0, 0)).pk  # its first day counts


def test_not_on_or_after_the_day_it_was_dissolved(side_a, committee_user):
    end = timezone.localdate() - dt.timedelta(days=10)
    branch_dissolve(
        actor=committee_user, branch=side_a.branch, on=end, reason=BranchEnd.MERGED, successor=side_a.other_branch
    )
    side_a.branch.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        meeting(side_a.unit_secretary, side_a.branch, local(end, 0, 0))
    [message] = exc.value.message_dict["held_at"]
    assert message == (
        f"A局第一党支部已于{end.year}年{end.month}月{end.day}日合并，不能登记该日及以后的活动。"
        "此后的活动请登记在A局第二党支部。"
    )
    # The day before its end is still its life: its last meeting may be logged (and submitted).
    last = meeting(side_a.unit_secretary, side_a.branch, local(end - dt.timedelta(days=1), 23, 59))
    assert services.activity_submit(actor=side_a.unit_secretary, activity=last).status == "submitted"
    # Nor can a record be moved past the end.
    with pytest.raises(ValidationError, match="不能登记该日及以后的活动"):
        services.activity_update(
            actor=side_a.unit_secretary,
            activity=last,
            unit=None,
            branch=side_a.branch,
            party_group=None,
            fields={"held_at": local(end + dt.timedelta(days=1), 9)},
        )


def test_not_after_today_even_as_a_draft(side_a):
    today = timezone.localdate()
    actor = side_a.branch_secretary
    with pytest.raises(ValidationError) as exc:
        meeting(actor, side_a.branch, local(today + dt.timedelta(days=1), 0, 0))
    assert exc.value.message_dict["held_at"] == ["活动尚未开展：时间不能晚于今天，请在活动开展后再登记。"]
    assert meeting(actor, side_a.branch, local(today, 23, 59)).status == "draft"  # later today is today


def test_a_dissolved_party_group_takes_no_meeting_from_its_end(side_a, committee_user):
    group = PartyGroupFactory(branch=side_a.branch, name="第一党小组")
    end = timezone.localdate() - dt.timedelta(days=5)
    party_group_dissolve(actor=committee_user, group=group, on=end)
    group.refresh_from_db()
    code = "party_group_meeting"
    with pytest.raises(ValidationError, match=f"第一党小组已于{end.year}年{end.month}月{end.day}日撤销"):
        meeting(side_a.branch_secretary, side_a.branch, local(end, 0, 0), code=code, party_group=group)
    before = meeting(
        side_a.branch_secretary, side_a.branch, local(end - dt.timedelta(days=1), 23, 59), code=code, party_group=group
    )
    assert before.party_group == group


def test_unit_level_records_are_refused_only_in_the_future(side_a):
    data = {
        "actor": side_a.unit_secretary,
        "activity_type": activity_type("first_topic"),
        "unit": side_a.unit,
    }
    old = {"topic": "第一议题", "held_at": at(2018, 1, 2, 9), "material": "重要讲话"}  # before every branch
    assert services.activity_create(**data, fields=old).branch is None
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="活动尚未开展"):
        services.activity_create(**data, fields={**old, "held_at": local(tomorrow, 0, 0)})


def test_the_form_and_the_api_say_why_and_save_nothing(client, side_a, young_branch):
    before = young_branch.founded_on - dt.timedelta(days=1)
    client.force_login(side_a.unit_secretary)
    data = {
        "branch": young_branch.pk,
        "held_at": f"{before.isoformat()}T23:59",
        "topic": "研究工作",
        "minutes": "记录",
        "action": "draft",
    }
    response = client.post(reverse("partylife:activity_create", args=["branch_committee_meeting"]), data)
    assert response.status_code == 200 and "时间：A局新建支部于" in response.content.decode()
    body = {
        "activity_type": activity_type("branch_committee_meeting").pk,
        "branch": young_branch.pk,
        "topic": "研究工作",
        "held_at": f"{before.isoformat()}T23:59:00+08:00",
    }
    response = client.post(API, json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and "成立之前" in response.json()["held_at"][0]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    body["held_at"] = f"{tomorrow.isoformat()}T00:00:00+08:00"
    body["branch"] = side_a.branch.pk
    response = client.post(API, json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and "活动尚未开展" in response.json()["held_at"][0]
    assert not Activity.objects.exists()


def test_a_merged_branch_is_offered_for_days_of_its_life_only(client, side_a, side_b, committee_user):
    """Its last records can still be logged by its secretaries, dated before its end."""
    end = timezone.localdate() - dt.timedelta(days=10)
    branch_dissolve(
        actor=committee_user, branch=side_a.branch, on=end, reason=BranchEnd.MERGED, successor=side_a.other_branch
    )
    client.force_login(side_a.unit_secretary)
    url = reverse("partylife:activity_create", args=["branch_committee_meeting"])
    inside = client.get(url + f"?date={(end - dt.timedelta(days=1)).isoformat()}")
    choices = list(inside.context["form"].fields["branch"].queryset)
    assert choices == [side_a.branch, side_a.other_branch]
    assert f"A局第一党支部（{end:%Y-%m-%d}合并）" in inside.content.decode()
    after = client.get(url + f"?date={end.isoformat()}")
    assert list(after.context["form"].fields["branch"].queryset) == [side_a.other_branch]
    # Unit B's secretary is offered neither.
    client.force_login(side_b.unit_secretary)
    other = client.get(url + f"?date={(end - dt.timedelta(days=1)).isoformat()}")
    assert side_a.branch not in other.context["form"].fields["branch"].queryset


def test_a_dissolved_party_group_is_offered_for_days_of_its_life_only(client, side_a, committee_user):
    group = PartyGroupFactory(branch=side_a.branch, name="已撤销小组")
    end = timezone.localdate() - dt.timedelta(days=5)
    party_group_dissolve(actor=committee_user, group=group, on=end)
    client.force_login(side_a.branch_secretary)
    url = reverse("partylife:activity_create", args=["party_group_meeting"])
    inside = client.get(url, {"date": (end - dt.timedelta(days=1)).isoformat()}).context["form"]
    after = client.get(url, {"date": end.isoformat()}).context["form"]
    assert group in inside.fields["party_group"].queryset and group not in after.fields["party_group"].queryset
