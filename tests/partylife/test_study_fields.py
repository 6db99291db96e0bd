"""Party life's study fields: 领学人, 研讨发言 and the record's 计入学时 (issue 8: 中心组学习 stays a party-life
record), through the one-page form, the detail page, its history and the API.

领学人 and speakers are people of the record's unit (branch) on its day — where the record goes —
so a secretary of unit A never names a member of unit B; a refused write saves nothing. The hours
override reaches the study ledger through the core registry (party life never imports study).
"""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.study_hours import hours_by_source
from apps.partylife import services
from apps.partylife.models import Activity, ActivitySpeech
from apps.partylife.services import AttendanceInput, SpeechInput
from apps.partylife.study_sources import BRANCH_SOURCE, UNIT_SOURCE
from tests.partylife.factories import activity_type

pytestmark = pytest.mark.django_db

API = "/api/partylife/activities/"


def held(days_ago: int = 2) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def held_text(days_ago: int = 2) -> str:
    return timezone.localtime(held(days_ago)).strftime("%Y-%m-%dT%H:%M")


def create_url(code: str) -> str:
    return reverse("partylife:activity_create", args=[code])


def everyone(side) -> list:
    return [*side.members, side.other_branch_member]


def center_post(side, *, speeches=(), **fields) -> dict:
    """What the browser posts for a 中心组学习 of side's unit: everyone present, the given speech rows."""
    people = everyone(side)
    data = {
        "unit": side.unit.pk,
        "held_at": held_text(),
        "topic": "学习党的二十届四中全会精神",
        "minutes": "中心组成员交流研讨",
        "action": "submit",
        "att": [m.pk for m in people],
        "present": [m.pk for m in people],
    }
    for n, (speaker, summary) in enumerate(speeches):
        data[f"speeches-{n}-speaker"] = speaker
        data[f"speeches-{n}-summary"] = summary
    if not speeches:
        data.update({"speeches-0-speaker": "", "speeches-0-summary": ""})
    data.update(fields)
    return data


def center_record(side, *, study_hours=None, speeches=()) -> Activity:
    """A submitted, complete 中心组学习 of side's unit, everyone present (through the service)."""
    return services.activity_record(
        actor=side.unit_secretary,
        activity_type=activity_type("center_group_study"),
        unit=side.unit,
        fields={"topic": "集体学习", "held_at": held(), "minutes": "记录", "study_hours": study_hours},
        attendance=[AttendanceInput(m.pk) for m in everyone(side)],
        speeches=list(speeches),
        submit=True,
    )


def _post_json(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


# --- the one-page form -------------------------------------------------------------------------------------


def test_unit_secretary_logs_lead_by_speeches_and_hours(client, side_a):
    lead, speaker, other = side_a.members[0], side_a.members[1], side_a.other_branch_member
    client.force_login(side_a.unit_secretary)
    page = client.get(create_url("center_group_study")).content.decode()
    assert "领学人" in page and "研讨发言" in page and 'placeholder="默认 3.0"' in page
    data = center_post(
        side_a,
        lead_by=lead.pk,
        study_hours="2.5",
        speeches=[(speaker.pk, "结合分管工作谈体会"), ("", ""), (other.pk, "  围绕作风建设发言  ")],
    )
    response = client.post(create_url("center_group_study"), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    record = Activity.objects.get()
    assert record.lead_by == lead and record.study_hours == Decimal("2.5")
    assert [(s.speaker, s.summary, s.order) for s in record.speeches.all()] == [
        (speaker, "结合分管工作谈体会", 0),
        (other, "围绕作风建设发言", 1),  # the blank row dropped, the summary trimmed
    ]
    detail = client.get(record.get_absolute_url()).content.decode()
    assert lead.name in detail and "结合分管工作谈体会" in detail and "围绕作风建设发言" in detail
    assert "2.5 学时" in detail and "中心组学习默认 3.0 学时" in detail
    assert "研讨发言：" + speaker.name in detail  # the speeches are in the record's history


def test_a_member_of_another_unit_is_neither_lead_nor_speaker_and_nothing_is_saved(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    url = create_url("center_group_study")

    response = client.post(url, center_post(side_a, lead_by=side_b.member.pk))
    assert response.status_code == 200
    assert "领学人" in response.content.decode() and "选择一个有效的选项" in response.content.decode()

    response = client.post(url, center_post(side_a, speeches=[(side_b.member.pk, "外单位的人")]))
    assert response.status_code == 200
    assert "研讨发言人须为本单位（支部）在册党员" in response.content.decode()
    assert not Activity.objects.exists() and not ActivitySpeech.objects.exists()


def test_a_speech_needs_its_speaker_and_summary(client, side_a):
    client.force_login(side_a.unit_secretary)
    url = create_url("center_group_study")
    text = client.post(url, center_post(side_a, speeches=[(side_a.member.pk, "")])).content.decode()
    assert "第1条研讨发言：请填写发言要点。" in text
    text = client.post(url, center_post(side_a, speeches=[("", "只有要点")])).content.decode()
    assert "第1条研讨发言：请选择发言人。" in text
    text = client.post(url, center_post(side_a, speeches=[("99999999999999999999999", "要点")])).content.decode()
    assert "第1条研讨发言：发言人有误" in text
    assert not Activity.objects.exists()


@pytest.mark.parametrize("hours", ["24.5", "-1", "abc"])
def test_hours_are_bounded(client, side_a, hours):
    client.force_login(side_a.unit_secretary)
    response = client.post(create_url("center_group_study"), center_post(side_a, study_hours=hours))
    assert response.status_code == 200 and "计入学时" in response.content.decode()
    assert not Activity.objects.exists()


def test_branch_lesson_speakers_come_from_the_branch_not_the_unit(client, side_a):
    """A 党课 is a branch's: a member of the sibling branch of the same unit is not its speaker or 领学人."""
    client.force_login(side_a.branch_secretary)
    sibling = side_a.other_branch_member
    base = {
        "branch": side_a.branch.pk,
        "held_at": held_text(),
        "topic": "专题党课",
        "minutes": "记录",
        "action": "draft",
        "att": [m.pk for m in side_a.members],
        "present": [m.pk for m in side_a.members],
    }
    page = client.get(create_url("party_lecture") + f"?branch={side_a.branch.pk}").content.decode()
    assert f'<option value="{side_a.member.pk}"' in page and f'<option value="{sibling.pk}"' not in page
    text = client.post(
        create_url("party_lecture"), {**base, "speeches-0-speaker": sibling.pk, "speeches-0-summary": "发言"}
    ).content.decode()
    assert "研讨发言人须为本单位（支部）在册党员" in text
    text = client.post(create_url("party_lecture"), {**base, "lead_by": sibling.pk}).content.decode()
    assert "选择一个有效的选项" in text
    assert not Activity.objects.exists()

    ok = {**base, "lead_by": side_a.member.pk, "speeches-0-speaker": side_a.members[1].pk, "speeches-0-summary": "体会"}
    assert client.post(create_url("party_lecture"), ok).status_code == 302
    assert Activity.objects.get().lead_by == side_a.member


def test_types_without_study_have_no_lead_or_speeches_and_no_hours(client, side_a):
    client.force_login(side_a.branch_secretary)
    page = client.get(create_url("branch_committee_meeting")).content.decode()
    assert 'id="id_lead_by"' not in page and 'id="speeches-block"' not in page and 'id="id_study_hours"' not in page
    # 主题党日 counts hours but is no study type: the override, no 领学人
    page = client.get(create_url("theme_party_day")).content.decode()
    assert 'id="id_study_hours"' in page and 'placeholder="默认 2.0"' in page and 'id="id_lead_by"' not in page


def test_editing_keeps_unchanged_speeches_and_replaces_the_rest(client, side_a):
    a, b, c = side_a.members
    record = center_record(side_a, speeches=[SpeechInput(a.pk, "一"), SpeechInput(b.pk, "二")])
    first = record.speeches.get(order=0)
    history_before = ActivitySpeech.history.filter(id=first.pk).count()
    client.force_login(side_a.unit_secretary)
    page = client.get(reverse("partylife:activity_edit", args=[record.pk])).content.decode()
    assert "一</textarea>" in page and "二</textarea>" in page

    data = center_post(side_a, speeches=[(a.pk, "一"), (c.pk, "三")])
    assert client.post(reverse("partylife:activity_edit", args=[record.pk]), data).status_code == 302
    assert [(s.speaker, s.summary) for s in record.speeches.all()] == [(a, "一"), (c, "三")]
    assert record.speeches.get(order=0).pk == first.pk
    assert ActivitySpeech.history.filter(id=first.pk).count() == history_before  # untouched

    data = center_post(side_a)  # one blank row left: no speeches
    assert client.post(reverse("partylife:activity_edit", args=[record.pk]), data).status_code == 302
    assert not record.speeches.exists()


def test_a_refresh_keeps_the_typed_speeches(client, side_a):
    client.force_login(side_a.unit_secretary)
    query = {"unit": side_a.unit.pk, "speeches-3-speaker": side_a.member.pk, "speeches-3-summary": "已经打好的要点"}
    page = client.get(create_url("center_group_study"), query).content.decode()
    assert "已经打好的要点</textarea>" in page
    assert f'<option value="{side_a.member.pk}" selected>' in page


# --- the API ----------------------------------------------------------------------------------------------


def _center_payload(side, **extra) -> dict:
    data = {
        "activity_type": activity_type("center_group_study").pk,
        "unit": side.unit.pk,
        "topic": "中心组学习",
        "held_at": timezone.localtime(held()).isoformat(),
        "minutes": "记录",
        "attendance": [{"member": m.pk} for m in everyone(side)],
    }
    data.update(extra)
    return data


def test_api_reads_and_writes_lead_hours_and_speeches(client, side_a):
    a, b, _ = side_a.members
    client.force_login(side_a.unit_secretary)
    payload = _center_payload(
        side_a, lead_by=a.pk, study_hours="1.5", speeches=[{"speaker": b.pk, "summary": "谈体会"}], submit=True
    )
    response = _post_json(client, API, payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["lead_by"] == a.pk and body["lead_by_name"] == a.name and body["study_hours"] == "1.5"
    assert body["speeches"] == [{"speaker": b.pk, "speaker_name": b.name, "summary": "谈体会"}]

    url = f"{API}{body['id']}/"
    response = _post_json(client, url, {"speeches": [], "study_hours": None}, method="patch")
    assert response.status_code == 200, response.json()
    record = Activity.objects.get()
    assert not record.speeches.exists() and record.study_hours is None and record.lead_by == a


def test_api_refuses_a_member_of_another_unit(client, side_a, side_b):
    client.force_login(side_a.unit_secretary)
    response = _post_json(client, API, _center_payload(side_a, lead_by=side_b.member.pk))
    assert response.status_code == 400 and "lead_by" in response.json()
    speeches = [{"speaker": side_b.member.pk, "summary": "外单位"}]
    response = _post_json(client, API, _center_payload(side_a, speeches=speeches))
    assert response.status_code == 400 and "研讨发言人须为本单位" in str(response.json())
    assert not Activity.objects.exists() and not ActivitySpeech.objects.exists()

    record = center_record(side_a)
    response = _post_json(client, f"{API}{record.pk}/", {"speeches": speeches}, method="patch")
    assert response.status_code == 400 and not record.speeches.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"speeches": [{"speaker": 1, "summary": ""}]}, "summary"),
        ({"speeches": {"speaker": 1}}, "JSON 数组"),
        ({"study_hours": "30"}, "study_hours"),
    ],
)
def test_api_bad_study_fields_are_400(client, side_a, extra, message):
    client.force_login(side_a.unit_secretary)
    response = _post_json(client, API, _center_payload(side_a, **extra))
    assert response.status_code == 400 and message in str(response.json())
    assert not Activity.objects.exists()


def test_api_refuses_study_fields_on_other_types(client, side_a):
    client.force_login(side_a.branch_secretary)
    data = {
        "activity_type": activity_type("branch_committee_meeting").pk,
        "branch": side_a.branch.pk,
        "topic": "支委会",
        "held_at": timezone.localtime(held()).isoformat(),
        "minutes": "记录",
    }
    response = _post_json(client, API, {**data, "lead_by": side_a.member.pk})
    assert response.status_code == 400 and "只有理论学习类活动" in str(response.json())
    response = _post_json(client, API, {**data, "study_hours": "2"})
    assert response.status_code == 400 and "不计入学习学时" in str(response.json())
    response = _post_json(client, API, {**data, "speeches": [{"speaker": side_a.member.pk, "summary": "发言"}]})
    assert response.status_code == 400 and "只有理论学习类活动" in str(response.json())
    assert not Activity.objects.exists()


def test_api_moving_a_lesson_keeps_no_speaker_of_the_old_branch(client, side_a):
    """A 党课 moved to the sibling branch: its speakers of the first branch no longer fit (where it goes)."""
    record = services.activity_record(
        actor=side_a.unit_secretary,
        activity_type=activity_type("party_lecture"),
        branch=side_a.branch,
        fields={"topic": "党课", "held_at": held(), "minutes": "记录"},
        speeches=[SpeechInput(side_a.member.pk, "体会")],
    )
    client.force_login(side_a.unit_secretary)
    response = _post_json(client, f"{API}{record.pk}/", {"branch": side_a.other_branch.pk}, method="patch")
    assert response.status_code == 400 and "请同时修改研讨发言" in str(response.json())
    record.refresh_from_db()
    assert record.branch == side_a.branch
    speeches = [{"speaker": side_a.other_branch_member.pk, "summary": "新"}]
    moved = {"branch": side_a.other_branch.pk, "speeches": speeches}
    assert _post_json(client, f"{API}{record.pk}/", moved, method="patch").status_code == 200


# --- the hours ledger --------------------------------------------------------------------------------------


def test_the_override_changes_the_hours_the_ledger_counts(side_a):
    record = center_record(side_a)
    day = timezone.localdate()
    start = day - dt.timedelta(days=30)
    member = side_a.members[0].pk
    assert hours_by_source(start, day, member_ids=[member])[member][UNIT_SOURCE] == Decimal("3.0")  # the default

    services.activity_update(
        actor=side_a.unit_secretary, activity=record, unit=side_a.unit, branch=None, party_group=None,
        fields={"study_hours": Decimal("1.5")},
    )  # fmt: skip
    hours = hours_by_source(start, day, member_ids=[member])
    assert hours[member][UNIT_SOURCE] == Decimal("1.5") and BRANCH_SOURCE not in hours[member]

    services.activity_update(
        actor=side_a.unit_secretary, activity=record, unit=side_a.unit, branch=None, party_group=None,
        fields={"study_hours": Decimal("0")},
    )  # fmt: skip
    assert member not in hours_by_source(start, day, member_ids=[member])  # 0: this record gives no hours
