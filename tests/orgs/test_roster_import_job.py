"""A roster file of more than PORTAL_IMPORT_JOB_ROWS rows is checked or imported by a background job: the job page
shows the same result as the import page, a dry run writes nothing, a bad file fails the job with the Chinese
reason, a redelivered job imports nothing twice, and the upload is deleted when the job ends."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from apps.core import jobs
from apps.core.models import Job, JobState
from apps.orgs import roster_import as importer
from apps.orgs.models import Member
from tests.orgs.test_roster_import import XLSX, xlsx_bytes

IMPORT_URL = reverse("orgs:roster_import")


def rows(side, n: int, *, bad_at: int | None = None):
    out = []
    for i in range(n):
        birth = dt.date(1970, 1, 1) + dt.timedelta(days=97 * i)
        join = "不是日期" if i == bad_at else birth.replace(year=birth.year + 25)
        out.append([side.unit.name, side.branch.name, f"新党员{i:03d}", "男", birth, join, "正式党员", ""])
    return out


def post(client, content: bytes, *, dry_run=False, capture=None):
    data = {"file": SimpleUploadedFile("名册.xlsx", content, content_type=XLSX)}
    if dry_run:
        data["dry_run"] = "on"
    with capture(execute=True):
        return client.post(IMPORT_URL, data)


def uploads(settings) -> list:
    folder = settings.MEDIA_ROOT / "imports" / "roster"
    return list(folder.iterdir()) if folder.exists() else []


@override_settings(PORTAL_IMPORT_JOB_ROWS=5)
def test_a_large_file_is_imported_by_a_job_with_all_its_rows(
    db, side_a, login, settings, django_capture_on_commit_callbacks
):
    client = login(side_a.unit_secretary)
    before = Member.objects.count()
    response = post(client, xlsx_bytes(rows(side_a, 12)), capture=django_capture_on_commit_callbacks)

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.kind == importer.JOB_KIND and job.state == JobState.DONE, job.message
    assert (job.done, job.total) == (12, 12)
    assert Member.objects.count() == before + 12
    assert job.result["created"] == 12 and job.result["row_errors"] == []
    assert uploads(settings) == []  # the upload went with the job

    page = client.get(job.get_absolute_url()).content.decode()
    assert "导入完成" in page and 'id="import-result"' in page


@override_settings(PORTAL_IMPORT_JOB_ROWS=5)
def test_a_dry_run_job_shows_row_errors_and_writes_nothing(
    db, side_a, login, settings, django_capture_on_commit_callbacks
):
    client = login(side_a.unit_secretary)
    before = Member.objects.count()
    post(client, xlsx_bytes(rows(side_a, 8, bad_at=3)), dry_run=True, capture=django_capture_on_commit_callbacks)

    job = Job.objects.get()
    assert job.state == JobState.DONE and job.result["dry_run"] is True
    assert [e["row"] for e in job.result["row_errors"]] == [5]
    assert "发现 1 行有问题" in job.message
    assert Member.objects.count() == before
    page = client.get(job.get_absolute_url()).content.decode()
    assert "第 5 行" in page and "本次未导入任何数据" in page
    assert uploads(settings) == []


@override_settings(PORTAL_IMPORT_JOB_ROWS=5)
def test_a_job_on_a_file_without_data_fails_with_the_chinese_reason(
    db, side_a, login, django_capture_on_commit_callbacks
):
    client = login(side_a.unit_secretary)
    blank = [[" "] + [None] * 7 for _ in range(10)]  # rows in the sheet (counted), yet no member in them
    post(client, xlsx_bytes(blank), capture=django_capture_on_commit_callbacks)
    job = Job.objects.get()
    assert job.state == JobState.FAILED
    assert job.message == "文件中没有党员数据：表头下面都是空行。"
    assert job.result["file_errors"] == ["文件中没有党员数据：表头下面都是空行。"]


@override_settings(PORTAL_IMPORT_JOB_ROWS=5)
def test_a_redelivered_import_job_does_not_import_twice(db, side_a, settings):
    from django.core.files.base import ContentFile

    upload = ContentFile(xlsx_bytes(rows(side_a, 7)), name="名册.xlsx")
    job = importer.start_job(actor=side_a.unit_secretary, upload=upload, dry_run=False)
    before = Member.objects.count()
    jobs.run(job.pk)
    again = jobs.run(job.pk)  # the broker hands the message over again
    assert again.state == JobState.DONE and again.attempts == 1
    assert Member.objects.count() == before + 7


def test_a_small_file_stays_in_the_request(db, side_a, login, django_capture_on_commit_callbacks):
    client = login(side_a.unit_secretary)
    response = post(client, xlsx_bytes(rows(side_a, 3)), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200 and response.context["result"].created == 3
    assert not Job.objects.exists()


@pytest.mark.parametrize("who", ["member_user", "branch_secretary"])
def test_a_job_of_someone_who_may_not_import_fails(db, side_a, side_b, who):
    from django.core.files.base import ContentFile

    upload = ContentFile(xlsx_bytes(rows(side_a, 7)), name="名册.xlsx")
    job = importer.start_job(actor=getattr(side_a, who), upload=upload, dry_run=False)
    before = Member.objects.count()
    job = jobs.run(job.pk)
    assert job.state == JobState.FAILED and job.message == "只有工委管理员和单位党务干部可以导入名册。"
    assert Member.objects.count() == before
