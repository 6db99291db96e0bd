"""The org tree's demo step (演示数据·组织架构): 40 units, ~200 branches, ~3,000 members, one account per role.

The roster is drawn from `apps.orgs.demo_data` with a fixed random seed, so every
run on every machine builds the same people. Rows are bulk-inserted with their
history (a few seconds); the per-row services would take minutes. Every row still
satisfies the model's fields and constraints.

Registered in `OrgsConfig.ready()` as the demo step every other app's step builds on;
`manage.py seed_demo` (apps.demo) runs it. `seed` also opens the demo accounts and
takes today's headcount snapshot (the committee home reads it).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db.models import ProtectedError, RestrictedError
from django.test.utils import override_settings
from guardian.shortcuts import assign_perm
from simple_history.utils import bulk_create_with_history, get_history_model_for_model

from apps.core.demo import DemoContext
from apps.core.periods import add_years

from . import demo_data as data
from . import lockout
from .access import Role
from .models import Branch, BranchKind, Gender, Member, Membership, MemberStatus, PartyGroup, PartyOrgKind, Unit, User
from .services import headcount_snapshot, memberships_open_bulk

LABEL = "单位、支部、党小组、党员及演示账号"
ORG_MODELS = (Membership, Member, PartyGroup, Branch, Unit)  # in the order they can be deleted
CURRENT_YEAR_BRANCHES = 4  # branches founded this year, so party-life rules start mid-year


def _dedupe(chars: str) -> str:
    return "".join(dict.fromkeys(chars))


@dataclass
class BranchPlan:
    branch: Branch
    members: list[Member] = field(default_factory=list)
    groups: list[PartyGroup] = field(default_factory=list)
    seen: set[tuple[str, dt.date]] = field(default_factory=set)  # (name, birth_date): the roster's natural key


class DemoCity:
    """Draw the whole city in memory (unsaved model instances); `Command` writes it.

    All randomness comes from one `random.Random(SEED)` consumed in a fixed order, so
    the result depends on the data lists only. Today's date is used for two things
    that must stay true over time and never changes a draw: probationary members
    joined within the last year, and a few branches were founded this year.
    """

    def __init__(self, *, today: dt.date):
        self.rng = random.Random(data.SEED)
        self.today = today
        # A machine whose clock is before the reference day still gets no future dates.
        self.reference = min(data.REFERENCE_DATE, today)
        self.surnames = _dedupe(data.SURNAMES)
        self.surname_weights = [1 / (rank + 6) for rank in range(len(self.surnames))]
        self.given_names = {key: (_dedupe(a), _dedupe(b)) for key, (a, b) in data.GIVEN_NAMES.items()}
        self.units: list[Unit] = []
        self.plans: list[BranchPlan] = []
        self.plans_by_unit: dict[str, list[BranchPlan]] = {}
        for order, spec in enumerate(data.UNITS, start=1):
            self._unit(spec, order * 10)
        self._found_branches_this_year()

    # --- people ---------------------------------------------------------------------------
    def _name(self, *, gender: str, birth_year: int) -> str:
        rng = self.rng
        surname = rng.choices(self.surnames, weights=self.surname_weights)[0]
        era = next(i for i, (before, _) in enumerate(data.NAME_ERAS) if birth_year < before)
        if rng.random() < 0.2:  # some carry a name of the generation before or after
            era = min(max(era + rng.choice((-1, 1)), 0), len(data.NAME_ERAS) - 1)
        era_name = data.NAME_ERAS[era][1]
        firsts, lasts = self.given_names[(gender, era_name)]
        last = rng.choice(lasts)
        if rng.random() < data.SINGLE_CHARACTER_SHARE[era_name]:
            return surname + last
        if gender == Gender.FEMALE and era_name == "modern" and rng.random() < 0.05:
            return surname + last * 2  # 婷婷, 琳琳
        return surname + rng.choice(firsts.replace(last, "")) + last

    def _birth_date(self, age: int) -> dt.date:
        """A birthday that makes the person exactly `age` on the reference day."""
        return add_years(self.reference, -(age + 1)) + dt.timedelta(days=1 + self.rng.randrange(364))

    def _join_date(self, birth: dt.date, *, probationary: bool) -> dt.date:
        """After the 18th birthday; a full member's probation year ended before the reference day."""
        earliest = add_years(birth, 18) + dt.timedelta(days=1)
        if probationary:
            return max(earliest, self.today - dt.timedelta(days=self.rng.randint(20, 340)))
        latest = add_years(self.reference, -1)
        joined = add_years(birth, 18 + int(self.rng.triangular(0, 22, 5))) + dt.timedelta(
            days=1 + self.rng.randrange(364)
        )
        if joined > latest:
            joined = earliest + dt.timedelta(days=self.rng.randrange((latest - earliest).days + 1))
        return joined

    def _person(
        self,
        plan: BranchPlan,
        *,
        age: int,
        female_share: float,
        position: str,
        leading: bool = False,
        probationary: bool = False,
    ) -> Member:
        female = self.rng.random() < female_share
        if female and plan.branch.kind == BranchKind.SERVING and age > 57:
            age = self.rng.randint(50, 57)  # women here retire earlier
        birth = self._birth_date(age)
        gender = Gender.FEMALE if female else Gender.MALE
        name = self._name(gender=gender, birth_year=birth.year)
        while (name, birth) in plan.seen:  # the roster's natural key must stay unique
            name = self._name(gender=gender, birth_year=birth.year)
        plan.seen.add((name, birth))
        member = Member(
            branch=plan.branch,
            name=name,
            gender=gender,
            birth_date=birth,
            join_date=self._join_date(birth, probationary=probationary),
            status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
            position=position,
            is_leading_cadre=leading,
        )
        plan.members.append(member)
        return member

    def _staff_age(self) -> int:
        low, high = self.rng.choices(((23, 29), (30, 39), (40, 49), (50, 59)), weights=(18, 30, 30, 22))[0]
        return self.rng.randint(low, high)

    # --- the tree -------------------------------------------------------------------------
    def _unit(self, spec: data.UnitSpec, order: int) -> None:
        rng = self.rng
        unit = Unit(
            name=spec.name,
            short_name=spec.short_name,
            category=spec.category,
            party_org_kind=PartyOrgKind.COMMITTEE if spec.branches >= 6 else PartyOrgKind.GENERAL_BRANCH,
            order=order,
        )
        self.units.append(unit)
        serving = spec.branches - 1
        # (branch name, section or None): sections first, then "机关第N党支部" for the rest.
        names = [(data.SECTION_BRANCH_PATTERN.format(section=s), s) for s in spec.sections[:serving]]
        names += [(data.GENERIC_BRANCH_PATTERN.format(n=data.ORDINALS[i]), None) for i in range(serving - len(names))]
        if spec.branches >= 8:
            serving_size, retired_size = (11, 20), (18, 32)
        elif spec.branches >= 5:
            serving_size, retired_size = (9, 17), (12, 22)
        else:
            serving_size, retired_size = (7, 14), (6, 14)

        plans = []
        for index, (name, section) in enumerate(names):
            plan = self._branch(unit, name, BranchKind.SERVING, order=(index + 1) * 10)
            self._serving_roster(plan, spec, section=section, size=rng.randint(*serving_size))
            plans.append(plan)
        # The unit's leaders sit in the first few branches (each keeps a branch membership).
        leader, deputy = spec.head
        self._person(
            plans[0],
            age=rng.randint(50, 58),
            female_share=spec.female * 0.3,
            position=leader,
            leading=True,
        )
        for i in range(rng.randint(2, 4)):
            self._person(
                plans[i % min(4, len(plans))],
                age=rng.randint(44, 57),
                female_share=spec.female * 0.5,
                position=deputy,
                leading=True,
            )
        retired = self._branch(unit, data.RETIRED_BRANCH_NAME, BranchKind.RETIRED, order=(serving + 1) * 10)
        for _ in range(rng.randint(*retired_size)):
            female = rng.random() < 0.4
            age = int(rng.triangular(55, 80, 63)) if female else int(rng.triangular(60, 80, 66))
            self._person(retired, age=age, female_share=1.0 if female else 0.0, position=data.RETIRED_POSITION)
        plans.append(retired)

        for plan in plans:
            self._committee(plan)
            self._party_groups(plan)
        self.plans += plans
        self.plans_by_unit[unit.name] = plans

    def _branch(self, unit: Unit, name: str, kind: str, *, order: int) -> BranchPlan:
        rng = self.rng
        if kind == BranchKind.RETIRED:
            start, days = dt.date(1998, 1, 1), 18 * 365
        elif rng.random() < 0.3:  # many branches were re-formed in the 2019 institutional reform
            start, days = dt.date(2019, 1, 1), 365
        else:
            start, days = dt.date(1995, 1, 1), 29 * 365
        founded = start + dt.timedelta(days=rng.randrange(days))
        return BranchPlan(branch=Branch(unit=unit, name=name, kind=kind, founded_on=founded, order=order))

    def _serving_roster(self, plan: BranchPlan, spec: data.UnitSpec, *, section: str | None, size: int) -> None:
        rng = self.rng
        head, deputy = next(
            (titles for suffix, titles in data.SECTION_HEADS if section and section.endswith(suffix)),
            data.GENERIC_HEADS[spec.rank],
        )
        self._person(
            plan,
            age=rng.randint(42, 57),
            female_share=spec.female * 0.6,
            position=head,
            leading=spec.rank == "处",
        )
        for _ in range(1 if size < 9 else rng.randint(1, 2)):
            self._person(plan, age=rng.randint(35, 53), female_share=spec.female * 0.8, position=deputy)
        ladder = data.STAFF_LADDERS[spec.ladder]
        while len(plan.members) < size:
            age = self._staff_age()
            rung = 0 if age >= 50 else 1 if age >= 40 else 2 if age >= 30 else 3
            self._person(
                plan,
                age=age,
                female_share=spec.female,
                position=rng.choice(ladder[rung]),
                probationary=age <= 35 and rng.random() < 0.22,
            )

    def _committee(self, plan: BranchPlan) -> None:
        """Elect 3–7 支部委员 among full members; in a serving branch the section head is secretary."""
        rng = self.rng
        size = rng.choice(next(sizes for limit, sizes in data.COMMITTEE_SIZES if len(plan.members) < limit))
        full = [m for m in plan.members if m.status == MemberStatus.FULL]
        if plan.branch.kind == BranchKind.SERVING:
            chosen = [full[0]] + rng.sample(full[1:], min(size, len(full)) - 1)
        else:
            chosen = rng.sample(full, min(size, len(full)))
        for member in chosen:
            member.is_branch_committee = True
        # The secretary (the first committee member) heads the roster.
        plan.members.sort(key=lambda m: m is not chosen[0])

    def _party_groups(self, plan: BranchPlan) -> None:
        rng = self.rng
        if len(plan.members) < 15 or rng.random() >= 0.45:
            return
        names = data.RETIRED_GROUP_NAMES if plan.branch.kind == BranchKind.RETIRED else data.SERVING_GROUP_NAMES
        plan.groups = [PartyGroup(branch=plan.branch, name=name) for name in names[: rng.choice((2, 3))]]
        for i, member in enumerate(plan.members):
            member.party_group = plan.groups[i % len(plan.groups)]

    def _found_branches_this_year(self) -> None:
        """A few serving branches (never the demo accounts' units) were founded this year, mid-year."""
        candidates = [
            p
            for p in self.plans
            if p.branch.kind == BranchKind.SERVING and p.branch.unit.name not in (data.DEMO_UNIT, data.DEMO_UNIT_2)
        ]
        jan_1, jul_1 = dt.date(self.today.year, 1, 1), dt.date(self.today.year, 7, 1)
        founded = jul_1 if self.today >= jul_1 else jan_1 + (self.today - jan_1) // 2
        for plan in self.rng.sample(candidates, CURRENT_YEAR_BRANCHES):
            plan.branch.founded_on = founded

    # --- what the accounts link to ---------------------------------------------------------
    def demo_branch_plan(self) -> BranchPlan:
        return next(p for p in self.plans_by_unit[data.DEMO_UNIT] if p.branch.name == data.DEMO_BRANCH)

    def unit_named(self, name: str) -> Unit:
        return next(u for u in self.units if u.name == name)

    @property
    def branches(self) -> list[Branch]:
        return [p.branch for p in self.plans]

    @property
    def groups(self) -> list[PartyGroup]:
        return [g for p in self.plans for g in p.groups]

    @property
    def members(self) -> list[Member]:
        return [m for p in self.plans for m in p.members]


# --- the step ---------------------------------------------------------------------------------


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
    rows = _accounts(city, now=context.now)  # before the members: two of them link to an account
    _insert(city.members, ("branch", "party_group", "user"))
    memberships_open_bulk(city.members, reason="导入演示数据")
    headcount_snapshot(on=context.today)
    context.notes.append(
        "\n演示账号（密码相同，登录后无需修改）：\n" + format_table([("角色", "用户名", "密码", "所属"), *rows])
    )
    members = city.members
    probationary = sum(m.status == MemberStatus.PROBATIONARY for m in members)
    return (
        f"单位 {len(city.units)} 个，支部 {len(city.branches)} 个，"
        f"党小组 {len(city.groups)} 个，党员 {len(members)} 名（预备党员 {probationary} 名）"
    )


def present() -> str:
    """What of the demo tree exists already: "40 个单位", or "" on an empty database."""
    count = Unit.objects.count()
    return f"{count} 个单位" if count else ""


def reset() -> None:
    """Delete the org tree leaf first (Member and Branch are PROTECTed), the demo users, and their history.

    The steps built on the tree (party life) are reset before this one; a record of
    another kind still pointing at the tree stops the reset with a message naming it.
    """
    try:
        # No "deleted" history rows: the history of these tables is cleared just below.
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
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


def _accounts(city: DemoCity, *, now: dt.datetime) -> list[tuple[str, ...]]:
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
