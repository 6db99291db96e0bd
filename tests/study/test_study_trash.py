"""Study deletes go to the trash (回收站): a session with its speeches and attendance, a member's 自学."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core import study_hours, trash
from apps.core.models import TrashEntry
from apps.study.ledger import SESSIONS_SOURCE
from apps.study.models import SelfStudy, SessionKind, StudySession, StudyYear
from apps.study.services import self_study, sessions

pytestmark = pytest.mark.django_db
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_session_with_its_people_goes_to_the_trash_and_comes_back(client, side_a, committee_user):
    a, b, c = side_a.members
    session = sessions.session_create(
        actor=side_a.branch_secretary,
        kind=SessionKind.WEEKLY,
        branch=side_a.branch,
        fields={"topic": "学习党章", "held_on": dt.date(2026, 6, 10), "place": "会议室", "hours": Decimal("2")},
        speeches=[sessions.SpeechInput(b.pk, "谈体会")],
        attendance=[sessions.AttendanceInput(m.pk, True, "") for m in (a, b)]
        + [sessions.AttendanceInput(c.pk, False, "出差")],
    )
    hours = study_hours.get(SESSIONS_SOURCE).hours(*YEAR)
    client.force_login(side_a.branch_secretary)
    response = client.post(reverse("study:session_delete", args=[session.pk]), follow=True)
    assert trash.MOVED in response.content.decode()
    assert not StudySession.objects.exists() and study_hours.get(SESSIONS_SOURCE).hours(*YEAR) == {}
    entry = TrashEntry.objects.get()
    assert (entry.kind, entry.unit_id, entry.branch_id) == ("study.studysession", side_a.unit.pk, side_a.branch.pk)

    trash.restore(entry, actor=committee_user)

    session = StudySession.objects.get(pk=session.pk)
    assert [(s.speaker_id, s.summary) for s in session.speeches.all()] == [(b.pk, "谈体会")]
    assert session.attendances.count() == 3
    assert study_hours.get(SESSIONS_SOURCE).hours(*YEAR) == hours


def test_self_study_goes_to_the_trash_and_comes_back(side_a, committee_user):
    StudyYear.objects.create(year=2026, self_study_daily_cap=Decimal("2"), self_study_yearly_cap=Decimal("5"))
    entry = self_study.self_study_create(
        actor=side_a.member_user,
        fields={"studied_on": dt.date(2026, 11, 20), "title": "读原著", "hours": Decimal("1")},
        today=dt.date(2026, 11, 20),
    )
    self_study.self_study_delete(actor=side_a.member_user, entry=entry)
    assert not SelfStudy.objects.exists()
    stored = TrashEntry.objects.get()
    assert (stored.kind, stored.unit_id) == ("study.selfstudy", side_a.unit.pk)
    trash.restore(stored, actor=committee_user)
    assert SelfStudy.objects.get(pk=entry.pk).title == "读原著"
