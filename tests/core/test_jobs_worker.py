"""A real Celery worker process runs an export job end to end: the job is queued here, `run_job_task` goes
through the broker (Redis when REDIS_URL is set, kombu's filesystem transport otherwise), and a separate
`celery worker` process on the test database writes the file into the same private storage (tests/celery_worker.py)."""

import io

import pytest
from django.conf import settings
from openpyxl import load_workbook

from apps.core import exports
from apps.core.jobs import run_job_task
from apps.core.models import Job, JobState, Notification
from tests.celery_worker import broker, sending_for_real, worker


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)  # committed rows: the worker is another process
def test_a_worker_process_runs_an_export_job(tmp_path, monkeypatch, side_a, side_b):
    monkeypatch.setenv("DJANGO_MEDIA_ROOT", str(settings.MEDIA_ROOT))  # the worker writes where this test reads
    job = Job.objects.create(
        owner=side_a.unit_secretary,
        kind=exports.JOB_KIND,
        title="导出党员名册",
        params={"export": "apps.orgs.views.members.member_rows", "query": {}},
    )

    via = broker(tmp_path, "test-jobs")
    with sending_for_real(via.url, via.options) as conn:
        run_job_task.apply_async(args=[job.pk], queue=via.queue, connection=conn)
    job.refresh_from_db()
    assert job.state == JobState.QUEUED  # nothing ran in this process

    def finished() -> bool:
        job.refresh_from_db()
        return not job.is_active

    with worker(tmp_path, via) as running:
        running.wait_for(finished, every=0.3)
        assert running.process.poll() is None, f"worker exited with {running.process.returncode}"
        assert job.state == JobState.DONE, (job.state, job.message)
        assert (job.done, job.total) == (4, 4)
        ws = load_workbook(io.BytesIO(job.file.read())).worksheets[0]
        assert ws.freeze_panes == "A2"
        assert {row[0] for row in ws.iter_rows(min_row=2, values_only=True)} == {side_a.unit.name}
        assert Notification.objects.filter(user=side_a.unit_secretary, dedupe_key=f"job:{job.pk}").count() == 1
