"""The stored verdicts (评判结果存储): the engine's cells per (branch or unit, rule, window) of each year, kept in
`ComplianceVerdict`, so that a roll-up of many units is one grouped query instead of the engine on a request.

**What is stored.** For a unit and a year, `refresh` runs the engine (`evaluate_units` and `evaluate_branches`
over `Period(year, YEAR)`, for the branches of `rollup_branches`) as of the evaluation day `computed_on` and
replaces the rows: status as computed, count, 需补充 count, `in_rollup` (`Cell.in_rollup`), `hard` (the effective
strength was 刚性). `VerdictYear` marks a unit's year as stored (all of its cells are there); `stale` says a change
to every unit (a rule edited) is being applied after its commit. The engine stays the one definition of a
verdict; nothing here judges anything.

**Kept current in the writer's transaction** (`upkeep.py`): signal receivers on records, attendance, evidence,
“also counts as” links, overrides, the tree (units, branches, party groups, memberships, a member's 支部委员 flag)
mark what a write touched — (unit, branch, year) — and `apps.core.batching` flushes it: at the end of the open
`batch()` (services doing many writes open one: the record form, transfers, the roster import), or at once after
the write when none is open. A flush recomputes only unit-years already stored. Bulk writes that send no signals
report themselves (`batching.changed("orgs.memberships", …)`); the demo seed writes in `batching.suspended()` and
rebuilds at its end. Changes that touch every unit — a compliance rule edited (the years with a month still open:
closed windows keep the rule of their close), an activity type edited, the platform's start, a month closed or
reopened (关账) — mark those years stale in their transaction and `refresh_stale_verdicts_task` recomputes them
right after the commit (a job on the worker; readers ask the engine for stale units meanwhile). 未开展原因 is not
stored (it changes no status).

**Reading** (`read`, `tallies`): per unit and per (unit, rule), the number of windows of each status for a
period — the windows `Period.windows(freq)` selects, branch cells only where `in_rollup`, as `evaluate_by_unit`
takes them — in one grouped query. A status is derived for the reader's evaluation day D in SQL: met, 不适用,
未纳入 and 已撤销 stay; else 未到期 when the window starts after D, 待完成 when it ends on or after D, else
不合格 (hard) or 预警. That is exact when nothing the engine reads by the evaluation day changed between
`computed_on` and D: no record held, party group founded or membership begun in those days of the year (one
query checks). A unit the store cannot answer for — no stored year, stale, or such a change between the days
(a past `?as_of=`, a metric evaluated before the store's day) — is left to the engine: `tallies` evaluates those
units with `evaluate_by_unit`, so callers always get the engine's numbers.

Known limit: the store keeps the windows of the year's evaluation; for a quarter or a month it takes the year's
windows inside it. They differ from a separate evaluation of that quarter or month only when a rule's frequency
changed between two closed months (关账) of the year (`closing.plan` resolves overlapping closed windows
across the whole year).

`rebuild()` recomputes everything in chunks of units (`manage.py rebuild_verdicts [--year Y]`); the nightly
task (`refresh_verdicts_nightly_task`, 00:20) recomputes the years of yesterday and today for every unit, so
windows that ended turn 预警/不合格 and records dated ahead count on their day, and fills unit-years missing
from the stored range (a unit added since, the first night after an upgrade).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, CharField, Count, F, Max, Min, Q, Sum, Value, When
from django.utils import timezone

from apps.core import batching
from apps.core.metrics import percent
from apps.core.periods import Frequency, Period, local_tz
from apps.orgs.models import Branch, Membership, PartyGroup, Unit
from apps.orgs.tree import judged_from_units, platform_start

from ..models import Activity, ComplianceVerdict, PeriodLock, Strength, VerdictYear
from .engine import evaluate_branches, evaluate_by_unit, evaluate_units, rollup_branches
from .verdicts import Cell, Status, SubjectResult

KEY = "partylife.verdicts"
#: Units recomputed together by `rebuild` and the stale refresh: memory stays bounded by a chunk.
CHUNK = 40
#: Statuses that do not depend on the evaluation day once computed.
SETTLED = (Status.MET, Status.NA, Status.NOT_JUDGED, Status.ENDED)


# --- what a write touched ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dirty:
    """Cells to recompute: a unit's own (`branch_id` None), one branch's, or the whole unit (`whole`);
    for one year, or every stored year of the unit (`year` None)."""

    unit_id: int
    year: int | None
    branch_id: int | None = None
    whole: bool = False


def years_since(day: dt.date | None) -> list[int | None]:
    """The years a change dated `day` may touch: from its year to this one (None: every stored year)."""
    if day is None:
        return [None]
    return list(range(day.year, max(day.year, timezone.localdate().year) + 1))


def mark(items: Iterable) -> None:
    """Remember what to recompute (`Dirty`, or ("activity", pk) resolved at the flush)."""
    batching.mark(KEY, items)


def mark_activity_subject(unit_id: int, branch_id: int | None, held_at: dt.datetime) -> None:
    year = held_at.astimezone(local_tz()).year if timezone.is_aware(held_at) else held_at.year
    mark([Dirty(unit_id, year, branch_id)])


def batch():
    """`apps.core.batching.batch()`: the store is recomputed once, at the end, inside the same transaction."""
    return batching.batch()


def mark_stale(years: Iterable[int] | None = None) -> None:
    """A change to every unit: mark their stored years stale now, recompute them after the commit."""
    if batching.is_suspended():
        return
    markers = VerdictYear.objects.all() if years is None else VerdictYear.objects.filter(year__in=list(years))
    if markers.update(stale=True):
        transaction.on_commit(_start_stale_refresh)


def years_with_open_months() -> list[int]:
    """The stored years with a month not closed (关账): the only ones a rule edit changes (`closing`)."""
    closed: dict[int, int] = defaultdict(int)
    for month in PeriodLock.objects.values_list("month", flat=True):
        closed[month.year] += 1
    years = VerdictYear.objects.values_list("year", flat=True).distinct()
    return sorted(year for year in years if closed[year] < 12)


def _start_stale_refresh() -> None:
    from ..tasks import refresh_stale_verdicts_task

    refresh_stale_verdicts_task.delay()


# --- recomputing --------------------------------------------------------------------------------------------


def stored_years(today: dt.date | None = None) -> list[int]:
    """The years the store keeps: from the platform's start to this one (the years the pages offer)."""
    today = today or timezone.localdate()
    return list(range(min(platform_start().year, today.year), today.year + 1))


def _rows(result: SubjectResult, unit_id: int, branch_id: int | None, year: int, today: dt.date):
    for cell in result.cells:
        yield ComplianceVerdict(
            unit_id=unit_id,
            branch_id=branch_id,
            rule_id=cell.rule.pk,
            year=year,
            window_key=cell.window.key,
            frequency=cell.window.kind,
            window_start=cell.window.start,
            window_end=cell.window.end,
            status=cell.status,
            count=cell.count,
            incomplete=cell.incomplete,
            in_rollup=cell.in_rollup,
            hard=cell.rule.strength == Strength.HARD,
            computed_on=today,
        )


def _recompute(year: int, *, whole: set[int], own: set[int], branch_ids: set[int], today: dt.date) -> int:
    """Replace the rows of one year: whole units, units' own cells, single branches (markers already locked)."""
    period = Period(year, Frequency.YEAR)
    unit_level = whole | own
    units = list(Unit.objects.filter(pk__in=sorted(unit_level)))
    branches = list(rollup_branches(units, period).filter(unit_id__in=sorted(whole))) if whole else []
    extra = branch_ids - {b.pk for b in branches}
    if extra:
        branches += list(Branch.objects.filter(pk__in=sorted(extra)).existing_during(period.start, period.end))
    gone = Q(pk__in=[])
    if unit_level:
        gone |= Q(unit_id__in=sorted(unit_level), branch__isnull=True)
    if whole:
        gone |= Q(unit_id__in=sorted(whole), branch__isnull=False)
    if branch_ids or branches:
        gone |= Q(branch_id__in=sorted(branch_ids | {b.pk for b in branches}))  # a moved branch's rows too
    ComplianceVerdict.objects.filter(gone, year=year).delete()
    starts = judged_from_units(unit_level | {b.unit_id for b in branches})
    rows: list[ComplianceVerdict] = []
    if units:
        for unit_id, result in evaluate_units(units, period, today=today, judged_from=starts).items():
            rows.extend(_rows(result, unit_id, None, year, today))
    if branches:
        by_branch = evaluate_branches(branches, period, today=today, judged_from=starts)
        for branch in branches:
            rows.extend(_rows(by_branch[branch.pk], branch.unit_id, branch.pk, year, today))
    ComplianceVerdict.objects.bulk_create(rows, batch_size=2000)
    if whole:
        VerdictYear.objects.filter(unit_id__in=sorted(whole), year=year).update(
            stale=False, refreshed_at=timezone.now()
        )
    return len(rows)


def _lock(unit_ids: Iterable[int], years: Iterable[int] | None = None) -> dict[int, set[int]]:
    """Lock the stored years of these units (one writer per unit-year); per unit, its stored years."""
    markers = VerdictYear.objects.select_for_update().filter(unit_id__in=sorted(set(unit_ids)))
    if years is not None:
        markers = markers.filter(year__in=sorted(set(years)))
    out: dict[int, set[int]] = defaultdict(set)
    for unit_id, year in markers.order_by("unit_id", "year").values_list("unit_id", "year"):
        out[unit_id].add(year)
    return out


def _create_markers(unit_ids: Iterable[int], years: Iterable[int]) -> None:
    now = timezone.now()
    rows = [VerdictYear(unit_id=u, year=y, stale=True, refreshed_at=now) for u in unit_ids for y in years]
    VerdictYear.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def _resolve(items: set) -> set[Dirty]:
    """("activity", pk) → the record's subject and year; ("branch", pk, year) → with its unit; ("member", pk) → its
    memberships' branches (one query each kind)."""
    out = {d for d in items if isinstance(d, Dirty)}
    tagged = [i for i in items if isinstance(i, tuple)]
    activity_ids = sorted({i[1] for i in tagged if i[0] == "activity"})
    member_ids = sorted({i[1] for i in tagged if i[0] == "member"})
    branch_years = [(i[1], i[2]) for i in tagged if i[0] == "branch"]
    if branch_years:
        unit_of = dict(Branch.objects.filter(pk__in={b for b, _ in branch_years}).values_list("pk", "unit_id"))
        out.update(Dirty(unit_of[b], year, b) for b, year in branch_years if b in unit_of)
    if activity_ids:
        for unit_id, branch_id, held_at in Activity.objects.filter(pk__in=activity_ids).values_list(
            "unit_id", "branch_id", "held_at"
        ):
            out.add(Dirty(unit_id, held_at.astimezone(local_tz()).year, branch_id))
    if member_ids:
        rows = Membership.objects.filter(member_id__in=member_ids).values_list(
            "branch__unit_id", "branch_id", "start_on"
        )
        for unit_id, branch_id, start_on in rows:
            out.update(Dirty(unit_id, year, branch_id) for year in years_since(start_on))
    return out


def flush(items: set) -> None:
    """The batching flusher: recompute what writes touched, for the unit-years already stored."""
    dirty = _resolve(items)
    if not dirty:
        return
    stored = _lock({d.unit_id for d in dirty})
    plans: dict[int, dict] = defaultdict(lambda: {"whole": set(), "own": set(), "branch_ids": set()})
    for d in dirty:
        years = stored.get(d.unit_id, set())
        for year in years if d.year is None else years & {d.year}:
            plan = plans[year]
            if d.whole:
                plan["whole"].add(d.unit_id)
            elif d.branch_id is None:
                plan["own"].add(d.unit_id)
            else:
                plan["branch_ids"].add(d.branch_id)
    today = timezone.localdate()
    for year in sorted(plans):
        plan = plans[year]
        plan["own"] -= plan["whole"]
        _recompute(year, **plan, today=today)


def refresh(
    *,
    units: Iterable[Unit | int] = (),
    branches: Iterable[Branch | int] = (),
    years: Iterable[int],
    today: dt.date | None = None,
) -> int:
    """Recompute, as of `today`, the given units (their own cells and every branch's; their years become stored)
    and branches for the given years, replacing their rows. Returns the number of rows written."""
    unit_ids = {getattr(u, "pk", u) for u in units}
    branch_ids = {getattr(b, "pk", b) for b in branches}
    years = sorted(set(years))
    today = today or timezone.localdate()
    written = 0
    with transaction.atomic():
        _create_markers(unit_ids, years)
        _lock(unit_ids | set(Branch.objects.filter(pk__in=branch_ids).values_list("unit_id", flat=True)), years)
        for year in years:
            written += _recompute(year, whole=set(unit_ids), own=set(), branch_ids=branch_ids, today=today)
    return written


def rebuild(*, years: Iterable[int] | None = None, today: dt.date | None = None, chunk: int = CHUNK) -> int:
    """Recompute every unit for the years (default: every stored year, dropping years outside), `chunk` units at a
    time, each chunk in its own transaction. Returns the number of rows written."""
    today = today or timezone.localdate()
    if years is None:
        years = stored_years(today)
        VerdictYear.objects.exclude(year__in=years).delete()
        ComplianceVerdict.objects.exclude(year__in=years).delete()
    unit_ids = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for year in sorted(set(years)):
        for i in range(0, len(unit_ids), chunk):
            written += refresh(units=unit_ids[i : i + chunk], years=[year], today=today)
    return written


def refresh_stale(*, today: dt.date | None = None, chunk: int = CHUNK) -> int:
    """Recompute the stale unit-years, `chunk` at a time; copies running at once take different ones."""
    today = today or timezone.localdate()
    written = 0
    while True:
        with transaction.atomic():
            markers = list(
                VerdictYear.objects.select_for_update(skip_locked=True)
                .filter(stale=True)
                .order_by("year", "unit_id")
                .values_list("year", "unit_id")[:chunk]
            )
            if not markers:
                return written
            by_year: dict[int, set[int]] = defaultdict(set)
            for year, unit_id in markers:
                by_year[year].add(unit_id)
            for year, unit_ids in by_year.items():
                written += _recompute(year, whole=unit_ids, own=set(), branch_ids=set(), today=today)


def refresh_nightly(*, today: dt.date | None = None, chunk: int = CHUNK) -> int:
    """The nightly pass: the years of yesterday and today for every unit, then what is stale or missing."""
    today = today or timezone.localdate()
    in_range = stored_years(today)
    years = {(today - dt.timedelta(days=1)).year, today.year} & set(in_range)
    written = rebuild(years=sorted(years), today=today, chunk=chunk)
    written += refresh_stale(today=today, chunk=chunk)
    unit_ids = set(Unit.objects.values_list("pk", flat=True))
    have = defaultdict(set)
    for unit_id, year in VerdictYear.objects.filter(year__in=in_range).values_list("unit_id", "year"):
        have[year].add(unit_id)
    for year in in_range:
        missing = sorted(unit_ids - have[year])
        for i in range(0, len(missing), chunk):
            written += refresh(units=missing[i : i + chunk], years=[year], today=today)
    return written


# --- reading ---------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Windows counted per status, and their 需补充 records."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Status.values, 0))
    incomplete: int = 0

    def add(self, status: str, n: int = 1, incomplete: int = 0) -> None:
        self.counts[status] += n
        self.incomplete += incomplete

    @property
    def rate(self):
        """Met out of decided windows: `SubjectResult.rate`, what scoring ranks by."""
        met = self.counts[Status.MET]
        return percent(met, met + self.counts[Status.WARNING] + self.counts[Status.FAILURE])


@dataclass
class Tallies:
    """Per unit and per (unit, rule), the windows of a period by status; `missing`: units the store left out."""

    units: dict[int, Tally] = field(default_factory=dict)
    rules: dict[tuple[int, int], Tally] = field(default_factory=dict)
    missing: set[int] = field(default_factory=set)

    def add_cell(self, unit_id: int, cell: Cell) -> None:
        self.units.setdefault(unit_id, Tally()).add(cell.status, 1, cell.incomplete)
        self.rules.setdefault((unit_id, cell.rule.pk), Tally()).add(cell.status, 1, cell.incomplete)

    def add_results(self, results: dict[int, SubjectResult]) -> None:
        """The engine's roll-ups (`evaluate_by_unit`) for units the store could not answer for."""
        for unit_id, result in results.items():
            self.units.setdefault(unit_id, Tally())
            for cell in result.cells:
                self.add_cell(unit_id, cell)
            self.missing.discard(unit_id)


def derived_status(day: dt.date) -> Case:
    """A stored cell's status as of `day` (on or after its `computed_on`, nothing held in between): `verdict`."""
    return Case(
        When(status__in=SETTLED, then=F("status")),
        When(window_start__gt=day, then=Value(Status.UPCOMING.value)),
        When(window_end__gte=day, then=Value(Status.DUE.value)),
        When(hard=True, then=Value(Status.FAILURE.value)),
        default=Value(Status.WARNING.value),
        output_field=CharField(),
    )


def window_keys(period: Period) -> list[str]:
    """The windows of every frequency a period takes (`Period.windows`): their keys differ across frequencies."""
    return [w.key for freq in Frequency.values for w in period.windows(freq)]


def _changed_between(unit_ids: list[int], year: Period, first: dt.date, last: dt.date) -> set[int]:
    """Units with something the engine reads by its evaluation day dated in [first, last] of the year (one query):
    a record held, a party group founded, a membership begun."""
    first, last = max(first, year.start), min(last, year.next_start)
    if first > last:
        return set()
    tz = local_tz()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    records = Activity.objects.filter(unit_id__in=unit_ids, held_at__gte=start, held_at__lt=end)
    groups = PartyGroup.objects.filter(branch__unit_id__in=unit_ids, founded_on__range=(first, last))
    joined = Membership.objects.filter(branch__unit_id__in=unit_ids, start_on__range=(first, last))
    rows = (
        records.order_by()
        .values_list("unit_id")
        .union(groups.order_by().values_list("branch__unit_id"), joined.order_by().values_list("branch__unit_id"))
    )
    return {unit_id for (unit_id,) in rows}


def read(unit_ids: Iterable[int], period: Period, *, today: dt.date, rule_ids: list[int] | None = None) -> Tallies:
    """The stored tallies of the units for the period as of `today` (the engine's evaluation day): two queries,
    a third when the stored day differs from `today` within the period's year. Units the store cannot answer
    for are in `missing` (with no tally)."""
    unit_ids = sorted(set(unit_ids))
    out = Tallies()
    fresh = set(
        VerdictYear.objects.filter(unit_id__in=unit_ids, year=period.year, stale=False).values_list(
            "unit_id", flat=True
        )
    )
    out.missing = set(unit_ids) - fresh
    if not fresh:
        return out
    rows = ComplianceVerdict.objects.filter(
        Q(branch__isnull=True) | Q(in_rollup=True),
        unit_id__in=sorted(fresh),
        year=period.year,
        window_key__in=window_keys(period),
    )
    if rule_ids is not None:
        rows = rows.filter(rule_id__in=list(rule_ids))
    grouped = (
        rows.annotate(derived=derived_status(today))
        .values("unit_id", "rule_id", "derived")
        .annotate(n=Count("id"), incomplete=Sum("incomplete"), first=Min("computed_on"), last=Max("computed_on"))
        .order_by()
    )
    days: dict[int, list[dt.date]] = defaultdict(list)
    for row in grouped:
        unit_id = row["unit_id"]
        out.units.setdefault(unit_id, Tally()).add(row["derived"], row["n"], row["incomplete"] or 0)
        out.rules.setdefault((unit_id, row["rule_id"]), Tally()).add(row["derived"], row["n"], row["incomplete"] or 0)
        days[unit_id] += [row["first"], row["last"]]
    for unit_id in fresh:
        out.units.setdefault(unit_id, Tally())
    if days:
        low = min(min(d) for d in days.values())
        high = max(max(d) for d in days.values())
        first, last = min(today, low) + dt.timedelta(days=1), max(today, high) + dt.timedelta(days=1)
        if (low, high) != (today, today):
            year = Period(period.year, Frequency.YEAR)
            for unit_id in _changed_between(sorted(days), year, first, last):
                out.missing.add(unit_id)
                out.units.pop(unit_id, None)
                for key in [k for k in out.rules if k[0] == unit_id]:
                    del out.rules[key]
    return out


def tallies(units: Iterable[Unit], period: Period, *, today: dt.date, rule_ids: list[int] | None = None) -> Tallies:
    """Per unit and per (unit, rule), the windows of the period by status as of `today`, as `evaluate_by_unit`
    gives them: from the store, and from the engine for the units it cannot answer for."""
    units = list(units)
    out = read([u.pk for u in units], period, today=today, rule_ids=rule_ids)
    if out.missing:
        rest = [u for u in units if u.pk in out.missing]
        out.add_results(evaluate_by_unit(rest, period, today=today, rule_ids=rule_ids))
    return out
