"""Attendance uses the members of the branch on the activity's date (issue 7 §2).

A member who transferred in after the meeting is not offered (nor accepted by the service); one who
transferred out after it still is; 补学 goes to the absentees of that date. The same for the talk pair
(谈心谈话) and the linked cadre (万名干部联万企: the unit's members on the date). The form refreshes its
roster when the date changes. The day of a transfer belongs to the new branch: 23:59 the evening
before is the old branch's, 00:00 that day the new one's (Asia/Shanghai).
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.orgs.services import member_deactivate, member_transfer
from apps.partylife import services
from apps.partylife.models import MakeupTask
from apps.partylife.services import AttendanceInput
from tests.orgs.factories import UserFactory, make_branch_secretary
from tests.partylife.factories import activity_type, at

pytestmark = pytest.mark.django_db


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return at(day.year, day.month, day.day, hh, mm)


@pytest.fixture
def moved(side_a, committee_user):
    """Ten days ago A's first branch lost `leaver` to the second branch and gained `joiner` from it."""
    day = timezone.localdate() - dt.timedelta(days=10)
    leaver, joiner = side_a.members[2], side_a.other_branch_member
    member_transfer(actor=committee_user, member=leaver, to_branch=side_a.other_branch, on=day)
    member_transfer(actor=committee_user, member=joiner, to_branch=side_a.branch, on=day)
    return {"day": day, "leaver": leaver, "joiner": joiner, "stayers": side_a.members[:2]}


def lecture(side, held_at, rows, *, submit=True):
    return services.activity_record(
        actor=side.branch_secretary,
        activity_type=activity_type("party_lecture"),
        branch=side.branch,
        fields={"topic": "党课", "held_at": held_at, "minutes": "讲稿"},
        attendance=rows,
        submit=submit,
    )


def form_roster(client, side, **query) -> set[int]:
    response = client.get(reverse("partylife:activity_create", args=["branch_general_meeting"]), query)
    assert response.status_code == 200
    return {row["member"].pk for row in response.context["attendance_rows"]}


def test_the_form_offers_the_branch_as_it_was_on_the_day(client, side_a, moved):
    client.force_login(side_a.branch_secretary)
    day, stayers = moved["day"], {m.pk for m in moved["stayers"]}
    before = form_roster(client, side_a, branch=side_a.branch.pk, date=(day - dt.timedelta(days=1)).isoformat())
    assert before == stayers | {moved["leaver"].pk}
    on_the_day = form_roster(client, side_a, branch=side_a.branch.pk, date=day.isoformat())
    assert on_the_day == stayers | {moved["joiner"].pk}


def test_changing_the_date_refreshes_the_roster(client, side_a, moved):
    """The htmx refresh (a GET carrying the branch and the typed time) answers with that day's roster."""
    client.force_login(side_a.branch_secretary)
    day = moved["day"]
    evening = (day - dt.timedelta(days=1)).isoformat() + "T23:59"
    morning = day.isoformat() + "T00:00"
    url = reverse("partylife:activity_create", args=["branch_general_meeting"])
    old = client.get(url, {"branch": side_a.branch.pk, "held_at": evening}, HTTP_HX_REQUEST="true")
    new = client.get(url, {"branch": side_a.branch.pk, "held_at": morning}, HTTP_HX_REQUEST="true")
    assert moved["leaver"].pk in {r["member"].pk for r in old.context["attendance_rows"]}
    assert moved["joiner"].pk not in {r["member"].pk for r in old.context["attendance_rows"]}
    assert moved["joiner"].pk in {r["member"].pk for r in new.context["attendance_rows"]}
    assert moved["leaver"].pk not in {r["member"].pk for r in new.context["attendance_rows"]}
    # The date input asks for that refresh, sending the place along.
    html = old.content.decode()
    assert 'name="held_at"' in html and "hx-get=" in html and "[name=&#x27;branch&#x27;]" in html


def test_the_service_checks_the_members_of_that_day(side_a, moved):
    day, leaver, joiner = moved["day"], moved["leaver"], moved["joiner"]
    evening = local(day - dt.timedelta(days=1), 23, 59)
    with pytest.raises(ValidationError, match="在册党员"):
        lecture(side_a, evening, [AttendanceInput(joiner.pk)])
    # The one who left afterwards was there that evening: listed absent, he owes the 补学.
    rows = [AttendanceInput(m.pk) for m in moved["stayers"]]
    record = lecture(side_a, evening, [*rows, AttendanceInput(leaver.pk, present=False, absence_reason="出差")])
    task = MakeupTask.objects.get()
    assert task.member == leaver and task.attendance.activity == record
    assert task.due_on == day - dt.timedelta(days=1) + dt.timedelta(days=services.MAKEUP_DAYS)
    with pytest.raises(ValidationError, match="在册党员"):
        lecture(side_a, local(day, 0, 0), [AttendanceInput(leaver.pk)])
    assert lecture(side_a, local(day, 0, 0), [AttendanceInput(joiner.pk)]).attendances.count() == 1


def test_talk_pairs_and_cadres_of_that_day(client, side_a, moved, committee_user):
    day, leaver, joiner = moved["day"], moved["leaver"], moved["joiner"]
    a = moved["stayers"][0]
    talk = {"topic": "谈心", "minutes": "谈话记录"}
    base = {"actor": side_a.branch_secretary, "activity_type": activity_type("heart_talk"), "branch": side_a.branch}
    evening, morning = local(day - dt.timedelta(days=1), 23, 59), local(day, 0, 0)
    assert services.activity_create(**base, fields={**talk, "held_at": evening, "talker": a, "talkee": leaver}).pk
    with pytest.raises(ValidationError, match="谈话双方须为本支部在册党员"):
        services.activity_create(**base, fields={**talk, "held_at": evening, "talker": a, "talkee": joiner})
    client.force_login(side_a.branch_secretary)
    url = reverse("partylife:activity_create", args=["heart_talk"])
    pair = client.get(url, {"date": morning.date().isoformat()}).context["form"].fields["talkee"].queryset
    assert joiner in pair and leaver not in pair
    # 联系干部: a member of the unit that day; one who left the roster later still counts for earlier visits.
    member_deactivate(actor=committee_user, member=leaver, left_on=day + dt.timedelta(days=2), reason="调出")
    visit = {"actor": side_a.unit_secretary, "activity_type": activity_type("cadres_link_enterprises")}
    fields = {"topic": "走访", "minutes": "记录", "enterprise_name": "某公司", "cadre": leaver}
    branch = side_a.other_branch  # the leaver's branch from `day` on
    assert services.activity_create(**visit, branch=branch, fields={**fields, "held_at": morning}).cadre == leaver
    late = local(day + dt.timedelta(days=2), 0, 0)
    with pytest.raises(ValidationError, match="联系干部须为本单位党员"):
        services.activity_create(**visit, branch=branch, fields={**fields, "held_at": late})
    client.force_login(side_a.unit_secretary)
    url = reverse("partylife:activity_create", args=["cadres_link_enterprises"])
    query = {"branch": branch.pk, "date": morning.date().isoformat()}
    cadres = client.get(url, query).context["form"].fields["cadre"].queryset
    assert leaver in cadres and set(cadres) == {*side_a.members, joiner}


def test_a_person_in_two_branches_sees_only_the_branch_they_keep(client, side_a, side_b, moved):
    """A's second-branch member who is also the first branch's secretary: the first branch's roster of the
    day, never the second's; B's secretary gets no roster of A at all."""
    person = moved["joiner"]  # in the first branch since `day`, in the second before
    user = make_branch_secretary(UserFactory(username="two_branches"), side_a.other_branch)
    person.user = user
    person.save()
    client.force_login(user)
    before = moved["day"] - dt.timedelta(days=1)
    roster = form_roster(client, side_a, branch=side_a.other_branch.pk, date=before.isoformat())
    assert roster == {person.pk}  # the second branch the day before: the leaver came only on `day`
    # Asking for the first branch (not theirs) is ignored: they get their only branch's roster again.
    assert form_roster(client, side_a, branch=side_a.branch.pk, date=before.isoformat()) == {person.pk}
    client.force_login(side_b.unit_secretary)
    assert form_roster(client, side_b, branch=side_a.branch.pk, date=before.isoformat()) == set()
