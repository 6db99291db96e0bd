"""The demo city drawn in memory (演示数据·组织架构): 40 units, ~200 branches, ~3,000 members.

The roster is drawn from `apps.orgs.demo_data` with a fixed random seed, so every
run on every machine builds the same people. Nothing here touches the database:
the step (`apps.orgs.demo`) writes what `DemoCity` draws.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from apps.core.periods import add_years

from .. import demo_data as data
from ..models import Branch, BranchKind, Gender, Member, MemberStatus, PartyGroup, PartyOrgKind, Unit

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
