"""The committee's supervision board (监督总览) and a unit's own supervision page (本单位监督).

Read straight from the models, a fixed number of grouped queries whatever the number of units or
records: open rectifications by unit (overdue first), cards in force, reports not yet in for the
rounds that are due (due within `REPORT_AHEAD_DAYS` or past, for the last `REPORT_BACK_DAYS`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum

from apps.orgs.models import Unit

from ..models import (
    Card,
    CardColour,
    DutyReport,
    Rectification,
    RectificationStatus,
    ReportRound,
    ReportStatus,
    Talk,
)
from .education import cases_sent_to

REPORT_AHEAD_DAYS = 30
REPORT_BACK_DAYS = 366
IN = (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


@dataclass
class UnitRow:
    unit: Unit
    open_count: int = 0
    overdue_count: int = 0
    oldest_overdue_days: int = 0
    yellow: int = 0
    red: int = 0
    deduction: Decimal = Decimal("0")
    reports_missing: list[ReportRound] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.open_count or self.yellow or self.red or self.reports_missing)


def due_rounds(today: dt.date, *, ahead_days: int | None = REPORT_AHEAD_DAYS) -> list[ReportRound]:
    """Rounds opened whose due day is at most `ahead_days` ahead (None: any) and not older than REPORT_BACK_DAYS."""
    rounds = ReportRound.objects.filter(
        opened_at__isnull=False, due_on__gte=today - dt.timedelta(days=REPORT_BACK_DAYS)
    )
    if ahead_days is not None:
        rounds = rounds.filter(due_on__lte=today + dt.timedelta(days=ahead_days))
    return list(rounds.prefetch_related("units").order_by("due_on", "id"))


def _missing_reports(rounds: list[ReportRound], unit_ids: list[int]) -> dict[int, list[ReportRound]]:
    """Per unit, the due rounds it has not yet submitted a report for (one query beyond the rounds)."""
    got = set(
        DutyReport.objects.filter(round__in=rounds, unit_id__in=unit_ids, status__in=IN).values_list(
            "round_id", "unit_id"
        )
    )
    missing: dict[int, list[ReportRound]] = defaultdict(list)
    for rnd in rounds:
        targets = [u.pk for u in rnd.units.all()] or unit_ids
        for unit_id in targets:
            if unit_id in unit_ids and (rnd.pk, unit_id) not in got:
                missing[unit_id].append(rnd)
    return missing


def board(*, today: dt.date) -> list[UnitRow]:
    """Every active unit with something outstanding, overdue rectifications first (then the oldest overdue)."""
    units = list(Unit.objects.filter(active=True).order_by("order", "id"))
    rows = {u.pk: UnitRow(unit=u) for u in units}
    overdue = Q(deadline__lt=today)
    rectifications = (
        Rectification.objects.exclude(status=RectificationStatus.ACCEPTED)
        .values("unit_id")
        .annotate(n=Count("id"), overdue=Count("id", filter=overdue), oldest=Min("deadline", filter=overdue))
        .order_by("unit_id")
    )
    for r in rectifications:
        row = rows.get(r["unit_id"])
        if row is not None:
            row.open_count, row.overdue_count = r["n"], r["overdue"]
            row.oldest_overdue_days = (today - r["oldest"]).days if r["oldest"] else 0
    cards = (
        Card.objects.filter(lifted_on__isnull=True)
        .values("unit_id")
        .annotate(
            yellow=Count("id", filter=Q(colour=CardColour.YELLOW)),
            red=Count("id", filter=Q(colour=CardColour.RED)),
            deduction=Sum("deduction"),
        )
        .order_by("unit_id")
    )
    for c in cards:
        row = rows.get(c["unit_id"])
        if row is not None:
            row.yellow, row.red, row.deduction = c["yellow"], c["red"], c["deduction"] or Decimal("0")
    for unit_id, missing in _missing_reports(due_rounds(today), list(rows)).items():
        rows[unit_id].reports_missing = missing
    order = {u.pk: i for i, u in enumerate(units)}
    shown = [row for row in rows.values() if row.anything]
    return sorted(shown, key=lambda r: (-r.overdue_count, -r.oldest_overdue_days, -r.open_count, order[r.unit.pk]))


def overdue_rectifications(*, today: dt.date, limit: int = 20) -> list[Rectification]:
    """The longest-overdue rectifications of the city (the board's second table)."""
    rows = Rectification.objects.exclude(status=RectificationStatus.ACCEPTED).filter(deadline__lt=today)
    return list(rows.select_related("unit", "finding").order_by("deadline", "id")[:limit])


def totals(rows: list[UnitRow]) -> dict:
    return {
        "open": sum(r.open_count for r in rows),
        "overdue": sum(r.overdue_count for r in rows),
        "cards": sum(r.yellow + r.red for r in rows),
        "reports": sum(len(r.reports_missing) for r in rows),
    }


# --- one unit ---------------------------------------------------------------------------------------------


def unit_summary(unit: Unit, *, today: dt.date) -> dict:
    """What a unit owes and by when: rectifications (overdue first), reports due, cards in force, cases to read,
    talks of the year. A fixed number of queries."""
    rectifications = list(
        Rectification.objects.filter(unit=unit)
        .exclude(status=RectificationStatus.ACCEPTED)
        .select_related("finding")
        .order_by("deadline", "id")
    )
    for r in rectifications:
        r.overdue_days = (today - r.deadline).days if r.deadline < today else 0
    # A unit sees every open round it owes, however far its due day (the board only the next 30 days').
    rounds = [
        rnd
        for rnd in due_rounds(today, ahead_days=None)
        if not rnd.units.all() or unit.pk in {u.pk for u in rnd.units.all()}
    ]
    reports = {rep.round_id: rep for rep in DutyReport.objects.filter(unit=unit, round__in=rounds)}
    reports_due = [
        {"round": rnd, "report": reports.get(rnd.pk), "overdue": rnd.due_on < today}
        for rnd in rounds
        if reports.get(rnd.pk) is None or reports[rnd.pk].status not in IN
    ]
    cases = list(cases_sent_to([unit.pk]).exclude(receipts__unit_id=unit.pk).order_by("-published_at", "-id")[:20])
    return {
        "rectifications": rectifications,
        "overdue_count": sum(1 for r in rectifications if r.overdue_days),
        "reports_due": reports_due,
        "cards": list(Card.objects.filter(unit=unit, lifted_on__isnull=True).order_by("-issued_on", "-id")),
        "cases": cases,
        "talks": list(Talk.objects.filter(unit=unit, held_on__year=today.year).order_by("-held_on", "-id")),
    }
