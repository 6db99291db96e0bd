"""Writing the demo's party life (演示数据·写入): one bulk insert per table, the summary, and the reset.

Rows go in with their history where the model keeps one; `evidence_complete` was
computed when drawn (by the rules of `counting.missing_evidence`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.apps import apps as django_apps
from django.core.files.storage import default_storage
from django.db import connections, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.test.utils import override_settings
from simple_history.utils import bulk_create_with_history, get_history_model_for_model

from apps.core import audit, batching
from apps.core.periods import Frequency, Period
from apps.orgs import demo_data as org_data

from ..models import (
    Activity,
    ActivitySpeech,
    ActivityStatus,
    ActivityUnlock,
    Attendance,
    EnterpriseProblem,
    Evidence,
    EvidenceKind,
    MakeupTask,
    MissedReason,
    PeriodLock,
)
from ..services import MAKEUP_DAYS
from .draw import Drawing
from .files import DEMO_DIR, DemoFile, write_files
from .texts import CHANGE_REASON, MAKEUP_NOTES


@dataclass
class Summary:
    records: int = 0
    incomplete: int = 0
    drafts: int = 0
    attendance: int = 0
    makeup: int = 0
    makeup_done: int = 0
    problems: int = 0
    solved: int = 0
    evidence: int = 0
    files: int = 0
    locks: int = 0
    reasons: int = 0
    reminders: int = 0

    def text(self) -> str:
        """The command's summary of party life (one clause of its summary line)."""
        return (
            f"组织生活记录 {self.records} 条（需补充 {self.incomplete} 条，草稿 {self.drafts} 条），"
            f"补学任务 {self.makeup} 个（已完成 {self.makeup_done} 个），"
            f"企业问题 {self.problems} 个（已解决 {self.solved} 个），关账月份 {self.locks} 个，"
            f"到期提醒 {self.reminders} 条"
        )


def write(d: Drawing) -> Summary:
    """Insert everything drawn (one bulk insert per table) and return the counts."""
    summary = Summary()
    files = write_files()
    summary.files = len(files)
    by_kind: dict[str, list[DemoFile]] = {}
    for f in files:
        by_kind.setdefault(f.kind, []).append(f)

    activities = [p.activity for p in d.planned]
    if not activities:
        return summary
    bulk_create_with_history(activities, Activity, batch_size=500, default_change_reason=CHANGE_REASON)
    summary.records = len(activities)
    summary.incomplete = sum(a.status == ActivityStatus.SUBMITTED and not a.evidence_complete for a in activities)
    summary.drafts = sum(a.status == ActivityStatus.DRAFT for a in activities)
    first_pk = min(a.pk for a in activities)
    _timestamps(d, first_pk)

    # 同时计为 (组织生活会 → 民主评议党员), with the m2m history of the records' first version
    through = Activity.also_counts_as.through
    links = [through(activity_id=p.activity.pk, activitytype_id=t.pk) for p in d.planned for t in p.also]
    if links:
        through.objects.bulk_create(links, batch_size=500)
        history = dict(
            get_history_model_for_model(Activity)
            .objects.filter(id__in={link.activity_id for link in links})
            .values_list("id", "history_id")
        )
        m2m_history = django_apps.get_model("partylife", "HistoricalActivity_also_counts_as")
        m2m_history.objects.bulk_create(
            [
                m2m_history(
                    id=link.pk,
                    activity_id=link.activity_id,
                    activitytype_id=link.activitytype_id,
                    history_id=history[link.activity_id],
                )
                for link in links
            ],
            batch_size=500,
        )

    speeches = [
        ActivitySpeech(activity_id=p.activity.pk, speaker_id=speaker, summary=text, order=n)
        for p in d.planned
        for n, (speaker, text) in enumerate(p.speeches)
    ]
    if speeches:
        bulk_create_with_history(speeches, ActivitySpeech, batch_size=500, default_change_reason=CHANGE_REASON)

    summary.attendance = _attendance(d, first_pk)
    tasks = _makeup_tasks(d, first_pk)
    if tasks:
        bulk_create_with_history(tasks, MakeupTask, batch_size=500, default_change_reason=CHANGE_REASON)
    summary.makeup, summary.makeup_done = len(tasks), sum(t.done_at is not None for t in tasks)

    evidence = []
    for p in d.planned:
        a = p.activity
        for n, (kind, draw) in enumerate(p.evidence):
            choices = by_kind[kind]
            f = choices[int(draw * len(choices))]
            label = {
                EvidenceKind.PHOTO: f"现场照片{n + 1}",
                EvidenceKind.MINUTES: "会议记录",
                EvidenceKind.SIGNIN: "签到表",
            }[kind]
            ext = f.name.rsplit(".", 1)[-1]
            evidence.append(
                Evidence(
                    activity_id=a.pk,
                    kind=kind,
                    file=f.name,
                    original_name=f"{a.held_at.astimezone(d.tz):%Y%m%d}{a.activity_type.name}{label}.{ext}",
                    content_type=f.content_type,
                    size=f.size,
                    uploaded_by=a.created_by,
                )
            )
    Evidence.objects.bulk_create(evidence, batch_size=1000)
    summary.evidence = len(evidence)
    Evidence.objects.filter(activity_id__gte=first_pk).update(
        uploaded_at=Coalesce(
            Subquery(Activity.objects.filter(pk=OuterRef("activity_id")).values("submitted_at")[:1]),
            Subquery(Activity.objects.filter(pk=OuterRef("activity_id")).values("held_at")[:1]),
        )
    )

    problems = []
    for p in d.planned:
        for problem in p.problems:
            problem.activity_id = p.activity.pk
            problems.append(problem)
    if problems:
        bulk_create_with_history(problems, EnterpriseProblem, batch_size=500, default_change_reason=CHANGE_REASON)
    summary.problems, summary.solved = len(problems), sum(p.solved for p in problems)

    if d.reasons:
        bulk_create_with_history(d.reasons, MissedReason, batch_size=500, default_change_reason=CHANGE_REASON)
    summary.reasons = len(d.reasons)
    summary.locks = _locks(d)
    return summary


def _timestamps(d: Drawing, first_pk: int) -> None:
    """Registered when submitted (a draft: when held), not at the moment of the import."""
    when = Coalesce(F("submitted_at"), F("held_at"))
    Activity.objects.filter(pk__gte=first_pk).update(created_at=when, updated_at=when)
    get_history_model_for_model(Activity).objects.filter(id__gte=first_pk).update(
        created_at=when, updated_at=when, history_date=when
    )


def _attendance(d: Drawing, first_pk: int) -> int:
    """Insert the attendance rows with multi-row INSERTs of 1,000 rows each.

    ~100,000 rows of four plain columns, no history, no signals: `bulk_create` would spend
    seconds preparing each value through the ORM; `executemany` is fast on SQLite but goes
    row by row on psycopg2, so the rows go in as multi-row VALUES lists instead.
    """
    rows = [
        (p.activity.pk, member_id, present, reason) for p in d.planned for member_id, present, reason, _ in p.attendance
    ]
    connection = connections[Attendance.objects.db]
    qn = connection.ops.quote_name
    fields = ("activity", "member", "present", "absence_reason")
    columns = ", ".join(qn(Attendance._meta.get_field(f).column) for f in fields)
    head = f"INSERT INTO {qn(Attendance._meta.db_table)} ({columns}) VALUES "
    chunk = 1000
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            cursor.execute(head + ", ".join(["(%s, %s, %s, %s)"] * len(part)), [v for row in part for v in row])
    return len(rows)


def _makeup_tasks(d: Drawing, first_pk: int) -> list[MakeupTask]:
    """补学 for the absentees of submitted 党课/主题党日/党员大会; most older ones done."""
    draws = {
        (p.activity.pk, mid): (p, draw) for p in d.planned for mid, present, _, draw in p.attendance if not present
    }
    absent = Attendance.objects.filter(activity_id__gte=first_pk, present=False).order_by("pk")
    tasks = []
    for attendance_id, activity_id, member_id in absent.values_list("pk", "activity_id", "member_id"):
        plan, draw = draws[(activity_id, member_id)]
        a = plan.activity
        if a.status != ActivityStatus.SUBMITTED or not a.activity_type.makeup_on_absence:
            continue
        held = a.held_at.astimezone(d.tz).date()
        rng = random.Random(draw)
        since = (d.today - held).days
        done = plan.forced_makeup.get(member_id)
        if done is None:
            done = rng.random() < (0.9 if since > MAKEUP_DAYS else 0.5 if since > 7 else 0.1)
        done_at = None
        if done and since >= 2:
            day = held + dt.timedelta(days=rng.randint(1, min(since - 1, MAKEUP_DAYS - 2)))
            done_at = min(d.at(day, rng.randint(9, 17)), d.now - dt.timedelta(hours=1))
        tasks.append(
            MakeupTask(
                attendance_id=attendance_id,
                member_id=member_id,
                due_on=held + dt.timedelta(days=MAKEUP_DAYS),
                done_at=done_at,
                note=rng.choice(MAKEUP_NOTES) if done_at else "",
                confirmed_by=a.created_by if done_at else None,
            )
        )
    return tasks


def closed_months(d: Drawing) -> list[dt.date]:
    """The monthly routine (关账): every month from the demo's start up to two months ago is closed;
    last month (its records still coming in) and this one are open."""
    last_closed = (d.today.replace(day=1) - dt.timedelta(days=1)).replace(day=1) - dt.timedelta(days=1)
    months, month = [], d.start.replace(day=1)
    while month <= last_closed:
        months.append(month)
        month = Period.containing(month, Frequency.MONTH).next_start
    return months


def _locks(d: Drawing) -> int:
    """关账 as the committee does it: each month closed in the first days of the month after the next."""
    closed = set(PeriodLock.objects.values_list("month", flat=True))
    months = [month for month in closed_months(d) if month not in closed]
    locks = [PeriodLock(month=month, closed_by=d.users.get(org_data.COMMITTEE_USER)) for month in months]
    if not locks:
        return 0
    bulk_create_with_history(locks, PeriodLock, default_change_reason=CHANGE_REASON)
    for lock in locks:  # closed once the month after it had ended too, never after now
        next_month = Period.containing(lock.month, Frequency.MONTH).next_start
        closed = d.at(Period.containing(next_month, Frequency.MONTH).next_start + dt.timedelta(days=2), 17)
        PeriodLock.objects.filter(pk=lock.pk).update(closed_at=min(closed, d.now - dt.timedelta(hours=1)))
    return len(locks)


@audit.suppressed()  # demo rows are no one's writing: no entry per generated row
@batching.batched  # the stored verdicts are recomputed once for what the reset deleted, not once per record
def reset() -> None:
    """Delete every party-life record (records, attendance, 补学, evidence, problems, reasons, locks,
    unlocks) with its history, and the stored evidence files. Rules and activity types stay."""
    uploaded = list(Evidence.objects.exclude(file__startswith=f"{DEMO_DIR}/").values_list("file", flat=True))
    history_models = [
        get_history_model_for_model(m)
        for m in (MakeupTask, EnterpriseProblem, MissedReason, PeriodLock, ActivitySpeech, Activity)
    ]
    history_models.insert(-1, django_apps.get_model("partylife", "HistoricalActivity_also_counts_as"))
    # No "deleted" history rows: the history tables are emptied right after.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        MakeupTask.objects.all().delete()
        # ~100,000 rows with nothing left hanging on them once the 补学 are gone: one DELETE, where
        # the ORM would load every row first (because of that 补学 relation).
        connection = connections[Attendance.objects.db]
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(Attendance._meta.db_table)}")
        for model in (Evidence, EnterpriseProblem, ActivitySpeech, ActivityUnlock, MissedReason, PeriodLock, Activity):
            model.objects.all().delete()
    for model in history_models:
        model.objects.all().delete()
    storage = default_storage

    def delete_uploaded():
        for name in uploaded:
            storage.delete(name)

    transaction.on_commit(delete_uploaded)  # files uploaded through the pages go with their rows, once committed
    try:
        names = storage.listdir(DEMO_DIR)[1]
    except FileNotFoundError:
        names = []
    for name in names:
        storage.delete(f"{DEMO_DIR}/{name}")
