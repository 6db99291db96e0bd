"""The stored verdicts (compliance/store.py): after every kind of write they equal a full recomputation by the
engine; the overview, its export and the compliance metric read them and give the engine's numbers; the rebuild
command and the nightly pass; the store answers only where it is exact and the engine answers the rest."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core import batching, trash
from apps.core.models import TrashEntry
from apps.core.periods import Frequency, Period
from apps.orgs import services as org_services
from apps.orgs.models import BranchEnd, Membership, Unit
from apps.partylife import metrics, services
from apps.partylife.compliance import Status, evaluate_by_unit, store
from apps.partylife.models import ActivityType, ComplianceVerdict, Evidence, EvidenceKind, Strength, VerdictYear
from apps.partylife.services import AttendanceInput, EvidenceInput
from apps.partylife.tasks import refresh_verdicts_nightly_task
from tests.orgs.factories import BranchFactory, MemberFactory, PartyGroupFactory, UnitFactory
from tests.partylife.factories import ActivityFactory, activity_type, at, png_upload, rule_for
from tests.partylife.verdict_check import assert_store_matches

pytestmark = pytest.mark.django_db

YEARS = [2025, 2026]


@pytest.fixture
def stored(side_a, side_b):
    """Both sides' 2025 and 2026 in the store, with a few records to judge."""
    ActivityFactory(branch=side_a.branch, held_at=at(2026, 3, 10))
    ActivityFactory(branch=side_a.other_branch, held_at=at(2025, 4, 2))
    ActivityFactory(branch=side_b.branch, activity_type=activity_type("party_lecture"), held_at=at(2026, 5, 6))
    store.rebuild(years=YEARS)
    assert_store_matches()
    return side_a, side_b


def row(branch, code, window):
    return ComplianceVerdict.objects.get(branch=branch, rule=rule_for(code), window_key=window)


def engine_tallies(units, period, today):
    """The engine's own roll-up (`evaluate_by_unit`): per unit and per (unit, rule) counts of each status."""
    per_unit, per_rule = {}, {}
    for unit_id, result in evaluate_by_unit(units, period, today=today).items():
        per_unit[unit_id] = (result.tally(), sum(c.incomplete for c in result.cells), result.rate)
        for rule_id, cells in result.by_rule().items():
            counts = dict.fromkeys(Status.values, 0)
            for cell in cells:
                counts[cell.status] += 1
            per_rule[(unit_id, rule_id)] = counts
    return per_unit, per_rule


def assert_reads_like_engine(units, period, today, *, answered=True):
    counted = store.tallies(units, period, today=today)
    per_unit, per_rule = engine_tallies(units, period, today)
    assert {u: (t.counts, t.incomplete, t.rate) for u, t in counted.units.items()} == per_unit
    assert {k: t.counts for k, t in counted.rules.items()} == per_rule
    if answered:
        assert not store.read([u.pk for u in units], period, today=today).missing


# --- every kind of write ---------------------------------------------------------------------------------------


def test_rebuild_command_fills_the_table_and_matches_the_engine(side_a, side_b):
    ActivityFactory(branch=side_a.branch, held_at=at(2026, 2, 3))
    out = io.StringIO()
    call_command("rebuild_verdicts", "--year", "2026", stdout=out)
    assert "评判结果已重算（2026）" in out.getvalue()
    assert set(VerdictYear.objects.values_list("year", flat=True)) == {2026}
    written = assert_store_matches()
    assert written == ComplianceVerdict.objects.filter(year=2026).count() > 0
    ComplianceVerdict.objects.all().delete()
    call_command("rebuild_verdicts", "--year", "2026", stdout=out)
    assert assert_store_matches() == written


def test_rebuild_command_refuses_a_bad_year():
    with pytest.raises(Exception, match="年度超出范围"):
        call_command("rebuild_verdicts", "--year", "1999")


def test_a_record_through_the_form_updates_its_window(stored):
    side_a, _ = stored
    assert row(side_a.branch, "branch_committee_meeting", "2026-11").status == Status.WARNING
    services.activity_record(
        actor=side_a.branch_secretary,
        activity_type=activity_type("branch_committee_meeting"),
        branch=side_a.branch,
        fields={"topic": "研究发展党员", "held_at": at(2026, 11, 3, 15), "minutes": "议定事项"},
        attendance=[AttendanceInput(m.pk) for m in side_a.members],
        evidence=[EvidenceInput(EvidenceKind.PHOTO, png_upload())],
        submit=True,
    )
    assert row(side_a.branch, "branch_committee_meeting", "2026-11").status == Status.MET
    assert_store_matches()


def test_a_factory_record_outside_any_service_updates_the_store_at_once(stored):
    side_a, _ = stored
    ActivityFactory(branch=side_a.other_branch, held_at=at(2026, 7, 7))
    assert row(side_a.other_branch, "branch_committee_meeting", "2026-07").status == Status.MET
    assert_store_matches()


def test_step_by_step_services_attendance_evidence_submit_also_counts(stored):
    side_a, _ = stored
    actor = side_a.branch_secretary
    record = services.activity_create(
        actor=actor,
        activity_type=activity_type("branch_general_meeting"),
        branch=side_a.branch,
        fields={"topic": "党员大会", "held_at": at(2026, 10, 9, 9), "minutes": "记录"},
    )
    assert_store_matches()
    services.activity_attendance_set(actor=actor, activity=record, rows=[AttendanceInput(m.pk) for m in side_a.members])
    assert_store_matches()
    [photo] = services.activity_evidence_add(
        actor=actor, activity=record, items=[EvidenceInput(EvidenceKind.PHOTO, png_upload())]
    )
    record = services.activity_submit(actor=actor, activity=record)
    assert row(side_a.branch, "branch_general_meeting", "2026-Q4").count == 1
    assert_store_matches()
    record.also_counts_as.add(activity_type("org_life_meeting"))  # m2m: signals of the link
    assert_store_matches()
    record.also_counts_as.clear()
    assert_store_matches()
    services.evidence_delete(actor=actor, evidence=Evidence.objects.get(pk=photo.pk))
    assert_store_matches()


def test_record_moved_to_another_branch_and_year_recomputes_both(stored):
    side_a, _ = stored
    record = ActivityFactory(branch=side_a.branch, held_at=at(2026, 8, 8))
    services.activity_update(
        actor=side_a.unit_secretary,
        activity=record,
        unit=None,
        branch=side_a.other_branch,
        party_group=None,
        fields={"held_at": at(2025, 8, 8)},
    )
    assert row(side_a.branch, "branch_committee_meeting", "2026-08").status == Status.WARNING
    assert row(side_a.other_branch, "branch_committee_meeting", "2025-08").incomplete == 1  # 需补充: no photo yet
    assert_store_matches()


def test_record_deleted_then_restored_from_the_trash(stored, committee_user):
    side_a, _ = stored
    record = ActivityFactory(branch=side_a.branch, held_at=at(2026, 9, 1))
    trash.trash_delete(record, actor=committee_user)  # what the delete services call (a draft's, a committee's)
    assert row(side_a.branch, "branch_committee_meeting", "2026-09").status == Status.WARNING
    assert_store_matches()
    trash.restore(TrashEntry.objects.get(), actor=committee_user)
    assert row(side_a.branch, "branch_committee_meeting", "2026-09").status == Status.MET
    assert_store_matches()


def test_unit_level_record(stored):
    side_a, _ = stored
    ActivityFactory(
        branch=None, unit=side_a.unit, activity_type=activity_type("center_group_study"), held_at=at(2026, 4, 4)
    )
    cell = ComplianceVerdict.objects.get(
        unit=side_a.unit, branch=None, rule=rule_for("center_group_study"), window_key="2026-04"
    )
    assert cell.status == Status.MET
    assert_store_matches()


def test_rule_override_set_and_deleted(stored, committee_user):
    side_a, _ = stored
    rule = rule_for("branch_committee_meeting")
    override = services.rule_override_set(
        actor=committee_user, rule=rule, unit=side_a.unit, frequency="quarter", min_count=1, strength=Strength.HARD
    )
    assert row(side_a.branch, "branch_committee_meeting", "2026-Q1").status == Status.MET
    assert row(side_a.branch, "branch_committee_meeting", "2026-Q2").hard
    assert_store_matches()
    services.rule_override_delete(actor=committee_user, override=override)
    assert_store_matches()


def test_changes_to_every_unit_are_stale_until_after_the_commit(
    stored, committee_user, django_capture_on_commit_callbacks
):
    side_a, side_b = stored
    units = [side_a.unit, side_b.unit]
    rule = rule_for("branch_committee_meeting")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        fields = {name: getattr(rule, name) for name in services.RULE_FIELDS} | {"strength": Strength.HARD}
        services.rule_update(actor=committee_user, rule=rule, data=fields)
        assert VerdictYear.objects.filter(stale=False).count() == 0
        # Meanwhile the readers ask the engine: the numbers are today's rules' already.
        assert store.read([u.pk for u in units], Period(2026, Frequency.YEAR), today=timezone.localdate()).missing
        assert_reads_like_engine(units, Period(2026, Frequency.YEAR), timezone.localdate(), answered=False)
    assert len(callbacks) == 1
    assert row(side_a.branch, "branch_committee_meeting", "2026-11").status == Status.FAILURE
    assert_store_matches()
    with django_capture_on_commit_callbacks(execute=True):
        services.period_close(actor=committee_user, month=dt.date(2025, 1, 1))
    assert not VerdictYear.objects.filter(stale=True).exists()
    assert_store_matches()
    with django_capture_on_commit_callbacks(execute=True):
        services.period_reopen(actor=committee_user, month=dt.date(2025, 1, 1))
    assert_store_matches()
    with django_capture_on_commit_callbacks(execute=True):
        ActivityType.objects.filter(code="party_lecture").update(needs_photo=True)  # no signal: not a portal write
        type_ = ActivityType.objects.get(code="party_lecture")
        type_.save()
    assert_store_matches()
    with django_capture_on_commit_callbacks(execute=True):
        org_services.platform_update(actor=committee_user, start_on=dt.date(2026, 5, 1))
    assert row(side_a.branch, "branch_committee_meeting", "2026-01").status == Status.NOT_JUDGED
    assert_store_matches()


def test_tree_changes_branches(stored, committee_user):
    side_a, side_b = stored
    new = BranchFactory(unit=side_a.unit, founded_on=dt.date(2026, 5, 1))
    assert row(new, "branch_committee_meeting", "2026-04").status == Status.NA
    assert_store_matches()
    member = side_a.other_branch_member
    org_services.member_transfer(actor=committee_user, member=member, to_branch=side_a.branch, on=dt.date(2026, 6, 1))
    assert_store_matches()
    org_services.branch_dissolve(
        actor=committee_user, branch=side_a.other_branch, on=dt.date(2026, 6, 1), reason=BranchEnd.REVOKED
    )
    assert row(side_a.other_branch, "branch_committee_meeting", "2026-08").status == Status.ENDED
    assert_store_matches()
    org_services.branch_update(actor=committee_user, branch=new, data={"unit": side_b.unit})  # moved: both units
    assert ComplianceVerdict.objects.filter(branch=new).exclude(unit=side_b.unit).count() == 0
    assert_store_matches()


def test_tree_changes_groups_members_units(stored, committee_user):
    side_a, _ = stored
    group = PartyGroupFactory(branch=side_a.branch, founded_on=dt.date(2026, 2, 1))
    assert row(side_a.branch, "party_group_meeting", "2026-03").status == Status.WARNING
    assert_store_matches()
    org_services.party_group_dissolve(actor=committee_user, group=group, on=dt.date(2026, 9, 1))
    assert row(side_a.branch, "party_group_meeting", "2026-10").status == Status.NA
    assert_store_matches()
    MemberFactory(branch=side_a.branch)
    assert_store_matches()
    member = side_a.members[1]
    member.is_branch_committee = True
    member.save()
    assert_store_matches()
    Membership.objects.filter(member=member).update(start_on=dt.date(2026, 3, 1))  # not a signal: then …
    store.refresh(branches=[side_a.branch], years=YEARS)  # … an explicit refresh, as bulk writers do
    assert_store_matches()
    org_services.unit_update(actor=committee_user, unit=side_a.unit, data={"joined_on": dt.date(2026, 7, 1)})
    assert row(side_a.branch, "branch_committee_meeting", "2026-03").status == Status.MET  # met anyway
    assert row(side_a.branch, "branch_committee_meeting", "2026-04").status == Status.NOT_JUDGED
    assert_store_matches()


def test_a_batch_recomputes_once_at_its_end_and_nothing_when_it_raises(stored, monkeypatch):
    side_a, _ = stored
    calls = []
    real = store._recompute
    monkeypatch.setattr(store, "_recompute", lambda year, **kw: calls.append(year) or real(year, **kw))
    with batching.batch():
        for month in (1, 2, 5):
            ActivityFactory(branch=side_a.other_branch, held_at=at(2026, month, 12))
        assert calls == []
    assert calls == [2026]
    assert_store_matches()
    with pytest.raises(RuntimeError), batching.batch():
        ActivityFactory(branch=side_a.other_branch, held_at=at(2026, 6, 12))
        raise RuntimeError
    assert calls == [2026]
    assert row(side_a.other_branch, "branch_committee_meeting", "2026-06").status == Status.WARNING
    assert_store_matches()


def test_writes_to_years_not_stored_compute_nothing(side_a, monkeypatch):
    calls = []
    monkeypatch.setattr(store, "_recompute", lambda year, **kw: calls.append(year))
    ActivityFactory(branch=side_a.branch, held_at=at(2026, 3, 3))
    assert calls == [] and not ComplianceVerdict.objects.exists()


# --- readers -----------------------------------------------------------------------------------------------------


@pytest.fixture
def busy(stored):
    side_a, side_b = stored
    for month in (1, 2, 4, 6, 9, 11):
        ActivityFactory(branch=side_a.branch, held_at=at(2026, month, 5))
    ActivityFactory(branch=side_b.other_branch, held_at=at(2026, 2, 5), evidence_complete=False)
    ActivityFactory(branch=side_b.branch, activity_type=activity_type("org_life_meeting"), held_at=at(2025, 12, 5))
    BranchFactory(unit=side_b.unit, founded_on=dt.date(2026, 8, 20))
    extra = UnitFactory()
    BranchFactory(unit=extra)
    store.refresh(units=[extra], years=YEARS)
    assert_store_matches()
    return [side_a.unit, side_b.unit, extra]


@pytest.mark.parametrize("key", ["2026", "2026-Q3", "2026-11", "2026-12", "2025", "2025-Q4"])
def test_tallies_equal_the_engine(busy, key):
    today = timezone.localdate()
    for day in (today, today + dt.timedelta(days=1), dt.date(today.year + 1, 1, 10)):
        assert_reads_like_engine(busy, Period.parse(key), day)


def test_a_past_day_with_records_since_falls_back_to_the_engine(busy):
    period, past = Period(2026, Frequency.YEAR), dt.date(2026, 3, 1)
    assert store.read([u.pk for u in busy], period, today=past).missing  # records held after 1 March
    assert_reads_like_engine(busy, period, past, answered=False)


def test_a_record_dated_ahead_sends_its_unit_to_the_engine_until_its_day(busy):
    today = timezone.localdate()
    ahead = today + dt.timedelta(days=3)
    ActivityFactory(branch=busy[0].branches.first(), held_at=at(ahead.year, ahead.month, ahead.day))
    period = Period(ahead.year, Frequency.YEAR)
    assert store.read([u.pk for u in busy], period, today=today).missing == set()
    assert store.read([u.pk for u in busy], period, today=ahead).missing == {busy[0].pk}
    assert_reads_like_engine(busy, period, ahead, answered=False)


def test_overview_page_and_export_read_the_store(busy, client, committee_user, monkeypatch):
    def engine_forbidden(*args, **kwargs):
        raise AssertionError("the overview computed the engine")

    monkeypatch.setattr(store, "evaluate_by_unit", engine_forbidden)
    client.force_login(committee_user)
    today = timezone.localdate()
    per_unit, per_rule = engine_tallies(busy, Period(2026, Frequency.YEAR), today)
    response = client.get("/partylife/overview/?period=2026")
    assert response.status_code == 200
    rows = {r.unit.pk: r for r in response.context["rows"]}
    assert set(rows) == {u.pk for u in busy}
    for unit_id, r in rows.items():
        assert (r.total.counts, r.total.incomplete) == per_unit[unit_id][:2]
        for rule_id, summary in r.per_rule.items():
            assert summary.counts == per_rule[(unit_id, rule_id)]
    export = client.get("/partylife/overview-export/?period=2026")
    from openpyxl import load_workbook

    lines = list(load_workbook(io.BytesIO(export.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    names = {u.name: u.pk for u in busy}
    exported = {(names[line[1]], line[3]): line[8:16] for line in lines[1:]}
    rules = {r.name: r.pk for r in rule_for("branch_committee_meeting").__class__.objects.all()}
    assert exported
    for (unit_id, rule_name), numbers in exported.items():
        counts = per_rule[(unit_id, rules[rule_name])]
        assert numbers == (
            sum(counts.values()),
            counts["met"],
            counts["due"],
            counts["upcoming"],
            counts["warning"],
            counts["failure"],
            counts["na"],
            counts["not_judged"],
        )


def test_overview_as_of_a_past_day_falls_back_to_the_engine(busy, client, committee_user):
    client.force_login(committee_user)
    past = dt.date(2026, 3, 1)
    response = client.get(f"/partylife/overview/?period=2026&as_of={past:%Y-%m-%d}")
    per_unit, _ = engine_tallies(busy, Period(2026, Frequency.YEAR), past)
    assert {r.unit.pk: r.total.counts for r in response.context["rows"]} == {u: v[0] for u, v in per_unit.items()}


def test_compliance_metric_reads_the_store_and_equals_the_engine(busy, monkeypatch):
    today = timezone.localdate()
    want = {
        u: rate
        for u, (_, _, rate) in engine_tallies(busy, Period(2026, Frequency.YEAR), today + dt.timedelta(days=1))[
            0
        ].items()
        if rate is not None
    }
    monkeypatch.setattr(store, "evaluate_by_unit", lambda *a, **k: (_ for _ in ()).throw(AssertionError("engine")))
    assert metrics.compliance_rate(Period(2026, Frequency.YEAR), today=today) == want
    monkeypatch.undo()
    past = dt.date(2026, 3, 31)  # before the store's day, records held since: the engine answers
    engine = evaluate_by_unit(busy, Period(2026, Frequency.QUARTER, 1), today=past + dt.timedelta(days=1))
    want = {u: r.rate for u, r in engine.items() if r.rate is not None}
    assert metrics.compliance_rate(Period(2026, Frequency.QUARTER, 1), today=past) == want


# --- the nightly pass ------------------------------------------------------------------------------------------


def test_nightly_pass_turns_a_window_that_ended(side_a):
    november_last = dt.date(2026, 11, 30)
    store.refresh(units=[side_a.unit], years=[2026], today=november_last)
    assert row(side_a.branch, "branch_committee_meeting", "2026-11").status == Status.DUE
    # Read the next day without a refresh: the status is derived, as the engine says.
    assert_reads_like_engine([side_a.unit], Period(2026, Frequency.MONTH, 11), dt.date(2026, 12, 1))
    store.refresh_nightly(today=dt.date(2026, 12, 1))
    assert row(side_a.branch, "branch_committee_meeting", "2026-11").status == Status.WARNING
    refresh_verdicts_nightly_task()  # the beat task: as of today, every unit, missing years filled
    assert set(VerdictYear.objects.filter(unit=side_a.unit).values_list("year", flat=True)) == set(store.stored_years())
    this_year = ComplianceVerdict.objects.filter(year=timezone.localdate().year)
    assert set(this_year.values_list("computed_on", flat=True)) == {timezone.localdate()}
    assert Unit.objects.count() == VerdictYear.objects.values("unit").distinct().count()


def test_metric_and_read_query_counts_do_not_grow_with_units(side_a, assert_constant_queries):
    """With every unit stored: the metric is three queries (units, stored years, the grouped verdicts)."""

    def grow(n):
        for _ in range(n):
            branch = BranchFactory(unit=UnitFactory(), founded_on=dt.date(2010, 1, 1))
            ActivityFactory(branch=branch, held_at=at(2025, 3, 3))
        store.rebuild(years=[2025])

    grow(2)
    results = []
    period, today = Period(2025, Frequency.YEAR), dt.date(2026, 1, 5)
    assert_constant_queries(
        lambda: results.append(metrics.compliance_rate(period, today=today)), grow=lambda: grow(6), expected=3
    )
    assert [len(r) for r in results] == [3, 9]
