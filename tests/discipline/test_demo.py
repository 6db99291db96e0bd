"""The demo city's supervision records (演示数据·纪律监督, `manage.py seed_demo`): rectifications in every state
with one overdue for 市发改委 and its yellow card in force, a card lifted after its rectifications were
accepted, reports on time, late, returned and missing, what 市财政局 owes, talks, cases read, warning
education whose hours reach the study ledger, every step logged and versioned, and a reset that leaves
nothing and seeds the same again."""

import datetime as dt
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

from apps.core import demo as demo_registry
from apps.core import study_hours
from apps.core.demo import DemoContext
from apps.discipline import demo
from apps.discipline.demo import write
from apps.discipline.models import (
    Card,
    CardColour,
    CardRule,
    Case,
    CaseReceipt,
    DutyReport,
    DutyTemplate,
    Finding,
    Inspection,
    Rectification,
    RectificationEvent,
    RectificationStatus,
    ReportRound,
    ReportStatus,
    Talk,
    UnitDutyList,
    WarningAttendance,
    WarningSession,
)
from apps.discipline.study_sources import SOURCE as WARNING_SOURCE
from apps.orgs import demo_data
from apps.orgs.access import scope_for
from apps.orgs.models import Membership, Unit, User
from tests.demo_city import demo_city

S = RectificationStatus


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """Seed the whole demo once for this module (committed), and remove it again afterwards; the output."""
    with demo_city(django_db_blocker, "--only", "discipline") as (out, _root):
        yield out


@pytest.fixture
def seeded(city, db) -> str:
    """The module's demo city, in a transaction rolled back after the test; the command's output."""
    return city


def clause(out: str) -> str:
    """The discipline step's summary, without the reminders sent (a reseed finds them sent already)."""
    return re.search(r"责任清单模板.*?警示教育 \d+ 次（出席 \d+ 人次）", out)[0]


def unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def local(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


# --- 整改: every state, one overdue (市发改委), events and versions ----------------------------------------------


def test_rectifications_stand_in_every_state_and_only_the_weak_unit_is_overdue(seeded):
    today = timezone.localdate()
    assert clause(seeded)
    assert 5 <= Inspection.objects.filter(held_on__lt=today).count() <= 8
    assert {k for k in Inspection.objects.values_list("kind", flat=True)} == {"open", "unannounced"}
    assert 20 <= Finding.objects.count() <= 35
    assert Finding.objects.values("unit").distinct().count() >= 10
    rects = Rectification.objects.all()
    assert set(rects.values_list("status", flat=True)) == set(S.values)

    accepted = rects.filter(status=S.ACCEPTED)
    assert accepted.filter(accepted_on__lte=F("deadline")).count() >= 5  # on time, most of them
    assert accepted.filter(accepted_on__gt=F("deadline")).exists()  # and late
    assert not accepted.filter(Q(accepted_at__isnull=True) | Q(submitted_at__isnull=True)).exists()
    assert rects.filter(status=S.OPEN, deadline__gte=today, deadline__lte=today + dt.timedelta(days=7)).exists()

    overdue = rects.exclude(status=S.ACCEPTED).filter(deadline__lt=today)
    assert overdue.exists()
    assert set(overdue.values_list("unit__name", flat=True)) == {demo_data.DEMO_UNIT_2}
    assert not rects.exclude(unit_id=F("finding__unit_id")).exists()  # the owner is the finding's unit


def test_every_transition_is_logged_and_versioned_in_order(seeded):
    now = timezone.now()
    history = get_history_model_for_model(Rectification)
    events = {}
    for event in RectificationEvent.objects.order_by("at", "id"):
        events.setdefault(event.rectification_id, []).append(event)
    for rect in Rectification.objects.select_related("finding__inspection"):
        chain = events.get(rect.pk, [])
        status = S.OPEN
        for event in chain:
            assert event.from_status == status
            assert (event.from_status, event.to_status) in {
                (S.OPEN, S.SUBMITTED),
                (S.SUBMITTED, S.ACCEPTED),
                (S.SUBMITTED, S.RETURNED),
                (S.RETURNED, S.SUBMITTED),
            }
            assert event.to_status != S.RETURNED or event.comment  # 退回 says why
            status = event.to_status
        assert status == rect.status
        times = [rect.created_at, *(e.at for e in chain)]
        assert times == sorted(times) and times[-1] < now
        assert local(rect.created_at) > rect.finding.inspection.held_on
        if chain and rect.status == S.ACCEPTED:
            assert local(chain[-1].at) == rect.accepted_on
        versions = list(history.objects.filter(id=rect.pk).order_by("history_date"))
        assert [v.status for v in versions] == [S.OPEN, *(e.to_status for e in chain)]
        assert versions[0].history_type == "+" and all(v.history_type == "~" for v in versions[1:])
    for model in (Inspection, Finding, Talk, Card, Case, WarningSession, DutyReport, ReportRound, UnitDutyList):
        firsts = get_history_model_for_model(model).objects.filter(history_type="+")
        assert firsts.count() == model.objects.count(), model


# --- cards -------------------------------------------------------------------------------------------------


def test_weak_unit_has_a_yellow_card_in_force_for_its_overdue_rectifications(seeded):
    today = timezone.localdate()
    rule = CardRule.objects.get(colour=CardColour.YELLOW)
    card = Card.objects.get(unit__name=demo_data.DEMO_UNIT_2)
    assert card.colour == CardColour.YELLOW and card.in_force and card.issued_on < today
    assert (card.deduction, card.caps_tier, card.tier_cap) == (rule.deduction, rule.caps_tier, rule.tier_cap)
    behind = Rectification.objects.filter(finding__in=card.findings.all())
    assert behind.exists() and not behind.filter(status=S.ACCEPTED).exists()
    assert behind.filter(deadline__lt=today).count() == behind.count()
    assert card.talks.filter(unit=card.unit, held_on__lte=card.issued_on).exists()
    assert Card.objects.filter(lifted_on__isnull=True).count() == 1


def test_another_card_was_lifted_after_all_its_rectifications_were_accepted(seeded):
    card = Card.objects.get(lifted_on__isnull=False)
    assert card.unit.name not in (demo_data.DEMO_UNIT, demo_data.DEMO_UNIT_2)
    assert card.lifted_by is not None and card.lift_note
    behind = Rectification.objects.filter(finding__in=card.findings.all())
    assert behind.count() >= 1 and not behind.exclude(status=S.ACCEPTED).exists()
    assert not Rectification.objects.filter(unit=card.unit).exclude(status=S.ACCEPTED).exists()
    last = max(behind.values_list("accepted_on", flat=True))
    assert card.issued_on < last < card.lifted_on < timezone.localdate()
    versions = get_history_model_for_model(Card).objects.filter(id=card.pk).order_by("history_date")
    assert [v.lifted_on for v in versions] == [None, card.lifted_on]
    m2m = django_apps.get_model("discipline", "HistoricalCard_findings")  # every version lists its findings
    assert m2m.objects.filter(history__id=card.pk).count() == 2 * card.findings.count()


# --- 履责报告 ----------------------------------------------------------------------------------------------


def test_reports_on_time_late_returned_and_missing(seeded):
    today = timezone.localdate()
    rounds = list(ReportRound.objects.order_by("due_on"))
    assert len(rounds) == 3
    *past, current = rounds
    assert all(r.due_on < today for r in past) and current.due_on >= today
    assert {r.kind for r in rounds} == {"half", "year"}
    units = Unit.objects.filter(active=True).count()
    for rnd in past:
        reports = DutyReport.objects.filter(round=rnd).exclude(status=ReportStatus.DRAFT)
        on_time = [r for r in reports if local(r.first_submitted_at) <= rnd.due_on]
        late = [r for r in reports if local(r.first_submitted_at) > rnd.due_on]
        assert len(on_time) > 0.7 * units and late
        assert 2 <= units - reports.count() <= 5  # a few never submitted
        assert reports.filter(status=ReportStatus.ACCEPTED).count() >= reports.count() - 2
    latest = past[-1]
    returned = DutyReport.objects.filter(round=latest, reviews__action=ReportStatus.RETURNED).distinct()
    assert sorted(returned.values_list("status", flat=True)) == [ReportStatus.RETURNED, ReportStatus.SUBMITTED]
    assert all(r.review_comment for r in returned)
    assert DutyReport.objects.get(round=latest, unit__name=demo_data.DEMO_UNIT_2).status == ReportStatus.DRAFT


def test_review_log_matches_every_report(seeded):
    for report in DutyReport.objects.prefetch_related("reviews"):
        actions = [r.action for r in report.reviews.all()]
        if report.status == ReportStatus.DRAFT:
            assert actions == []
            continue
        assert actions[0] == ReportStatus.SUBMITTED and report.reviews.all()[0].at == report.first_submitted_at
        assert actions[-1] == report.status
        assert report.reviews.all()[len(actions) - 1].at <= timezone.now()
        if report.status in (ReportStatus.ACCEPTED, ReportStatus.RETURNED):
            assert report.reviewed_at == report.reviews.all()[len(actions) - 1].at


# --- 市财政局: what a unit secretary sees owed ----------------------------------------------------------------


def test_the_demo_unit_owes_an_open_rectification_and_the_open_report(seeded):
    today = timezone.localdate()
    finance = unit(demo_data.DEMO_UNIT)
    user = User.objects.get(username=demo_data.UNIT_USER)
    visible = scope_for(user).filter(Rectification.objects.all())
    assert set(visible.values_list("unit", flat=True)) == {finance.pk}  # and nothing of other units
    states = Counter(visible.values_list("status", flat=True))
    assert states == {S.OPEN: 1, S.RETURNED: 1, S.ACCEPTED: 1}
    open_one = visible.get(status=S.OPEN)
    assert today <= open_one.deadline <= today + dt.timedelta(days=14)
    assert visible.get(status=S.RETURNED).deadline >= today
    current = ReportRound.objects.filter(due_on__gte=today).get()
    assert not DutyReport.objects.filter(round=current, unit=finance).exclude(status=ReportStatus.DRAFT).exists()
    assert DutyReport.objects.filter(unit=finance, status=ReportStatus.ACCEPTED).count() == 2
    assert not scope_for(user).filter(Card.objects.all()).exists()
    assert set(scope_for(user).filter(Talk.objects.all()).values_list("unit", flat=True)) == {finance.pk}
    # a member sees none of it
    member = User.objects.get(username=demo_data.MEMBER_USER)
    assert not scope_for(member).filter(Rectification.objects.all()).exists()


# --- 责任清单, talks ---------------------------------------------------------------------------------------


def test_duty_lists_v1_and_v2(seeded):
    year = timezone.localdate().year
    v1, v2 = DutyTemplate.objects.order_by("version")
    assert v1.published_at.year == year - 1 and v2.published_at.year <= year
    assert 8 <= v1.items.count() < v2.items.count() <= 12
    latest = {}
    for duty_list in UnitDutyList.objects.select_related("template").order_by("version"):
        latest[duty_list.unit_id] = duty_list
        assert duty_list.adopted_at and duty_list.items.count() == duty_list.template.items.count()
        assert not duty_list.items.filter(owner_position="").exists()
    on = Counter(d.template.version for d in latest.values())
    units = Unit.objects.filter(active=True).count()
    assert on[2] > 0.75 * units and 2 <= on[1] <= 6 and units - len(latest) == 2
    assert latest[unit(demo_data.DEMO_UNIT_2).pk].template == v1
    assert latest[unit(demo_data.DEMO_UNIT).pk].template == v2


def test_talks_this_year(seeded):
    today = timezone.localdate()
    talks = Talk.objects.all()
    assert 10 <= talks.count() <= 14 and not talks.filter(held_on__gte=today).exists()
    reasons = set(talks.values_list("reason", flat=True))
    assert {"履责报告逾期未报送", "整改不到位", "作风问题苗头"} <= reasons
    assert talks.filter(unit__name=demo_data.DEMO_UNIT_2).count() >= 2
    assert not talks.filter(follow_up_done_on__lt=F("held_on")).exists()


# --- 典型案例, 警示教育 and the study ledger -------------------------------------------------------------------


def test_cases_read_by_most_units(seeded):
    units = Unit.objects.filter(active=True).count()
    cases = Case.objects.all()
    assert cases.count() == 4 and not Case.units.through.objects.exists()  # sent to every unit
    for case in cases:
        assert case.published_at < timezone.now()
        receipts = CaseReceipt.objects.filter(case=case)
        assert receipts.count() > 0.7 * units
        assert not receipts.filter(read_at__lt=case.published_at).exists()
    finance = unit(demo_data.DEMO_UNIT)
    assert CaseReceipt.objects.filter(unit=finance).count() == 3  # the latest still to read


def test_one_warning_session_per_unit_with_its_members_of_the_day(seeded):
    today = timezone.localdate()
    sessions = WarningSession.objects.all()
    assert sessions.count() == Unit.objects.filter(active=True).count()
    assert sessions.values("unit").distinct().count() == sessions.count()
    assert set(sessions.values_list("hours", flat=True)) == {Decimal("2")}
    assert not sessions.filter(held_on__gte=today).exists()
    in_unit = Membership.objects.filter(
        member_id=OuterRef("member_id"),
        branch__unit_id=OuterRef("session__unit_id"),
        start_on__lte=OuterRef("session__held_on"),
    ).filter(Q(end_on__isnull=True) | Q(end_on__gt=OuterRef("session__held_on")))
    rows = WarningAttendance.objects.all()
    assert rows.count() > 1000 and not rows.filter(~Exists(in_unit)).exists()
    assert rows.filter(present=True).count() > 0.75 * rows.count()
    assert not rows.filter(present=False, absence_reason="").exists()


def test_the_step_runs_before_study_so_its_hours_are_in_the_study_figures():
    order = [step.app for step in demo_registry.steps()]
    assert order.index("orgs") < order.index("partylife") < order.index("discipline") < order.index("study")


def test_warning_hours_reach_the_study_ledger(seeded):
    today = timezone.localdate()
    start = WarningSession.objects.order_by("held_on").first().held_on
    present = list(WarningAttendance.objects.filter(present=True).values_list("member_id", flat=True)[:200])
    hours = study_hours.hours_by_source(start, today, member_ids=present)
    for member_id in present:
        sessions = WarningAttendance.objects.filter(member_id=member_id, present=True).count()
        assert hours[member_id][WARNING_SOURCE] == Decimal("2") * sessions
    entries = study_hours.entries_for(present[0], start, today)
    assert any(e.source == WARNING_SOURCE and e.hours == Decimal("2") for e in entries)


# --- reset ---------------------------------------------------------------------------------------------------


def fingerprint():
    return (
        list(
            Rectification.objects.order_by("unit__name", "deadline", "status").values_list(
                "unit__name", "status", "deadline"
            )
        ),
        list(Card.objects.order_by("unit__name").values_list("unit__name", "issued_on", "lifted_on")),
        list(DutyReport.objects.order_by("round__due_on", "unit__name").values_list("unit__name", "status")),
    )


def test_reset_leaves_nothing_and_seeding_again_gives_the_same_records(seeded):
    first, before = clause(seeded), fingerprint()
    demo.reset()
    for model in write.TABLES:
        assert not model.objects.exists(), model
    for model in write.WITH_HISTORY:
        assert not get_history_model_for_model(model).objects.exists(), model
    for model, field in write.M2M_HISTORY:
        assert not django_apps.get_model("discipline", f"Historical{model.__name__}_{field}").objects.exists(), field
    assert CardRule.objects.count() == 2  # configuration, kept
    assert Unit.objects.exists()  # the org tree is the orgs step's

    context = DemoContext(today=timezone.localdate(), now=timezone.now())
    assert clause(demo.seed(context)) == first
    assert fingerprint() == before
