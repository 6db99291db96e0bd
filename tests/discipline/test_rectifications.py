"""整改 flow through the services: every transition allowed and refused, its event log, the evidence rule
(measures text and at least one file, checked by content), and overdue at the deadline's edges (Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.periods import local_date
from apps.discipline.models import Attachment, Rectification, RectificationEvent
from apps.discipline.models import RectificationStatus as S
from apps.discipline.selectors import inspections as selectors
from apps.discipline.services import inspections as services
from tests.discipline.test_rectifications_support import fake_png, finding, pdf, png, submitted

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _state(rect):
    rect.refresh_from_db()
    return rect.status, rect.events.count(), rect.files.count()


def test_a_finding_opens_its_rectification_for_the_findings_unit(committee_user, side_a):
    f = finding(committee_user, side_a.unit)
    rect = f.rectification
    assert rect.unit == side_a.unit and rect.status == S.OPEN
    assert rect.requirement == "建立考勤制度并通报" and rect.required_evidence == "整改报告、制度文件"
    [event] = rect.events.all()
    assert (event.from_status, event.to_status, event.comment, event.by) == (S.OPEN, S.OPEN, "下发整改", committee_user)


def test_the_unit_submits_measures_and_files(committee_user, side_a):
    rect = finding(committee_user, side_a.unit).rectification
    now = dt.datetime(2026, 3, 5, 9, 30, tzinfo=SHANGHAI)
    services.rectification_submit(
        actor=side_a.unit_secretary, rectification=rect, measures="  已建立考勤制度  ", files=[png(), pdf()], now=now
    )
    rect.refresh_from_db()
    assert rect.status == S.SUBMITTED and rect.measures == "已建立考勤制度" and rect.submitted_at == now
    files = list(rect.files.order_by("id"))
    assert [(a.content_type, a.unit_id, a.uploaded_by) for a in files] == [
        ("image/png", side_a.unit.pk, side_a.unit_secretary),
        ("application/pdf", side_a.unit.pk, side_a.unit_secretary),
    ]
    assert all(a.file.storage.exists(a.file.name) for a in files)
    last = rect.events.last()
    assert (last.from_status, last.to_status, last.by) == (S.OPEN, S.SUBMITTED, side_a.unit_secretary)


@pytest.mark.parametrize(
    "measures, files, field",
    [("", [png()], "measures"), ("已整改", [], "files"), ("已整改", [fake_png()], "files")],
    ids=["no-measures", "no-file", "fake-image"],
)
def test_a_submission_without_measures_or_a_real_file_is_refused_and_stores_nothing(
    committee_user, side_a, measures, files, field, settings
):
    rect = finding(committee_user, side_a.unit).rectification
    before = _state(rect)
    with pytest.raises(ValidationError) as exc:
        services.rectification_submit(actor=side_a.unit_secretary, rectification=rect, measures=measures, files=files)
    assert field in exc.value.message_dict
    assert _state(rect) == before == (S.OPEN, 1, 0)
    assert not Attachment.objects.exists()


def test_a_refused_submission_removes_the_files_it_stored(committee_user, side_a, settings):
    from pathlib import Path

    rect = finding(committee_user, side_a.unit).rectification
    with pytest.raises(ValidationError):  # the first file is stored, the second refused: both go
        services.rectification_submit(
            actor=side_a.unit_secretary, rectification=rect, measures="已整改", files=[png(), fake_png()]
        )
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == [] and not Attachment.objects.exists()


@pytest.mark.parametrize("who", ["committee", "unit_b", "branch_a", "member_a"])
def test_only_the_owner_units_secretary_submits(committee_user, side_a, side_b, who):
    rect = finding(committee_user, side_a.unit).rectification
    actor = {
        "committee": committee_user,
        "unit_b": side_b.unit_secretary,
        "branch_a": side_a.branch_secretary,
        "member_a": side_a.member_user,
    }[who]
    with pytest.raises(PermissionDenied):
        services.rectification_submit(actor=actor, rectification=rect, measures="代为提交", files=[png()])
    assert _state(rect) == (S.OPEN, 1, 0)


def test_accept_closes_it_with_the_shanghai_day(committee_user, side_a):
    rect = submitted(committee_user, side_a)
    now = dt.datetime(2026, 3, 10, 16, 30, tzinfo=dt.UTC)  # 2026-03-11 00:30 in Asia/Shanghai
    services.rectification_accept(actor=committee_user, rectification=rect, comment="材料齐全", now=now)
    rect.refresh_from_db()
    assert rect.status == S.ACCEPTED and rect.accepted_at == now and rect.accepted_on == dt.date(2026, 3, 11)
    last = rect.events.last()
    assert (last.from_status, last.to_status, last.comment) == (S.SUBMITTED, S.ACCEPTED, "材料齐全")


@pytest.mark.parametrize("who", ["unit_a", "unit_b", "branch_a"])
def test_no_unit_accepts_or_returns(committee_user, side_a, side_b, who):
    rect = submitted(committee_user, side_a)
    actor = {"unit_a": side_a.unit_secretary, "unit_b": side_b.unit_secretary, "branch_a": side_a.branch_secretary}[who]
    with pytest.raises(PermissionDenied):
        services.rectification_accept(actor=actor, rectification=rect)
    with pytest.raises(PermissionDenied):
        services.rectification_return(actor=actor, rectification=rect, comment="自己退回")
    assert _state(rect) == (S.SUBMITTED, 2, 1)


def test_return_needs_a_comment_then_the_unit_submits_again(committee_user, side_a):
    rect = submitted(committee_user, side_a)
    with pytest.raises(ValidationError) as exc:
        services.rectification_return(actor=committee_user, rectification=rect, comment="   ")
    assert "comment" in exc.value.message_dict
    assert _state(rect) == (S.SUBMITTED, 2, 1)

    services.rectification_return(actor=committee_user, rectification=rect, comment="缺少制度文件")
    rect.refresh_from_db()
    assert rect.status == S.RETURNED
    # the earlier file is kept: the text alone (with it) is enough to submit again
    services.rectification_submit(actor=side_a.unit_secretary, rectification=rect, measures="补充了制度文件")
    services.rectification_accept(actor=committee_user, rectification=rect)
    steps = list(RectificationEvent.objects.filter(rectification=rect).values_list("from_status", "to_status"))
    assert steps == [
        (S.OPEN, S.OPEN),
        (S.OPEN, S.SUBMITTED),
        (S.SUBMITTED, S.RETURNED),
        (S.RETURNED, S.SUBMITTED),
        (S.SUBMITTED, S.ACCEPTED),
    ]
    assert rect.events.get(to_status=S.RETURNED).comment == "缺少制度文件"


def test_invalid_transitions_are_refused_with_the_status_named(committee_user, side_a):
    rect = finding(committee_user, side_a.unit).rectification
    with pytest.raises(ValidationError, match="待整改.*只有已提交的整改可以销号"):
        services.rectification_accept(actor=committee_user, rectification=rect)
    with pytest.raises(ValidationError, match="只有已提交的整改可以退回"):
        services.rectification_return(actor=committee_user, rectification=rect, comment="退回")
    services.rectification_submit(actor=side_a.unit_secretary, rectification=rect, measures="已整改", files=[png()])
    with pytest.raises(ValidationError, match="已提交.*只有待整改或退回的整改可以提交"):
        services.rectification_submit(actor=side_a.unit_secretary, rectification=rect, measures="再交", files=[png()])
    services.rectification_accept(actor=committee_user, rectification=rect)
    with pytest.raises(ValidationError, match="已销号"):
        services.rectification_submit(actor=side_a.unit_secretary, rectification=rect, measures="再交", files=[png()])
    with pytest.raises(ValidationError, match="已销号"):
        services.rectification_accept(actor=committee_user, rectification=rect)
    with pytest.raises(ValidationError, match="已销号"):
        services.rectification_return(actor=committee_user, rectification=rect, comment="晚了")
    assert _state(rect) == (S.ACCEPTED, 3, 1)


def test_files_are_deleted_only_by_the_unit_before_submitting(committee_user, side_a, side_b):
    rect = submitted(committee_user, side_a)
    attachment = rect.files.get()
    with pytest.raises(ValidationError, match="不能删除已提交的材料"):
        services.rectification_file_delete(actor=side_a.unit_secretary, attachment=attachment)
    services.rectification_return(actor=committee_user, rectification=rect, comment="照片不清楚")
    for actor in (side_b.unit_secretary, committee_user):
        with pytest.raises(PermissionDenied):
            services.rectification_file_delete(actor=actor, attachment=attachment)
    services.rectification_file_delete(actor=side_a.unit_secretary, attachment=attachment)
    assert not rect.files.exists()


# --- overdue at the deadline's edges --------------------------------------------------------------------


def test_the_deadline_day_itself_is_not_overdue_the_next_shanghai_midnight_is(committee_user, side_a):
    deadline = dt.date(2026, 6, 30)
    rect = finding(committee_user, side_a.unit, deadline=deadline).rectification
    last_minute = dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=SHANGHAI)  # 15:59 UTC
    midnight = dt.datetime(2026, 7, 1, 0, 0, tzinfo=SHANGHAI)  # still 2026-06-30 in UTC
    assert midnight.astimezone(dt.UTC).date() == deadline
    assert not services.is_overdue(rect, today=local_date(last_minute))
    assert services.is_overdue(rect, today=local_date(midnight))

    def flagged(today):
        return selectors.with_overdue(Rectification.objects.filter(pk=rect.pk), today=today).get().is_overdue

    assert flagged(deadline) is False and flagged(deadline + dt.timedelta(days=1)) is True


def test_an_accepted_rectification_is_never_overdue(committee_user, side_a):
    rect = submitted(committee_user, side_a, deadline=dt.date(2026, 6, 30))
    services.rectification_accept(actor=committee_user, rectification=rect)
    rect.refresh_from_db()
    assert not services.is_overdue(rect, today=dt.date(2026, 12, 31))
    qs = selectors.with_overdue(Rectification.objects.filter(pk=rect.pk), today=dt.date(2026, 12, 31))
    assert qs.get().is_overdue is False


def test_lists_put_the_overdue_first(committee_user, side_a):
    today = dt.date(2026, 6, 15)
    later = finding(committee_user, side_a.unit, deadline=dt.date(2026, 6, 20)).rectification
    overdue = finding(committee_user, side_a.unit, deadline=dt.date(2026, 6, 10)).rectification
    soonest = finding(committee_user, side_a.unit, deadline=dt.date(2026, 6, 15)).rectification
    older_overdue = finding(committee_user, side_a.unit, deadline=dt.date(2026, 6, 1)).rectification
    rows = list(selectors.rectification_filter(user=committee_user, today=today).qs)
    assert [r.pk for r in rows] == [older_overdue.pk, overdue.pk, soonest.pk, later.pk]
    only = selectors.rectification_filter(user=committee_user, filters={"overdue": "true"}, today=today).qs
    assert {r.pk for r in only} == {older_overdue.pk, overdue.pk}
