"""约谈提醒: the committee records, corrects and follows up talks; a unit's secretary reads their own unit's,
read-only; branch secretaries, members and other units see nothing (pages, export, API). Query count pinned."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.discipline.models import Talk, TalkKind
from apps.discipline.services import talks as services

pytestmark = pytest.mark.django_db


def talk(committee, unit, **fields) -> Talk:
    data = {
        "unit": unit,
        "kind": TalkKind.REMINDER,
        "talked_with": "王某（副局长）",
        "talked_by": "工委书记",
        "reason": "分管领域作风问题反映较多",
        "held_on": timezone.localdate() - dt.timedelta(days=3),
        "outcome": "表态立即整改",
        "follow_up": "一个月内报送整改情况",
        "follow_up_due": timezone.localdate() + dt.timedelta(days=27),
    }
    data.update(fields)
    return services.talk_create(actor=committee, fields=data)


def _xlsx(response) -> str:
    wb = load_workbook(io.BytesIO(response.content))
    return " ".join(str(c) for row in wb.worksheets[0].iter_rows(values_only=True) for c in row)


def test_the_committee_records_corrects_and_follows_up_a_talk(committee_user, side_a):
    t = talk(committee_user, side_a.unit)
    assert t.created_by == committee_user and t.follow_up_done_on is None
    services.talk_update(actor=committee_user, talk=t, fields={"outcome": "已深刻检查"})
    t.refresh_from_db()
    assert t.outcome == "已深刻检查" and t.history.count() == 2
    services.talk_follow_up_done(actor=committee_user, talk=t, done_on=timezone.localdate())
    t.refresh_from_db()
    assert t.follow_up_done_on == timezone.localdate()
    with pytest.raises(ValidationError, match="已于"):
        services.talk_follow_up_done(actor=committee_user, talk=t)


def test_talk_dates_and_follow_up_are_checked(committee_user, side_a):
    with pytest.raises(ValidationError) as exc:
        talk(committee_user, side_a.unit, follow_up_due=timezone.localdate() - dt.timedelta(days=10))
    assert "follow_up_due" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        talk(committee_user, side_a.unit, follow_up="")
    assert "follow_up" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        talk(committee_user, side_a.unit, held_on=dt.date(1999, 1, 1))
    assert "held_on" in exc.value.message_dict
    plain = talk(committee_user, side_a.unit, follow_up="", follow_up_due=None)
    with pytest.raises(ValidationError, match="没有后续要求"):
        services.talk_follow_up_done(actor=committee_user, talk=plain)
    assert Talk.objects.count() == 1


@pytest.mark.parametrize("who", ["unit_a", "branch_a", "member_a"])
def test_nobody_but_the_committee_writes_talks(committee_user, side_a, who):
    actor = {"unit_a": side_a.unit_secretary, "branch_a": side_a.branch_secretary, "member_a": side_a.member_user}[who]
    t = talk(committee_user, side_a.unit)
    with pytest.raises(PermissionDenied):
        talk(actor, side_a.unit)
    with pytest.raises(PermissionDenied):
        services.talk_update(actor=actor, talk=t, fields={"outcome": "改掉"})
    with pytest.raises(PermissionDenied):
        services.talk_follow_up_done(actor=actor, talk=t)
    t.refresh_from_db()
    assert Talk.objects.count() == 1 and t.outcome == "表态立即整改" and t.follow_up_done_on is None


def test_the_committee_uses_the_pages(client, committee_user, side_a):
    client.force_login(committee_user)
    response = client.post(
        reverse("discipline:talk_create"),
        {
            "unit": side_a.unit.pk,
            "kind": "caution",
            "talked_with": "李某（科长）",
            "talked_by": "工委副书记",
            "reason": "违规收受礼品",
            "held_on": timezone.localdate().isoformat(),
            "outcome": "",
            "follow_up": "",
            "follow_up_due": "",
        },
    )
    t = Talk.objects.get()
    assert response.status_code == 302 and response.url == reverse("discipline:talk_detail", args=[t.pk])
    bad = client.post(reverse("discipline:talk_edit", args=[t.pk]), {"unit": "x", "held_on": "2026-13-40"})
    assert bad.status_code == 200 and bad.context["form"].errors
    t.refresh_from_db()
    assert t.reason == "违规收受礼品"
    page = client.get(reverse("discipline:talk_detail", args=[t.pk])).content.decode()
    assert "违规收受礼品" in page and "变更记录" in page


def test_sensitivity_of_talks(client, committee_user, side_a, side_b):
    mine = talk(committee_user, side_a.unit, reason="A局的约谈事由")
    other = talk(committee_user, side_b.unit, reason="B局的约谈事由")
    list_url, export_url = reverse("discipline:talk_list"), reverse("discipline:talk_export")

    client.force_login(side_a.unit_secretary)
    page = client.get(list_url).content.decode()
    assert "A局的约谈事由" in page and "B局的约谈事由" not in page and "登记约谈" not in page
    exported = _xlsx(client.get(export_url))
    assert "A局的约谈事由" in exported and "B局的约谈事由" not in exported
    assert client.get(reverse("discipline:talk_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("discipline:talk_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("discipline:talk_create")).status_code == 403
    assert client.get(reverse("discipline:talk_edit", args=[mine.pk])).status_code == 403
    api = client.get("/api/discipline/talks/").json()
    assert [r["id"] for r in api["results"]] == [mine.pk]
    assert client.get(f"/api/discipline/talks/{other.pk}/").status_code == 404
    assert client.patch(f"/api/discipline/talks/{mine.pk}/", {"outcome": "x"}, "application/json").status_code == 403
    assert client.post(f"/api/discipline/talks/{mine.pk}/follow-up-done/").status_code == 403
    assert client.get("/api/discipline/talks/", {"unit": side_b.unit.pk}).status_code == 400

    for user in (side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        for url in (list_url, export_url, reverse("discipline:talk_detail", args=[mine.pk])):
            assert client.get(url).status_code == 403
        assert client.get("/api/discipline/talks/").json()["results"] == []
        assert client.get(f"/api/discipline/talks/{mine.pk}/").status_code == 404
    mine.refresh_from_db()
    assert mine.outcome == "表态立即整改" and mine.follow_up_done_on is None


def test_the_api_writes_through_the_services(client, committee_user, side_a):
    client.force_login(committee_user)
    body = {
        "unit": side_a.unit.pk,
        "kind": "admonition",
        "talked_with": "赵某",
        "talked_by": "工委书记",
        "reason": "履责不力",
        "held_on": timezone.localdate().isoformat(),
        "follow_up": "报送整改报告",
        "follow_up_due": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
    }
    created = client.post("/api/discipline/talks/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    done = client.post(f"/api/discipline/talks/{pk}/follow-up-done/", {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["follow_up_done_on"] == timezone.localdate().isoformat()
    bad = client.post("/api/discipline/talks/", {**body, "held_on": "1990-01-01"}, content_type="application/json")
    assert bad.status_code == 400 and "held_on" in bad.json()
    assert client.delete(f"/api/discipline/talks/{pk}/").status_code == 405
    assert Talk.objects.count() == 1


def test_talk_list_filters_and_query_count(client, committee_user, side_a, side_b, assert_constant_queries):
    talk(committee_user, side_a.unit, kind=TalkKind.CAUTION, held_on=dt.date(2026, 3, 1))
    talk(committee_user, side_b.unit, held_on=dt.date(2026, 5, 1))
    client.force_login(committee_user)
    url = reverse("discipline:talk_list")
    page = client.get(url, {"kind": "caution"})
    assert [t.unit for t in page.context["page"]] == [side_a.unit]
    ranged = client.get(url, {"date_from": "2026-04-01", "date_to": "2026-06-30"})
    assert [t.unit for t in ranged.context["page"]] == [side_b.unit]
    bad = client.get(url, {"date_from": "1800-01-01", "unit": "abc"})
    assert bad.status_code == 200 and len(bad.context["filter_messages"]) == 2

    def grow():
        for i in range(5):
            talk(committee_user, side_a.unit if i % 2 else side_b.unit, reason=f"事由{i}")

    assert_constant_queries(lambda: client.get(url), grow=grow, expected=10)
