"""Shared by the apps' export-job tests: run an export as a background job for a user and read its file."""

from __future__ import annotations

import io

from django.test import override_settings
from openpyxl import load_workbook

from apps.core.models import Job, JobState


def export_job_rows(client, url: str, *, capture, params=None) -> tuple[Job, list[tuple]]:
    """GET the export with the job threshold at zero rows (so any export becomes a job), run the job as the
    commit would, and return the job and the data rows of its file's first sheet (header excluded)."""
    with override_settings(PORTAL_EXPORT_JOB_ROWS=0), capture(execute=True):
        response = client.get(url, params or {})
    job = Job.objects.order_by("-pk").first()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url(), response.status_code
    assert job.state == JobState.DONE, job.message
    ws = load_workbook(io.BytesIO(job.file.read())).worksheets[0]
    assert ws.freeze_panes == "A2"
    return job, list(ws.iter_rows(min_row=2, values_only=True))
