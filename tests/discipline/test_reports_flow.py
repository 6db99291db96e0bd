"""履责报告: rounds open a draft per unit; every transition allowed and refused; on time at the deadline edge."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.discipline.models import DutyReport, ReportReview, ReportRound, ReportStatus
from apps.discipline.services import reports as services
from apps.discipline.services.reports import OnTime, on_time_status
from apps.orgs.models import Unit

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=SH)
DUE = dt.date(2026, 7, 15)


def open_round(committee, units=(), *, due_on=DUE, title="2026年上半年履责报告"):
    return services.report_round_open(
        actor=committee,
        fields={
            "kind": "half",
            "title": title,
            "starts_on": dt.date(2026, 1, 1),
            "ends_on": dt.date(2026, 6, 30),
            "due_on": due_on,
        },
        units=list(units),
        now=NOW,
    )


def report_of(round_, unit) -> DutyReport:
    return DutyReport.objects.get(round=round_, unit=unit)


def written(user, report, text="上半年履行纪律作风建设责任情况……"):
    return services.report_save(actor=user, report=report, fields={"content": text})


@pytest.fixture
def round_ab(side_a, side_b, committee_user):
    return open_round(committee_user, [side_a.unit, side_b.unit])


def test_opening_a_round_gives_each_unit_a_draft(side_a, side_b, committee_user):
    chosen = open_round(committee_user, [side_a.unit])
    assert list(DutyReport.objects.filter(round=chosen).values_list("unit", "status")) == [
        (side_a.unit.pk, ReportStatus.DRAFT)
    ]
    Unit.objects.filter(pk=side_b.unit.pk).update(active=False)
    everyone = open_round(committee_user, title="2026年度")
    assert set(DutyReport.objects.filter(round=everyone).values_list("unit", flat=True)) == {side_a.unit.pk}
    assert everyone.opened_at == NOW


def test_only_the_committee_opens_rounds_and_dates_are_checked(side_a, committee_user):
    with pytest.raises(PermissionDenied):
        open_round(side_a.unit_secretary, [side_a.unit])
    with pytest.raises(ValidationError) as exc:
        open_round(committee_user, [side_a.unit], due_on=dt.date(2025, 12, 1))
    assert exc.value.message_dict["due_on"] == ["报送截止日不能早于报告期起。"]
    with pytest.raises(ValidationError) as exc:
        open_round(committee_user, [side_a.unit], due_on=dt.date(9999, 1, 1))
    assert "due_on" in exc.value.message_dict
    assert not ReportRound.objects.exists()


def test_round_update_adds_units_and_keeps_written_reports(side_a, side_b, committee_user):
    round_ = open_round(committee_user, [side_a.unit])
    services.report_round_update(actor=committee_user, round_=round_, fields={}, units=[side_a.unit, side_b.unit])
    assert DutyReport.objects.filter(round=round_).count() == 2
    written(side_a.unit_secretary, report_of(round_, side_a.unit))
    with pytest.raises(ValidationError) as exc:
        services.report_round_update(actor=committee_user, round_=round_, fields={}, units=[side_b.unit])
    assert "已填写或报送报告" in exc.value.message_dict["units"][0]
    services.report_round_update(actor=committee_user, round_=round_, fields={}, units=[side_a.unit])
    assert list(DutyReport.objects.filter(round=round_).values_list("unit", flat=True)) == [side_a.unit.pk]


def test_submit_accept_and_the_review_log(side_a, round_ab, committee_user):
    report = written(side_a.unit_secretary, report_of(round_ab, side_a.unit))
    report = services.report_submit(actor=side_a.unit_secretary, report=report, now=NOW)
    assert (report.status, report.first_submitted_at, report.submitted_at) == (ReportStatus.SUBMITTED, NOW, NOW)
    later = NOW + dt.timedelta(days=1)
    report = services.report_accept(actor=committee_user, report=report, now=later, comment="内容详实")
    assert (report.status, report.reviewed_at, report.review_comment) == (ReportStatus.ACCEPTED, later, "内容详实")
    log = list(ReportReview.objects.filter(report=report).values_list("action", "by", "comment"))
    assert log == [
        (ReportStatus.SUBMITTED, side_a.unit_secretary.pk, ""),
        (ReportStatus.ACCEPTED, committee_user.pk, "内容详实"),
    ]


def test_return_needs_a_comment_and_resubmission_keeps_the_first_time(side_a, round_ab, committee_user):
    report = written(side_a.unit_secretary, report_of(round_ab, side_a.unit))
    report = services.report_submit(actor=side_a.unit_secretary, report=report, now=NOW)
    with pytest.raises(ValidationError) as exc:
        services.report_return(actor=committee_user, report=report, now=NOW, comment="  ")
    assert exc.value.message_dict["comment"] == ["退回时须填写退回意见。"]
    assert DutyReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED
    report = services.report_return(actor=committee_user, report=report, now=NOW, comment="请补充整改情况")
    assert (report.status, report.review_comment) == (ReportStatus.RETURNED, "请补充整改情况")
    report = written(side_a.unit_secretary, report, "补充后的报告")
    resubmitted = NOW + dt.timedelta(days=30)  # after the deadline: still on time, the first submission counts
    report = services.report_submit(actor=side_a.unit_secretary, report=report, now=resubmitted)
    assert (report.status, report.first_submitted_at, report.submitted_at) == (
        ReportStatus.SUBMITTED,
        NOW,
        resubmitted,
    )
    assert on_time_status(due_on=DUE, first_submitted_at=report.first_submitted_at, now=resubmitted) == OnTime.ON_TIME
    assert list(report.reviews.values_list("action", flat=True)) == ["submitted", "returned", "submitted"]


def test_invalid_transitions_are_refused_with_a_clear_message(side_a, round_ab, committee_user):
    report = report_of(round_ab, side_a.unit)
    with pytest.raises(ValidationError) as exc:  # accept a draft
        services.report_accept(actor=committee_user, report=report, now=NOW)
    assert exc.value.messages == ["只有已报送的报告可以通过（当前状态：草稿）。"]
    with pytest.raises(ValidationError) as exc:  # return a draft
        services.report_return(actor=committee_user, report=report, now=NOW, comment="x")
    assert exc.value.messages == ["只有已报送的报告可以退回（当前状态：草稿）。"]
    with pytest.raises(ValidationError) as exc:  # submit an empty report
        services.report_submit(actor=side_a.unit_secretary, report=report, now=NOW)
    assert exc.value.message_dict["content"] == ["请先填写报告内容再报送。"]
    report = services.report_submit(actor=side_a.unit_secretary, report=written(side_a.unit_secretary, report), now=NOW)
    with pytest.raises(ValidationError) as exc:  # submit twice
        services.report_submit(actor=side_a.unit_secretary, report=report, now=NOW)
    assert exc.value.messages == ["该报告已报送，不能报送。"]
    with pytest.raises(ValidationError):  # change a submitted report
        written(side_a.unit_secretary, report, "改")
    with pytest.raises(PermissionDenied) as denied:  # a unit secretary accepting their own
        services.report_accept(actor=side_a.unit_secretary, report=report, now=NOW)
    assert str(denied.value) == services.COMMITTEE_ONLY
    report = services.report_accept(actor=committee_user, report=report, now=NOW)
    with pytest.raises(ValidationError) as exc:  # return an accepted report
        services.report_return(actor=committee_user, report=report, now=NOW, comment="x")
    assert exc.value.messages == ["只有已报送的报告可以退回（当前状态：已通过）。"]
    with pytest.raises(ValidationError) as exc:  # submit an accepted one
        services.report_submit(actor=side_a.unit_secretary, report=report, now=NOW)
    assert exc.value.messages == ["该报告已通过，不能报送。"]
    with pytest.raises(ValidationError):  # accept twice
        services.report_accept(actor=committee_user, report=report, now=NOW)
    assert DutyReport.objects.get(pk=report.pk).status == ReportStatus.ACCEPTED
    assert report.reviews.count() == 2


def test_only_the_units_own_secretary_writes_and_submits(side_a, side_b, round_ab, committee_user):
    report = report_of(round_ab, side_a.unit)
    for outsider in (side_b.unit_secretary, side_a.branch_secretary, side_a.member_user, committee_user):
        with pytest.raises(PermissionDenied):
            written(outsider, report)
        with pytest.raises(PermissionDenied):
            services.report_submit(actor=outsider, report=report, now=NOW)
    assert DutyReport.objects.get(pk=report.pk).content == ""


@pytest.mark.parametrize(
    "submitted, expected",
    [
        (dt.datetime(2026, 7, 15, 23, 59, tzinfo=SH), OnTime.ON_TIME),
        (dt.datetime(2026, 7, 16, 0, 0, tzinfo=SH), OnTime.LATE),
        (dt.datetime(2026, 7, 16, 0, 1, tzinfo=SH), OnTime.LATE),
        # 15:59 UTC is 23:59 in Shanghai: still on time; 16:01 UTC is 00:01 the next day
        (dt.datetime(2026, 7, 15, 15, 59, tzinfo=dt.UTC), OnTime.ON_TIME),
        (dt.datetime(2026, 7, 15, 16, 1, tzinfo=dt.UTC), OnTime.LATE),
    ],
)
def test_on_time_at_the_deadline_edge(side_a, round_ab, submitted, expected):
    report = written(side_a.unit_secretary, report_of(round_ab, side_a.unit))
    report = services.report_submit(actor=side_a.unit_secretary, report=report, now=submitted)
    assert on_time_status(due_on=DUE, first_submitted_at=report.first_submitted_at, now=submitted) == expected


def test_unsubmitted_is_pending_until_midnight_then_missing():
    at = dt.datetime(2026, 7, 15, 23, 59, tzinfo=SH)
    assert on_time_status(due_on=DUE, first_submitted_at=None, now=at) == OnTime.PENDING
    assert on_time_status(due_on=DUE, first_submitted_at=None, now=at + dt.timedelta(minutes=2)) == OnTime.MISSING
    assert OnTime(OnTime.MISSING).label == "未报送（已逾期）"
