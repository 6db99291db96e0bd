"""The demo city's party life (演示数据·组织生活, `manage.py seed_demo`): every calendar filled, the demo
branch telling its story, evidence flags that agree with the service, a few shared files, and a reset
that rebuilds the same records."""

import datetime as dt
import random
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

from apps.core.files import check_upload
from apps.core.periods import Frequency, Period, local_date, local_tz
from apps.orgs import demo_data
from apps.orgs.access import scope_for
from apps.orgs.models import Branch, BranchKind, Member, Membership, PartyGroup, Unit, User
from apps.partylife import demo, services
from apps.partylife.compliance import FINISHED_UNMET, Status, evaluate_branches, evaluate_units, store
from apps.partylife.demo import files, texts
from apps.partylife.demo.script import demo_script
from apps.partylife.models import (
    Activity,
    ActivityStatus,
    ActivityUnlock,
    Attendance,
    EnterpriseProblem,
    Evidence,
    EvidenceKind,
    MakeupTask,
    MissedReason,
    PeriodLock,
    VerdictYear,
)
from tests.demo_city import demo_city

PARTY_LIFE = (Activity, Attendance, MakeupTask, Evidence, EnterpriseProblem, MissedReason, PeriodLock, ActivityUnlock)
HISTORY = (Activity, MakeupTask, EnterpriseProblem, MissedReason, PeriodLock)


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """Seed the demo once for this module (committed: ~10 s a run), and remove it again afterwards.

    Yields the command's output and the media folder its files went to: a folder of this module's
    own (not pytest's tmp_path, which a concurrent pytest session may prune).
    """
    with demo_city(django_db_blocker, "--only", "partylife") as (out, root):
        yield out, root


@pytest.fixture
def seeded(city, db, _media_in_tmp, settings) -> str:
    """The module's demo city, in a transaction rolled back after the test; the command's output.

    Also points MEDIA_ROOT back at the demo's files (the autouse `_media_in_tmp` gives every test an empty one).
    """
    out, settings.MEDIA_ROOT = city
    return out


def records() -> set[tuple]:
    return set(
        Activity.objects.values_list(
            "unit__name", "branch__name", "party_group__name", "activity_type__code", "held_at", "topic", "status"
        )
    )


def unmet(result) -> list[tuple[str, Period]]:
    return [(c.rule.rule.activity_type.code, c.window) for c in result.cells if c.status in FINISHED_UNMET]


def test_every_branch_and_unit_has_its_calendar(seeded):
    today, now = timezone.localdate(), timezone.now()
    assert f"组织生活记录 {Activity.objects.count()} 条" in seeded
    assert f"补学任务 {MakeupTask.objects.count()} 个" in seeded
    assert f"企业问题 {EnterpriseProblem.objects.count()} 个" in seeded

    # Records for every active branch this year, and for last year's fourth quarter (the year-edge views).
    q4_start = dt.datetime(today.year - 1, 10, 1, tzinfo=local_tz())
    branches = list(Branch.objects.current().select_related("unit"))
    this_year = Counter(Activity.objects.filter(held_at__year=today.year).values_list("branch_id", flat=True))
    last_q4 = Counter(
        Activity.objects.filter(held_at__gte=q4_start, held_at__year=today.year - 1).values_list("branch_id", flat=True)
    )
    for b in branches:
        if today.month > 1 or b.founded_on.year < today.year:
            assert this_year[b.pk] > 0, b
        if b.unit.joined_on:  # the unit that joined the platform this year has nothing before
            assert last_q4[b.pk] == 0, b
        elif b.founded_on < dt.date(today.year - 1, 10, 1):
            assert last_q4[b.pk] > 0, b
    for unit in Unit.objects.filter(active=True):
        codes = set(
            Activity.objects.filter(unit=unit, branch__isnull=True).values_list("activity_type__code", flat=True)
        )
        assert codes == {"center_group_study", "first_topic"}, unit

    # Every type of DOMAIN.md §2 is there; nothing is in the future; times are office hours in Asia/Shanghai.
    kinds = Counter(Activity.objects.values_list("activity_type__code", flat=True))
    assert set(kinds) >= {
        "branch_general_meeting",
        "branch_committee_meeting",
        "party_group_meeting",
        "party_lecture",
        "theme_party_day",
        "org_life_meeting",
        "heart_talk",
        "center_group_study",
        "first_topic",
        "branch_links_grassroots",
        "research",
        "cadres_link_enterprises",
    }
    assert kinds["branch_committee_meeting"] >= 0.8 * len(branches) * (2 + today.month)  # ~monthly since October
    held = list(Activity.objects.values_list("held_at", flat=True))
    assert max(local_date(h) for h in held) < today
    assert {timezone.localtime(h).hour for h in held} <= set(range(8, 18))

    # Realism: a few 需补充 and drafts, mostly complete; the 主题党日 has its three parts.
    submitted = Activity.objects.filter(status=ActivityStatus.SUBMITTED)
    incomplete = submitted.filter(evidence_complete=False).count()
    assert 0 < incomplete < 0.05 * submitted.count()
    assert Activity.objects.filter(status=ActivityStatus.DRAFT).exists()
    assert not Activity.objects.filter(status=ActivityStatus.DRAFT, submitted_at__isnull=False).exists()
    theme_days = Activity.objects.filter(activity_type__code="theme_party_day")
    assert not theme_days.filter(lesson_topic="").exists() and not theme_days.filter(film_title="").exists()

    # Most branches compliant, about a fifth behind; 市发改委 visibly behind, 市财政局 not (one scripted warning).
    results = evaluate_branches(branches, Period(today.year, Frequency.YEAR))
    behind = {pk for pk, r in results.items() if unmet(r)}
    if today.month >= 4:
        assert 0.15 <= len(behind) / len(branches) <= 0.45
    by_unit = defaultdict(int)
    for r in results.values():
        by_unit[r.subject.unit.name] += len(unmet(r))
    if today.month >= 4:
        assert by_unit[demo_data.DEMO_UNIT] == 1
        assert by_unit[demo_data.DEMO_UNIT_2] >= 5
        units = {u.name: u for u in Unit.objects.filter(name__in=[demo_data.DEMO_UNIT, demo_data.DEMO_UNIT_2])}
        unit_results = evaluate_units(list(units.values()), Period(today.year, Frequency.YEAR))
        assert unmet(unit_results[units[demo_data.DEMO_UNIT].pk]) == []
        reform = unmet(unit_results[units[demo_data.DEMO_UNIT_2].pk])
        assert {code for code, _ in reform} == {"center_group_study", "first_topic"}
        reform_cells = unit_results[units[demo_data.DEMO_UNIT_2].pk].cells
        assert any(c.status == Status.FAILURE for c in reform_cells)  # 第一议题 is a hard rule
    # Some missed soft windows carry a reason (未开展原因).
    assert MissedReason.objects.filter(branch__isnull=False).exists()

    # 组织生活会 last year in nearly every branch, usually also counting as 民主评议党员.
    org_life = Activity.objects.filter(activity_type__code="org_life_meeting", held_at__year=today.year - 1)
    older = [b for b in branches if b.founded_on < dt.date(today.year - 1, 11, 1)]
    assert org_life.values("branch").distinct().count() >= 0.85 * len(older)
    assert org_life.filter(also_counts_as__code="democratic_appraisal").count() >= 0.7 * org_life.count()

    # 谈心谈话: two members of the branch on the day of the talk, who are its attendance.
    for talk in Activity.objects.filter(activity_type__code="heart_talk").select_related("talker", "talkee")[:200]:
        assert talk.branch_id is not None
        then = Membership.objects.on(local_date(talk.held_at)).filter(branch=talk.branch_id)
        assert then.filter(member__in=[talk.talker_id, talk.talkee_id]).count() == 2, talk
        assert set(talk.attendances.values_list("member_id", flat=True)) == {talk.talker_id, talk.talkee_id}

    # 补学: exactly the absentees of submitted 党课/主题党日/党员大会, due 30 days on; most of the older done.
    owed = Attendance.objects.filter(
        present=False,
        activity__status=ActivityStatus.SUBMITTED,
        activity__activity_type__makeup_on_absence=True,
    )
    assert set(MakeupTask.objects.values_list("attendance_id", flat=True)) == set(owed.values_list("pk", flat=True))
    assert not Attendance.objects.filter(present=False, absence_reason="").exists()
    tasks = list(MakeupTask.objects.select_related("attendance__activity"))
    done = [t for t in tasks if t.done_at]
    assert 0.6 <= len(done) / len(tasks) < 1
    for t in tasks:
        held_on = local_date(t.attendance.activity.held_at)
        assert t.member_id == t.attendance.member_id
        assert t.due_on == held_on + dt.timedelta(days=services.MAKEUP_DAYS)
        if t.done_at:
            assert held_on < local_date(t.done_at) and t.done_at <= now and t.note

    # 万名干部联万企: problems of every kind, about 60% solved, each solved one dated between the visit and today.
    problems = list(EnterpriseProblem.objects.select_related("activity"))
    assert len({p.category for p in problems}) == 6
    assert 0.45 <= sum(p.solved for p in problems) / len(problems) <= 0.8
    for p in problems:
        assert p.activity.enterprise_name and p.activity.cadre_id
        if p.solved:
            assert local_date(p.activity.held_at) < p.solved_on < today and p.solution
        else:
            assert p.solved_on is None

    # 关账, the monthly routine: every month from the platform's start up to two months ago is closed,
    # last month and this one are open; closed months' records are locked, open months' are not.
    two_months_ago = (today.replace(day=1) - dt.timedelta(days=32)).replace(day=1)
    closed, month = [], dt.date(today.year - 1, 10, 1)
    while month <= two_months_ago:
        closed.append(month)
        month = Period.containing(month, Frequency.MONTH).next_start
    assert sorted(PeriodLock.objects.values_list("month", flat=True)) == closed
    assert not PeriodLock.objects.filter(closed_at__gt=now).exists()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for month, locked in ((two_months_ago, True), (last_month, False)):
        record = Activity.objects.filter(held_at__year=month.year, held_at__month=month.month).first()
        assert services.is_locked(record) == locked, month

    # 留痕: the history was written with the rows.
    for model in HISTORY:
        assert get_history_model_for_model(model).objects.count() == model.objects.count(), model


def test_the_stored_verdicts_are_built_with_the_records(seeded):
    """Party life's demo step rebuilds the store before the steps after it (scoring's runs) read it: every unit
    and year is stored and fresh, and the store answers a year's roll-up for every unit (none left to the engine).
    That the stored rows equal the engine's cells is the store's own tests' (tests/partylife/test_verdict_store.py)."""
    units = set(Unit.objects.values_list("pk", flat=True))
    years = set(VerdictYear.objects.filter(stale=False).values_list("unit_id", "year"))
    today = timezone.localdate()
    assert {unit_id for unit_id, year in years if year == today.year} == units
    answered = store.read(units, Period.containing(today, Frequency.YEAR), today=today)
    assert not answered.missing and set(answered.units) == units
    assert sum(t.counts[Status.MET] for t in answered.units.values()) > 0


def test_party_life_follows_the_tree_as_it_was(seeded):
    """Records lie within their branch's life (and after their unit joined), attendance lists the members of
    the branch on the record's day: a merged branch stops the day before and goes on in its successor, a
    dissolved party group stops meeting, a member who moved attends the old branch, then the new one."""
    today, tz = timezone.localdate(), local_tz()
    start = dt.date(today.year - 1, 10, 1)
    records = Activity.objects.annotate(day=TruncDate("held_at", tzinfo=tz))
    assert not records.filter(day__lt=start).exists() and not records.filter(day__gte=today).exists()
    assert not records.filter(branch__isnull=False, day__lt=F("branch__founded_on")).exists()
    assert not records.filter(branch__dissolved_on__isnull=False, day__gte=F("branch__dissolved_on")).exists()
    joined = Unit.objects.get(joined_on__isnull=False)
    assert not records.filter(unit=joined, day__lt=joined.joined_on).exists()
    assert records.filter(unit=joined).exists() or today.month == 1

    # Every attendance row of a branch's record: a member of that branch on that day.
    rows = Attendance.objects.filter(activity__branch__isnull=False).annotate(
        day=TruncDate("activity__held_at", tzinfo=tz)
    )
    then = Membership.objects.filter(member=OuterRef("member"), branch=OuterRef("activity__branch")).filter(
        Q(start_on__lte=OuterRef("day")), Q(end_on__isnull=True) | Q(end_on__gt=OuterRef("day"))
    )
    assert rows.exists() and not rows.exclude(Exists(then)).exists()

    # The merged branch: records until the day before, its people carry on in the successor.
    merged = Branch.objects.get(dissolved_on__isnull=False)
    ended = merged.dissolved_on
    assert records.filter(branch=merged).exists()
    moved = set(Membership.objects.filter(branch=merged).values_list("member_id", flat=True))
    after = Attendance.objects.filter(member__in=moved, activity__held_at__date__gte=ended)
    assert not after.filter(activity__branch=merged).exists()
    if (today - ended).days > 40:  # a month of the successor's meetings since
        assert after.filter(activity__branch=merged.successor).values("member").distinct().count() >= len(moved) // 2

    # The dissolved party group met until the month it ended, with the members it had.
    group = PartyGroup.objects.exclude(branch=merged).get(dissolved_on__isnull=False)
    meetings = records.filter(party_group=group)
    assert meetings.exists() and not meetings.filter(day__gte=group.dissolved_on).exists()
    had = set(Member.history.filter(party_group=group).values_list("id", flat=True))
    attended = set(Attendance.objects.filter(activity__party_group=group).values_list("member_id", flat=True))
    assert attended and attended <= had

    # Members who moved branch: the old branch's meetings before the day, the new one's from it.
    transfers = Membership.objects.exclude(end_on=None).exclude(branch=merged)
    assert transfers.count() == len(demo_data.TRANSFERS)
    for old in transfers:
        new = Membership.objects.get(member=old.member_id, end_on=None)
        theirs = rows.filter(member=old.member_id)
        assert theirs.filter(activity__branch=old.branch_id, day__lt=old.end_on).exists()
        assert not theirs.filter(activity__branch=old.branch_id, day__gte=old.end_on).exists()
        assert not theirs.filter(activity__branch=new.branch_id, day__lt=new.start_on).exists()
        if (today - new.start_on).days > 40:
            assert theirs.filter(activity__branch=new.branch_id).exists()


def test_demo_branch_tells_its_story(seeded):
    """One missed month, one 需补充 record, this month's 支委会 still to hold; everything else met."""
    today = timezone.localdate()
    script = demo_script(today)
    branch = Branch.objects.select_related("unit").get(unit__name=demo_data.DEMO_UNIT, name=demo_data.DEMO_BRANCH)

    result = evaluate_branches([branch], Period(today.year, Frequency.YEAR))[branch.pk]
    assert unmet(result) == ([("theme_party_day", script.missed)] if script.missed else [])
    cells = {(c.rule.rule.activity_type.code, c.window): c for c in result.cells}
    due = cells[("branch_committee_meeting", script.due)]
    assert due.status == Status.DUE and due.count == 0
    assert result.tally()[Status.MET] >= min(today.month - 1, 6) * 2
    for (code, window), cell in cells.items():  # every ended window but the planned one is met
        if window.end < today and (code, window) != ("theme_party_day", script.missed):
            assert cell.status == Status.MET, (code, window)

    # Exactly one 需补充 record (a submitted one without its photo), no draft.
    own = Activity.objects.filter(branch=branch)
    (lacking,) = own.filter(status=ActivityStatus.SUBMITTED, evidence_complete=False)
    assert lacking.activity_type.code == script.incomplete_code
    assert local_date(lacking.held_at) == script.incomplete_day
    assert services.missing_evidence(lacking) == ["现场照片"]
    assert not own.filter(status=ActivityStatus.DRAFT).exists()
    incomplete_cells = [c for c in result.cells if c.incomplete]
    if script.incomplete_code == "theme_party_day":
        assert [(c.rule.rule.activity_type.code, c.incomplete) for c in incomplete_cells] == [("theme_party_day", 1)]
        assert incomplete_cells[0].window.contains(script.incomplete_day)
    # The year-edge view: last year's fourth quarter complete, its 组织生活会 also counted as 民主评议党员.
    last = evaluate_branches([branch], Period(today.year - 1, Frequency.QUARTER, 4))[branch.pk]
    assert {c.status for c in last.cells if c.window.kind != Frequency.YEAR} == {Status.MET}
    # Last year began before the platform did: whether its yearly windows are judged is the engine's to say
    # (未纳入 under the midpoint policy); what the data holds is last year's 组织生活会 and 民主评议党员
    # (one record that also counts as the other, or two).
    assert not [c for c in last.cells if c.window.kind == Frequency.YEAR and c.status in FINISHED_UNMET]
    last_year = own.filter(held_at__year=today.year - 1)
    assert last_year.filter(activity_type__code="org_life_meeting").exists()
    appraisal = Q(activity_type__code="democratic_appraisal") | Q(also_counts_as__code="democratic_appraisal")
    assert last_year.filter(appraisal).exists()

    # The accounts: the secretary logged them and sees exactly them; the member owes one 补学 and made up another.
    zhibu = User.objects.get(username="zhibu")
    assert not own.exclude(created_by=zhibu).exists()
    scoped = scope_for(zhibu).filter(Activity.objects.all())
    assert scoped.filter(branch=branch).count() == own.count()
    assert not scoped.exclude(branch=branch).exclude(attendances__member__user=zhibu).exists()  # else attended
    # Among all of them exactly one 需补充: the unit's own records (the secretary attends 中心组学习) are complete.
    assert scoped.filter(status=ActivityStatus.SUBMITTED, evidence_complete=False).get() == lacking
    tasks = MakeupTask.objects.filter(member__user__username="dangyuan")
    assert tasks.filter(done_at__isnull=True).exists()
    if today.month >= 6:
        assert tasks.filter(done_at__isnull=False).exists()
    # The unit secretaries logged their units' 中心组学习 and 第一议题.
    assert (
        Activity.objects.filter(unit=branch.unit, branch__isnull=True).exclude(created_by__username="danwei").count()
        == 0
    )


def test_evidence_flags_agree_with_the_service_and_rows_validate(seeded):
    complete = list(Activity.objects.filter(evidence_complete=True).values_list("pk", flat=True))
    lacking = list(Activity.objects.filter(evidence_complete=False).values_list("pk", flat=True))
    rng = random.Random(0)
    sample = rng.sample(complete, 150) + rng.sample(lacking, min(60, len(lacking)))
    activities = Activity.objects.filter(pk__in=sample).select_related("activity_type").prefetch_related("evidence")
    assert len(activities) == len(sample)
    reasons = Counter()
    for a in activities:
        missing = services.missing_evidence(a)
        if a.evidence_complete:
            assert missing == [], (a.pk, a, missing)
        else:
            assert missing, (a.pk, a)
            reasons.update(missing)
        a.full_clean(exclude=["created_by"])  # as activity_save does: most demo branches have no account
    assert reasons["现场照片"] > 0  # records lack photos most of all; others lack minutes
    for model in (Attendance, MakeupTask, Evidence, EnterpriseProblem, MissedReason):
        for row in [*model.objects.order_by("pk")[:20], *model.objects.order_by("-pk")[:20]]:
            # Nullable links left empty (登记人/上传人 of a branch without an account) are the services' to set.
            row.full_clean(exclude=[f.name for f in model._meta.fields if f.null and getattr(row, f.attname) is None])

    # Retired members are excused for their health or family, serving ones for work.
    retired = Attendance.objects.filter(activity__branch__kind=BranchKind.RETIRED, present=False)
    assert set(retired.values_list("absence_reason", flat=True)) <= set(texts.RETIRED_ABSENCE_REASONS)


def test_evidence_files_are_few_real_and_come_back(seeded):
    names = set(Evidence.objects.values_list("file", flat=True))
    assert 5 <= len(names) < 50
    assert Evidence.objects.count() > 10 * len(names)  # rows share the files
    for name in names:
        assert name.startswith(f"{files.DEMO_DIR}/") and default_storage.exists(name)
        row = Evidence.objects.filter(file=name).first()
        with default_storage.open(name) as fh:
            upload = File(fh, name=name)
            sniffed = check_upload(
                upload, allowed=services.EVIDENCE_TYPES, max_bytes=settings.PORTAL_EVIDENCE_MAX_BYTES
            )
        assert sniffed.content_type == row.content_type and row.size == default_storage.size(name)
        if row.kind == EvidenceKind.PHOTO:
            assert row.is_image
    uploaded = Evidence.objects.values_list("uploaded_at", "activity__held_at")
    assert all(up >= held for up, held in uploaded[:500])

    # `make run` (seed_demo --if-empty) puts back a demo file deleted through the pages.
    photo = Evidence.objects.filter(kind=EvidenceKind.PHOTO).values_list("file", flat=True).first()
    default_storage.delete(photo)
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "演示数据已存在" in out.getvalue()
    assert default_storage.exists(photo)


def test_reset_rebuilds_the_same_records_and_clears_party_life(seeded):
    before = records()
    numbers = {model: model.objects.count() for model in PARTY_LIFE}
    old_ids = set(Activity.objects.values_list("pk", flat=True))
    try:
        call_command("seed_demo", "--reset", "--only", "partylife", stdout=StringIO())

        assert records() == before  # same branches, types, times and topics
        assert {model: model.objects.count() for model in PARTY_LIFE} == numbers
        assert not old_ids & set(Activity.objects.values_list("pk", flat=True))
        for model in HISTORY:  # the old rows' history is gone, not doubled
            assert get_history_model_for_model(model).objects.count() == model.objects.count(), model

        demo.reset()

        for model in PARTY_LIFE:
            assert not model.objects.exists(), model
        for model in HISTORY:
            assert not get_history_model_for_model(model).objects.exists(), model
        assert default_storage.listdir(files.DEMO_DIR)[1] == []
        assert Branch.objects.exists()  # the org tree is the command's to delete, not this step's
    finally:
        files.write_files()  # the rollback brings the rows back, not the files


def test_demo_script_at_month_and_year_edges():
    late = demo_script(dt.date(2026, 11, 27))
    assert late.missed == Period(2026, Frequency.MONTH, 8)
    assert (late.incomplete_code, late.incomplete_day) == ("theme_party_day", dt.date(2026, 11, 25))
    assert late.due == Period(2026, Frequency.MONTH, 11)

    second = demo_script(dt.date(2026, 3, 2))
    assert second.missed == Period(2026, Frequency.MONTH, 1)
    assert second.incomplete_day == dt.date(2026, 3, 1)

    new_year = demo_script(dt.date(2027, 1, 1))
    assert new_year.missed is None  # no month of the year has ended yet
    assert (new_year.incomplete_code, new_year.incomplete_day) == ("branch_committee_meeting", dt.date(2026, 12, 31))
