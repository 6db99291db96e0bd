"""整改 through the pages and the API: the unit submits measures and files, the committee returns (comment
required) or accepts; refusals are Chinese messages that change nothing; bad query parameters never 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.discipline.models import Attachment
from apps.discipline.models import RectificationStatus as S
from tests.discipline.test_rectifications_support import fake_png, finding, pdf, png, submitted

pytestmark = pytest.mark.django_db


def test_the_unit_submits_through_the_page(client, committee_user, side_a):
    rect = finding(committee_user, side_a.unit).rectification
    client.force_login(side_a.unit_secretary)
    page = client.get(rect.get_absolute_url()).content.decode()
    assert 'id="submit"' in page and 'id="review"' not in page
    refused = client.post(rect.get_absolute_url(), {"measures": "只写了文字"})
    assert refused.status_code == 200 and "请上传佐证材料" in refused.content.decode()
    refused = client.post(rect.get_absolute_url(), {"measures": "伪造图片", "files": [fake_png()]})
    assert refused.status_code == 200 and "不是可接受的文件类型" in refused.content.decode()
    rect.refresh_from_db()
    assert rect.status == S.OPEN and not Attachment.objects.exists()
    done = client.post(rect.get_absolute_url(), {"measures": "已整改到位", "files": [png(), pdf()]})
    assert done.status_code == 302
    rect.refresh_from_db()
    assert rect.status == S.SUBMITTED and rect.files.count() == 2
    again = client.post(rect.get_absolute_url(), {"measures": "再提交", "files": [png()]})
    assert again.status_code == 403 and rect.files.count() == 2


def test_the_committee_returns_then_accepts_through_the_pages(client, committee_user, side_a):
    rect = submitted(committee_user, side_a)
    client.force_login(committee_user)
    page = client.get(rect.get_absolute_url()).content.decode()
    assert 'id="review"' in page and 'id="submit"' not in page
    assert client.post(rect.get_absolute_url(), {"measures": "工委代交"}).status_code == 403
    no_comment = client.post(reverse("discipline:rectification_return", args=[rect.pk]), {"comment": ""}, follow=True)
    assert "退回时请填写退回意见" in no_comment.content.decode()
    rect.refresh_from_db()
    assert rect.status == S.SUBMITTED
    client.post(reverse("discipline:rectification_return", args=[rect.pk]), {"comment": "缺制度文件"})
    rect.refresh_from_db()
    assert rect.status == S.RETURNED
    refused = client.post(reverse("discipline:rectification_accept", args=[rect.pk]), follow=True)
    assert "只有已提交的整改可以销号" in refused.content.decode()

    client.force_login(side_a.unit_secretary)
    assert "缺制度文件" in client.get(rect.get_absolute_url()).content.decode()
    client.post(rect.get_absolute_url(), {"measures": "补充了制度文件", "files": [pdf()]})
    assert client.post(reverse("discipline:rectification_accept", args=[rect.pk])).status_code == 403

    client.force_login(committee_user)
    client.post(reverse("discipline:rectification_accept", args=[rect.pk]), {"comment": "同意销号"})
    rect.refresh_from_db()
    assert rect.status == S.ACCEPTED and rect.accepted_on is not None
    detail = client.get(reverse("discipline:inspection_detail", args=[rect.finding.inspection_id])).content.decode()
    assert "已销号" in detail and "问题已关闭" in detail


def test_the_api_flow_with_a_file_upload(client, committee_user, side_a):
    rect = finding(committee_user, side_a.unit).rectification
    url = f"/api/discipline/rectifications/{rect.pk}"
    client.force_login(committee_user)
    assert client.post(f"{url}/submit/", {"measures": "工委代交", "files": [png()]}).status_code == 403
    assert client.post(f"{url}/accept/").status_code == 400

    client.force_login(side_a.unit_secretary)
    bad = client.post(f"{url}/submit/", {"measures": "没有文件"})
    assert bad.status_code == 400 and "files" in bad.json()
    ok = client.post(f"{url}/submit/", {"measures": "已整改", "files": [png(), pdf()]})
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["status"] == S.SUBMITTED and len(body["files"]) == 2 and body["is_overdue"] is False
    assert client.get(body["files"][0]["url"]).status_code == 200
    assert client.post(f"{url}/accept/").status_code == 403

    client.force_login(committee_user)
    assert client.post(f"{url}/return/", {}, content_type="application/json").status_code == 400
    back = client.post(f"{url}/return/", {"comment": "照片模糊"}, content_type="application/json")
    assert back.status_code == 200 and back.json()["status"] == S.RETURNED
    client.force_login(side_a.unit_secretary)
    again = client.post(f"{url}/submit/", {"measures": "重新拍照"}, content_type="application/json")
    assert again.status_code == 200 and again.json()["status"] == S.SUBMITTED
    client.force_login(committee_user)
    accepted = client.post(f"{url}/accept/", {"comment": ""}, content_type="application/json").json()
    assert accepted["status"] == S.ACCEPTED and accepted["accepted_on"]
    assert [e["to_status"] for e in accepted["events"]] == ["open", "submitted", "returned", "submitted", "accepted"]


@pytest.mark.parametrize(
    "params",
    [{"overdue": "maybe"}, {"unit": "abc"}, {"status": "nope"}, {"inspection": "²"}, {"q": "a\x00"}, {"page": "x"}],
    ids=["overdue", "unit", "status", "inspection", "nul", "page"],
)
def test_bad_list_parameters_are_messages_not_errors(client, committee_user, side_a, params):
    finding(committee_user, side_a.unit)
    client.force_login(committee_user)
    page = client.get(reverse("discipline:rectification_list"), params)
    assert page.status_code == 200
    export = client.get(reverse("discipline:rectification_export"), params)
    assert export.status_code == 200
    if "page" not in params and "overdue" not in params:  # a junk page or yes/no is simply not applied
        assert page.context["filter_messages"]
        assert client.get("/api/discipline/rectifications/", params).status_code == 400
