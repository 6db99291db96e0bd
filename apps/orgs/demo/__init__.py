"""The org tree's demo step (演示数据·组织架构): 40 units, ~200 branches, ~3,000 members, one account per role,
and the tree's history of this year.

The city is drawn in memory (`city.DemoCity`, a fixed random seed: every run on every machine
builds the same people) and bulk-inserted with its history (a few seconds; the per-row services
would take minutes). Every row still satisfies the model's fields and constraints. Then the demo
accounts are opened (`accounts`) and this year's changes of the tree are made through the services
(`history`): the platform's start, a unit that joined later, a merged branch, a dissolved party
group, members who moved branch.

Registered in `OrgsConfig.ready()` as the demo step every other app's step builds on;
`manage.py seed_demo` (apps.demo) runs it. `seed` also takes today's headcount snapshot
(the committee home reads it).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db.models import ProtectedError, RestrictedError
from django.test.utils import override_settings
from simple_history.utils import bulk_create_with_history, get_history_model_for_model

from apps.core import audit, batching
from apps.core.demo import DemoContext

from .. import demo_data as data
from ..models import Branch, Member, Membership, MemberStatus, PartyGroup, Platform, Unit, User
from ..services import headcount_snapshot, memberships_open_bulk
from .accounts import format_table, open_accounts
from .city import CURRENT_YEAR_BRANCHES, DemoCity
from .history import history_days, write_history

__all__ = ["CURRENT_YEAR_BRANCHES", "LABEL", "DemoCity", "format_table", "history_days", "present", "reset", "seed"]

LABEL = "单位、支部、党小组、党员、演示账号及组织沿革"
ORG_MODELS = (Membership, Member, PartyGroup, Branch, Unit, Platform)  # in the order they can be deleted


@audit.suppressed()  # demo rows are no one's writing: no entry per generated row
def seed(context: DemoContext) -> str:
    """Write the city drawn for `context.today`, open the demo accounts, snapshot today's headcount.

    Returns the summary of the tree; the accounts table goes into `context.notes`.
    """
    city = DemoCity(today=context.today)
    _insert(city.units, ())
    _insert(city.branches, ("unit",))
    for group in city.groups:
        group.founded_on = group.branch.founded_on  # the groups are as old as their branch
    _insert(city.groups, ("branch",))
    rows = open_accounts(city, now=context.now)  # before the members: two of them link to an account
    _insert(city.members, ("branch", "party_group", "user"))
    memberships_open_bulk(city.members, reason="导入演示数据")
    changes = write_history(today=context.today, actor=User.objects.get(username=data.COMMITTEE_USER))
    headcount_snapshot(on=context.today)
    context.notes.append(
        "\n演示账号（密码相同，登录后无需修改）：\n" + format_table([("角色", "用户名", "密码", "所属"), *rows])
    )
    members = city.members
    probationary = sum(m.status == MemberStatus.PROBATIONARY for m in members)
    return (
        f"单位 {len(city.units)} 个，支部 {len(city.branches)} 个，"
        f"党小组 {len(city.groups)} 个，党员 {len(members)} 名（预备党员 {probationary} 名）；{changes}"
    )


def present() -> str:
    """What of the demo tree exists already: "40 个单位", or "" on an empty database."""
    count = Unit.objects.count()
    return f"{count} 个单位" if count else ""


@audit.suppressed()  # demo rows are no one's writing: no entry per generated row
@batching.batched  # the stored verdicts are recomputed once for what the reset deleted, not once per record
def reset() -> None:
    """Delete the org tree leaf first (Member and Branch are PROTECTed), the demo users, and their history.

    The steps built on the tree (party life) are reset before this one; a record of
    another kind still pointing at the tree stops the reset with a message naming it.
    """
    try:
        # No "deleted" history rows: the history of these tables is cleared just below.
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            Branch.objects.filter(successor__isnull=False).update(successor=None)  # PROTECTed, even among themselves
            for model in ORG_MODELS:
                model.objects.all().delete()
            User.objects.filter(username__in=data.DEMO_USERNAMES).delete()
    except (ProtectedError, RestrictedError) as exc:
        objs = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        blockers = sorted({str(obj._meta.verbose_name) for obj in objs})
        raise CommandError(
            "无法清空组织数据：以下记录仍引用单位、支部或党员（" + "、".join(blockers) + "）。请先删除这些记录。"
        ) from exc
    for model in ORG_MODELS:
        get_history_model_for_model(model).objects.all().delete()
    get_history_model_for_model(User).objects.filter(username__in=data.DEMO_USERNAMES).delete()


def _insert(objs: list, foreign_keys: tuple[str, ...]) -> None:
    """Validate each row's fields, then bulk-insert the rows with their history.

    Field validation (choices, lengths, blanks) skips the foreign keys and the
    unique/check constraints, which would cost a query per row; the database
    enforces those on insert, and the generator keeps them by construction.
    """
    for obj in objs:
        try:
            obj.full_clean(exclude=list(foreign_keys), validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise CommandError(f"演示数据有误（{obj._meta.verbose_name} {obj}）：{exc.messages}") from exc
    bulk_create_with_history(objs, type(objs[0]), batch_size=500, default_change_reason="导入演示数据")
