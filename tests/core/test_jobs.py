"""Background jobs (我的任务): states and progress, failures in Chinese, a redelivered job, the owner alone sees a
job (page, progress fragment, file), one notification with the link, expired files removed; exports over the
threshold become jobs whose file holds only what the owner may see."""

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.core import exports, jobs
from apps.core.models import Job, JobState, Notification
from tests.orgs.factories import UserFactory

KIND = "tests.counting"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def counting(monkeypatch):
    """A job kind that walks five rows, noting the progress the database holds at each one."""
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 2)
    seen = {"runs": 0, "done": []}

    def run(ctx):
        seen["runs"] += 1
        ctx.total(5, message="正在计数…")
        for _ in ctx.track(range(5)):
            seen["done"].append(Job.objects.get(pk=ctx.job.pk).done)
        return jobs.Outcome(message="计数完成。", result={"counted": ctx.done})

    jobs.register(KIND, run=run)
    return seen


def _start(user, kind=KIND, **params):
    return Job.objects.create(owner=user, kind=kind, title="测试任务", params=params)


def test_a_job_runs_from_queued_to_done_saving_progress_every_n_rows(db, counting):
    user = UserFactory()
    job = _start(user)
    assert job.state == JobState.QUEUED and job.percent is None

    finished = jobs.run(job.pk)

    assert counting["done"] == [0, 0, 2, 2, 4]  # saved every 2 rows while running
    assert finished.state == JobState.DONE and (finished.done, finished.total) == (5, 5)
    assert finished.message == "计数完成。" and finished.result == {"counted": 5}
    assert finished.started_at and finished.finished_at and finished.attempts == 1
    assert finished.percent == 100


def test_the_owner_is_notified_once_with_a_link_to_the_job(db, counting):
    user = UserFactory()
    job = _start(user)
    jobs.run(job.pk)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING)  # as if the message came again mid-way
    jobs.run(job.pk)

    notes = list(Notification.objects.filter(user=user))
    assert len(notes) == 1
    assert notes[0].url == reverse("core:job_detail", args=[job.pk]) and notes[0].title == "测试任务已完成"


def test_a_finished_job_is_not_run_again_when_its_message_is_redelivered(db, counting):
    job = _start(UserFactory())
    jobs.run(job.pk)
    again = jobs.run(job.pk)
    assert counting["runs"] == 1 and again.state == JobState.DONE and again.attempts == 1


def test_a_job_left_running_by_a_dead_worker_restarts_cleanly_and_keeps_one_file(db, settings):
    rows = []

    def run(ctx):
        rows.append(ctx.job.attempts)
        path = ctx.temp_path("out.xlsx")
        path.write_bytes(b"attempt %d" % ctx.job.attempts)
        return jobs.Outcome(file_path=path, file_name="结果.xlsx")

    jobs.register("tests.file", run=run)
    job = _start(UserFactory(), kind="tests.file")
    jobs.run(job.pk)
    job.refresh_from_db()
    first = job.file.name
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, done=3)  # a worker died after writing

    jobs.run(job.pk)

    job.refresh_from_db()
    assert rows == [1, 2] and job.state == JobState.DONE
    assert job.file.name == first  # the same name, the earlier file replaced, never a second one
    assert job.file.read() == b"attempt 2"
    assert sorted(p.name for p in (settings.MEDIA_ROOT / "jobs").iterdir()) == [f"{job.pk}.xlsx"]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (jobs.JobError("数据有误，请检查。"), "数据有误，请检查。"),
        (RuntimeError("boom"), jobs.GENERAL_FAILURE),
    ],
)
def test_a_failing_job_is_failed_with_a_chinese_message(db, error, message):
    def run(ctx):
        raise error

    jobs.register("tests.failing", run=run)
    job = jobs.run(_start(UserFactory(), kind="tests.failing").pk)
    assert job.state == JobState.FAILED and job.message == message and not job.file
    assert Notification.objects.get(user=job.owner).title == "测试任务失败"


def test_an_unknown_kind_fails_instead_of_staying_queued(db):
    job = jobs.run(_start(UserFactory(), kind="tests.gone").pk)
    assert job.state == JobState.FAILED and "不支持" in job.message


def test_start_queues_one_task_that_runs_once_the_transaction_commits(db, counting, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = jobs.start(user=user, kind=KIND, params={}, title="计数")
        assert Job.objects.get(pk=job.pk).state == JobState.QUEUED  # nothing runs before the commit
    assert len(callbacks) == 1
    assert Job.objects.get(pk=job.pk).state == JobState.DONE


# --- pages ---------------------------------------------------------------------------------------------------


def _done_job(user, *, content=b"xlsx-bytes") -> Job:
    job = _start(user)
    job.file.save(f"{job.pk}.xlsx", ContentFile(content), save=False)
    Job.objects.filter(pk=job.pk).update(
        state=JobState.DONE, file=job.file.name, file_name="党员名册.xlsx", finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def test_the_owner_sees_the_job_its_progress_and_its_file(db, client):
    user = UserFactory()
    job = _done_job(user)
    client.force_login(user)

    page = client.get(reverse("core:job_detail", args=[job.pk]))
    assert page.status_code == 200 and "data-job-download" in page.content.decode()
    assert "hx-trigger" not in page.content.decode()  # finished: no more polling

    listing = client.get(reverse("core:job_list"))
    assert listing.status_code == 200 and [j.pk for j in listing.context["page"]] == [job.pk]

    download = client.get(reverse("core:job_file", args=[job.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"xlsx-bytes"
    assert "no-store" in download["Cache-Control"]
    assert "attachment" in download["Content-Disposition"]


def test_a_running_job_page_polls_its_progress_with_a_progress_bar(db, client):
    user = UserFactory()
    job = _start(user)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, done=250, total=1000)
    client.force_login(user)
    html = client.get(reverse("core:job_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert '<progress class="job-progress" value="250" max="1000"' in html
    assert "style=" not in html


def test_another_users_job_is_404_on_page_fragment_and_file(db, client):
    job = _done_job(UserFactory())
    client.force_login(UserFactory())
    for name in ("core:job_detail", "core:job_progress", "core:job_file"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    assert list(client.get(reverse("core:job_list")).context["page"]) == []


def test_a_failed_job_shows_its_error_and_no_download(db, client):
    user = UserFactory()
    job = _start(user)
    Job.objects.filter(pk=job.pk).update(state=JobState.FAILED, message="文件中没有数据：表头下面都是空行。")
    client.force_login(user)
    html = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "文件中没有数据：表头下面都是空行。" in html and "data-job-error" in html
    assert client.get(reverse("core:job_file", args=[job.pk])).status_code == 404


def test_expired_files_are_removed_and_recent_ones_kept(db, settings):
    settings.PORTAL_JOB_FILE_DAYS = 7
    user = UserFactory()
    old, recent = _done_job(user, content=b"old"), _done_job(user, content=b"new")
    now = timezone.now()
    Job.objects.filter(pk=old.pk).update(finished_at=now - dt.timedelta(days=8))
    Job.objects.filter(pk=recent.pk).update(finished_at=now - dt.timedelta(days=1))

    assert jobs.purge_job_files_task() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and not (settings.MEDIA_ROOT / "jobs" / f"{old.pk}.xlsx").exists()
    assert recent.file and recent.file.read() == b"new"
    assert jobs.purge_expired_files() == 0  # idempotent


# --- exports as jobs -----------------------------------------------------------------------------------------


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def test_a_small_export_is_immediate_with_a_frozen_header_and_widths(db, side_a, login):
    response = login(side_a.unit_secretary).get(reverse("orgs:member_export"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    ws = _sheet(response.content)
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= 8 and ws.column_dimensions["D"].width >= 8
    assert not Job.objects.exists()


@override_settings(PORTAL_EXPORT_JOB_ROWS=2)
def test_a_big_export_becomes_a_job_whose_file_holds_only_the_owners_unit(
    db, side_a, side_b, login, django_capture_on_commit_callbacks
):
    client = login(side_a.unit_secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("orgs:member_export"), {"q": ""})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.owner == side_a.unit_secretary and job.params["export"] == "apps.orgs.views.members.member_rows"
    assert job.state == JobState.DONE and (job.done, job.total) == (4, 4)

    download = client.get(reverse("core:job_file", args=[job.pk]))
    ws = _sheet(b"".join(download.streaming_content))
    assert ws.freeze_panes == "A2"
    units = {row[0] for row in ws.iter_rows(min_row=2, values_only=True)}
    names = {row[3] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert units == {side_a.unit.name}
    assert names == {m.name for m in [*side_a.members, side_a.other_branch_member]}
    note = Notification.objects.get(user=side_a.unit_secretary)
    assert note.url == job.get_absolute_url()
    assert client.get(job.get_absolute_url()).status_code == 200

    other = login(side_b.unit_secretary)
    assert other.get(reverse("core:job_file", args=[job.pk])).status_code == 404


@override_settings(PORTAL_EXPORT_JOB_ROWS=0)
def test_an_export_job_rebuilds_the_rows_with_the_stored_filters(db, side_a, committee_user):
    job = Job.objects.create(
        owner=committee_user,
        kind=exports.JOB_KIND,
        title="导出党员名册",
        params={"export": "apps.orgs.views.members.member_rows", "query": {"unit": [str(side_a.unit.pk)]}},
    )
    job = jobs.run(job.pk)
    assert job.state == JobState.DONE and job.total == 4
    assert job.file_name.startswith("党员名册-") and job.file_name.endswith(".xlsx")


def test_an_export_job_refuses_a_function_not_marked_as_an_export(db, committee_user):
    job = Job.objects.create(
        owner=committee_user, kind=exports.JOB_KIND, title="x", params={"export": "os.system", "query": {}}
    )
    job = jobs.run(job.pk)
    assert job.state == JobState.FAILED and job.message == "该导出已不再提供，请在列表页重新导出。"


@override_settings(PORTAL_EXPORT_JOB_ROWS=0)
def test_an_audit_export_job_of_someone_no_longer_committee_fails(db, side_a, committee_user):
    job = Job.objects.create(
        owner=side_a.unit_secretary,
        kind=exports.JOB_KIND,
        title="导出审计日志",
        params={"export": "apps.core.views_audit.audit_rows", "query": {}},
    )
    job = jobs.run(job.pk)
    assert job.state == JobState.FAILED and job.message == "只有工委管理员可以查看审计日志。" and not job.file
