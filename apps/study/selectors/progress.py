"""Reads of study progress (学习进度): a member's own page, the secretaries' table, the committee's overview.

- `member_progress(member, year, today=)`: everything the member's page (and the member home's block)
  shows, in a fixed number of queries.
- `progress_table(user=, filters=, today=)`: the table of who is behind, for the members the user keeps
  (branch secretary: their branches; unit secretary: their units; committee: one unit at a time, the
  first by default — never the whole city on one request). A member (the API) gets only themself.
  The page, its Excel export and the API read the same rows; the queries do not grow with the members.
- `overview_snapshots(scope, year=, category=)`: the committee's overview reads stored `UnitStudySnapshot`
  rows only (written by `services.progress.refresh_snapshots`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import IntegerField, QuerySet, Subquery
from django.utils import timezone

from apps.core import study_hours
from apps.orgs.access import Scope, scope_for
from apps.orgs.models import Member, Unit

from ..filters.progress import ProgressFilter
from ..ledger import PRORATION_NOTE, Ledger, Status, ledgers
from ..models import Exam, ExamAttempt, KnowledgeItem, KnowledgeStudy, StudyYear, UnitStudySnapshot
from ..presenters import Segment, bar_segments, evaluation_day, expected_mark
from . import exams as exam_reads
from . import knowledge as knowledge_reads

ZERO = Decimal("0")
RECENT_ENTRIES = 20


def _empty_ledger(member: Member, year: int, settings: StudyYear) -> Ledger:
    """A member no source and no roster day of the year speaks of: nothing due, nothing done."""
    base = settings.leader_target if member.is_branch_committee else settings.member_target
    return Ledger(member.pk, year, member.is_branch_committee, base, ZERO, ZERO, 0)


# --- one member -------------------------------------------------------------------------------------------


@dataclass
class MemberProgress:
    member: Member
    year: int
    as_of: dt.date
    settings: StudyYear
    ledger: Ledger
    segments: list[Segment]
    expected_mark: Decimal | None
    entries: list[study_hours.Entry]
    knowledge_done: int
    knowledge_total: int
    exams_taken: int
    exams_passed: int
    due_exams: list[Exam]
    suggested: list[KnowledgeItem]
    note: str = PRORATION_NOTE
    year_end: dt.date = field(init=False)

    def __post_init__(self):
        self.year_end = dt.date(self.year, 12, 31)

    @property
    def knowledge_left(self) -> int:
        return max(0, self.knowledge_total - self.knowledge_done)

    @property
    def is_current(self) -> bool:
        return self.as_of.year == self.year and self.as_of < self.year_end

    @property
    def days_left(self) -> int:
        return max(0, (self.year_end - self.as_of).days)


def member_progress(
    member: Member, year: int, *, today: dt.date, now: dt.datetime | None = None, detail: bool = True
) -> MemberProgress:
    """One member's year: hours by source against the pro-rated target, 应知应会, exams, what is still due.

    Queries: settings 1, the ledger (3: every source in one), 应知应会 and the year's exams 1, the due exams 1
    (only for this year); with `detail` (the page, not the home's block) also the ledger lines (one per source)
    and the suggested items (1) — nothing more however many lines, exams or items there are.
    """
    as_of = evaluation_day(year, today)
    settings = StudyYear.for_year(year)
    found = ledgers(
        year, today=as_of, members=[member.pk], settings=settings, leaders={member.pk: member.is_branch_committee}
    )
    ledger = found.get(member.pk) or _empty_ledger(member, year, settings)
    entries = study_hours.entries_for(member.pk, dt.date(year, 1, 1), as_of) if detail and as_of.year == year else []
    done, total, tally = _member_counts(member.pk, year)
    current = year == today.year
    due = exam_reads.due_exams(member, now=now or timezone.now()) if current else []
    suggested = exam_reads.missed_items(member, year, unstudied=True) if detail else []
    return MemberProgress(
        member=member,
        year=year,
        as_of=as_of,
        settings=settings,
        ledger=ledger,
        segments=bar_segments(ledger),
        expected_mark=expected_mark(ledger),
        entries=entries,
        knowledge_done=done,
        knowledge_total=total,
        exams_taken=tally.taken,
        exams_passed=tally.passed,
        due_exams=due,
        suggested=suggested,
    )


class _Count(Subquery):
    """The number of rows a queryset returns, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _rows)"
    output_field = IntegerField()


def _member_counts(member_id: int, year: int) -> tuple[int, int, exam_reads.ExamTally]:
    """One member's 应知应会 (items marked studied, items on the list: both over the items in use) and the
    year's exams taken and passed — the same numbers as `knowledge_done`, `knowledge_total` and `exam_tallies`,
    in one query."""
    attempts = ExamAttempt.objects.filter(member_id=member_id, submitted_at__isnull=False, exam__opens_at__year=year)
    row = (
        Member.objects.filter(pk=member_id)
        .annotate(
            done=_Count(KnowledgeStudy.objects.filter(member_id=member_id, item__active=True).values("pk")),
            total=_Count(knowledge_reads.active_items().values("pk")),
            taken=_Count(attempts.values("exam_id").distinct()),
            passed=_Count(attempts.filter(passed=True).values("exam_id").distinct()),
        )
        .values_list("done", "total", "taken", "passed")
        .first()
    )
    done, total, taken, passed = row or (0, knowledge_reads.knowledge_total(), 0, 0)
    return done, total, exam_reads.ExamTally(taken=taken, passed=passed)


# --- the table of who is behind ---------------------------------------------------------------------------


@dataclass
class ProgressRow:
    member: Member
    ledger: Ledger
    knowledge_done: int
    exams_taken: int
    exams_passed: int

    @property
    def hours(self) -> list[Decimal]:
        """Hours by source, in the registry's order (the table's columns)."""
        return [self.ledger.by_source.get(source.key, ZERO) for source in study_hours.sources()]


@dataclass
class Summary:
    members: int = 0
    done: int = 0
    on_track: int = 0
    behind: int = 0
    hours_total: Decimal = ZERO

    @property
    def average(self) -> Decimal | None:
        return (self.hours_total / self.members).quantize(Decimal("0.1")) if self.members else None


@dataclass
class ProgressTable:
    filterset: ProgressFilter
    year: int
    as_of: dt.date
    unit: Unit | None
    rows: list[ProgressRow]
    summary: Summary
    knowledge_total: int
    messages: list[str] = field(default_factory=list)


def progress_members(scope: Scope) -> QuerySet[Member]:
    """The members whose progress this user may list: those of the branches they keep, or themself."""
    members = scope.members().filter(active=True)
    if scope.is_manager:
        return members.filter(branch__in=scope.managed_branches().values("pk"))
    return members.filter(pk=scope.member_id) if scope.member_id else members.none()


def default_unit(scope: Scope) -> Unit | None:
    """The unit a user who spans units sees first (the committee is never shown the whole city at once)."""
    return scope.managed_units().filter(active=True).first()


def progress_filter(*, user, filters=None) -> ProgressFilter:
    """The table's FilterSet over the members the user may list; someone who spans units gets one unit."""
    scope = scope_for(user)
    data = filters.copy() if filters is not None else {}
    if scope.spans_units and not (data.get("unit") or "").strip():
        first = default_unit(scope)
        if first is not None:
            data["unit"] = str(first.pk)
    return ProgressFilter(data, progress_members(scope), scope=scope)


SORTS = {
    "shortfall": lambda r: (-r.ledger.shortfall, r.ledger.percent),
    "percent": lambda r: (r.ledger.percent, r.ledger.total),
    "-percent": lambda r: (-r.ledger.percent, -r.ledger.total),
    "total": lambda r: r.ledger.total,
    "-total": lambda r: -r.ledger.total,
}


def progress_table(*, user, filters=None, today: dt.date) -> ProgressTable:
    """The rows of the table (filtered, sorted), its summary and the FilterSet (for its messages).

    Queries: the unit default 1 (someone who spans units and chose none), the members 1, the ledger
    (4 + one for every source), 应知应会 2, exams 1, the unit 1 — whatever the number of members.
    """
    filterset = progress_filter(user=user, filters=filters)
    year = filterset.value("year", today.year)
    as_of = evaluation_day(year, today)
    unit = filterset.value("unit")
    if unit is None and scope_for(user).spans_units:
        # The committee (or a secretary of several units) with no unit to show: no rows, never the city.
        return ProgressTable(filterset, year, as_of, None, [], Summary(), 0, messages=filterset.messages())
    members_qs = filterset.qs.select_related("branch__unit").order_by("branch__unit__order", "branch__order", "name")
    members = list(members_qs)
    settings = StudyYear.for_year(year)
    found = ledgers(year, today=as_of, members=members_qs, settings=settings)
    done = knowledge_reads.knowledge_done(members_qs)
    tallies = exam_reads.exam_tallies(members_qs, year)
    none = exam_reads.ExamTally()
    rows = []
    for member in members:
        ledger = found.get(member.pk) or _empty_ledger(member, year, settings)
        tally = tallies.get(member.pk, none)
        rows.append(ProgressRow(member, ledger, done.get(member.pk, 0), tally.taken, tally.passed))
    status = filterset.value("status")
    if status:
        rows = [r for r in rows if r.ledger.status == status]
    sort = filterset.value("sort")
    if sort in SORTS:
        rows.sort(key=SORTS[sort])
    summary = Summary()
    for r in rows:
        summary.members += 1
        summary.hours_total += r.ledger.total
        summary.done += r.ledger.status == Status.DONE
        summary.on_track += r.ledger.status == Status.ON_TRACK
        summary.behind += r.ledger.status == Status.BEHIND
    return ProgressTable(
        filterset=filterset,
        year=year,
        as_of=as_of,
        unit=unit,
        rows=rows,
        summary=summary,
        knowledge_total=knowledge_reads.knowledge_total(),
        messages=filterset.messages(),
    )


# --- the committee's overview (stored snapshots) ---------------------------------------------------------


def overview_snapshots(scope: Scope, *, year: int, category: str | None = None) -> list[UnitStudySnapshot]:
    """The stored rows of the year for the units this user keeps (one query; nothing is computed here)."""
    rows = UnitStudySnapshot.objects.filter(year=year, unit__in=scope.managed_units().values("pk"))
    rows = scope.filter(rows).select_related("unit")
    if category:
        rows = rows.filter(unit__category=category)
    return list(rows.order_by("unit__order", "unit_id"))
