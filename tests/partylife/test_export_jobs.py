"""A large records export runs as a job that holds the owner's records only (unit A's secretary: unit A)."""

from django.urls import reverse

from tests.export_jobs import export_job_rows
from tests.partylife.factories import ActivityFactory


def test_a_record_export_job_holds_only_the_secretarys_unit(
    db, side_a, side_b, login, django_capture_on_commit_callbacks
):
    ActivityFactory.create_batch(2, branch=side_a.branch, topic="A局支委会")
    ActivityFactory(branch=side_b.branch, topic="B局支委会")
    job, rows = export_job_rows(
        login(side_a.unit_secretary), reverse("partylife:activity_export"), capture=django_capture_on_commit_callbacks
    )
    assert job.total == 2 and {r[0] for r in rows} == {side_a.unit.name} and {r[3] for r in rows} == {"A局支委会"}
