"""Writes of the rosters (党员名册): register, change, transfer, take off (离册) and restore members.

Every change of branch or roster is also a change of the member's `Membership` rows, in the
same transaction, so "who was in this branch on that day" stays answerable: registering
opens one, a transfer ends one and opens the next on the same day, leaving ends it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from apps.core import audit, batching
from apps.core.periods import closed_months, day_label, require_open_since
from apps.core.permissions import require

from .. import permissions
from ..access import scope_for
from ..models import Branch, Member, Membership, PartyGroup, User, join_date_problem
from .common import MEMBER_FIELDS, _apply, _require_destination, _saved

# --- memberships (组织关系) -------------------------------------------------------------------


def default_since(member: Member, *, open_from: dt.date | None = None) -> dt.date:
    """When a member registered without a date came into their branch: as early as they can have been,
    but not inside a closed month (关账): from `open_from` (`first_open_day()`) when given."""
    return max(member.join_date, member.branch.founded_on, open_from or dt.date.min)


def first_open_day() -> dt.date | None:
    """The first day after the last closed month (关账), or None when no month is closed (one query)."""
    months = closed_months(dt.date(1900, 1, 1))
    if not months:
        return None
    last = months[-1]
    return dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)


def membership_open(member: Member, *, since: dt.date, reason: str, field: str = "since") -> Membership:
    """Start the member's time in `member.branch` on `since` (checked against the party career and the branch)."""
    if since > timezone.localdate():
        raise ValidationError({field: "转入日期不能晚于今天。"})
    if since < member.join_date:
        raise ValidationError({field: f"转入日期不能早于入党日期（{day_label(member.join_date)}）。"})
    if not member.branch.existed_on(since):
        raise ValidationError({field: f"{member.branch.name}在{day_label(since)}尚未成立或已撤销。"})
    return _saved(Membership(member=member, branch=member.branch, start_on=since, reason=reason))


def memberships_open_bulk(
    members: list[Member], *, reason: str, since: dict[int, dt.date] | None = None, actor: User | None = None
) -> None:
    """Open the first membership of members just written in bulk (an import, the demo), with their history.

    Each starts on `since[member.pk]` when given (checked by the caller), else on `default_since` (after the
    last closed month).
    """
    since = since or {}
    open_from = first_open_day() if len(since) < len(members) else None  # no default inside a closed month
    rows = [
        Membership(
            member=m, branch=m.branch, start_on=since.get(m.pk) or default_since(m, open_from=open_from), reason=reason
        )
        for m in members
    ]
    bulk_create_with_history(rows, Membership, batch_size=2000, default_user=actor, default_change_reason=reason)
    audit.record_bulk(rows, action=audit.CREATE, note=reason)
    if rows:  # bulk: no signals; what other apps keep from the tree (party life's verdicts) is told here
        batching.changed(
            "orgs.memberships", branch_ids={r.branch_id for r in rows}, since=min(r.start_on for r in rows)
        )


def _open_membership(member: Member) -> Membership | None:
    return Membership.objects.select_for_update().filter(member=member, end_on__isnull=True).first()


def _membership_end(member: Member, *, on: dt.date, field: str) -> None:
    current = _open_membership(member)
    if current is None:
        return
    if on < current.start_on:
        raise ValidationError(
            {field: f"日期不能早于该党员转入{current.branch.name}的日期（{day_label(current.start_on)}）。"}
        )
    current.end_on = on
    _saved(current)


# --- members -------------------------------------------------------------------------------


def _check_member_placement(member: Member) -> None:
    """A member on a roster is in a branch (and a party group of it) that exists now, as the database says."""
    if member.active and member.branch_id and not Branch.objects.current().filter(pk=member.branch_id).exists():
        raise ValidationError({"branch": f"{member.branch.name}已撤销，请选择现有的支部。"})
    if member.party_group_id:
        group = PartyGroup.objects.filter(pk=member.party_group_id).values("branch_id", "dissolved_on").first()
        if group is None or group["branch_id"] != member.branch_id:
            raise ValidationError({"party_group": "党小组必须属于该党员所在的支部。"})
        if group["dissolved_on"] is not None:
            raise ValidationError({"party_group": f"党小组“{member.party_group.name}”已撤销。"})
    if problem := join_date_problem(member.birth_date, member.join_date):  # the roster import's rule too
        raise ValidationError({"join_date": f"{problem}。"})


@batching.batched
def member_create(*, actor: User, data: dict, since: dt.date | None = None) -> Member:
    """Register a member on a roster; `since` is when they came into the branch (default: `default_since`)."""
    scope = scope_for(actor)
    require(permissions.may_keep_rosters(scope), "只有工委管理员和单位党务干部可以登记党员。")
    member = Member()
    _apply(member, MEMBER_FIELDS, data)
    _require_destination(
        member.branch_id is not None and permissions.may_edit_roster(scope, member.branch),
        "branch",
        "您只能在本单位登记党员。",
    )
    _check_member_placement(member)
    if since is not None:
        require_open_since(since, field="since")  # a closed month's members stay who they were
    _saved(member)
    membership_open(member, since=since or default_since(member, open_from=first_open_day()), reason="登记入册")
    return member


@batching.batched
def member_update(*, actor: User, member: Member, data: dict) -> Member:
    """Change a member's details; a new branch must be one whose roster the actor keeps too."""
    scope = scope_for(actor)
    member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
    require(permissions.may_edit_roster(scope, member.branch), "您不能修改该党员的信息。")
    if "branch" in data:
        _require_destination(
            permissions.may_move_member(scope, member, data["branch"]), "branch", "您只能把党员调整到本单位的支部。"
        )
    old_branch = member.branch
    if _apply(member, MEMBER_FIELDS, data):
        _check_member_placement(member)
        _saved(member)
        if member.branch_id != old_branch.pk and member.active:  # a move on the edit page is a transfer today
            _move(member, on=timezone.localdate(), reason=f"由{old_branch.name}调整")
    return member


def _move(member: Member, *, on: dt.date, reason: str) -> None:
    """End the open membership on `on` and open one in `member.branch` (already set) from `on`."""
    _membership_end(member, on=on, field="on")
    membership_open(member, since=on, reason=reason, field="on")


@batching.batched
def member_transfer(
    *, actor: User, member: Member, to_branch: Branch, on: dt.date, party_group: PartyGroup | None = None
) -> Member:
    """转接组织关系 within the portal: from `on` the member belongs to `to_branch` (and maybe one of its groups)."""
    scope = scope_for(actor)
    member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
    require(permissions.may_edit_roster(scope, member.branch), "您不能办理该党员的组织关系转接。")
    _require_destination(
        permissions.may_move_member(scope, member, to_branch), "to_branch", "您只能把党员转到本单位的支部。"
    )
    if not member.active:
        raise ValidationError("该党员已离册，不能转接。")
    if on > timezone.localdate():
        raise ValidationError({"on": "转接日期不能晚于今天。"})
    require_open_since(on, field="on")  # a backdated transfer would change a closed month's verdicts
    to_branch = Branch.objects.select_for_update().get(pk=to_branch.pk)  # as it is now
    if party_group is not None:
        party_group = PartyGroup.objects.get(pk=party_group.pk)
    if to_branch.pk == member.branch_id:
        raise ValidationError({"to_branch": "该党员已在这个支部。"})
    if not to_branch.is_current:
        raise ValidationError({"to_branch": f"{to_branch.name}已撤销。"})
    if party_group is not None and (party_group.branch_id != to_branch.pk or not party_group.is_current):
        raise ValidationError({"party_group": "党小组须为转入支部现有的党小组。"})
    from_name = member.branch.name
    member.branch, member.party_group = to_branch, party_group
    _saved(member)
    _move(member, on=on, reason=f"由{from_name}转入")
    return member


@batching.batched
def member_deactivate(*, actor: User, member: Member, left_on: dt.date, reason: str) -> Member:
    """Take a member off the active roster (转出、去世…). The row and its history stay."""
    member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
    require(permissions.may_edit_roster(scope_for(actor), member.branch), "您不能办理该党员的离册。")
    if not member.active:
        raise ValidationError("该党员已离册。")
    if not reason.strip():
        raise ValidationError({"left_reason": "请填写离册原因。"})
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": "离册日期不能晚于今天。"})
    require_open_since(left_on, field="left_on")
    member.active, member.left_on, member.left_reason = False, left_on, reason.strip()
    _saved(member)
    _membership_end(member, on=left_on, field="left_on")
    if member.user_id and member.user.is_active:  # a member who left no longer logs in as that member
        member.user.is_active = False
        member.user.save(update_fields=["is_active"])  # save(): the account's history shows it
    return member


@batching.batched
def member_reactivate(*, actor: User, member: Member) -> Member:
    member = Member.objects.select_for_update().select_related("branch").get(pk=member.pk)
    require(permissions.may_edit_roster(scope_for(actor), member.branch), "您不能恢复该党员。")
    if member.active:
        raise ValidationError("该党员在册，无需恢复。")
    if not member.branch.is_current:
        raise ValidationError(f"{member.branch.name}已撤销，请把该党员登记到现在的支部。")
    member.active, member.left_on, member.left_reason = True, None, ""
    _saved(member)
    # 恢复 undoes a 离册: the membership it ended goes on as if it had not ended.
    last = Membership.objects.filter(member=member).order_by("-start_on", "-pk").first()
    if last is not None and last.branch_id == member.branch_id:
        require_open_since(last.end_on)  # the member would count again in the months since they left
        last.end_on = None
        _saved(last)
    else:
        membership_open(member, since=timezone.localdate(), reason="恢复在册")
    return member
