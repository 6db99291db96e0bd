"""The org tree at scale (`manage.py seed_scale`): units, branches, party groups, members, memberships, accounts.

Per unit (one transaction each, rows sent with COPY): its branches (the last one the retirees', when it has three
or more), party groups in the larger branches, members with their committee members and leading cadres, one
membership each — plus the tree's changes during the years loaded: about 2 % of branches dissolved or merged
(their members move to a sibling that day), a few branches and party groups founded or dissolved later, about
2 % of members transferred between branches of their unit and 1 % who left the roster, a few units that joined
the platform later (`Unit.joined_on`).

Accounts (one password hash for all, the demo password `Demo@2026`): the committee `gongwei`; `danwei` and
`danwei2` manage the first two units, `dw0003`… the others; each branch's secretary has an account (`zhibu` for
the first unit's first branch, `zb00002`… the others) linked to their member row; `dangyuan` is a plain member
of the first branch.

Rows (measured): city 300 units, 3,000 branches (50 of them ended), 5,349 party groups, 60,000 members with 61,684
memberships, 3,302 accounts; small a tenth, province ten times.

`units(context)` reads the tree back one unit at a time for the other apps' steps (`UnitTree`): they stream
their records per unit from it and never hold the whole province.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission

from apps.core.scale import ScaleContext, reset_sequences

from .. import demo_data as data
from ..models import (
    Branch,
    BranchEnd,
    BranchKind,
    BranchUserObjectPermission,
    Member,
    Membership,
    MemberStatus,
    PartyGroup,
    PartyOrgKind,
    Platform,
    Unit,
    UnitCategory,
    UnitUserObjectPermission,
    User,
)
from ..services import headcount_snapshot

CITIES = "江城 云州 临川 南屿 北岭 东阳 西泽 青川 安平 清河 长宁 永安 海宁 嘉禾 丰泽".split()
FIELDS = (
    "财政 教育 卫生健康 交通运输 水务 林业 农业农村 商务 文化旅游 应急管理 市场监管 统计 审计 自然资源 "
    "生态环境 住房城乡建设 人力资源社会保障 退役军人事务 医疗保障 体育 科技 民政 司法 信访"
).split()
KINDS = "事务中心 服务中心 研究院 监测中心 综合执法支队 信息中心 发展中心 技术学校 档案馆 培训中心".split()
POSITIONS = ("一级科员", "四级主任科员", "三级主任科员", "二级主任科员", "一级主任科员", "四级调研员", "副处长")
LEFT_REASONS = ("调出本市", "退休转出", "去世")
UNITS_PER_CITY = 300


def _chinese(n: int) -> str:
    """1–99 in Chinese numerals (一, 十二, 二十三)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("十" if tens == 1 else digits[tens] + "十") + (digits[ones] if ones else "")


def _unit_names(index: int) -> tuple[str, str, str]:
    """The index-th unit: (name, short name, category); a province prefixes each city's units with its city."""
    city, n = divmod(index, UNITS_PER_CITY)
    if n < len(data.UNITS):
        spec = data.UNITS[n]
        name, short, category = spec.name, spec.short_name, spec.category
    else:
        k = n - len(data.UNITS)
        fld, kind = FIELDS[k % len(FIELDS)], KINDS[(k // len(FIELDS)) % len(KINDS)]
        round_ = k // (len(FIELDS) * len(KINDS))
        name = f"市{fld}{kind}" + (f"第{_chinese(round_ + 1)}分部" if round_ else "")
        short = f"{fld}{kind}"[:30]
        category = UnitCategory.LEGAL if kind == "综合执法支队" else UnitCategory.INSTITUTION
    if city:
        prefix = CITIES[(city - 1) % len(CITIES)] + (str((city - 1) // len(CITIES) + 1) if city > len(CITIES) else "")
        name, short = prefix + name, (prefix + short)[:30]
    return name, short, category


def _shares(total: int, count: int, least: int, rng) -> list[int]:
    """`count` sizes adding up to `total` (each at least `least`), drawn around the mean (log-normal)."""
    weights = [rng.lognormvariate(0, 0.55) for _ in range(count)]
    scale = total / sum(weights)
    sizes = [max(least, round(w * scale)) for w in weights]
    diff = total - sum(sizes)
    step = 1 if diff > 0 else -1
    i = 0
    while diff and i < 10 * count:  # spread the rounding difference
        j = rng.randrange(count)
        if sizes[j] + step >= least:
            sizes[j] += step
            diff -= step
        i += 1
    return sizes


def _day_between(rng, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


@dataclass
class _Accounts:
    password: str
    now: dt.datetime
    manage_unit: int
    manage_branch: int
    users: object
    unit_perms: object
    branch_perms: object
    first_branch_done: bool = False
    plain_done: bool = False

    def user(self, username: str, display_name: str) -> int:
        uid = self.users.new_id()
        self.users.add(
            uid, self.password, False, username, "", "", "", False, True, self.now, display_name, "", self.now, False
        )
        return uid


def scale(context: ScaleContext) -> str:
    """Write the preset's org tree and accounts; returns the summary."""
    preset, today, start = context.preset, context.today, context.start
    Platform.objects.update_or_create(pk=1, defaults={"start_on": start})
    rng = context.rng("orgs", "sizes")
    branch_counts = _shares(preset.branches, preset.units, 2, rng)
    member_counts = _shares(preset.members, preset.branches, 4, rng)

    stamp = ("created_at", "updated_at")
    units = context.copier(
        Unit, ("id", "name", "short_name", "category", "party_org_kind", "order", "active", "joined_on", *stamp)
    )
    branches = context.copier(
        Branch,
        ("id", "unit_id", "name", "kind", "founded_on", "order", "dissolved_on", "end_reason", "successor_id", *stamp),
    )
    groups = context.copier(PartyGroup, ("id", "branch_id", "name", "founded_on", "dissolved_on", *stamp))
    accounts = _Accounts(
        password=make_password(data.DEMO_PASSWORD),
        now=context.now,
        manage_unit=Permission.objects.get(content_type__app_label="orgs", codename="manage_unit").pk,
        manage_branch=Permission.objects.get(content_type__app_label="orgs", codename="manage_branch").pk,
        users=context.copier(
            User,
            (
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "display_name",
                "phone",
                "password_changed_at",
                "must_change_password",
            ),
        ),
        unit_perms=context.copier(UnitUserObjectPermission, ("permission_id", "user_id", "content_object_id")),
        branch_perms=context.copier(BranchUserObjectPermission, ("permission_id", "user_id", "content_object_id")),
    )
    members = context.copier(
        Member,
        (
            "id",
            "branch_id",
            "party_group_id",
            "name",
            "gender",
            "birth_date",
            "join_date",
            "status",
            "position",
            "is_leading_cadre",
            "is_branch_committee",
            "user_id",
            "active",
            "left_on",
            "left_reason",
            *stamp,
        ),
    )
    memberships = context.copier(Membership, ("id", "member_id", "branch_id", "start_on", "end_on", "reason"))
    with context.batch():
        committee = User.objects.create(
            username=data.COMMITTEE_USER,
            password=accounts.password,
            display_name="工委管理员",
            password_changed_at=context.now,
        )
        committee.user_permissions.add(Permission.objects.get(content_type__app_label="orgs", codename="committee"))

    counts = defaultdict(int)
    offset = 0
    for index in range(preset.units):
        n_branches = branch_counts[index]
        sizes = member_counts[offset : offset + n_branches]
        offset += n_branches
        with context.batch():
            _unit(context, index, sizes, units, branches, groups, members, memberships, accounts, counts)
        if (index + 1) % max(1, preset.units // 10) == 0:
            context.progress(f"  组织架构：{index + 1}/{preset.units} 个单位")
    reset_sequences([Unit, Branch, PartyGroup, Member, Membership, User])
    headcount_snapshot(on=today)
    return (
        f"单位 {preset.units} 个，支部 {counts['branches']} 个（撤销或合并 {counts['dissolved']} 个），"
        f"党小组 {counts['groups']} 个，党员 {counts['members']} 名（转接 {counts['moved']} 名，"
        f"离册 {counts['left']} 名），账号 {counts['accounts'] + 1} 个"
    )


def _unit(context, index, sizes, units, branches, groups, members, memberships, accounts, counts) -> None:
    """One unit: its branches, groups, members, memberships, changes and accounts."""
    today, start = context.today, context.start
    rng = context.rng("orgs", "unit", index)
    now = context.now
    name, short, category = _unit_names(index)
    unit_id = units.new_id()
    joined_on = None
    if index > 2 and rng.random() < 0.05 and context.years > 1:  # joined the platform after its start
        joined_on = dt.date(start.year + rng.randint(1, context.years - 1), 1, 1)
    kind = PartyOrgKind.COMMITTEE if len(sizes) >= 5 else PartyOrgKind.GENERAL_BRANCH
    units.add(unit_id, name, short, category, kind, (index + 1) * 10, True, joined_on, now, now)

    # Branches: (id, name, kind, founded_on, dissolved_on, end_reason, successor_id)
    plan = []
    for n, _size in enumerate(sizes):
        retired = n == len(sizes) - 1 and len(sizes) >= 3
        bname = data.RETIRED_BRANCH_NAME if retired else data.GENERIC_BRANCH_PATTERN.format(n=_chinese(n + 1))
        founded = dt.date(rng.randint(2015, 2020), rng.randint(1, 12), 1)
        if n > 1 and not retired and rng.random() < 0.04:  # founded during the years loaded
            founded = _day_between(rng, start, today - dt.timedelta(days=60))
        plan.append([branches.new_id(), bname, BranchKind.RETIRED if retired else BranchKind.SERVING, founded])
    # A few branches end during the years loaded: merged into (or revoked, members to) a sibling founded before.
    ends: dict[int, tuple[dt.date, str, int]] = {}
    heirs_used: set[int] = set()
    for n, row in enumerate(plan):
        if n == 0 or row[2] == BranchKind.RETIRED or row[0] in heirs_used or rng.random() >= 0.02:
            continue
        day = _day_between(rng, max(start, row[3]) + dt.timedelta(days=30), today - dt.timedelta(days=30))
        heirs = [r for m, r in enumerate(plan) if m != n and r[3] < day and r[0] not in ends and r[2] == row[2]]
        if not heirs or day <= row[3]:
            continue
        heir = rng.choice(heirs)
        heirs_used.add(heir[0])
        reason = BranchEnd.MERGED if rng.random() < 0.6 else BranchEnd.REVOKED
        ends[row[0]] = (day, reason, heir[0])
    for n, (bid, bname, bkind, founded) in enumerate(plan):
        day, reason, heir = ends.get(bid, (None, "", None))
        branches.add(bid, unit_id, bname, bkind, founded, (n + 1) * 10, day, reason, heir, now, now)
    counts["branches"] += len(plan)
    counts["dissolved"] += len(ends)

    used: set[tuple[str, dt.date]] = set()
    for n, ((bid, _bname, bkind, founded), size) in enumerate(zip(plan, sizes, strict=True)):
        retired = bkind == BranchKind.RETIRED
        # Party groups in the larger branches; a few end during the years loaded.
        group_ids = []
        if size >= 12:
            names = data.RETIRED_GROUP_NAMES if retired else data.SERVING_GROUP_NAMES
            for g in range(2 if size < 25 else 3):
                gid = groups.new_id()
                ended = None
                if g and rng.random() < 0.05:
                    ended = _day_between(rng, max(start, founded) + dt.timedelta(days=30), today)
                groups.add(gid, bid, names[g], founded, ended, now, now)
                if ended is None:
                    group_ids.append(gid)
                counts["groups"] += 1
        committee = next(sizes_ for limit, sizes_ in data.COMMITTEE_SIZES if size < limit)[0]
        committee = min(committee, size)
        end = ends.get(bid)
        for k in range(size):
            member_id = members.new_id()
            gender = "M" if rng.random() < 0.58 else "F"
            age = rng.randint(61, 88) if retired else rng.randint(24, 59)
            birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            person = _name(rng, gender, birth.year)
            while (person, birth) in used:
                person = _name(rng, gender, birth.year)
            used.add((person, birth))
            probationary = not retired and age < 40 and rng.random() < 0.04
            if probationary:
                join = max(_day_between(rng, today - dt.timedelta(days=330), today - dt.timedelta(days=20)), birth)
            else:
                join = dt.date(birth.year + rng.randint(19, min(age - 1, 40)), rng.randint(1, 12), rng.randint(1, 28))
            join = min(join, today)
            leading = not retired and k < 2 and n < 3 and rng.random() < 0.7
            on_committee = k < committee
            position = "退休干部" if retired else ("处长" if leading else rng.choice(POSITIONS))
            user_id = None
            if k == 0:  # the secretary: an account managing the branch
                first = not accounts.first_branch_done
                accounts.first_branch_done = True
                username = data.BRANCH_USER if first else f"zb{bid:05d}"
                user_id = accounts.user(username, person)
                accounts.branch_perms.add(accounts.manage_branch, user_id, bid)
                counts["accounts"] += 1
            elif index == 0 and n == 0 and k >= committee and not accounts.plain_done:
                accounts.plain_done = True  # dangyuan: a plain member of the first branch
                user_id = accounts.user(data.MEMBER_USER, person)
                counts["accounts"] += 1
            group = group_ids[k % len(group_ids)] if group_ids else None
            since = max(founded, join)
            # What happens to this member during the years loaded: their branch ends, a transfer, leaving.
            branch_now, left_on, left_reason = bid, None, ""
            spans = []  # (branch, start, end)
            roll = rng.random()
            if end is not None:
                spans = [(bid, since, end[0]), (end[2], end[0], None)] if since < end[0] else [(end[2], since, None)]
                branch_now, group = end[2], None
                counts["moved"] += 1
            elif roll < 0.02 and len(plan) > 1 and k >= committee:
                day = _day_between(rng, max(since, start) + dt.timedelta(days=1), today - dt.timedelta(days=1))
                targets = [r for r in plan if r[0] != bid and r[3] < day and r[0] not in ends and r[2] == bkind]
                if targets and day > since:
                    target = rng.choice(targets)[0]
                    spans = [(bid, since, day), (target, day, None)]
                    branch_now, group = target, None
                    counts["moved"] += 1
            elif roll < 0.03 and k >= committee:
                left_on = _day_between(rng, max(since, start) + dt.timedelta(days=1), today - dt.timedelta(days=1))
                if left_on > since:
                    left_reason = rng.choice(LEFT_REASONS)
                    spans = [(bid, since, left_on)]
                    counts["left"] += 1
                else:
                    left_on = None
            if not spans:
                spans = [(bid, since, None)]
            members.add(
                member_id,
                branch_now,
                group,
                person,
                gender,
                birth,
                join,
                MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                position,
                leading,
                on_committee,
                user_id,
                left_on is None,
                left_on,
                left_reason,
                now,
                now,
            )
            for span_branch, span_start, span_end in spans:
                reason = "登记入册" if span_start == since and span_branch == bid else "组织关系转接"
                memberships.add(memberships.new_id(), member_id, span_branch, span_start, span_end, reason)
            counts["members"] += 1

    # The unit's secretary (党务干部): danwei / danwei2 for the first two units.
    username = {0: data.UNIT_USER, 1: data.UNIT_USER_2}.get(index, f"dw{index + 1:04d}")
    user_id = accounts.user(username, f"{short}党务干部")
    accounts.unit_perms.add(accounts.manage_unit, user_id, unit_id)
    counts["accounts"] += 1


def _name(rng, gender: str, birth_year: int) -> str:
    surnames = data.SURNAMES
    surname = surnames[min(int(rng.expovariate(1 / 25)), len(surnames) - 1)]
    era = next(era for limit, era in data.NAME_ERAS if birth_year < limit)
    first, last = data.GIVEN_NAMES[(gender, era)]
    if rng.random() < data.SINGLE_CHARACTER_SHARE[era]:
        return surname + rng.choice(last)
    return surname + rng.choice(first) + rng.choice(last)


# --- reading the tree back, one unit at a time (for the other apps' steps) -------------------------------


@dataclass
class MemberInfo:
    id: int
    birth_date: dt.date
    leading: bool
    committee: bool
    group_id: int | None
    user_id: int | None


@dataclass
class BranchInfo:
    id: int
    kind: str
    founded_on: dt.date
    dissolved_on: dt.date | None
    groups: list[tuple[int, dt.date, dt.date | None]] = field(default_factory=list)  # (id, founded, dissolved)
    spans: list[tuple[int, dt.date, dt.date | None]] = field(default_factory=list)  # (member, start, end)

    def existed_on(self, day: dt.date) -> bool:
        return self.founded_on <= day and (self.dissolved_on is None or day < self.dissolved_on)

    def members_on(self, day: dt.date) -> list[int]:
        return [m for m, s, e in self.spans if s <= day and (e is None or day < e)]


@dataclass
class UnitTree:
    """One unit as the other apps' scale steps need it: its branches with their members over time."""

    id: int
    name: str
    joined_on: dt.date | None
    secretary_user_id: int | None
    branches: list[BranchInfo]
    members: dict[int, MemberInfo]

    def members_on(self, day: dt.date) -> list[int]:
        return [m for b in self.branches for m in b.members_on(day)]

    def leaders(self) -> list[int]:
        """The unit's leadership (its 中心组): the leading cadres, else the branch committee members."""
        return [m.id for m in self.members.values() if m.leading] or [
            m.id for m in self.members.values() if m.committee
        ][:7]


def units(context: ScaleContext):
    """Every unit of the database, one `UnitTree` at a time (four queries each)."""
    secretaries = dict(
        UnitUserObjectPermission.objects.filter(permission__codename="manage_unit").values_list(
            "content_object_id", "user_id"
        )
    )
    for unit_id, name, joined_on in Unit.objects.order_by("order", "id").values_list("id", "name", "joined_on"):
        branch_rows = Branch.objects.filter(unit_id=unit_id).order_by("order", "id")
        branches = {b[0]: BranchInfo(*b) for b in branch_rows.values_list("id", "kind", "founded_on", "dissolved_on")}
        for gid, bid, founded, dissolved in PartyGroup.objects.filter(branch__unit_id=unit_id).values_list(
            "id", "branch_id", "founded_on", "dissolved_on"
        ):
            branches[bid].groups.append((gid, founded, dissolved))
        for member_id, bid, s, e in (
            Membership.objects.filter(branch__unit_id=unit_id)
            .order_by("member_id", "start_on")
            .values_list("member_id", "branch_id", "start_on", "end_on")
        ):
            branches[bid].spans.append((member_id, s, e))
        members = {
            row[0]: MemberInfo(*row)
            for row in Member.objects.filter(memberships__branch__unit_id=unit_id)
            .distinct()
            .values_list("id", "birth_date", "is_leading_cadre", "is_branch_committee", "party_group_id", "user_id")
        }
        yield UnitTree(unit_id, name, joined_on, secretaries.get(unit_id), list(branches.values()), members)


__all__ = ["BranchInfo", "MemberInfo", "UnitTree", "scale", "units"]
