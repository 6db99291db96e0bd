"""`manage.py seed_scale`: the tiny preset (3 units) loads a consistent tree and records the portal works on.

The command runs on PostgreSQL only (COPY); on SQLite its contract is to refuse in Chinese, which
`test_sqlite_is_refused` checks on either database (it pretends the connection is SQLite). The other tests
load the tiny preset: on SQLite they check the refusal instead, so the file never skips.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone

from apps.core.periods import Period
from apps.core.scale import PRESETS
from apps.discipline.models import DutyReport, Rectification, WarningAttendance
from apps.orgs import demo_data
from apps.orgs.access import Role, scope_for
from apps.orgs.models import Branch, Member, Membership, PartyGroup, Unit, User
from apps.partylife.compliance.engine import evaluate_branches
from apps.partylife.compliance.verdicts import Status
from apps.partylife.models import Activity, ActivityType, Attendance, Evidence, MakeupTask, MissedReason
from apps.scoring.models import ManualScore, RunStatus
from apps.scoring.services.runs import run_execute, run_request
from apps.study.models import ExamAttempt, KnowledgeStudy, SelfStudy, SessionAttendance, StudySession
from tests.partylife.verdict_check import assert_store_matches

POSTGRES = connection.vendor == "postgresql"
TINY = PRESETS["tiny"]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_scale", "--preset", "tiny", "--check-keys", *args, stdout=out)  # every key checked
    return out.getvalue()


@pytest.fixture
def tiny(db) -> str:
    """The tiny preset loaded (PostgreSQL); its output."""
    if not POSTGRES:
        with pytest.raises(CommandError, match="只支持 PostgreSQL"):
            seed()
        return ""
    return seed()


def test_sqlite_is_refused(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="seed_scale 只支持 PostgreSQL（当前数据库：sqlite）"):
        seed()
    assert not Unit.objects.exists()


def test_the_tree_has_the_preset_size_and_every_member_a_membership(tiny):
    if not POSTGRES:
        return  # the fixture checked the refusal
    assert Unit.objects.count() == TINY.units
    assert Branch.objects.count() == TINY.branches
    assert Member.objects.count() == TINY.members
    assert PartyGroup.objects.exists()
    # Every member has a membership, exactly one open while on the roster, in the branch they are in now.
    assert not Member.objects.filter(memberships__isnull=True).exists()
    open_ones = Membership.objects.filter(end_on__isnull=True)
    assert open_ones.count() == Member.objects.filter(active=True).count()
    assert not open_ones.exclude(branch_id=F("member__branch_id")).exists()
    assert not Member.objects.filter(active=False, left_on__isnull=True).exists()
    # The accounts of every role, with the demo password.
    for username in (demo_data.COMMITTEE_USER, demo_data.UNIT_USER, demo_data.BRANCH_USER, demo_data.MEMBER_USER):
        assert User.objects.get(username=username).check_password(demo_data.DEMO_PASSWORD)
    roles = {
        scope_for(User.objects.get(username=name)).role
        for name in (demo_data.COMMITTEE_USER, demo_data.UNIT_USER, demo_data.BRANCH_USER, demo_data.MEMBER_USER)
    }
    assert roles == {Role.COMMITTEE, Role.UNIT, Role.BRANCH, Role.MEMBER}
    # The counts printed are the database's.
    assert f"orgs_member {TINY.members:>12,}".replace(" ", "") in tiny.replace(" ", "")


def test_records_of_every_app_with_realistic_shapes(tiny):
    if not POSTGRES:
        return  # the fixture checked the refusal
    today = timezone.localdate()
    # Party life: every type, attendance of the branch's members, evidence, 需补充, 补学, reasons, also-counts-as.
    used = set(Activity.objects.values_list("activity_type__code", flat=True).distinct())
    assert used == set(ActivityType.objects.values_list("code", flat=True))
    assert (
        Attendance.objects.filter(present=False).exists() and MakeupTask.objects.filter(done_at__isnull=False).exists()
    )
    assert Evidence.objects.exists() and MissedReason.objects.exists()
    assert Activity.objects.filter(status="submitted", evidence_complete=False).exists()
    assert Activity.objects.filter(also_counts_as__isnull=False).exists()
    in_branch = Membership.objects.filter(member_id=OuterRef("member_id"), branch_id=OuterRef("activity__branch_id"))
    stray = Attendance.objects.filter(activity__branch__isnull=False).exclude(Exists(in_branch))
    assert Attendance.objects.exists() and not stray.exists()  # a branch record's attendees were of that branch
    # Records span the years loaded, none in the future.
    years = set(Activity.objects.values_list("held_at__year", flat=True).distinct())
    assert years == {today.year - 2, today.year - 1, today.year}
    assert not Activity.objects.filter(held_at__date__gt=today).exists()
    # Not one pattern repeated: branches hold their 主题党日 on different days.
    days = Activity.objects.filter(activity_type__code="theme_party_day", held_at__year=today.year - 1)
    assert days.values("held_at__day").distinct().count() > 5
    # Study and supervision.
    assert StudySession.objects.exists() and SessionAttendance.objects.exists() and SelfStudy.objects.exists()
    assert KnowledgeStudy.objects.exists() and ExamAttempt.objects.filter(passed=True).exists()
    assert DutyReport.objects.exists() and Rectification.objects.exists() and WarningAttendance.objects.exists()
    assert ManualScore.objects.exists()
    # The engine judges last year: some windows met, and not all (a unit behind misses some).
    period = Period.parse(str(today.year - 1))
    results = evaluate_branches(list(Branch.objects.all()), period, today=today)
    statuses = {cell.status for result in results.values() for cell in result.cells}
    assert Status.MET in statuses and statuses & {Status.WARNING, Status.FAILURE}
    # COPY sends no signal: the load rebuilt the stored verdicts, and they are the engine's.
    assert_store_matches(today=today)


def test_a_ranking_runs_and_the_main_pages_answer(tiny, client):
    if not POSTGRES:
        return  # the fixture checked the refusal
    year = timezone.localdate().year - 1
    run = run_request(period=Period.parse(str(year)), enqueue=False)
    run = run_execute(run_id=run.pk)
    assert run.status == RunStatus.DONE
    assert run.results.count() == TINY.units
    client.force_login(User.objects.get(username=demo_data.COMMITTEE_USER))
    for name in (
        "home",
        "dashboards:bigscreen",
        "partylife:overview",
        "partylife:activity_list",
        "partylife:makeup_list",
        "orgs:member_list",
        "orgs:branch_list",
        "study:overview",
        "study:progress_table",
        "discipline:board",
        "discipline:rectification_list",
        "scoring:manual_list",
        "scoring:runs",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    unit = User.objects.get(username=demo_data.UNIT_USER)
    client.force_login(unit)
    assert client.get(reverse("partylife:unit_overview")).status_code == 200


def test_a_second_run_without_reset_refuses_and_changes_nothing(tiny):
    if not POSTGRES:
        return  # the fixture checked the refusal
    counts = (Member.objects.count(), Activity.objects.count())
    with pytest.raises(CommandError, match="数据库中已有 .*请使用 --reset"):
        seed()
    assert (Member.objects.count(), Activity.objects.count()) == counts
    # --reset flushes and loads it again: same seed, same data.
    seed("--reset")
    assert (Member.objects.count(), Activity.objects.count()) == counts
    assert ActivityType.objects.exists()  # the default data came back after the flush
