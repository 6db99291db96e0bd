"""典型案例 receipts once per unit, and 警示教育 hours reaching the study ledger (entered once)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.core.models import Notification
from apps.core.study_hours import hours_by_source
from apps.discipline.models import CaseReceipt, WarningSession
from apps.discipline.services import education as services

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 10)


def test_case_receipts_once_per_unit_and_only_for_units_sent_to(
    committee_user, side_a, side_b, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_publish(
            actor=committee_user, title="违规吃喝案", summary="某局干部违规吃喝", units=[side_a.unit]
        )
    assert Notification.objects.filter(user=side_a.unit_secretary, dedupe_key=f"discipline-case:{case.pk}").count() == 1
    assert not Notification.objects.filter(user=side_b.unit_secretary).exists()
    receipt, created = services.case_read(actor=side_a.unit_secretary, case=case)
    again, created_again = services.case_read(actor=side_a.unit_secretary, case=case)
    assert created and not created_again and receipt.pk == again.pk
    assert CaseReceipt.objects.filter(case=case).count() == 1
    with pytest.raises(PermissionDenied):
        services.case_read(actor=side_b.unit_secretary, case=case)
    with pytest.raises(PermissionDenied):
        services.case_publish(actor=side_a.unit_secretary, title="x", summary="y")
    client = login(side_b.unit_secretary)
    assert client.get(reverse("discipline:case_detail", args=[case.pk])).status_code == 404
    assert client.get("/api/discipline/cases/").json()["count"] == 0
    client.force_login(committee_user)
    page = client.get(reverse("discipline:case_detail", args=[case.pk])).content.decode()
    assert "阅知情况（1/1）" in page
    assert client.get(reverse("discipline:case_receipts_export", args=[case.pk])).status_code == 200


def test_a_case_to_all_units_is_read_through_the_page_and_api(committee_user, side_a, side_b, login):
    case = services.case_publish(actor=committee_user, title="形式主义案", summary="文山会海")
    client = login(side_b.unit_secretary)
    assert case.title in client.get(reverse("discipline:case_list")).content.decode()
    client.post(reverse("discipline:case_read", args=[case.pk]))
    client.force_login(side_a.unit_secretary)
    assert client.post(f"/api/discipline/cases/{case.pk}/read/", {}, content_type="application/json").status_code == 201
    assert client.post(f"/api/discipline/cases/{case.pk}/read/", {}, content_type="application/json").status_code == 200
    assert set(CaseReceipt.objects.values_list("unit_id", flat=True)) == {side_a.unit.pk, side_b.unit.pk}
    client.force_login(side_a.branch_secretary)
    assert client.get(reverse("discipline:case_list")).status_code == 403


def test_warning_hours_reach_the_ledger_once(side_a, side_b):
    present, absent = side_a.members[0], side_a.members[1]
    session = services.warning_session_save(
        actor=side_a.unit_secretary,
        unit=side_a.unit,
        title="观看警示片",
        held_on=DAY,
        hours=Decimal("3"),
        attendance=[
            services.AttendanceInput(member_id=present.pk),
            services.AttendanceInput(member_id=absent.pk, present=False, absence_reason="出差"),
        ],
        today=DAY,
    )
    ledger = hours_by_source(dt.date(2026, 1, 1), dt.date(2026, 12, 31), member_ids=[present.pk, absent.pk])
    assert ledger[present.pk]["discipline.warning"] == Decimal("3")
    assert "discipline.warning" not in ledger.get(absent.pk, {})
    # Saving again (a correction) does not count the hours twice.
    services.warning_session_save(
        actor=side_a.unit_secretary,
        session=session,
        unit=side_a.unit,
        title="观看警示片",
        held_on=DAY,
        hours=Decimal("3"),
        today=DAY,
    )
    ledger = hours_by_source(dt.date(2026, 1, 1), dt.date(2026, 12, 31), member_ids=[present.pk])
    assert ledger[present.pk]["discipline.warning"] == Decimal("3")
    with pytest.raises(ValidationError):
        services.warning_session_save(
            actor=side_a.unit_secretary,
            unit=side_a.unit,
            title="x",
            held_on=DAY,
            today=DAY,
            attendance=[services.AttendanceInput(member_id=side_b.members[0].pk)],
        )
    with pytest.raises(ValidationError):
        services.warning_session_save(
            actor=side_a.unit_secretary,
            unit=side_a.unit,
            title="x",
            held_on=DAY,
            today=DAY,
            attendance=[services.AttendanceInput(member_id=present.pk, present=False)],
        )
    with pytest.raises(PermissionDenied):
        services.warning_session_save(
            actor=side_b.unit_secretary, session=session, unit=side_b.unit, title="x", held_on=DAY, today=DAY
        )
    assert WarningSession.objects.count() == 1


def test_warning_pages_for_managers_only(side_a, side_b, login, assert_constant_queries):
    client = login(side_a.unit_secretary)
    form = client.get(reverse("discipline:warning_create"), {"unit": side_a.unit.pk, "held_on": "2026-01-05"})
    assert side_a.members[0].name in form.content.decode()
    data = {"unit": side_a.unit.pk, "held_on": "2026-01-05", "kind": "warning", "title": "身边案例剖析", "hours": "2"}
    data.update({f"present-{m.pk}": "on" for m in side_a.members[:2]})
    data.update({f"present-{side_a.other_branch_member.pk}": "on", f"reason-{side_a.members[2].pk}": "病假"})
    response = client.post(reverse("discipline:warning_create"), data)
    session = WarningSession.objects.get()
    assert response.status_code == 302 and session.attendances.filter(present=True).count() == 3
    assert list(session.attendances.filter(present=False).values_list("absence_reason", flat=True)) == ["病假"]
    url = reverse("discipline:warning_list")

    def grow():
        for i in range(4):
            services.warning_session_save(actor=side_a.unit_secretary, unit=side_a.unit, title=f"第{i}次", held_on=DAY)

    assert_constant_queries(lambda: client.get(url), grow=grow, expected=9)
    for user in (side_b.unit_secretary, side_a.branch_secretary, side_a.member_user):
        client.force_login(user)
        assert client.get(reverse("discipline:warning_detail", args=[session.pk])).status_code in (403, 404)
        assert client.get(f"/api/discipline/warning-sessions/{session.pk}/").status_code == 404


def test_the_warning_list_counts_attendance_only_for_the_rows_it_shows(side_a, login):
    """Issue 12: the warning-education list pages before it counts attendance — the paginator's COUNT reads the
    sessions alone (no join of the attendance rows, no GROUP BY), and each row shows its own session's counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def session(title, absent):
        return services.warning_session_save(
            actor=side_a.unit_secretary,
            unit=side_a.unit,
            title=title,
            held_on=DAY,
            attendance=[
                services.AttendanceInput(member_id=m.pk, present=m not in absent, absence_reason="出差" * (m in absent))
                for m in side_a.members
            ],
            today=DAY,
        )

    session("两人缺席", side_a.members[:2])
    session("全体出席", [])
    client = login(side_a.unit_secretary)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("discipline:warning_list"))
    assert response.status_code == 200
    table = WarningSession.attendances.rel.related_model._meta.db_table
    counts = [
        q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(") and "discipline_warningsession" in q["sql"]
    ]
    assert counts and all(table not in sql and "GROUP BY" not in sql for sql in counts), counts
    rows = {s.title: (s.present_count, s.absent_count) for s in response.context["page"]}
    everyone = len(side_a.members)
    assert rows == {"两人缺席": (everyone - 2, 2), "全体出席": (everyone, 0)}
