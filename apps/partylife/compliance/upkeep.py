"""Keeping the stored verdicts current (`store`): signal receivers on every write that changes a verdict.

Each receiver marks what the write touched — a record's (unit, branch, year), a branch's years from a date, a whole
unit — and settles (`apps.core.batching`): the store recomputes it at the end of the open batch or, with none open,
right after the write, inside the writer's transaction either way. Pre-save receivers read the row as it was (one
query, updates only) so that a record moved to another branch or year, a branch moved to another unit, or a party
group or membership whose dates changed recomputes where it was as well as where it is.

Changes to every unit (a rule, an activity type, the platform's start, a month closed or reopened) mark the stored
years stale and are recomputed after the commit (`store.mark_stale`).
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from apps.core import batching
from apps.orgs.models import Branch, Member, Membership, PartyGroup, Platform, Unit

from ..models import Activity, ActivityType, Attendance, ComplianceRule, Evidence, PeriodLock, RuleOverride
from . import store
from .store import Dirty, years_since

UID = "partylife.verdicts"


def _touches(update_fields, *names: str) -> bool:
    return update_fields is None or bool(set(update_fields) & set(names))


def _stored(sender, instance, raw, update_fields, *fields: str) -> tuple | None:
    """The row's `fields` as stored before this save (one query); None for a new row, a fixture load, a save of
    other fields only, or a row that is gone."""
    if raw or instance._state.adding or instance.pk is None or not _touches(update_fields, *fields):
        return None
    return sender._default_manager.filter(pk=instance.pk).values_list(*fields).first()


def _unless_suspended(receiver):
    """A pre_save receiver reads the row as it was (a query): not while writes mark nothing (the demo seed)."""

    @functools.wraps(receiver)
    def wrapper(*args, **kwargs):
        if not batching.is_suspended():
            receiver(*args, **kwargs)

    return wrapper


def _settle(**kwargs) -> None:
    batching.settle()


def _earliest(*days) -> dt.date | None:
    days = [d for d in days if d is not None]
    return min(days) if days else None


def _mark_branch(branch_id: int | None, since: dt.date | None) -> None:
    if branch_id is not None:
        store.mark([("branch", branch_id, year) for year in years_since(since)])


# --- records -----------------------------------------------------------------------------------------------------


@_unless_suspended
def _activity_before(sender, instance, raw=False, update_fields=None, **kwargs):
    old = _stored(sender, instance, raw, update_fields, "unit", "branch", "held_at")
    if old is not None:
        store.mark_activity_subject(*old)


def _activity_after(sender, instance, **kwargs):
    store.mark_activity_subject(instance.unit_id, instance.branch_id, instance.held_at)
    batching.settle()


def _part_of_activity(sender, instance, **kwargs):
    """Attendance, evidence, an “also counts as” row: the record's subject, resolved at the flush."""
    store.mark([("activity", instance.activity_id)])
    batching.settle()


def _links(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        store.mark_activity_subject(instance.unit_id, instance.branch_id, instance.held_at)
    else:
        store.mark([("activity", pk) for pk in pk_set or ()])
    batching.settle()


# --- rules ---------------------------------------------------------------------------------------------------------


def _every_unit(sender, instance, raw=False, **kwargs):
    store.mark_stale()


def _rule(sender, instance, raw=False, **kwargs):
    """A closed window keeps the rule of its close (`closing`): only years with an open month change."""
    store.mark_stale(store.years_with_open_months())


def _lock(sender, instance, **kwargs):
    store.mark_stale([instance.month.year])


def _override(sender, instance, **kwargs):
    store.mark([Dirty(instance.unit_id, None, whole=True)])
    batching.settle()


# --- the tree ------------------------------------------------------------------------------------------------------


@_unless_suspended
def _unit_before(sender, instance, raw=False, update_fields=None, **kwargs):
    old = _stored(sender, instance, raw, update_fields, "joined_on")
    if old is not None and old[0] != instance.joined_on:
        store.mark([Dirty(instance.pk, None, whole=True)])


@_unless_suspended
def _branch_before(sender, instance, raw=False, update_fields=None, **kwargs):
    old = _stored(sender, instance, raw, update_fields, "unit", "founded_on", "dissolved_on")
    if old is None:
        return
    unit_id, founded_on, dissolved_on = old
    if unit_id != instance.unit_id:  # moved: both units' roll-ups and overrides change
        store.mark([Dirty(unit_id, None, whole=True), Dirty(instance.unit_id, None, whole=True)])
    elif (founded_on, dissolved_on) != (instance.founded_on, instance.dissolved_on):
        since = _earliest(founded_on, instance.founded_on)
        store.mark([Dirty(unit_id, year, instance.pk) for year in years_since(since)])


def _branch_after(sender, instance, created=False, **kwargs):
    if created:
        store.mark([Dirty(instance.unit_id, year, instance.pk) for year in years_since(instance.founded_on)])
    batching.settle()


def _part_of_branch(day: str):
    """Receivers for what lives in a branch from a day (a party group from its founding, a membership from its
    start): a change recomputes the branch it was in and the one it is in, from the earlier of the two days."""

    @_unless_suspended
    def before(sender, instance, raw=False, update_fields=None, **kwargs):
        old = _stored(sender, instance, raw, update_fields, "branch", day)
        if old is not None:
            _mark_branch(old[0], _earliest(old[1], getattr(instance, day)))

    def after(sender, instance, **kwargs):
        _mark_branch(instance.branch_id, getattr(instance, day))
        batching.settle()

    return before, after


_group_before, _group_after = _part_of_branch("founded_on")
_membership_before, _membership_after = _part_of_branch("start_on")


@_unless_suspended
def _member_before(sender, instance, raw=False, update_fields=None, **kwargs):
    """谈心谈话 coverage reads today's 支部委员 flag: a change recomputes the member's branches."""
    old = _stored(sender, instance, raw, update_fields, "is_branch_committee")
    if old is not None and old[0] != instance.is_branch_committee:
        store.mark([("member", instance.pk)])


# --- bulk writes below party life ----------------------------------------------------------------------------------


def _memberships_bulk(*, branch_ids=(), since: dt.date | None = None, member_ids=(), **kwargs) -> None:
    """orgs' bulk writes (roster import, first memberships) report what they changed: `batching.changed`."""
    for branch_id in set(branch_ids):
        _mark_branch(branch_id, since)
    store.mark([("member", pk) for pk in set(member_ids)])


def connect() -> None:
    """Hang the receivers (PartylifeConfig.ready) and register the flusher."""
    batching.register(store.KEY, store.flush)
    batching.listen("orgs.memberships", _memberships_bulk)
    through = Activity.also_counts_as.through
    for model, before, after in (
        (Activity, _activity_before, _activity_after),
        (Unit, _unit_before, _settle),
        (Branch, _branch_before, _branch_after),
        (PartyGroup, _group_before, _group_after),
        (Membership, _membership_before, _membership_after),
        (Member, _member_before, _settle),
    ):
        pre_save.connect(before, sender=model, dispatch_uid=f"{UID}:{model._meta.label}", weak=False)
        post_save.connect(after, sender=model, dispatch_uid=f"{UID}:{model._meta.label}", weak=False)
    for model, receiver in ((Activity, _activity_after), (PartyGroup, _group_after), (Membership, _membership_after)):
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{UID}:{model._meta.label}", weak=False)
    for model in (Attendance, Evidence, through):
        for signal in (post_save, post_delete):
            signal.connect(_part_of_activity, sender=model, dispatch_uid=f"{UID}:{model._meta.label}", weak=False)
    m2m_changed.connect(_links, sender=through, dispatch_uid=f"{UID}:links", weak=False)
    for model, receiver in ((ComplianceRule, _rule), (ActivityType, _every_unit), (Platform, _every_unit)):
        for signal in (post_save, post_delete):
            signal.connect(receiver, sender=model, dispatch_uid=f"{UID}:{model._meta.label}", weak=False)
    for signal in (post_save, post_delete):
        signal.connect(_lock, sender=PeriodLock, dispatch_uid=f"{UID}:{PeriodLock._meta.label}", weak=False)
        signal.connect(_override, sender=RuleOverride, dispatch_uid=f"{UID}:{RuleOverride._meta.label}", weak=False)
