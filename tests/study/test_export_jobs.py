"""Large self-study and session exports run as jobs that hold the owner's unit only."""

import datetime as dt

from django.urls import reverse

from tests.export_jobs import export_job_rows
from tests.study.progress_factories import hours, self_study

DAY = dt.date(2026, 3, 10)


def test_a_self_study_export_job_holds_only_the_secretarys_unit(
    db, side_a, side_b, login, django_capture_on_commit_callbacks
):
    self_study(side_a.members[0], 2, day=DAY, title="A读原著")
    self_study(side_b.members[0], 2, day=DAY, title="B读原著")
    job, rows = export_job_rows(
        login(side_a.unit_secretary), reverse("study:self_study_export"), capture=django_capture_on_commit_callbacks
    )
    assert job.total == 1 and rows[0][0] == side_a.unit.name and rows[0][4] == "A读原著"


def test_a_session_export_job_holds_only_the_secretarys_unit(
    db, side_a, side_b, login, django_capture_on_commit_callbacks
):
    hours(side_a.members, 3, day=DAY, topic="A专题培训")
    hours(side_b.members, 3, day=DAY, topic="B专题培训")
    job, rows = export_job_rows(
        login(side_a.unit_secretary), reverse("study:session_export"), capture=django_capture_on_commit_callbacks
    )
    assert {r[0] for r in rows} == {side_a.unit.name} and len(rows) == job.total >= 1
