"""The demo city's year of study (演示数据·理论学习, `manage.py seed_demo`): targets, the 应知应会 list and
marks, the bank and two exams graded by the exams area's rules, sessions and 自学 within the rules, a
weak unit, members behind, `dangyuan`'s page, a session linked to a 党课 and never counted twice, and a
reset that leaves nothing and seeds the same again."""

import re
import statistics
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from simple_history.utils import get_history_model_for_model

from apps.core import study_hours
from apps.core.demo import DemoContext
from apps.orgs import demo_data
from apps.orgs.models import Member, Membership, Unit
from apps.study import demo
from apps.study.demo import write
from apps.study.ledger import SELF_STUDY_SOURCE, SESSIONS_SOURCE, Status, ledger_for, ledgers
from apps.study.models import (
    AttemptAnswer,
    Exam,
    ExamAttempt,
    KnowledgeItem,
    KnowledgeStudy,
    Question,
    QuestionKind,
    SelfStudy,
    SessionAttendance,
    SessionKind,
    SessionSpeech,
    StudySession,
    StudyYear,
    YouthGroup,
)
from apps.study.selectors.exams import due_exams, missed_items
from apps.study.selectors.knowledge import knowledge_done, knowledge_total
from tests.demo_city import demo_city


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """Seed the whole demo once for this module (committed), and remove it again afterwards; the output."""
    with demo_city(django_db_blocker, "--only", "study") as (out, _root):
        yield out


@pytest.fixture
def seeded(city, db) -> str:
    """The module's demo city, in a transaction rolled back after the test; the command's output."""
    return city


def study_clause(out: str) -> str:
    return re.search(r"学习年度设置.*?单位学习统计 \d+ 个", out)[0]


def by_unit(values: dict[int, float]) -> dict[str, float]:
    """Per unit (by the members' current unit), the average of a per-member figure over its active members."""
    units = dict(Member.objects.filter(active=True).values_list("pk", "branch__unit__name"))
    groups = defaultdict(list)
    for member_id, unit in units.items():
        groups[unit].append(values.get(member_id, 0))
    return {unit: statistics.mean(v) for unit, v in groups.items() if len(v) >= 20}


def dangyuan() -> Member:
    return Member.objects.select_related("branch__unit").get(user__username=demo_data.MEMBER_USER)


# --- settings, list, bank, exams ---------------------------------------------------------------------------


def test_years_list_and_bank(seeded):
    year = timezone.localdate().year
    assert study_clause(seeded)
    for row in StudyYear.objects.filter(year__in=(year - 1, year)):
        assert (row.member_target, row.leader_target) == (Decimal("32"), Decimal("56"))
        assert (row.self_study_daily_cap, row.self_study_yearly_cap) == (Decimal("2"), Decimal("12"))
    assert StudyYear.objects.filter(year__in=(year - 1, year)).count() == 2

    titles = set(KnowledgeItem.objects.values_list("title", flat=True))
    assert {"中国共产党章程", "中国共产党纪律处分条例", "中华人民共和国宪法", "中华人民共和国民法典"} <= titles
    assert 18 <= len(titles) <= 25 and {"party", "law"} == set(KnowledgeItem.objects.values_list("category", flat=True))

    assert Question.objects.count() >= 40
    assert set(Question.objects.values_list("kind", flat=True)) == set(QuestionKind.values)
    assert not Question.objects.filter(items__isnull=True).exists()  # every question tagged
    for q in Question.objects.all():
        assert q.answer and all(0 <= i < len(q.options) for i in q.answer)
        assert len(q.answer) == 1 or q.kind == QuestionKind.MULTIPLE
    # first versions in the history, as an import
    for model in (KnowledgeItem, Question, StudyYear):
        assert get_history_model_for_model(model).objects.count() == model.objects.count()


def test_one_exam_finished_one_open_graded_like_the_exams_area(seeded):
    now = timezone.now()
    this_month = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    finished = Exam.objects.get(closes_at__lt=now)
    current = Exam.objects.get(opens_at__lte=now, closes_at__gt=now)
    assert finished.published and current.published
    assert finished.closes_at < this_month and (this_month - finished.closes_at).days < 31  # closed last month
    assert 13 <= (current.closes_at - now).days <= 14

    members = Member.objects.filter(active=True).count()
    taken = ExamAttempt.objects.filter(exam=finished)
    assert taken.count() > 0.8 * members
    assert 0 < ExamAttempt.objects.filter(exam=current).count() < 0.05 * members
    assert not ExamAttempt.objects.filter(submitted_at__isnull=True).exists()
    assert not ExamAttempt.objects.filter(member__user__username=demo_data.MEMBER_USER, exam=current).exists()

    questions = {q.pk: q for q in Question.objects.all()}
    answers = defaultdict(list)
    for row in AttemptAnswer.objects.filter(attempt__exam=finished).values_list(
        "attempt_id", "question_id", "chosen", "correct", "points"
    ):
        answers[row[0]].append(row[1:])
    for attempt in taken:
        rows = answers[attempt.pk]
        assert [q for q, *_ in rows] and {q for q, *_ in rows} == set(attempt.question_ids)
        assert len(attempt.question_ids) == finished.question_count
        worth = Decimal(100) / finished.question_count
        for question_id, chosen, correct, points in rows:
            assert correct == (sorted(chosen) == questions[question_id].answer)  # multiple: all or nothing
            assert points == (worth if correct else 0)
        assert attempt.score == sum(points for *_, points in rows)
        assert attempt.passed == (attempt.score >= finished.pass_score)
        assert attempt.started_at >= finished.opens_at and attempt.submitted_at <= attempt.deadline
        assert attempt.submitted_at <= finished.closes_at


# --- the shape of the year ---------------------------------------------------------------------------------


def test_dangyuan_has_a_page_worth_opening(seeded):
    today, member = timezone.localdate(), dangyuan()
    ledger = ledger_for(member, today.year, today=today)
    assert {"partylife.branch", SESSIONS_SOURCE, SELF_STUDY_SOURCE} <= {k for k, v in ledger.by_source.items() if v}
    assert ledger.status != Status.BEHIND and ledger.total >= ledger.expected
    if ledger.target - ledger.expected >= 2:  # not in the last days of the year: on track, not yet done
        assert ledger.status == Status.ON_TRACK and ledger.remaining > 0
    assert SelfStudy.objects.filter(member=member).aggregate(h=Sum("hours"))["h"] <= Decimal("10")  # room to log

    assert 0 < knowledge_done([member.pk])[member.pk] < knowledge_total()
    assert missed_items(member, timezone.localtime(Exam.objects.get(closes_at__lt=timezone.now()).opens_at).year)
    assert [e.title for e in due_exams(member, now=timezone.now())] == [
        Exam.objects.get(closes_at__gt=timezone.now()).title
    ]


def test_one_unit_is_visibly_weaker_and_some_members_are_behind(seeded):
    today = timezone.localdate()
    weak = demo_data.DEMO_UNIT_2
    books = ledgers(today.year, today=today)
    hours = by_unit({pk: float(ledger.total) for pk, ledger in books.items()})
    assert min(hours, key=hours.get) == weak
    assert hours[weak] < 0.8 * statistics.median(hours.values())

    marks = by_unit(knowledge_done(Member.objects.filter(active=True).values("pk")))
    assert marks[weak] < 0.85 * statistics.median(marks.values())
    passed = defaultdict(list)
    finished = Exam.objects.get(closes_at__lt=timezone.now())
    for unit, ok in ExamAttempt.objects.filter(exam=finished).values_list("member__branch__unit__name", "passed"):
        passed[unit].append(ok)
    rates = {unit: sum(v) / len(v) for unit, v in passed.items() if len(v) >= 20}
    assert min(rates, key=rates.get) == weak

    behind = [ledger for ledger in books.values() if ledger.status == Status.BEHIND]
    weak_id = Unit.objects.get(name=weak).pk
    clearly = [ledger for ledger in behind if ledger.unit_id != weak_id and ledger.shortfall >= 5]
    assert len(clearly) >= 30  # some members behind everywhere, not only in the weak unit
    assert len(behind) < 0.3 * len(books)  # most are not
    assert sum(ledger.status == Status.DONE for ledger in books.values()) > 0.5 * len(books)


def test_sessions_follow_the_tree_and_the_rules(seeded):
    today = timezone.localdate()
    sessions = StudySession.objects.filter(held_on__year=today.year)
    assert not sessions.filter(held_on__gte=today).exists()
    kinds = set(sessions.values_list("kind", flat=True))
    assert kinds == set(SessionKind.values)
    # every 周学's people were in its branch that day (a member who moved attends the old branch, then the new)
    in_branch = Membership.objects.filter(
        member_id=OuterRef("member_id"),
        branch_id=OuterRef("session__branch_id"),
        start_on__lte=OuterRef("session__held_on"),
    ).filter(Q(end_on__isnull=True) | Q(end_on__gt=OuterRef("session__held_on")))
    weekly = SessionAttendance.objects.filter(session__kind=SessionKind.WEEKLY)
    assert weekly.count() > 20_000 and not weekly.filter(~Exists(in_branch)).exists()
    assert not SessionAttendance.objects.filter(present=False, absence_reason="").exists()
    # the weak unit's branches meet less often than the others
    per_branch = defaultdict(int)
    for branch_id, unit in sessions.filter(kind=SessionKind.WEEKLY).values_list("branch_id", "unit__name"):
        per_branch[(unit, branch_id)] += 1
    weak = [n for (unit, _), n in per_branch.items() if unit == demo_data.DEMO_UNIT_2]
    others = [n for (unit, _), n in per_branch.items() if unit != demo_data.DEMO_UNIT_2]
    assert weak and statistics.mean(weak) < 0.6 * statistics.mean(others)

    # youth groups of young members; speeches by members present; history kept
    groups = YouthGroup.objects.prefetch_related("members")
    assert groups.count() >= 5
    limit = today.replace(year=today.year - 36)
    for group in groups:
        assert group.members.exists() and not group.members.filter(birth_date__lte=limit).exists()
    present = SessionAttendance.objects.filter(session_id=OuterRef("session_id"), member_id=OuterRef("speaker_id"))
    assert (
        SessionSpeech.objects.count() > 1000
        and not SessionSpeech.objects.filter(~Exists(present.filter(present=True))).exists()
    )
    assert get_history_model_for_model(StudySession).objects.count() == StudySession.objects.count()


def test_self_study_stays_within_the_caps(seeded):
    entries = SelfStudy.objects.filter(studied_on__year=timezone.localdate().year)
    assert entries.values("member_id").distinct().count() > 1000
    per_day = entries.values("member_id", "studied_on").annotate(h=Sum("hours"))
    assert not per_day.filter(h__gt=Decimal("2")).exists()
    per_year = entries.values("member_id").annotate(h=Sum("hours"))
    assert not per_year.filter(h__gt=Decimal("12")).exists()
    assert get_history_model_for_model(SelfStudy).objects.count() == SelfStudy.objects.count()


def test_a_session_held_as_a_lesson_is_not_counted_twice(seeded):
    today = timezone.localdate()
    linked = list(StudySession.objects.exclude(same_as="").select_related("branch"))
    assert linked
    for session in linked:
        assert session.branch.name == demo_data.DEMO_BRANCH
        offered = study_hours.events_on(session.unit_id, session.branch_id, session.held_on)
        assert session.same_as in {ref for ref, label in offered if " 党课：" in label}  # the branch's 党课 that day
    refs = {s.same_as for s in linked}
    counted = study_hours.counted_attendees(refs)
    both = {
        member_id
        for session in linked
        for member_id in session.attendances.filter(present=True).values_list("member_id", flat=True)
        if (session.same_as, member_id) in counted
    }
    assert both  # members at the 党课 and at the 周学
    start = today.replace(month=1, day=1)
    hours = study_hours.hours_by_source(start, today, member_ids=sorted(both))
    for member_id in both:
        attended = SessionAttendance.objects.filter(
            member_id=member_id, present=True, session__held_on__year=today.year
        )
        expected = sum(
            (
                a.session.hours
                for a in attended.select_related("session")
                if (a.session.same_as, member_id) not in counted
            ),
            Decimal(0),
        )
        assert hours[member_id].get(SESSIONS_SOURCE, Decimal(0)) == expected


def test_reset_leaves_nothing_and_seeding_again_gives_the_same_year(seeded):
    first = study_clause(seeded)
    demo.reset()
    for model in write.TABLES:
        assert not model.objects.exists(), model
    for model in write.WITH_HISTORY:
        assert not get_history_model_for_model(model).objects.exists(), model
    assert Member.objects.exists()  # the org tree is the orgs step's
    assert not KnowledgeStudy.objects.exists()

    context = DemoContext(today=timezone.localdate(), now=timezone.now())
    assert demo.seed(context) == first
