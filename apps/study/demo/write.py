"""Writing the study demo (演示数据·理论学习·写入): fast inserts, history, timestamps, and the reset.

The small tables with a history go in with `bulk_create_with_history` (and their many-to-many history
rows); the large ones (sessions and 自学 with their history, attendance, marks, answers) as multi-row
INSERTs of a thousand rows, each date, decimal or JSON value prepared by its model field as the ORM
would, and the registration times those of the days the rows are for (not the moment of the import).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.apps import apps as django_apps
from django.db import connections, models
from django.test.utils import override_settings
from simple_history.utils import bulk_create_with_history, get_history_model_for_model

from apps.core import audit

from ..models import (
    AttemptAnswer,
    Exam,
    ExamAttempt,
    KnowledgeItem,
    KnowledgeStudy,
    Question,
    SelfStudy,
    SessionAttendance,
    SessionSpeech,
    StudySession,
    StudyYear,
    UnitStudySnapshot,
    YouthGroup,
)
from .texts import CHANGE_REASON

# In the order they can be deleted; those with a history, and the many-to-many histories.
TABLES = (
    AttemptAnswer,
    ExamAttempt,
    Exam,
    Question,
    KnowledgeStudy,
    KnowledgeItem,
    SessionSpeech,
    SessionAttendance,
    StudySession,
    YouthGroup,
    SelfStudy,
    UnitStudySnapshot,
    StudyYear,
)
WITH_HISTORY = (Exam, Question, KnowledgeItem, StudySession, YouthGroup, SelfStudy, StudyYear)
M2M_HISTORY = (
    "HistoricalExam_items",
    "HistoricalExam_units",
    "HistoricalQuestion_items",
    "HistoricalYouthGroup_members",
)


def _converters(columns, connection):
    """Per column, how a value goes to the database: as the ORM saves it for dates, decimals and JSON; as is else."""
    plain = (models.AutoField, models.BigAutoField, models.IntegerField, models.BooleanField, models.CharField)
    out = []
    for column in columns:
        target = column.target_field if column.is_relation else column
        if isinstance(target, plain) and not isinstance(target, models.DecimalField):
            out.append(None)
        else:
            out.append(lambda v, c=column: c.get_db_prep_save(v, connection))
    return out


def insert_rows(model, fields: Sequence[str], rows: Iterable[Sequence], *, returning: bool = False):
    """INSERT plain rows (no signals, no auto timestamps: give them) in chunks of a thousand.

    Returns how many — or, with `returning`, their primary keys in the order of `rows`.
    """
    rows = list(rows)
    connection = connections[model.objects.db]
    qn = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    convert = _converters(columns, connection)
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c.column) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    tail = f" RETURNING {qn(model._meta.pk.column)}" if returning else ""
    if returning and not connection.features.can_return_rows_from_bulk_insert:
        raise NotImplementedError("演示数据需要支持 INSERT … RETURNING 的数据库（SQLite 3.35+ 或 PostgreSQL）。")
    pks = []
    with connection.cursor() as wrapper:
        # The database's own cursor: DEBUG would log (and on SQLite quote, one query each) thousands of values.
        cursor = wrapper.cursor
        for start in range(0, len(rows), 1000):
            part = rows[start : start + 1000]
            params = [v if f is None else f(v) for row in part for f, v in zip(convert, row, strict=True)]
            cursor.execute(head + ", ".join([one] * len(part)) + tail, params)
            if returning:
                pks.extend(pk for (pk,) in cursor.fetchall())
    return pks if returning else len(rows)


def insert_with_history(model, fields: Sequence[str], rows: list[Sequence], *, dates: list[dt.datetime]) -> list[int]:
    """INSERT rows and their first version (history, dated `dates[i]`, as the demo import); returns their pks."""
    pks = insert_rows(model, fields, rows, returning=True)
    history = get_history_model_for_model(model)
    extra = ("history_date", "history_change_reason", "history_type")
    insert_rows(
        history,
        ("id", *fields, *extra),
        [(pk, *row, when, CHANGE_REASON, "+") for pk, row, when in zip(pks, rows, dates, strict=True)],
    )
    return pks


def with_history(objs: list, model) -> list:
    """Insert rows and their first version (history), as the demo import."""
    if objs:
        bulk_create_with_history(objs, model, batch_size=500, default_change_reason=CHANGE_REASON)
    return objs


def link(model, field: str, pairs: list[tuple[int, int]]) -> None:
    """Many-to-many rows (obj id, target id) with the m2m history of each object's first version."""
    if not pairs:
        return
    relation = model._meta.get_field(field)
    through = relation.remote_field.through
    source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
    links = through.objects.bulk_create(
        [through(**{f"{source}_id": a, f"{target}_id": b}) for a, b in pairs], batch_size=1000
    )
    history = dict(
        get_history_model_for_model(model).objects.filter(id__in={a for a, _ in pairs}).values_list("id", "history_id")
    )
    m2m_history = django_apps.get_model("study", f"Historical{model.__name__}_{field}")
    m2m_history.objects.bulk_create(
        [
            m2m_history(
                id=row.pk,
                history_id=history[getattr(row, f"{source}_id")],
                **{f"{source}_id": getattr(row, f"{source}_id"), f"{target}_id": getattr(row, f"{target}_id")},
            )
            for row in links
        ],
        batch_size=1000,
    )


@audit.suppressed()  # demo rows are no one's writing: no entry per generated row
def reset() -> None:
    """Delete every study row (settings, list, bank, exams, sessions, 自学, snapshots) and its history."""
    with override_settings(SIMPLE_HISTORY_ENABLED=False):  # no "deleted" versions: the histories go below
        for model in TABLES:
            model.objects.all().delete()
    for name in M2M_HISTORY:
        django_apps.get_model("study", name).objects.all().delete()
    for model in WITH_HISTORY:
        get_history_model_for_model(model).objects.all().delete()


SESSION_FIELDS = (
    "kind", "unit", "branch", "youth_group", "topic", "held_on", "place", "materials", "leader", "hours", "same_as",
    "created_by", "created_at", "updated_at",
)  # fmt: skip
SELF_STUDY_FIELDS = ("member", "studied_on", "title", "material", "link", "hours", "note", "created_at")


def write_sessions(planned, groups, self_study, *, at) -> tuple[int, int]:
    """The youth groups (with their members), sessions (with history), speeches, attendance and 自学 (with history).

    `at(day)` is when a row of that day was registered. Returns (attendance rows, speeches).
    """
    with_history([group for group, _ in groups], YouthGroup)
    link(YouthGroup, "members", [(group.pk, member_id) for group, members in groups for member_id in members])
    sessions = [p.session for p in planned]
    dates = [at(s.held_on) for s in sessions]
    rows = [
        (
            s.kind, s.unit_id, s.branch_id, s.youth_group.pk if s.youth_group else None, s.topic, s.held_on, s.place,
            s.materials, s.leader_id, s.hours, s.same_as, s.created_by_id, when, when,
        )
        for s, when in zip(sessions, dates, strict=True)
    ]  # fmt: skip
    for session, pk in zip(sessions, insert_with_history(StudySession, SESSION_FIELDS, rows, dates=dates), strict=True):
        session.pk = pk
    speeches = [
        SessionSpeech(session_id=p.session.pk, speaker_id=speaker, summary=summary, order=n)
        for p in planned
        for n, (speaker, summary) in enumerate(p.speeches)
    ]
    SessionSpeech.objects.bulk_create(speeches, batch_size=1000)
    rows = [
        (p.session.pk, member_id, present, reason)
        for p in planned
        for member_id, (present, reason) in p.attendance.items()
    ]
    insert_rows(SessionAttendance, ("session", "member", "present", "absence_reason"), rows)
    dates = [at(e.studied_on) for e in self_study]
    entries = [
        (e.member_id, e.studied_on, e.title, e.material, e.link, e.hours, e.note, when)
        for e, when in zip(self_study, dates, strict=True)
    ]
    insert_with_history(SelfStudy, SELF_STUDY_FIELDS, entries, dates=dates)
    return len(rows), len(speeches)
