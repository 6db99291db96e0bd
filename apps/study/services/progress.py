"""Progress writes: the year's targets (学时目标设置), the stored roll-ups the committee overview reads
(UnitStudySnapshot), and the reminders (学习提醒) of members behind and of open exams.

Nothing here reads the wall clock: the tasks pass `today` / `now`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core.metrics import percent
from apps.core.notifications import Message, notify
from apps.core.periods import day_label, local_time_label, local_tz
from apps.core.permissions import require
from apps.orgs.access import scope_for
from apps.orgs.models import Member, Unit, User

from .. import permissions
from ..ledger import Status, ledgers
from ..models import Exam, ExamAttempt, StudyYear, UnitStudySnapshot
from ..presenters import evaluation_day
from ..selectors import exams as exam_reads
from ..selectors import knowledge as knowledge_reads

STUDY_YEAR_FIELDS = (
    "year",
    "member_target",
    "leader_target",
    "self_study_daily_cap",
    "self_study_yearly_cap",
    "note",
)

# --- the year's targets -----------------------------------------------------------------------------------


@transaction.atomic
def study_year_save(*, actor: User, study_year: StudyYear | None = None, data: dict) -> StudyYear:
    """Create a year's settings, or change them (the committee only). A year is set once: edit it, never twice."""
    require(permissions.can_configure(scope_for(actor)), "只有工委管理员可以设置学时目标。")
    if study_year is None:
        row = StudyYear()
    else:
        row = StudyYear.objects.select_for_update().get(pk=study_year.pk)
    for name in STUDY_YEAR_FIELDS:
        if name in data:
            setattr(row, name, data[name])
    row.full_clean()
    row.save()
    return row


# --- stored roll-ups (the committee overview) -----------------------------------------------------------


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=local_tz())


def _exam_seats(year: int, as_of: dt.date) -> tuple[int, dict[int, int]]:
    """Published exams of the year opened by the evaluation day: how many every unit sits, and how many
    more each named unit sits (one query)."""
    rows = Exam.objects.filter(published=True, opens_at__year=year, opens_at__lt=_end_of(as_of)).values_list(
        "pk", "units"
    )
    for_all: set[int] = set()
    named: dict[int, set[int]] = defaultdict(set)
    for exam_id, unit_id in rows:
        if unit_id is None:
            for_all.add(exam_id)
        else:
            named[unit_id].add(exam_id)
    return len(for_all), {unit_id: len(ids) for unit_id, ids in named.items()}


@transaction.atomic
def refresh_snapshots(*, year: int, today: dt.date) -> int:
    """Recompute every unit's UnitStudySnapshot for the year as of `today`; returns the number of units.

    Members count in the unit the ledger places them in (where they last were in the year, up to the
    evaluation day); those with no target (no roster day in the year) are left out. Fixed queries,
    whatever the number of units and members: active units 1, the ledger of everyone (4 + one per
    source), 应知应会 2, exam tallies 1, exam seats 1, one upsert.

    - 应知应会完成率 = items marked studied ÷ (members × items on the list)
    - 参考率 = exams sat ÷ (members × exams of the year their unit sits, opened by the evaluation day)
    - 及格率 = exams passed ÷ exams sat
    """
    as_of = evaluation_day(year, today)
    unit_ids = list(Unit.objects.filter(active=True).values_list("pk", flat=True))
    by_unit: dict[int, list] = defaultdict(list)
    for ledger in ledgers(year, today=as_of).values():
        if ledger.unit_id is not None and ledger.status != Status.EXEMPT:
            by_unit[ledger.unit_id].append(ledger)
    everyone = Member.objects.all()
    done = knowledge_reads.knowledge_done(everyone)
    items = knowledge_reads.knowledge_total()
    tallies = exam_reads.exam_tallies(everyone, year)
    for_all, named = _exam_seats(year, as_of)

    computed_at = timezone.now()
    rows = []
    for unit_id in unit_ids:
        people = by_unit.get(unit_id, [])
        n = len(people)
        studied = sum(done.get(ledger.member_id, 0) for ledger in people)
        taken = sum(tallies[ledger.member_id].taken for ledger in people if ledger.member_id in tallies)
        passed = sum(tallies[ledger.member_id].passed for ledger in people if ledger.member_id in tallies)
        seats = n * (for_all + named.get(unit_id, 0))
        rows.append(
            UnitStudySnapshot(
                unit_id=unit_id,
                year=year,
                as_of=as_of,
                members=n,
                hours_total=sum((ledger.total for ledger in people), Decimal("0")),
                target_met=sum(1 for ledger in people if ledger.status == Status.DONE),
                on_track=sum(1 for ledger in people if ledger.status == Status.ON_TRACK),
                behind=sum(1 for ledger in people if ledger.status == Status.BEHIND),
                knowledge_rate=percent(studied, n * items),
                exam_participation=min(percent(taken, seats), Decimal("100")) if seats else None,
                exam_pass_rate=percent(passed, taken),
                computed_at=computed_at,
            )
        )
    UnitStudySnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["unit", "year"],
        update_fields=[
            "as_of",
            "members",
            "hours_total",
            "target_met",
            "on_track",
            "behind",
            "knowledge_rate",
            "exam_participation",
            "exam_pass_rate",
            "computed_at",
        ],
    )
    return len(rows)


def snapshots_refresh_request(*, actor: User, year: int) -> None:
    """Queue a recount of the overview (立即刷新) after the request's work commits (the committee only)."""
    require(permissions.can_configure(scope_for(actor)), "只有工委管理员可以刷新各单位学习情况。")
    from ..tasks import refresh_snapshots_task  # the task module imports this one

    transaction.on_commit(lambda: refresh_snapshots_task.delay(year=year))


# --- reminders -------------------------------------------------------------------------------------------

CATEGORY_BEHIND = "study.behind"
CATEGORY_EXAM_OPEN = "study.exam_open"
#: Behind by less than this is not worth a message (on 2 January everyone is "behind" by 0.1 学时).
REMINDER_MIN_SHORTFALL = Decimal("1")


def _accounts() -> dict[int, tuple[int, int]]:
    """Members on a roster with an active account: member id → (user id, unit id) (one query)."""
    rows = Member.objects.filter(active=True, user__isnull=False, user__is_active=True).values_list(
        "pk", "user_id", "branch__unit_id"
    )
    return {pk: (user_id, unit_id) for pk, user_id, unit_id in rows}


def _hours(value: Decimal) -> str:
    """16.0 → "16", 16.1 → "16.1": hours as people write them."""
    return format(value.normalize(), "f")


def _behind_messages(today: dt.date, accounts: dict[int, tuple[int, int]]) -> list[Message]:
    """Members behind their pro-rated target: once per member per month."""
    url = reverse("study:progress")
    key = f"study-behind:{today.year}-{today.month:02d}"
    out = []
    for ledger in ledgers(today.year, today=today).values():
        if ledger.status != Status.BEHIND or ledger.shortfall < REMINDER_MIN_SHORTFALL:
            continue
        if ledger.member_id not in accounts:
            continue
        body = (
            f"截至{day_label(today)}，您今年已完成 {_hours(ledger.total)} 学时，"
            f"按进度应完成 {_hours(ledger.expected)} 学时（年度目标 {_hours(ledger.target)} 学时），"
            f"还差 {_hours(ledger.shortfall)} 学时。"
            f"请参加集中学习或登记自学，年度目标须在{today.year}年12月31日前完成。"
        )
        out.append(
            Message(
                user_id=accounts[ledger.member_id][0],
                title="学习进度提醒：您的学时落后于进度",
                body=body,
                url=url,
                category=CATEGORY_BEHIND,
                dedupe_key=key,
            )
        )
    return out


def _exam_messages(now: dt.datetime, accounts: dict[int, tuple[int, int]]) -> list[Message]:
    """Each open exam, once, to every member it is for who has not started it."""
    exams = list(Exam.objects.filter(published=True, opens_at__lte=now, closes_at__gt=now).prefetch_related("units"))
    if not exams:
        return []
    started = set(ExamAttempt.objects.filter(exam__in=exams).values_list("exam_id", "member_id"))
    out = []
    for exam in exams:
        units = {unit.pk for unit in exam.units.all()}
        url = reverse("study:exam_detail", args=[exam.pk])
        body = (
            f"学法用法考试“{exam.title}”已开放，截止{local_time_label(exam.closes_at)}，"
            f"答题时长 {exam.duration_minutes} 分钟，及格分 {exam.pass_score}。请按时参加。"
        )
        for member_id, (user_id, unit_id) in sorted(accounts.items()):
            if units and unit_id not in units:
                continue
            if (exam.pk, member_id) in started:
                continue
            out.append(
                Message(
                    user_id=user_id,
                    title=f"考试通知：{exam.title}",
                    body=body,
                    url=url,
                    category=CATEGORY_EXAM_OPEN,
                    dedupe_key=f"study-exam-open:{exam.pk}",
                )
            )
    return out


def send_reminders(*, today: dt.date, now: dt.datetime) -> int:
    """Remind members behind their pro-rated target (once a month) and of open exams (once per exam).

    Safe to run again: each message carries a dedupe key (`core.notifications.notify`), so a second
    run the same day — or the same month, for the hours — sends nothing new. Returns how many were sent.
    """
    accounts = _accounts()
    messages = _behind_messages(today, accounts) + _exam_messages(now, accounts)
    return len(notify(messages)) if messages else 0
