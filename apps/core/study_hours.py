"""The study-hours source registry (学时来源): every app that records study feeds one ledger, entered once.

A lesson is typed where it happens — a 党课 or a 主题党日 in party life, a 周学 or a 专题培训 in
study, a 警示教育 session in discipline — and the study ledger (`apps.study.ledger`) sums the
hours every registered source yields. Sibling apps never import each other: each registers its
sources here in `AppConfig.ready()`.

A source answers, for a window of days, the hours each member earned, in **one grouped query**:

    study_hours.register(
        HoursSource(
            key="partylife.branch",
            label="党课、主题党日",
            hours=hours_from(lesson_rows),  # hours(start, end, *, member_ids=None) -> {member_id: Decimal}
            rows=lesson_rows,               # rows(start, end, *, member_ids=None) -> QuerySet (see below)
            entries=branch_lesson_entries,  # entries(member_id, start, end) -> [Entry]   (one member's lines)
            attendees=counted_attendees,    # attendees(ids) -> {(event_id, member_id)} (optional, see below)
            events_on=lessons_on,           # events_on(unit_id, branch_id, day) -> [(ref, label)] (optional)
        )
    )

`start` and `end` are days, both included; `member_ids` is None (every member) or an iterable
or a `values("pk")` queryset (kept as a subquery: still one query).

**One query for every source.** A source that gives `rows` hands the ledger an unevaluated
`values_list` queryset of `(member_id, hours, ref)` — grouped per member with `ref` "" — (or a list of
such querysets, its arms) and
`hours_by_source` reads all such sources in one `UNION ALL` (each arm tagged with its source), then
lets each source `settle` its rows into hours per member (default `sum_rows`: add them up). A source
whose rows need a second look (the study sessions linked to another app's record carry the record's
`ref`, and only the members that record did not count get their hours) settles them itself; it runs
that extra query only when such rows came back. A source without `rows` is asked with `hours()`.

**Never counted twice.** When a study session is the same event as a record another app holds
(a branch held its 周学 as the lesson of its 主题党日), the session stores that record's reference
(`EventRef`, "partylife.branch:123"): the source that owns the reference tells which members it
already counted (`attendees`) and the session counts only for the others. `events_on` offers the
references a session may link to (the records of that unit or branch on that day).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import IntegerField, QuerySet, Value

HoursFn = Callable[..., dict[int, Decimal]]
# rows(start, end, *, member_ids=None) -> a values_list queryset of (member_id, hours, ref), or a list of them
RowsFn = Callable[..., "QuerySet | list[QuerySet]"]
Row = tuple[int, Decimal, str]


@dataclass(frozen=True)
class Entry:
    """One line of a member's ledger (学时明细): the record behind some hours."""

    day: dt.date
    title: str
    hours: Decimal
    source: str = ""  # the source's key (filled by `entries_for`)
    url: str = ""


@dataclass(frozen=True)
class HoursSource:
    key: str  # app-prefixed: "partylife.branch", "study.sessions"
    label: str  # what the member reads beside the bar: "党课、主题党日"
    hours: HoursFn
    entries: Callable[..., list[Entry]]
    attendees: Callable[[list[int]], set[tuple[int, int]]] | None = None
    events_on: Callable[..., list[tuple[str, str]]] | None = None
    order: int = 100
    colour: str = ""  # the bar segment's colour (a CSS colour); empty: the page picks one
    rows: RowsFn | None = None  # the hours as rows, read with every other source's in one query
    settle: Callable[[list[Row]], dict[int, Decimal]] | None = None  # rows -> hours (default: sum_rows)


_REGISTRY: dict[str, HoursSource] = {}


def register(source: HoursSource) -> HoursSource:
    if source.key in _REGISTRY and _REGISTRY[source.key].hours is not source.hours:
        raise ValueError(f"study-hours source {source.key} registered twice")
    _REGISTRY[source.key] = source
    return source


def sources() -> list[HoursSource]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.key))


def get(key: str) -> HoursSource:
    return _REGISTRY[key]


def sum_rows(rows: Iterable[Row]) -> dict[int, Decimal]:
    """The default settling of a source's rows: each member's hours added up."""
    out: dict[int, Decimal] = defaultdict(Decimal)
    for member_id, hours, _ref in rows:
        out[member_id] += Decimal(hours)
    return dict(out)


def _arms(rows: QuerySet | list[QuerySet]) -> list[QuerySet]:
    return [rows] if isinstance(rows, QuerySet) else list(rows)


def hours_from(rows: RowsFn, settle: Callable[[list[Row]], dict[int, Decimal]] = sum_rows) -> HoursFn:
    """A source's `hours` function made of its `rows` and `settle` (one definition of what counts)."""

    def hours(start: dt.date, end: dt.date, *, member_ids=None) -> dict[int, Decimal]:
        arms = _arms(rows(start, end, member_ids=member_ids))
        return settle(list(arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]))

    return hours


def hours_by_source(
    start: dt.date, end: dt.date, *, member_ids: Iterable[int] | None = None
) -> dict[int, dict[str, Decimal]]:
    """Per member, the hours of every source in [start, end]: one query for every source that gives `rows`
    (a UNION ALL), one more per source that does not, and whatever a source's `settle` needs."""
    listed = sources()
    if member_ids is not None and not isinstance(member_ids, QuerySet):
        member_ids = list(member_ids)  # a generator would be read by the first arm only
    by_source: dict[str, dict[int, Decimal]] = {}
    unioned = [source for source in listed if source.rows is not None]
    if unioned:
        arms = [
            arm.order_by().annotate(_source=Value(i, IntegerField()))
            for i, source in enumerate(unioned)
            for arm in _arms(source.rows(start, end, member_ids=member_ids))
        ]
        rows: dict[int, list[Row]] = defaultdict(list)
        for member_id, hours, ref, i in arms[0].union(*arms[1:], all=True):
            rows[i].append((member_id, hours, ref))
        for i, source in enumerate(unioned):
            by_source[source.key] = (source.settle or sum_rows)(rows[i])
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for source in listed:
        found = by_source.get(source.key)
        if found is None:
            found = source.hours(start, end, member_ids=member_ids)
        for member_id, hours in found.items():
            if hours:
                out[member_id][source.key] = Decimal(hours)
    return dict(out)


def entries_for(member_id: int, start: dt.date, end: dt.date) -> list[Entry]:
    """One member's ledger lines from every source, newest first."""
    lines = []
    for source in sources():
        for entry in source.entries(member_id, start, end):
            lines.append(Entry(day=entry.day, title=entry.title, hours=entry.hours, source=source.key, url=entry.url))
    return sorted(lines, key=lambda e: (e.day, e.title), reverse=True)


# --- references to another app's event ("the same event") ------------------------------------


def make_ref(source_key: str, event_id: int) -> str:
    return f"{source_key}:{event_id}"


def parse_ref(ref: str) -> tuple[str, int] | None:
    """("partylife.branch", 123) for "partylife.branch:123"; None for anything else (unknown source too)."""
    key, _, raw = (ref or "").rpartition(":")
    if key not in _REGISTRY:
        return None
    try:
        event_id = int(raw, 10)
    except ValueError:
        return None
    return (key, event_id) if event_id > 0 and str(event_id) == raw else None


def counted_attendees(refs: Iterable[str]) -> set[tuple[str, int]]:
    """(ref, member_id) for every member the owning source counted at each referenced event.

    One query per source that owns some of the references.
    """
    by_source: dict[str, list[int]] = defaultdict(list)
    for ref in refs:
        parsed = parse_ref(ref)
        if parsed:
            by_source[parsed[0]].append(parsed[1])
    out = set()
    for key, ids in by_source.items():
        source = _REGISTRY[key]
        if source.attendees is None:
            continue
        for event_id, member_id in source.attendees(sorted(set(ids))):
            out.add((make_ref(key, event_id), member_id))
    return out


def events_on(unit_id: int, branch_id: int | None, day: dt.date) -> list[tuple[str, str]]:
    """The events of other apps a study session of this unit (or branch) on this day may be the same as."""
    options = []
    for source in sources():
        if source.events_on is not None:
            options.extend(source.events_on(unit_id, branch_id, day))
    return options
