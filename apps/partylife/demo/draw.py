"""Drawing the demo's party life (演示数据·绘制): the org tree as the generator sees it, profiles, one record.

`Drawing` loads the tree as it was over the demo's span (from the platform's start: branches that
existed then, merged ones included, and who was in each of them on which days) and the rules,
decides each branch's profile (most model, a fixed fifth behind, a tenth patchy) and draws single
records with their attendance and evidence; `branches` and `units` call it for each calendar.
A record's attendance lists only the members of its branch on its day (`Membership`).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from apps.core.periods import Frequency, Period, local_tz
from apps.orgs import demo_data as org_data
from apps.orgs import tree
from apps.orgs.models import Branch, BranchKind, Member, Membership, PartyGroup, Unit, User
from apps.orgs.tree import platform_start

from .. import counting
from ..models import (
    Activity,
    ActivityStatus,
    ActivityType,
    ComplianceRule,
    EnterpriseProblem,
    EvidenceKind,
    MissedReason,
)
from .script import demo_script
from .texts import ABSENCE_REASONS, GENERAL, LECTURE, ORG_LIFE, SEED


class Profile:
    MODEL = "model"  # everything on time
    PATCHY = "patchy"  # one month skipped somewhere
    BEHIND = "behind"  # skips months, lets records lack evidence, leaves drafts
    SCRIPTED = "scripted"  # the demo branch (and its unit's own records): only what the script says


OLD_INCOMPLETE = {Profile.BEHIND: 0.06}
RECENT_INCOMPLETE = {Profile.MODEL: 0.12, Profile.PATCHY: 0.15, Profile.BEHIND: 0.35}
DRAFT = {Profile.MODEL: 0.015, Profile.PATCHY: 0.03, Profile.BEHIND: 0.1}
BEHIND_SHARE = 0.2
PATCHY_SHARE = 0.1


@dataclass
class Planned:
    """One record to insert, with what hangs on it."""

    activity: Activity
    # (member id, present, absence reason, a draw in [0, 1) that decides the absentee's 补学)
    attendance: list[tuple[int, bool, str, float]] = field(default_factory=list)
    evidence: list[tuple[str, float]] = field(default_factory=list)  # (EvidenceKind, a draw that picks the file)
    problems: list[EnterpriseProblem] = field(default_factory=list)
    also: list[ActivityType] = field(default_factory=list)
    forced_makeup: dict[int, bool] = field(default_factory=dict)  # member id → done (scripted absences)
    speeches: list[tuple[int, str]] = field(default_factory=list)  # 研讨发言: (speaker id, summary)


def _missing(t: ActivityType, minutes: str, kinds: set[str], has_attendance: bool) -> bool:
    """Whether a record lacks evidence: the rules of counting.missing_evidence, without queries."""
    return bool(counting.missing_evidence(t, minutes=minutes, evidence_kinds=kinds, has_attendance=has_attendance))


def weekday(day: dt.date) -> dt.date:
    """Move a weekend day to the Friday before, or the Monday after when the Friday is in another month."""
    if day.weekday() < 5:
        return day
    back = day - dt.timedelta(days=day.weekday() - 4)
    return back if back.month == day.month else day + dt.timedelta(days=7 - day.weekday())


Spans = dict[int, list[tuple[dt.date, dt.date | None]]]  # member id → the [start, end) of each membership


def in_branch(spans: Spans, member: Member, day: dt.date) -> bool:
    return any(start <= day and (end is None or day < end) for start, end in spans.get(member.pk, ()))


class Subject:
    """A branch with everyone who belonged to it during the demo's span, as the generator sees it.

    `since` is its first day of records (its founding, its unit's joining, the platform's start),
    `until` the day it ended (exclusive; None while it goes on). `members` are everyone in it on some
    day of the span, `on(day, people)` those of them in it that day. A party group's members are
    everyone who was ever in it (the members' history), in the branch on the day.
    """

    def __init__(
        self,
        branch: Branch,
        members: list[Member],
        spans: Spans,
        groups: list[PartyGroup],
        group_members: dict[int, set[int]],
        since: dt.date,
    ):
        self.branch = branch
        self.unit = branch.unit
        self.members = members
        self.spans = spans
        self.since, self.until = since, branch.dissolved_on
        self.groups = [(g, [m for m in members if m.pk in group_members.get(g.pk, ())]) for g in groups]
        self.groups = [(g, ms) for g, ms in self.groups if ms]
        self.committee = [m for m in members if m.is_branch_committee] or members[:3]
        self.secretary = self.committee[0]
        self.retired = branch.kind == BranchKind.RETIRED

    def on(self, day: dt.date, people: list[Member]) -> list[Member]:
        """Those of `people` who belonged to this branch on `day`."""
        return [m for m in people if in_branch(self.spans, m, day)]


class Drawing:
    """The party-life records of the demo city, drawn in memory (`branches`, `units` add them; `write` inserts)."""

    def __init__(self, *, today: dt.date, now: dt.datetime):
        self.today, self.now = today, now
        self.yesterday = today - dt.timedelta(days=1)
        # The demo's data starts with the platform (the orgs step sets it to last year's fourth quarter).
        self.start = max(platform_start(), dt.date(today.year - 1, 10, 1))
        self.tz = local_tz()
        self.types = {t.code: t for t in ActivityType.objects.filter(active=True)}
        self.rules: dict[str, ComplianceRule] = {}
        for rule in ComplianceRule.objects.filter(active=True).select_related("activity_type").order_by("order"):
            self.rules.setdefault(rule.activity_type.code, rule)
        self.users = {u.username: u for u in User.objects.filter(username__in=org_data.DEMO_USERNAMES)}
        self.script = demo_script(today)
        self.planned: list[Planned] = []
        self.reasons: list[MissedReason] = []
        self.months = []
        month = Period.containing(self.start, Frequency.MONTH)
        while month.start <= today:
            self.months.append(month)
            month = Period.containing(month.next_start, Frequency.MONTH)
        self.quarters = sorted({Period.containing(m.start, Frequency.QUARTER) for m in self.months})
        self._load()

    # --- the org tree -------------------------------------------------------------------------------
    def _load(self) -> None:
        """The tree as it was from the demo's start to today: a fixed number of queries."""
        start, today = self.start, self.today
        self.units = list(Unit.objects.filter(active=True).order_by("order", "id"))
        self.unit_since = {u.pk: u.judged_from(start) for u in self.units}
        branches = list(
            Branch.objects.existing_during(start, today)
            .filter(unit__active=True)
            .select_related("unit")
            .order_by("unit__order", "unit_id", "order", "id")
        )
        branch_ids = [b.pk for b in branches]
        memberships = tree.memberships_during(branch_ids, start, today)
        in_force = Membership.objects.during(start, today).filter(branch_id__in=branch_ids).values("member_id")
        people = {m.pk: m for m in Member.objects.filter(pk__in=in_force)}
        self.spans: dict[int, Spans] = {}
        for branch_id, rows in memberships.items():
            spans = self.spans.setdefault(branch_id, {})
            for r in rows:
                spans.setdefault(r.member_id, []).append((r.start_on, r.end_on))
        groups: dict[int, list[PartyGroup]] = {}
        existing = PartyGroup.objects.existing_during(start, today).filter(branch__in=branches)
        for g in existing.order_by("branch_id", "id"):
            groups.setdefault(g.branch_id, []).append(g)
        group_members: dict[int, set[int]] = {}
        ever = Member.history.filter(party_group_id__in=[g.pk for gs in groups.values() for g in gs])
        for member_id, group_id in ever.values_list("id", "party_group_id").distinct():
            group_members.setdefault(group_id, set()).add(member_id)
        self.subjects = []
        for b in branches:
            members = sorted((people[pk] for pk in self.spans.get(b.pk, {})), key=lambda m: m.pk)
            if members:
                since = max(b.founded_on, self.unit_since[b.unit_id])
                self.subjects.append(Subject(b, members, self.spans[b.pk], groups.get(b.pk, []), group_members, since))
        self.unit_members: dict[int, list[Member]] = {}
        for s in self.subjects:  # a member of two branches (a move, a merge) is one person of the unit
            known = self.unit_members.setdefault(s.unit.pk, [])
            known.extend(m for m in s.members if m not in known)

    def profiles(self) -> dict[int, str]:
        """A fixed fifth of the branches behind (half of 市发改委's), a tenth patchy; 市财政局 exemplary."""
        profiles: dict[int, str] = {}
        pool = []
        for s in self.subjects:
            if s.unit.name == org_data.DEMO_UNIT:
                demo = s.branch.name == org_data.DEMO_BRANCH
                profiles[s.branch.pk] = Profile.SCRIPTED if demo else Profile.MODEL
            elif s.unit.name == org_data.DEMO_UNIT_2:
                rng = random.Random(f"{SEED}:profile:{s.unit.name}:{s.branch.name}")
                profiles[s.branch.pk] = Profile.BEHIND if rng.random() < 0.5 else Profile.PATCHY
            else:
                pool.append(s)
        rng = random.Random(f"{SEED}:profiles")
        pool.sort(key=lambda s: (s.unit.order, s.unit.name, s.branch.order, s.branch.name))
        rng.shuffle(pool)
        behind_left = round(BEHIND_SHARE * len(self.subjects)) - sum(p == Profile.BEHIND for p in profiles.values())
        patchy_left = round(PATCHY_SHARE * len(self.subjects))
        for s in pool:
            if behind_left > 0:
                profiles[s.branch.pk], behind_left = Profile.BEHIND, behind_left - 1
            elif patchy_left > 0:
                profiles[s.branch.pk], patchy_left = Profile.PATCHY, patchy_left - 1
            else:
                profiles[s.branch.pk] = Profile.MODEL
        return profiles

    # --- one record ----------------------------------------------------------------------------------
    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def held(self, day: dt.date, since: dt.date | None = None, until: dt.date | None = None) -> bool:
        """Whether a record of that day is drawn: in the past, and within [since, until) when given."""
        return day <= self.yesterday and (since is None or day >= since) and (until is None or day < until)

    def record(
        self,
        rng: random.Random,
        code: str,
        *,
        unit: Unit,
        branch: Branch | None,
        held_at: dt.datetime,
        topic: str,
        host: str,
        place: str,
        attendees: list[Member],
        absent_rate: float,
        reasons: tuple[str, ...] = ABSENCE_REASONS,
        profile: str = Profile.MODEL,
        incomplete: bool | None = None,
        draft: bool | None = None,
        created_by: User | None = None,
        **fields,
    ) -> Planned | None:
        t = self.types.get(code)
        if t is None:
            return None
        day = held_at.astimezone(self.tz).date()
        recent = (self.today - day).days <= 10
        this_month = (day.year, day.month) == (self.today.year, self.today.month)
        if incomplete is None:
            rate = OLD_INCOMPLETE.get(profile, 0.0)
            if this_month or (recent and profile == Profile.BEHIND):
                rate = RECENT_INCOMPLETE.get(profile, 0.0)
            incomplete = rng.random() < rate
        if draft is None:  # a draft is a record not finished yet: this month's (a branch behind: of late)
            pending = (self.today - day).days <= 20 if profile == Profile.BEHIND else this_month
            draft = pending and rng.random() < DRAFT.get(profile, 0.0)
        activity = Activity(
            activity_type=t,
            unit=unit,
            branch=branch,
            topic=topic,
            held_at=held_at,
            place=place,
            host=host,
            status=ActivityStatus.DRAFT if draft else ActivityStatus.SUBMITTED,
            created_by=created_by,
            **fields,
        )
        plan = Planned(activity)
        if branch is not None:  # only the branch's members of that day attend
            attendees = [m for m in attendees if in_branch(self.spans.get(branch.pk, {}), m, day)]
        for m in attendees:
            if rng.random() < absent_rate:
                plan.attendance.append((m.pk, False, rng.choice(reasons), rng.random()))
            else:
                plan.attendance.append((m.pk, True, "", 0.0))
        # Evidence as a diligent secretary files it; then take away what an incomplete record lacks.
        kinds = [EvidenceKind.PHOTO] * (1 + (rng.random() < 0.4) if (t.needs_photo or rng.random() < 0.3) else 0)
        if rng.random() < 0.15:
            kinds.append(EvidenceKind.MINUTES)
        if t.needs_signin or (code in (GENERAL, LECTURE, ORG_LIFE) and rng.random() < 0.3):
            kinds.append(EvidenceKind.SIGNIN)
        if not draft and incomplete:
            lacking = next(
                (
                    k
                    for k, needed in (
                        (EvidenceKind.PHOTO, t.needs_photo),
                        (EvidenceKind.MINUTES, t.needs_minutes),
                        (EvidenceKind.SIGNIN, t.needs_signin),
                    )
                    if needed
                ),
                None,
            )
            kinds = [k for k in kinds if k != lacking]
            if lacking == EvidenceKind.MINUTES:
                activity.minutes = ""
        if draft:
            kinds = []  # a draft's files are uploaded when it is finished
        plan.evidence = [(k, rng.random()) for k in kinds]
        activity.evidence_complete = not _missing(t, activity.minutes, set(kinds), bool(plan.attendance))
        if not draft:  # logged the same afternoon, or in office hours a day or two later
            later = day + dt.timedelta(days=rng.randint(1, 2))
            submitted = held_at + dt.timedelta(hours=rng.randint(2, 4)) if rng.random() < 0.6 else None
            submitted = submitted or self.at(later, rng.randint(9, 17), rng.choice((0, 15, 30, 45)))
            activity.submitted_at = min(submitted, self.now - dt.timedelta(minutes=30))
        self.planned.append(plan)
        return plan


def minutes_text(host: str, topic: str, plan_attendees: int, body: str) -> str:
    return (
        f"会议由{host}主持，应到{plan_attendees}人。会议主题：{topic}。{body}"
        "与会同志结合思想和工作实际作了交流发言，会议明确了下一步工作安排。"
    )


# --- a branch --------------------------------------------------------------------------------------
