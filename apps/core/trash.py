"""回收站 (trash): a delete moves a record, with every row that cascades from it, into one stored entry.

    from apps.core import trash
    trash.trash_delete(activity, actor=actor)                      # a delete service, instead of .delete()
    trash.restore(entry, actor=committee_user)                     # the committee, from /trash/
    trash.register_restore_check("partylife.Evidence", check)      # an app may refuse a restore (ready())
    trash.register_after_restore("partylife.Evidence", settle)     # … or settle what hangs on restored rows

No query anywhere needs a "deleted" flag: the rows really leave their tables (the audit trail records each
delete as before) and come back with the same ids. `trash_delete` collects the cascade with Django's own
`Collector` (what `obj.delete()` would remove), serializes it parents first, notes the stored files the rows
reference and the rows that pointed at them through a SET_NULL key, then deletes exactly what it collected.
Files stay on disk while the entry is in the trash; `purge_expired` (a daily task) removes entries older than
PORTAL_TRASH_RETENTION_DAYS and then the files no remaining row or entry references.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, models, router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone

from . import audit
from .audit.context import current_actor, user_label
from .audit.recorder import _audited_labels, _follow, _label, unit_of
from .models import TrashEntry
from .permissions import require
from .tasks import portal_task

#: What a page says after a delete that went to the trash.
MOVED = "已移入回收站，工委可恢复"
RESTORE_DENIED = "只有工委管理员可以恢复回收站中的记录。"
RESTORED_NOTE = "从回收站恢复"

#: {model label (lower case): [fn(obj, *, entry) -> message or None]}, registered by the apps in ready().
_checks: dict[str, list[Callable]] = defaultdict(list)
#: {model label (lower case): [fn(objects, *, entry)]}: run after the rows are back, in the same transaction.
_after: dict[str, list[Callable]] = defaultdict(list)


def _key(label: str) -> str:
    app_label, _, model = label.partition(".")
    return f"{app_label}.{model.lower()}"


def register_restore_check(model_label: str, fn: Callable) -> None:
    """`fn(obj, *, entry)` is asked for each stored row of that model before anything is written; a message it
    returns (or a ValidationError it raises) refuses the whole restore."""
    if fn not in _checks[_key(model_label)]:
        _checks[_key(model_label)].append(fn)


def register_after_restore(model_label: str, fn: Callable) -> None:
    """`fn(objects, *, entry)` runs once the rows of that model are back (e.g. recompute a stored flag)."""
    if fn not in _after[_key(model_label)]:
        _after[_key(model_label)].append(fn)


def is_committee(user) -> bool:
    return bool(user and (user.is_superuser or user.has_perm("orgs.committee")))


# --- delete ------------------------------------------------------------------------------------------------


def _node(obj, path: str | None) -> tuple[int | None, str]:
    if not path:
        return None, ""
    node = _follow(obj, path)
    return (node.pk, _label(node)[:200]) if node is not None else (None, "")


def _files_of(obj) -> list[dict]:
    found = []
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.FileField):
            name = getattr(field.value_from_object(obj), "name", None)
            if name:
                found.append({"field": f"{obj._meta.label_lower}.{field.name}", "name": name})
    return found


def _collected(obj) -> tuple[Collector, list[models.Model], list[dict]]:
    """What `obj.delete()` would remove, parents first, and the SET_NULL links it would cut."""
    using = router.db_for_write(type(obj), instance=obj)
    collector = Collector(using=using, origin=obj)
    collector.collect([obj])
    collector.sort()  # children before parents: restored the other way round
    rows: list[models.Model] = []
    seen: set[tuple[str, object]] = set()

    def add(items: Iterable[models.Model]) -> None:
        for item in items:
            key = (item._meta.label_lower, item.pk)
            if key not in seen:
                seen.add(key)
                rows.append(item)

    for model in reversed(list(collector.data)):
        add(sorted(collector.data[model], key=lambda o: o.pk))
    for qs in collector.fast_deletes:  # leaves nothing else depends on (m2m links, rows without signals)
        add(qs.all().order_by("pk"))
    relinks = []
    for (field, _value), groups in collector.field_updates.items():
        label = field.model._meta.label_lower
        for objs in groups:
            pairs = (
                objs.values_list("pk", field.attname)
                if isinstance(objs, models.QuerySet)
                else [(o.pk, getattr(o, field.attname)) for o in objs]
            )
            for pk, target in pairs:
                if target is not None and (label, pk) not in seen:
                    relinks.append({"model": label, "pk": pk, "field": field.attname, "value": target})
    return collector, rows, relinks


def trash_delete(obj, *, actor, unit=None, branch=None, label: str | None = None) -> TrashEntry:
    """Delete `obj` and its cascade as `obj.delete()` would, keeping them in one restorable TrashEntry.

    `unit` / `branch` default to the object's `scope_paths`; `label` to `str(obj)`. Call it inside the
    service's transaction: a refusal after it rolls the entry back with the delete.
    """
    with transaction.atomic():
        collector, rows, relinks = _collected(obj)
        unit_id, unit_label = (unit.pk, _label(unit)[:200]) if unit is not None else unit_of(obj)
        paths = getattr(type(obj), "scope_paths", None)
        if branch is not None:
            branch_id, branch_label = branch.pk, _label(branch)[:200]
        else:
            branch_id, branch_label = _node(obj, getattr(paths, "branch", None))
        files = [f for row in rows for f in _files_of(row)]
        entry = TrashEntry(
            kind=obj._meta.label_lower,
            kind_label=str(obj._meta.verbose_name)[:100],
            object_id=str(obj.pk)[:64],
            object_label=(label or _label(obj))[:300],
            unit_id=unit_id,
            unit_label=unit_label,
            branch_id=branch_id,
            branch_label=branch_label,
            deleted_by=actor if getattr(actor, "pk", None) else None,
            deleted_by_label=user_label(actor)[:200],
            deleted_at=timezone.now(),
            address=current_actor().address,
            row_count=len(rows),
            payload=serializers.serialize("json", rows),
            files=files,
            relinks=relinks,
        )
        collector.delete()  # the normal delete: signals (audit, history) fire as for obj.delete()
        entry.save()
        return entry


# --- restore -----------------------------------------------------------------------------------------------


def stored_objects(entry: TrashEntry) -> list:
    """The entry's rows as unsaved DeserializedObjects, parents first (a ValidationError if they no longer fit
    the models: a field or a model removed since)."""
    try:
        return list(serializers.deserialize("json", entry.payload, ignorenonexistent=True))
    except (DeserializationError, LookupError, ValueError) as exc:
        raise ValidationError(f"回收站中的数据与当前系统的数据结构不一致，无法恢复（{exc}）。") from exc


def _describe(obj) -> str:
    return f"{obj._meta.verbose_name}“{_label(obj)}”"


def _pending_entry(model, pk) -> TrashEntry | None:
    return (
        TrashEntry.objects.filter(kind=model._meta.label_lower, object_id=str(pk), restored_at__isnull=True)
        .order_by("-deleted_at")
        .first()
    )


def _check_parents(objects: list) -> None:
    """Every foreign key of every row points at a row that exists or comes back with it."""
    present = {(d.object._meta.concrete_model, d.object.pk) for d in objects}
    wanted: dict[tuple[type, str], dict] = defaultdict(dict)
    for d in objects:
        obj = d.object
        for field in obj._meta.concrete_fields:
            if not field.is_relation or not (field.many_to_one or field.one_to_one):
                continue
            value = getattr(obj, field.attname)
            if value is None:
                continue
            target = field.remote_field.model._meta.concrete_model
            to = field.target_field.attname
            if to == target._meta.pk.attname and (target, value) in present:
                continue
            wanted[(target, to)].setdefault(value, (obj, field))
    for (target, to), refs in wanted.items():
        found = set(target._base_manager.filter(**{f"{to}__in": list(refs)}).values_list(to, flat=True))
        for value, (obj, field) in refs.items():
            if value in found:
                continue
            gone = f"{target._meta.verbose_name} #{value}"
            message = f"无法恢复：{_describe(obj)}的{field.verbose_name}（{gone}）已不存在。"
            pending = _pending_entry(target, value)
            if pending is not None:
                message += f"它在回收站中（{pending}），请先恢复它。"
            raise ValidationError(message)


def _check_row(d, *, entry: TrashEntry) -> None:
    obj = d.object
    for check in _checks.get(obj._meta.label_lower, ()):
        message = check(obj, entry=entry)
        if message:
            raise ValidationError(message)
    try:
        obj.validate_unique()
        obj.validate_constraints()
    except ValidationError as exc:
        raise ValidationError(f"无法恢复{_describe(obj)}：{'；'.join(exc.messages)}") from exc


def _relink(entry: TrashEntry) -> None:
    """Rows that pointed at a restored row through a SET_NULL key point at it again (if still unset)."""
    for link in entry.relinks or []:
        try:
            model = apps.get_model(link["model"])
        except (LookupError, KeyError, ValueError):
            continue
        rows = model._base_manager.filter(pk=link["pk"], **{link["field"]: None})
        changed = list(rows)
        if changed and rows.update(**{link["field"]: link["value"]}):
            for row in changed:
                setattr(row, link["field"], link["value"])
            audit.record_bulk(changed, action=audit.UPDATE, fields=[link["field"]], note=RESTORED_NOTE)


def _keep_history(model, objs, actor) -> None:
    """A "+" row in the object's history (django-simple-history skips raw saves)."""
    from simple_history.exceptions import NotHistoricalModelError
    from simple_history.utils import get_history_manager_for_model

    try:
        manager = get_history_manager_for_model(model)
    except NotHistoricalModelError:
        return
    manager.bulk_history_create(objs, default_user=actor, default_change_reason=RESTORED_NOTE)


def restore(entry: TrashEntry, *, actor) -> TrashEntry:
    """Put the entry's rows back exactly (same ids), in one transaction; the committee only.

    Refused with a Chinese ValidationError naming why — already restored, a parent deleted since, an id or a
    unique value now taken, an app's check (a closed month …) — and then nothing is written.
    """
    require(is_committee(actor), RESTORE_DENIED)
    with transaction.atomic():
        entry = TrashEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.restored_at is not None:
            when = timezone.localtime(entry.restored_at)
            who = entry.restored_by_label or "工委"
            raise ValidationError(f"该记录已于{when:%Y-%m-%d %H:%M}由{who}恢复，不能再次恢复。")
        objects = stored_objects(entry)
        _check_parents(objects)
        by_model: dict[type, list] = defaultdict(list)
        try:
            with transaction.atomic():
                for d in objects:
                    _check_row(d, entry=entry)
                    d.save(save_m2m=False, force_insert=True)
                    by_model[type(d.object)].append(d.object)
        except DatabaseError as exc:
            raise ValidationError("无法恢复：与现有数据冲突，未作任何更改。") from exc
        _relink(entry)
        audited = _audited_labels()
        for model, objs in by_model.items():
            if model._meta.label in audited:
                audit.record_bulk(objs, action=audit.CREATE, note=RESTORED_NOTE)
            _keep_history(model, objs, actor)
        for model, objs in by_model.items():
            for fn in _after.get(model._meta.label_lower, ()):
                fn(objs, entry=entry)
        entry.restored_at = timezone.now()
        entry.restored_by = actor
        entry.restored_by_label = user_label(actor)[:200]
        entry.save(update_fields=["restored_at", "restored_by", "restored_by_label"])
        return entry


# --- purge -------------------------------------------------------------------------------------------------


def retention_days() -> int:
    return max(int(getattr(settings, "PORTAL_TRASH_RETENTION_DAYS", 365)), 1)


def _storage(field_path: str):
    app_label, model_name, field_name = (field_path.split(".") + ["", "", ""])[:3]
    try:
        return apps.get_model(app_label, model_name)._meta.get_field(field_name).storage
    except (LookupError, AttributeError, ValueError, Exception):  # noqa: BLE001 - a model gone since
        return default_storage


def referenced_files(names: set[str]) -> set[str]:
    """Those of `names` some row of the project (any FileField) or some trash entry still references."""
    found: set[str] = set()
    if not names:
        return found
    for files in TrashEntry.objects.values_list("files", flat=True).iterator(chunk_size=500):
        found.update(f.get("name") for f in files or () if f.get("name") in names)
    chunks = [sorted(names)[i : i + 500] for i in range(0, len(names), 500)]
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                for chunk in chunks:
                    rows = model._base_manager.filter(**{f"{field.attname}__in": chunk})
                    found.update(rows.values_list(field.attname, flat=True))
    return found


def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the entries deleted more than PORTAL_TRASH_RETENTION_DAYS ago (restored or not), then after
    commit the files of theirs that no remaining row or entry references. Idempotent."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    with transaction.atomic():
        old = list(TrashEntry.objects.select_for_update().filter(deleted_at__lt=cutoff).only("pk", "files"))
        if not old:
            return 0
        candidates = {(f["field"], f["name"]) for e in old for f in e.files or () if f.get("name")}
        TrashEntry.objects.filter(pk__in=[e.pk for e in old]).delete()
        kept = referenced_files({name for _, name in candidates})
        doomed = [(field, name) for field, name in candidates if name not in kept]
        transaction.on_commit(lambda: [_storage(field).delete(name) for field, name in doomed])
        return len(old)


@portal_task(lock=lambda: "core.trash.purge")
def purge_trash_task() -> int:
    """Daily (beat): empty the trash of entries past the retention window and their unreferenced files."""
    return purge_expired()
