"""履责报告 pages, export, API and files: the committee sees every unit's, a unit's secretary their own, and a
branch secretary or member of the same unit nothing; nothing changes through another unit's ids."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from apps.core.models import Notification
from apps.discipline.models import Attachment, DutyReport, ReportRound, ReportStatus
from apps.discipline.services import reports as services
from tests.orgs.factories import UnitFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=SH)
API = "/api/discipline/reports/"


def png(name="scan.png"):
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), (10, 120, 30)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def open_round(committee, units, *, title="2026年上半年履责报告", due_on=dt.date(2026, 7, 15)):
    return services.report_round_open(
        actor=committee,
        fields={
            "kind": "half",
            "title": title,
            "starts_on": dt.date(2026, 1, 1),
            "ends_on": dt.date(2026, 6, 30),
            "due_on": due_on,
        },
        units=units,
        now=NOW,
    )


@pytest.fixture
def world(side_a, side_b, committee_user):
    round_ = open_round(committee_user, [side_a.unit, side_b.unit])
    reports = {}
    for side in (side_a, side_b):
        report = DutyReport.objects.get(round=round_, unit=side.unit)
        report = services.report_save(actor=side.unit_secretary, report=report, fields={"content": f"{side.unit}报告"})
        [attachment] = services.report_files_add(actor=side.unit_secretary, report=report, uploads=[png()])
        reports[side.unit.pk] = (report, attachment)
    return round_, reports


def test_each_role_sees_what_it_should_on_the_list(client, side_a, side_b, committee_user, world):
    round_, reports = world
    a_report, _ = reports[side_a.unit.pk]
    b_report, _ = reports[side_b.unit.pk]
    client.force_login(committee_user)
    body = client.get(reverse("discipline:report_list")).content.decode()
    assert f'data-report="{a_report.pk}"' in body and f'data-report="{b_report.pk}"' in body
    client.force_login(side_a.unit_secretary)
    body = client.get(reverse("discipline:report_list")).content.decode()
    assert f'data-report="{a_report.pk}"' in body and f'data-report="{b_report.pk}"' not in body
    assert "未到期" in body
    for user in (side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        assert client.get(reverse("discipline:report_list")).status_code == 403
        assert client.get(reverse("discipline:report_export")).status_code == 403
        assert client.get(reverse("discipline:report_detail", args=[a_report.pk])).status_code == 403


def test_another_units_report_and_file_are_404_and_nothing_changes(client, side_a, side_b, world):
    round_, reports = world
    b_report, b_file = reports[side_b.unit.pk]
    a_report, a_file = reports[side_a.unit.pk]
    client.force_login(side_a.unit_secretary)
    assert client.get(reverse("discipline:report_detail", args=[b_report.pk])).status_code == 404
    assert client.get(reverse("discipline:report_file", args=[b_file.pk])).status_code == 404
    assert client.post(reverse("discipline:report_detail", args=[b_report.pk]), {"content": "x"}).status_code == 404
    assert client.post(reverse("discipline:report_submit", args=[b_report.pk])).status_code == 404
    assert client.post(reverse("discipline:report_file_delete", args=[b_file.pk])).status_code == 404
    # Own file: served, with its type and never sniffed by the browser
    own = client.get(reverse("discipline:report_file", args=[a_file.pk]))
    assert own.status_code == 200 and own["Content-Type"] == "image/png"
    assert own["X-Content-Type-Options"] == "nosniff"
    b_report.refresh_from_db()
    assert (b_report.status, b_report.content) == (ReportStatus.DRAFT, f"{side_b.unit}报告")
    assert Attachment.objects.filter(pk=b_file.pk).exists()
    # A's branch secretary and member: the file URL of their own unit is refused too (the guard: 403)
    for user in (side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        assert client.get(reverse("discipline:report_file", args=[a_file.pk])).status_code in (403, 404)
    # The selector itself never hands the file to them (404 whatever guard is in front)
    from apps.discipline.selectors import reports as selectors

    for user in (side_a.branch_secretary, side_a.member_user, side_b.unit_secretary):
        assert selectors.report_attachment_get(user=user, pk=a_file.pk) is None
        assert selectors.report_get(user=user, pk=a_report.pk) is None


def test_the_export_holds_only_the_users_rows(client, side_a, side_b, committee_user, world):
    client.force_login(side_a.unit_secretary)
    response = client.get(reverse("discipline:report_export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert [r[2] for r in rows[1:]] == [side_a.unit.name]
    client.force_login(committee_user)
    response = client.get(reverse("discipline:report_export"), {"unit": side_b.unit.pk})
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:6] == ("报告期", "周期", "单位", "报送截止日", "状态", "报送情况")
    assert [r[2] for r in rows[1:]] == [side_b.unit.name]


def test_the_unit_writes_submits_and_the_committee_returns_then_accepts_on_the_pages(
    client, side_a, committee_user, world, django_capture_on_commit_callbacks
):
    round_, reports = world
    report, _ = reports[side_a.unit.pk]
    client.force_login(side_a.unit_secretary)
    url = reverse("discipline:report_detail", args=[report.pk])
    response = client.post(url, {"content": "正式报告", "files": [png("b.png")], "action": "submit"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.content, report.files.count()) == (ReportStatus.SUBMITTED, "正式报告", 2)
    # A unit secretary cannot review (403), even their own unit's report
    assert client.post(reverse("discipline:report_accept", args=[report.pk])).status_code == 403
    client.force_login(committee_user)
    page = client.get(url).content.decode()
    assert "审核" in page and "办理记录" in page
    client.post(reverse("discipline:report_return", args=[report.pk]), {"comment": ""})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED  # refused: a comment is required
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("discipline:report_return", args=[report.pk]), {"comment": "请补充问题清单"})
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    # The return reached A's secretaries at once, and only them
    assert list(Notification.objects.filter(category="discipline.report_returned").values_list("user", flat=True)) == [
        side_a.unit_secretary.pk
    ]
    client.force_login(side_a.unit_secretary)
    assert "请补充问题清单" in client.get(url).content.decode()
    client.post(url, {"content": "补充后", "action": "submit"})
    client.force_login(committee_user)
    client.post(reverse("discipline:report_accept", args=[report.pk]), {"comment": ""})
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    # A forged file is refused by its content and saves nothing
    client.force_login(side_a.unit_secretary)
    other = DutyReport.objects.get(
        round=open_round(committee_user, [side_a.unit], title="2026年度", due_on=dt.date(2027, 1, 15)), unit=side_a.unit
    )
    fake = SimpleUploadedFile("fake.png", b"not an image at all", content_type="image/png")
    response = client.post(
        reverse("discipline:report_detail", args=[other.pk]), {"content": "x", "files": [fake], "action": "save"}
    )
    assert response.status_code == 200 and "不是可接受的文件类型" in response.content.decode()
    other.refresh_from_db()
    assert (other.content, other.files.count()) == ("", 0)


def test_round_pages_are_the_committees(client, side_a, committee_user, world):
    round_, _ = world
    client.force_login(side_a.unit_secretary)
    assert client.get(reverse("discipline:report_rounds")).status_code == 403
    assert client.post(reverse("discipline:report_round_new"), {}).status_code == 403
    client.force_login(committee_user)
    page = client.get(reverse("discipline:report_rounds")).content.decode()
    assert f'data-round="{round_.pk}"' in page
    assert client.get(reverse("discipline:report_round_edit", args=[round_.pk])).status_code == 200
    response = client.post(
        reverse("discipline:report_round_new"),
        {
            "kind": "year",
            "title": "2026年度",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "due_on": "2027-01-20",
        },
    )
    assert response.status_code == 302
    created = ReportRound.objects.get(title="2026年度")
    assert DutyReport.objects.filter(round=created).count() == 2  # all active units
    response = client.post(
        reverse("discipline:report_round_new"),
        {"kind": "year", "title": "坏", "starts_on": "2026-12-31", "ends_on": "2026-01-01", "due_on": "2027-01-20"},
    )
    assert response.status_code == 200 and "报告期止不能早于报告期起" in response.content.decode()


def test_list_filters_and_bad_parameters(client, side_a, side_b, committee_user, world):
    round_, reports = world
    a_report, _ = reports[side_a.unit.pk]
    services.report_submit(actor=side_a.unit_secretary, report=a_report, now=NOW)
    client.force_login(committee_user)
    url = reverse("discipline:report_list")
    body = client.get(url, {"status": "submitted"}).content.decode()
    assert f'data-report="{a_report.pk}"' in body and f'data-report="{reports[side_b.unit.pk][0].pk}"' not in body
    body = client.get(url, {"on_time": "on_time"}).content.decode()
    assert f'data-report="{a_report.pk}"' in body and f'data-report="{reports[side_b.unit.pk][0].pk}"' not in body
    response = client.get(url, {"unit": "²", "round": "abc", "on_time": "\x00"})
    assert response.status_code == 200 and "已忽略该条件" in response.content.decode()
    # A unit secretary filtering by another unit's id: not a valid choice, never B's rows
    client.force_login(side_a.unit_secretary)
    body = client.get(url, {"unit": side_b.unit.pk}).content.decode()
    assert "已忽略该条件" in body and f'data-report="{reports[side_b.unit.pk][0].pk}"' not in body


def test_the_report_list_query_count_is_pinned(client, side_a, committee_user, world, assert_constant_queries):
    client.force_login(committee_user)
    url = reverse("discipline:report_list")

    def grow():
        for _ in range(6):
            open_round(committee_user, [UnitFactory(), side_a.unit], title="更多")

    response = assert_constant_queries(lambda: client.get(url), grow=grow, expected=12)
    assert response.content.decode().count("data-report=") == 14


# --- API ----------------------------------------------------------------------------------------------------------


def test_api_is_scoped_and_actions_go_through_the_services(client, side_a, side_b, committee_user, world):
    round_, reports = world
    a_report, a_file = reports[side_a.unit.pk]
    b_report, _ = reports[side_b.unit.pk]
    client.force_login(side_a.unit_secretary)
    listed = client.get(API).json()
    assert [r["id"] for r in listed["results"]] == [a_report.pk]
    assert listed["results"][0]["on_time"] in ("pending", "missing")
    assert listed["results"][0]["files"][0]["url"] == reverse("discipline:report_file", args=[a_file.pk])
    assert client.get(f"{API}{b_report.pk}/").status_code == 404
    assert client.post(f"{API}{b_report.pk}/submit/").status_code == 404
    assert client.patch(f"{API}{b_report.pk}/", {"content": "x"}, content_type="application/json").status_code == 404
    assert client.get(API, {"unit": side_b.unit.pk}).status_code == 400
    # Own: submit, then a unit secretary cannot accept (403)
    response = client.post(f"{API}{a_report.pk}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert client.post(f"{API}{a_report.pk}/accept/").status_code == 403
    assert client.post(f"{API}{a_report.pk}/submit/").json() == {"non_field_errors": ["该报告已报送，不能报送。"]}
    client.force_login(committee_user)
    assert client.post(f"{API}{a_report.pk}/return/", {}).json() == {"comment": ["退回时须填写退回意见。"]}
    response = client.post(f"{API}{a_report.pk}/return/", {"comment": "补充"}, content_type="application/json")
    assert response.json()["status"] == "returned"
    assert [r["action"] for r in response.json()["reviews"]] == ["submitted", "returned"]
    assert client.post(f"{API}{b_report.pk}/accept/").json() == {
        "non_field_errors": ["只有已报送的报告可以通过（当前状态：草稿）。"]
    }
    b_report.refresh_from_db()
    assert b_report.status == ReportStatus.DRAFT
    for user in (side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        assert client.get(API).status_code == 403
        assert client.get("/api/discipline/report-rounds/").status_code == 403


def test_api_file_upload_is_checked_by_content(client, side_a, side_b, world):
    _, reports = world
    a_report, _ = reports[side_a.unit.pk]
    b_report, _ = reports[side_b.unit.pk]
    client.force_login(side_a.unit_secretary)
    assert client.post(f"{API}{a_report.pk}/files/", {"file": png("c.png")}).status_code == 201
    fake = SimpleUploadedFile("x.pdf", b"hello", content_type="application/pdf")
    response = client.post(f"{API}{a_report.pk}/files/", {"file": fake})
    assert response.status_code == 400 and "不是可接受的文件类型" in response.json()["files"][0]
    assert client.post(f"{API}{b_report.pk}/files/", {"file": png()}).status_code == 404
    assert a_report.files.count() == 2 and b_report.files.count() == 1


def test_api_rounds_written_by_the_committee_only(client, side_a, committee_user, world):
    body = {
        "kind": "year",
        "title": "2026年度",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "due_on": "2027-01-20",
    }
    client.force_login(side_a.unit_secretary)
    assert client.get("/api/discipline/report-rounds/").status_code == 200
    assert client.post("/api/discipline/report-rounds/", body, content_type="application/json").status_code == 403
    client.force_login(committee_user)
    response = client.post(
        "/api/discipline/report-rounds/", {**body, "units": [side_a.unit.pk]}, content_type="application/json"
    )
    assert response.status_code == 201
    assert list(DutyReport.objects.filter(round_id=response.json()["id"]).values_list("unit", flat=True)) == [
        side_a.unit.pk
    ]
    bad = client.post(
        "/api/discipline/report-rounds/", {**body, "due_on": "2025-01-01"}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["due_on"] == ["报送截止日不能早于报告期起。"]
