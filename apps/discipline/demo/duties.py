"""The demo's 责任清单 (演示数据·纪律监督·责任清单) and 履责报告.

Two template versions (v1 last year, v2 this year); most units adopted v1 and then v2 (both versions
kept), a few — the weak unit among them — are still on v1, a unit that joined this year has v2 only,
and two never adopted one. Report rounds: the two latest whose deadline has passed and the next one,
open; most reports accepted and on time, some late, two returned (one of them resubmitted), a few
never submitted (the weak unit's latest still a draft); the demo unit owes the open round's report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..models import (
    DutyReport,
    DutyTemplate,
    DutyTemplateItem,
    ReportReview,
    ReportRound,
    ReportStatus,
    RoundKind,
    UnitDutyItem,
    UnitDutyList,
)
from .texts import OWNER_ADAPTATIONS, REPORT_BODY, RETURN_COMMENTS, TEMPLATE_NOTES, TEMPLATE_V1, TEMPLATE_V2
from .world import World
from .write import insert, stamp

DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)


@dataclass
class DutySummary:
    template_items: int = 0
    lists: int = 0
    units: int = 0


def write_duties(w: World) -> DutySummary:
    """The two template versions and every adopting unit's lists (with their items)."""
    first_since = min(w.unit_since.values(), default=dt.date(w.year - 1, 3, 6))
    v1_day = max(dt.date(w.year - 1, 3, 6), first_since + 9 * DAY)
    if v1_day.year != w.year - 1:
        v1_day = dt.date(w.year - 1, 3, 6)
    v2_day = w.workday(min(dt.date(w.year, 3, 6), w.ago(60)))
    published = [w.at(w.workday(v1_day), 10), w.at(v2_day, 10)]
    templates = insert(
        DutyTemplate,
        [
            stamp(
                DutyTemplate(version=n + 1, note=TEMPLATE_NOTES[n], published_at=when, created_by_id=w.committee_id),
                when - 3 * DAY,
                by=w.committee_id,
                versions=[
                    (when - 3 * DAY, w.committee_id, {"published_at": None}),
                    (when, w.committee_id, {}),
                ],
            )
            for n, when in enumerate(published)
        ],
    )
    items = {
        t.pk: DutyTemplateItem.objects.bulk_create(
            [
                DutyTemplateItem(template=t, category=c, content=text, default_owner=owner, order=n + 1)
                for n, (c, text, owner) in enumerate(spec)
            ]
        )
        for t, spec in zip(templates, (TEMPLATE_V1, TEMPLATE_V2), strict=True)
    }

    rng = w.rng("duties")
    others = w.others()
    never = set(rng.sample(others, min(2, len(others))))
    older = [u for u in others if u not in never and w.unit_since[u.pk] <= v1_day]
    still_v1 = set(rng.sample(older, min(3, len(older))))
    if w.weak_unit is not None:
        still_v1.add(w.weak_unit)

    lists, list_items = [], []
    for unit in w.units:
        if unit in never:
            continue
        adopt = w.rng("duties", unit.name)
        plan = []
        if w.unit_since[unit.pk] <= v1_day + 30 * DAY:
            plan.append((templates[0], published[0] + adopt.randint(7, 40) * DAY))
        if unit not in still_v1:
            plan.append((templates[1], published[1] + adopt.randint(5, 40) * DAY))
        adapts = adopt.random() < 0.3
        for version, (template, when) in enumerate(plan, start=1):
            when = min(when.replace(hour=adopt.randint(9, 17)), w.now - HOUR)
            by = w.secretary_id(unit)
            duty_list = stamp(
                UnitDutyList(
                    unit=unit, version=version, template=template, adopted_at=when, adopted_by_id=by, note="演示数据"
                ),
                when - 2 * DAY,
                by=by,
                versions=[(when - 2 * DAY, by, {"adopted_at": None}), (when, by, {})],
            )
            lists.append(duty_list)
            for item in items[template.pk]:
                owner = OWNER_ADAPTATIONS.get(item.default_owner, item.default_owner) if adapts else item.default_owner
                list_items.append((duty_list, item, owner))
    insert(UnitDutyList, lists)
    UnitDutyItem.objects.bulk_create(
        [
            UnitDutyItem(
                duty_list=duty_list,
                source=item,
                category=item.category,
                content=item.content,
                owner_position=owner,
                order=item.order,
            )
            for duty_list, item, owner in list_items
        ],
        batch_size=1000,
    )
    return DutySummary(
        template_items=sum(len(v) for v in items.values()),
        lists=len(lists),
        units=len({duty_list.unit_id for duty_list in lists}),
    )


# --- 履责报告 ------------------------------------------------------------------------------------------------


def _candidate_rounds(year: int) -> list[ReportRound]:
    out = []
    for y in range(year - 2, year + 2):
        out.append(
            ReportRound(
                kind=RoundKind.HALF_YEAR,
                title=f"{y}年上半年履责报告",
                starts_on=dt.date(y, 1, 1),
                ends_on=dt.date(y, 6, 30),
                due_on=dt.date(y, 7, 15),
            )
        )
        out.append(
            ReportRound(
                kind=RoundKind.YEAR,
                title=f"{y}年度履责报告",
                starts_on=dt.date(y, 1, 1),
                ends_on=dt.date(y, 12, 31),
                due_on=dt.date(y + 1, 1, 15),
            )
        )
    return sorted(out, key=lambda r: r.due_on)


class Fate:
    ON_TIME = "on_time"
    LATE = "late"
    RETURNED = "returned"  # returned, not yet resubmitted
    RESUBMITTED = "resubmitted"  # returned, resubmitted, waiting for review
    SUBMITTED = "submitted"  # submitted, waiting for review (the open round's early birds)
    DRAFT = "draft"  # started, never submitted
    NONE = "none"  # nothing at all


@dataclass
class ReportSummary:
    rounds: int = 0
    counts: dict = field(default_factory=dict)

    def count(self, fate: str) -> int:
        return self.counts.get(fate, 0)


def _fates(w: World, past: list[ReportRound], open_round: ReportRound | None) -> dict:
    """(round title, unit pk) → fate, scripted for the weak and demo units, drawn for the others."""
    fates = {}
    others = w.others()
    for n, rnd in enumerate(past):
        rng = w.rng("reports", rnd.title)
        pool = list(others)
        rng.shuffle(pool)
        latest = n == len(past) - 1
        scripted = [Fate.NONE, Fate.NONE] + ([Fate.RETURNED, Fate.RESUBMITTED] if latest else []) + [Fate.LATE] * 3
        for unit, fate in zip(pool, scripted, strict=False):
            fates[(rnd.title, unit.pk)] = fate
        for unit in pool[len(scripted) :]:
            fates[(rnd.title, unit.pk)] = Fate.ON_TIME
        if w.weak_unit is not None:
            fates[(rnd.title, w.weak_unit.pk)] = Fate.DRAFT if latest else Fate.LATE
        if w.demo_unit is not None:
            fates[(rnd.title, w.demo_unit.pk)] = Fate.ON_TIME
    if open_round is not None and w.today >= open_round.ends_on - 31 * DAY:
        rng = w.rng("reports", open_round.title)
        for n, unit in enumerate(rng.sample(others, min(4, len(others)))):
            fates[(open_round.title, unit.pk)] = Fate.ON_TIME if n == 0 else Fate.SUBMITTED
    return fates


def write_reports(w: World) -> ReportSummary:
    """The rounds, every report with its versions, and the review log (报送, 通过, 退回)."""
    candidates = _candidate_rounds(w.year)
    past = [r for r in candidates if r.due_on < w.today][-2:]
    open_round = next((r for r in candidates if r.due_on >= w.today), None)
    rounds = [*past, *([open_round] if open_round else [])]
    for rnd in rounds:
        opened = w.at(w.workday(min(rnd.ends_on - 30 * DAY, w.ago(7))), 9)
        rnd.opened_at = opened
        stamp(rnd, opened, by=w.committee_id)
    insert(ReportRound, rounds)

    fates = _fates(w, past, open_round)
    reports, reviews = [], []
    summary = ReportSummary(rounds=len(rounds))
    latest_ok = w.now - HOUR
    for rnd in rounds:
        for unit in w.units:
            fate = fates.get((rnd.title, unit.pk), Fate.NONE)
            summary.counts[fate] = summary.counts.get(fate, 0) + 1
            if fate == Fate.NONE:
                # Opening a round gives every unit an empty draft (services.reports.report_round_open): nothing written.
                reports.append(
                    stamp(DutyReport(round=rnd, unit=unit, status=ReportStatus.DRAFT), rnd.opened_at, by=w.committee_id)
                )
                continue
            rng = w.rng("report", rnd.title, unit.name)
            secretary, committee = w.secretary_id(unit), w.committee_id
            if fate == Fate.LATE:
                first = w.at(w.past(rnd.due_on + rng.randint(2, 25) * DAY), rng.randint(9, 17))
            elif rnd is open_round:
                first = w.at(w.past(w.ago(rng.randint(1, 6))), rng.randint(9, 17))
            else:
                first = w.at(w.workday(rnd.due_on - rng.randint(1, 20) * DAY), rng.randint(9, 17))
            first = min(max(first, rnd.opened_at + HOUR), latest_ok)
            draft_at = max(first - rng.randint(1, 3) * DAY, rnd.opened_at)
            report = DutyReport(
                round=rnd,
                unit=unit,
                content=REPORT_BODY.format(n=rng.randint(2, 4), m=rng.randint(3, 15)),
                status=ReportStatus.DRAFT,
            )
            blank = {"status": ReportStatus.DRAFT, "first_submitted_at": None, "submitted_at": None}
            versions = [(draft_at, secretary, {**blank, "reviewed_at": None, "review_comment": ""})]
            if fate == Fate.DRAFT:
                report.content = report.content.split("\n")[0]
                reports.append(stamp(report, draft_at, by=secretary, versions=versions))
                continue
            report.first_submitted_at = report.submitted_at = first
            report.status = ReportStatus.SUBMITTED
            versions.append(
                (
                    first,
                    secretary,
                    {
                        "status": ReportStatus.SUBMITTED,
                        "reviewed_at": None,
                        "review_comment": "",
                        "submitted_at": first,
                    },
                )
            )
            reviews.append(stamp(ReportReview(report=report, action=ReportStatus.SUBMITTED, by_id=secretary), first))
            if fate in (Fate.ON_TIME, Fate.LATE):
                reviewed = min(first + rng.randint(2, 8) * DAY, latest_ok)
                report.status, report.reviewed_at = ReportStatus.ACCEPTED, reviewed
                versions.append((reviewed, committee, {}))
                reviews.append(
                    stamp(ReportReview(report=report, action=ReportStatus.ACCEPTED, by_id=committee), reviewed)
                )
            elif fate in (Fate.RETURNED, Fate.RESUBMITTED):
                returned = min(first + rng.randint(3, 6) * DAY, latest_ok)
                comment = RETURN_COMMENTS[fate == Fate.RESUBMITTED]
                report.status, report.reviewed_at, report.review_comment = ReportStatus.RETURNED, returned, comment
                reviews.append(
                    stamp(
                        ReportReview(report=report, action=ReportStatus.RETURNED, comment=comment, by_id=committee),
                        returned,
                    )
                )
                if fate == Fate.RETURNED:
                    versions.append((returned, committee, {}))
                else:
                    again = min(returned + rng.randint(5, 10) * DAY, latest_ok)
                    versions.append((returned, committee, {"status": ReportStatus.RETURNED, "submitted_at": first}))
                    versions.append((again, secretary, {}))
                    report.status, report.submitted_at = ReportStatus.SUBMITTED, again
                    reviews.append(
                        stamp(ReportReview(report=report, action=ReportStatus.SUBMITTED, by_id=secretary), again)
                    )
            else:
                versions[-1] = (first, secretary, {})  # waiting for review: the submission is the last version
            reports.append(stamp(report, draft_at, by=secretary, versions=versions))
    insert(DutyReport, reports)
    insert(ReportReview, reviews)
    return summary
