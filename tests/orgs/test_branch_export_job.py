"""A province has some 30,000 branches: the branch list's export over the threshold runs as a job holding only what
its owner sees (unit A's secretary: unit A's branches)."""

from django.urls import reverse

from tests.export_jobs import export_job_rows
from tests.orgs.factories import BranchFactory


def test_a_branch_export_job_holds_only_the_secretarys_unit(
    db, side_a, side_b, login, django_capture_on_commit_callbacks
):
    BranchFactory(unit=side_a.unit, name="A局第九支部")
    BranchFactory(unit=side_b.unit, name="B局第九支部")
    job, rows = export_job_rows(
        login(side_a.unit_secretary), reverse("orgs:branch_export"), capture=django_capture_on_commit_callbacks
    )
    assert {r[0] for r in rows} == {side_a.unit.name}
    assert "A局第九支部" in {r[1] for r in rows} and "B局第九支部" not in {r[1] for r in rows}
    assert job.total == len(rows)
