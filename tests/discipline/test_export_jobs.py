"""A large rectification-ledger export runs as a job that holds the owner unit's rectifications only."""

from django.urls import reverse

from tests.discipline.test_rectifications_support import submitted
from tests.export_jobs import export_job_rows


def test_a_rectification_export_job_holds_only_the_secretarys_unit(
    db, committee_user, side_a, side_b, login, django_capture_on_commit_callbacks
):
    submitted(committee_user, side_a, description="A局公车私用")
    submitted(committee_user, side_b, description="B局超标接待")
    job, rows = export_job_rows(
        login(side_a.unit_secretary),
        reverse("discipline:rectification_export"),
        capture=django_capture_on_commit_callbacks,
    )
    assert job.total == 1 and rows[0][0] == side_a.unit.name and rows[0][5] == "A局公车私用"

    _, everything = export_job_rows(
        login(committee_user), reverse("discipline:rectification_export"), capture=django_capture_on_commit_callbacks
    )
    assert {r[0] for r in everything} == {side_a.unit.name, side_b.unit.name}
