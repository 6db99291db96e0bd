"""Writing the discipline demo (演示数据·纪律监督·写入): bulk inserts dated as the records say, history, reset.

A planned row carries when it happened (`stamp`): its registration time (`created_at`, or the log row's
`at`), and — for the models that keep a history — its versions, one per step it went through (a
rectification 待整改 → 已提交 → 退回 → …), each with its time and who made it. `insert` bulk-creates the
rows, puts those times back over the automatic ones (one UPDATE per batch), and writes every version
into the history table, with the many-to-many history of each version.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps as django_apps
from django.test.utils import override_settings
from simple_history.utils import get_history_model_for_model

from apps.core import audit

from ..models import (
    Attachment,
    Card,
    Case,
    CaseReceipt,
    DutyReport,
    DutyTemplate,
    DutyTemplateItem,
    Finding,
    Inspection,
    Rectification,
    RectificationEvent,
    ReportReview,
    ReportRound,
    Talk,
    UnitDutyItem,
    UnitDutyList,
    WarningAttendance,
    WarningSession,
)
from .texts import CHANGE_REASON

# In the order they can be deleted (CardRule is configuration: kept).
TABLES = (
    Attachment,
    WarningAttendance,
    WarningSession,
    CaseReceipt,
    Case,
    Card,
    RectificationEvent,
    Rectification,
    Finding,
    Inspection,
    Talk,
    ReportReview,
    DutyReport,
    ReportRound,
    UnitDutyItem,
    UnitDutyList,
    DutyTemplateItem,
    DutyTemplate,
)
WITH_HISTORY = tuple(m for m in TABLES if hasattr(m, "history"))
M2M_HISTORY = (
    (Card, "findings"),
    (Card, "talks"),
    (Case, "units"),
    (ReportRound, "units"),
    (WarningSession, "cases"),
)

Version = tuple[dt.datetime, "int | None", dict]  # (when, by whom, the fields as they were then)


def stamp(obj, when: dt.datetime, *, by: int | None = None, versions: list[Version] | None = None):
    """Date a planned row: registered at `when` by `by`; `versions` (oldest first) for its history.

    Without versions the history holds one (its creation, as it is now). The last version is the row as
    it is; its time is the row's `updated_at`.
    """
    obj._demo_when = when
    obj._demo_versions = versions or [(when, by, {})]
    return obj


def _auto_time_fields(model):
    return [
        f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


def insert(model, objs: list) -> list:
    """Bulk-create `objs` with their own times, and their history (every version) where the model keeps one."""
    if not objs:
        return objs
    model.objects.bulk_create(objs, batch_size=500)
    timed = _auto_time_fields(model)
    if timed:
        for obj in objs:
            for f in timed:
                setattr(obj, f.attname, obj._demo_versions[-1][0] if f.auto_now else obj._demo_when)
        model.objects.bulk_update(objs, [f.name for f in timed], batch_size=500)
    if hasattr(model, "history"):
        _write_history(model, objs)
    return objs


def _write_history(model, objs: list) -> None:
    history = get_history_model_for_model(model)
    fields = [f for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    rows = []
    for obj in objs:
        current = {f.attname: getattr(obj, f.attname) for f in fields}
        for n, (when, by, changes) in enumerate(obj._demo_versions):
            values = {**current, **changes}
            if "updated_at" in values:
                values["updated_at"] = when
            rows.append(
                history(
                    **values,
                    history_date=when,
                    history_type="+" if n == 0 else "~",
                    history_change_reason=CHANGE_REASON,
                    history_user_id=by,
                )
            )
    history.objects.bulk_create(rows, batch_size=500)


def link(model, field: str, objs: list, targets) -> None:
    """Many-to-many rows of `field` (`targets(obj)` gives the target ids), and their history in every version."""
    relation = model._meta.get_field(field)
    through = relation.remote_field.through
    source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
    links = through.objects.bulk_create(
        [through(**{f"{source}_id": obj.pk, f"{target}_id": t}) for obj in objs for t in targets(obj)],
        batch_size=1000,
    )
    if not links:
        return
    m2m_history = django_apps.get_model(model._meta.app_label, f"Historical{model.__name__}_{field}")
    by_obj: dict[int, list] = {}
    for row in links:
        by_obj.setdefault(getattr(row, f"{source}_id"), []).append(row)
    history = get_history_model_for_model(model)
    versions = history.objects.filter(id__in=list(by_obj)).values_list("id", "history_id")
    m2m_history.objects.bulk_create(
        [
            m2m_history(
                id=row.pk,
                history_id=history_id,
                **{f"{source}_id": obj_id, f"{target}_id": getattr(row, f"{target}_id")},
            )
            for obj_id, history_id in versions
            for row in by_obj[obj_id]
        ],
        batch_size=1000,
    )


@audit.suppressed()  # demo rows are no one's writing: no entry per generated row
def reset() -> None:
    """Delete every discipline row (but the card rules) and its history, the many-to-many histories too."""
    with override_settings(SIMPLE_HISTORY_ENABLED=False):  # no "deleted" versions: the histories go below
        for model in TABLES:
            model.objects.all().delete()
    for model, field in M2M_HISTORY:
        django_apps.get_model(model._meta.app_label, f"Historical{model.__name__}_{field}").objects.all().delete()
    for model in WITH_HISTORY:
        get_history_model_for_model(model).objects.all().delete()
