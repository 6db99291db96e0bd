"""The demo accounts (演示账号): one per role, and the table the command prints."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from guardian.shortcuts import assign_perm

from .. import demo_data as data
from .. import lockout
from ..access import Role
from ..models import MemberStatus, User
from .city import DemoCity


def open_accounts(city: DemoCity, *, now: dt.datetime) -> list[tuple[str, ...]]:
    """Open one account per role (demo password, no forced change); return the table rows that list them.

    The branch secretary and the plain member are members of the demo branch:
    their (still unsaved) Member rows are linked to the accounts here.
    """
    plan = city.demo_branch_plan()
    secretary = plan.members[0]  # the branch secretary is a committee member of the branch
    plain = next(
        m for m in plan.members if not (m.is_branch_committee or m.is_leading_cadre) and m.status == MemberStatus.FULL
    )
    finance, reform = city.unit_named(data.DEMO_UNIT), city.unit_named(data.DEMO_UNIT_2)
    # One hash for all five: the demo password is public, and each PBKDF2 round costs ~0.5 s.
    encoded = make_password(data.DEMO_PASSWORD)

    def account(username: str, display_name: str) -> User:
        try:
            validate_password(data.DEMO_PASSWORD, User(username=username, display_name=display_name))
        except ValidationError as exc:
            raise CommandError(f"演示密码不符合密码规则（{username}）：" + "；".join(exc.messages)) from exc
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "display_name": display_name,
                "password": encoded,
                "is_active": True,
                "must_change_password": False,
                "password_changed_at": now,
            },
        )
        lockout.unlock(username=username)
        user.user_permissions.clear()
        return user

    committee = account(data.COMMITTEE_USER, "工委管理员")
    committee.user_permissions.add(Permission.objects.get(content_type__app_label="orgs", codename="committee"))
    assign_perm("orgs.manage_unit", account(data.UNIT_USER, f"{finance.short_name}党务干部"), finance)
    assign_perm("orgs.manage_unit", account(data.UNIT_USER_2, f"{reform.short_name}党务干部"), reform)
    branch_secretary = account(data.BRANCH_USER, secretary.name)
    assign_perm("orgs.manage_branch", branch_secretary, plan.branch)
    secretary.user = branch_secretary
    plain.user = account(data.MEMBER_USER, plain.name)

    where = f"{finance.name} {plan.branch.name}"
    return [
        (Role.LABELS[Role.COMMITTEE], data.COMMITTEE_USER, data.DEMO_PASSWORD, data.COMMITTEE_NAME),
        (Role.LABELS[Role.UNIT], data.UNIT_USER, data.DEMO_PASSWORD, finance.name),
        (Role.LABELS[Role.UNIT], data.UNIT_USER_2, data.DEMO_PASSWORD, reform.name),
        (Role.LABELS[Role.BRANCH], data.BRANCH_USER, data.DEMO_PASSWORD, f"{where}（支部委员 {secretary.name}）"),
        (Role.LABELS[Role.MEMBER], data.MEMBER_USER, data.DEMO_PASSWORD, f"{where}（党员 {plain.name}）"),
    ]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_table(rows: list[tuple[str, ...]]) -> str:
    """Align columns that mix Chinese (double width) and Latin text."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
