"""Writing the audit trail (留痕): one entry per create, change and delete of a record a user writes.

One generic mechanism: `connect()` (from CoreConfig.ready) hangs signal receivers on every model of the
project's apps (`apps.*`) except the few that are no one's writing (snapshots, computed results, the login log,
notifications, the trail itself), on django-guardian's permission rows and on the many-to-many links of
accounts (global permissions, groups). `queryset.delete()` sends the delete signals per row, so it is covered;
`bulk_create`, `bulk_update` and `queryset.update()` send none, so the services that use them call
`record_bulk(...)` once.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Sequence

from django.apps import apps
from django.db import connections, models, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from ..models import AuditEntry
from ..scoping import ScopePaths
from .context import current_actor, paused, user_label

CREATE, UPDATE, DELETE, GRANT, REVOKE = (
    AuditEntry.CREATE,
    AuditEntry.UPDATE,
    AuditEntry.DELETE,
    AuditEntry.GRANT,
    AuditEntry.REVOKE,
)

#: Models of the project's apps that are nobody's writing: computed snapshots and results, logs, messages,
#: short-lived uploads of refused forms, an exam's answer-by-answer progress (the attempt itself is kept).
NOT_AUDITED = frozenset(
    {
        "core.AuditEntry",
        "core.TrashEntry",  # its rows' own create/delete entries are the trail; the payload is not copied
        "core.Notification",
        "orgs.LoginEvent",
        "orgs.HeadcountSnapshot",
        "study.UnitStudySnapshot",
        "study.AttemptAnswer",
        "scoring.UnitResult",
        "scoring.IndicatorResult",
        "partylife.StagedEvidence",
        "partylife.ComplianceVerdict",  # the engine's cells, recomputed on every write that changes them
        "partylife.VerdictYear",
    }
)
#: Outside the project's apps: roles and groups (django-guardian's generic permission rows, auth groups).
ALSO_AUDITED = ("guardian.UserObjectPermission", "guardian.GroupObjectPermission", "auth.Group")
#: Fields whose change alone is no one's doing (timestamps, a login's stamp).
QUIET_FIELDS = frozenset({"updated_at", "last_login"})
SECRET_FIELDS = frozenset({"password"})
MASK = "******"


def audited_models() -> list[type[models.Model]]:
    from simple_history.models import HistoricalChanges

    found = [
        model
        for model in apps.get_models()
        if model.__module__.startswith("apps.")
        and model._meta.label not in NOT_AUDITED
        and not issubclass(model, HistoricalChanges)
    ]
    for label in ALSO_AUDITED:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


def _is_permission_row(model) -> bool:
    names = {f.name for f in model._meta.get_fields()}
    return "permission" in names and "content_object" in names and ("user" in names or "group" in names)


# --- values ------------------------------------------------------------------------------------------------


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | dt.timedelta):
        return str(value)
    if isinstance(value, dict | list | tuple):
        return value if isinstance(value, dict) else list(value)
    return str(value)


def snapshot(obj, fields: Iterable[str] | None = None, *, mask: bool = True) -> dict:
    """The object's own columns (foreign keys as ids), secrets masked (unmasked only to compare, never stored)."""
    wanted = set(fields) if fields is not None else None
    values = {}
    for field in obj._meta.concrete_fields:
        if wanted is not None and field.name not in wanted and field.attname not in wanted:
            continue
        if mask and field.name in SECRET_FIELDS:
            values[field.name] = MASK
            continue
        values[field.name] = _plain(field.value_from_object(obj))
    return values


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    changed = [k for k in after if k not in QUIET_FIELDS and before.get(k) != after.get(k)]
    old = {k: before.get(k) for k in changed}
    new = {k: after[k] for k in changed}
    for k in changed:
        if k in SECRET_FIELDS:
            old[k], new[k] = MASK, "（已修改）"
    return old, new


# --- what the object is, and its unit ------------------------------------------------------------------------


def _label(obj) -> str:
    try:
        text = str(obj)
    except Exception:  # noqa: BLE001 - a label that needs a deleted row falls back to the id
        text = ""
    return (text or f"#{obj.pk}")[:300]


def _follow(obj, path: str):
    if path == "pk":
        return obj
    for part in path.split("__"):
        try:
            field = obj._meta.get_field(part)
        except Exception:  # noqa: BLE001
            return None
        if field.many_to_many or field.one_to_many:
            return None
        try:
            obj = getattr(obj, part)
        except Exception:  # noqa: BLE001 - a parent already gone
            return None
        if obj is None:
            return None
    return obj


def unit_of(obj) -> tuple[int | None, str]:
    """The unit an object belongs to (its `scope_paths.unit`; a role row: the unit of the node it is on)."""
    model = type(obj)
    if _is_permission_row(model):
        try:
            target = obj.content_object
        except Exception:  # noqa: BLE001
            target = None
        return unit_of(target) if target is not None else (None, "")
    paths = getattr(model, "scope_paths", None)
    if not isinstance(paths, ScopePaths) or not paths.unit:
        return None, ""
    unit = _follow(obj, paths.unit)
    if unit is None:
        return None, ""
    return unit.pk, _label(unit)[:200]


def _permission_row_label(obj) -> str:
    try:
        who = user_label(obj.user) if hasattr(obj, "user_id") else obj.group
        return f"{who} · {obj.permission.name} · {obj.content_object}"[:300]
    except Exception:  # noqa: BLE001
        return _label(obj)


def units_of(objects: Sequence[models.Model]) -> dict:
    """{pk: (unit id, unit label)} of objects of one model in two queries, whatever their number (bulk paths)."""
    model = type(objects[0])
    paths = getattr(model, "scope_paths", None)
    if _is_permission_row(model) or not isinstance(paths, ScopePaths) or not paths.unit:
        return {o.pk: unit_of(o) for o in objects}
    if paths.unit == "pk":
        return {o.pk: (o.pk, _label(o)[:200]) for o in objects}
    unit_model = model
    for part in paths.unit.split("__"):
        field = unit_model._meta.get_field(part)
        if field.many_to_many or field.one_to_many:
            return {}
        unit_model = field.related_model
    pairs = dict(model._base_manager.filter(pk__in=[o.pk for o in objects]).values_list("pk", paths.unit))
    units = unit_model._base_manager.in_bulk({u for u in pairs.values() if u is not None})
    return {pk: (u, _label(units[u])[:200]) if u in units else (None, "") for pk, u in pairs.items()}


def _entry(obj, action: str, *, before=None, after=None, note: str = "", actor=None, at=None, unit=None) -> AuditEntry:
    model = type(obj)
    actor = actor or current_actor()
    unit_id, unit_label = unit if unit is not None else unit_of(obj)
    permission_row = _is_permission_row(model)
    if permission_row:
        action = {CREATE: GRANT, DELETE: REVOKE}.get(action, action)
    return AuditEntry(
        at=at or timezone.now(),
        actor_id=actor.id,
        actor_label=actor.label[:200],
        address=actor.address,
        action=action,
        object_type=model._meta.label_lower,
        object_type_label=str(model._meta.verbose_name)[:100],
        object_id=str(obj.pk if obj.pk is not None else "")[:64],
        object_label=_permission_row_label(obj) if permission_row else _label(obj),
        unit_id=unit_id,
        unit_label=unit_label,
        before=before,
        after=after,
        note=note[:200],
    )


def record(obj, action: str, *, before=None, after=None, note: str = "") -> AuditEntry | None:
    """Write one entry now (inside the caller's transaction: a write rolled back leaves no entry)."""
    if paused():
        return None
    entry = _entry(obj, action, before=before, after=after, note=note)
    entry.save()
    return entry


def record_bulk(
    objects: Sequence[models.Model],
    *,
    action: str,
    fields: Iterable[str] | None = None,
    before: dict | None = None,
    note: str = "",
) -> int:
    """One entry per object of a bulk write (bulk_create/bulk_update/queryset.update), written in one batch.

    `fields`: the columns written (default all); `before`: {pk: {field: old value}} when the caller knows them.
    """
    if paused() or not objects:
        return 0
    actor, at = current_actor(), timezone.now()
    fields = list(fields) if fields is not None else None
    entries = []
    units = units_of(objects)
    # Labels (str) of rows read without their parents: one query per foreign key, not one per row.
    parents = [f.name for f in type(objects[0])._meta.concrete_fields if f.many_to_one]
    models.prefetch_related_objects(list(objects), *parents)
    for obj in objects:
        unit = units.get(obj.pk, (None, ""))
        values = snapshot(obj, fields)
        old = (before or {}).get(obj.pk)
        if old is not None:
            old, values = _diff(old, values)
        if action == DELETE:
            entry = _entry(obj, action, before=values, note=note, actor=actor, at=at, unit=unit)
        else:
            entry = _entry(obj, action, before=old, after=values, note=note, actor=actor, at=at, unit=unit)
        entries.append(entry)
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def stored_values(objects: Sequence[models.Model], fields: Iterable[str]) -> dict:
    """{pk: {field: value in the database}} of objects about to be bulk-updated (one query), for `before=`."""
    objects = [o for o in objects if o.pk is not None]
    if not objects:
        return {}
    fields = list(fields)
    model = type(objects[0])
    stored = model._base_manager.filter(pk__in=[o.pk for o in objects])
    return {o.pk: snapshot(o, fields) for o in stored}


# --- the receivers -------------------------------------------------------------------------------------------


def _before_save(sender, instance, raw=False, **kwargs):
    if paused() or raw or instance._state.adding or instance.pk is None:
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old, mask=False) if old is not None else None


def _after_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if paused() or raw:
        return
    if created:
        record(instance, CREATE, after=snapshot(instance))
        return
    before = instance.__dict__.pop("_audit_before", None)
    if before is None:
        return
    old, new = _diff(before, snapshot(instance, mask=False))
    if new:
        record(instance, UPDATE, before=old, after=new)


def _before_delete(sender, instance, **kwargs):
    if paused():
        return
    # Everything is read while the parents still exist; written after the row is gone.
    instance._audit_delete = _entry(instance, DELETE, before=snapshot(instance))


def _after_delete(sender, instance, **kwargs):
    entry = instance.__dict__.pop("_audit_delete", None)
    if entry is not None and not paused():
        entry.save()


ROLE_LINKS = frozenset({"user_permissions", "groups", "permissions"})


def _links_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if paused() or reverse or action not in ("post_add", "post_remove", "pre_clear"):
        return
    if type(instance)._meta.label not in _audited_labels():
        return
    field = next((f for f in type(instance)._meta.many_to_many if f.remote_field.through is sender), None)
    if field is None:
        return
    if action == "pre_clear":
        pk_set = set(getattr(instance, field.name).values_list("pk", flat=True))
    if not pk_set:
        return
    names = sorted(_label(o) for o in model._base_manager.filter(pk__in=pk_set))
    role = field.name in ROLE_LINKS
    if action == "post_add":
        record(instance, GRANT if role else UPDATE, after={field.name: names}, note=f"增加{field.verbose_name}")
    else:
        record(instance, REVOKE if role else UPDATE, before={field.name: names}, note=f"移除{field.verbose_name}")


_LABELS: set[str] = set()


def _audited_labels() -> set[str]:
    return _LABELS


def connect() -> None:
    """Hang the receivers on every audited model (once; CoreConfig.ready)."""
    for model in audited_models():
        _LABELS.add(model._meta.label)
        uid = f"audit:{model._meta.label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid, weak=False)
        post_save.connect(_after_save, sender=model, dispatch_uid=uid, weak=False)
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(_after_delete, sender=model, dispatch_uid=uid, weak=False)
    m2m_changed.connect(_links_changed, dispatch_uid="audit:links", weak=False)


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the entries older than the retention window (PORTAL_AUDIT_RETENTION_DAYS, never under 180 days).

    On PostgreSQL a trigger (migration core 0004) refuses any other change: this delete sets
    `portal.audit_cleanup` for itself only (off again before it returns, even inside an outer transaction), and the
    trigger still refuses entries younger than 180 days.
    """
    from django.conf import settings

    days = max(int(getattr(settings, "PORTAL_AUDIT_RETENTION_DAYS", 365)), MIN_RETENTION_DAYS)
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = models.QuerySet(AuditEntry).filter(at__lt=cutoff)  # the plain queryset: the manager's refuses
    connection = connections[old.db]
    if connection.vendor != "postgresql":
        return old._raw_delete(old.db)
    # A failed delete rolls the flag back with its savepoint; a successful one switches it off again.
    with transaction.atomic(using=old.db), connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [CLEANUP_FLAG])
        deleted = old._raw_delete(old.db)
        cursor.execute("SELECT set_config(%s, 'off', true)", [CLEANUP_FLAG])
    return deleted


MIN_RETENTION_DAYS = 180  # also in the database trigger (migration core 0004)
#: The session setting the trigger asks before it lets the cleanup delete.
CLEANUP_FLAG = "portal.audit_cleanup"
