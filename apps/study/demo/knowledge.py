"""The demo's 应知应会清单 and who marked what studied (演示数据·应知应会).

Twenty real regulations and laws; each member marks a share of them (the keen most, the slack few, the
weak unit fewer), mostly in the list's order — 党章 first — on days spread over the year.
"""

from __future__ import annotations

import datetime as dt
import random

from ..models import KnowledgeItem, KnowledgeStudy
from .texts import ITEMS, SEED
from .world import World
from .write import insert_rows, with_history


def write_items() -> dict[str, KnowledgeItem]:
    """The list, by title."""
    items = [
        KnowledgeItem(
            category=category,
            subcategory=subcategory,
            title=title,
            issued_by=issued_by,
            issued_on=issued_on,
            summary=summary,
            order=(n + 1) * 10,
        )
        for n, (category, subcategory, title, issued_by, issued_on, summary) in enumerate(ITEMS)
    ]
    for item in items:
        item.full_clean(validate_unique=False)
    return {item.title: item for item in with_history(items, KnowledgeItem)}


def write_marks(w: World, items: dict[str, KnowledgeItem]) -> int:
    """Each member's marks (已学); returns how many."""
    ordered = list(items.values())
    days = (w.yesterday - w.start).days
    rows = []
    for member_id, member in w.members.items():
        if not member.active or days < 0:
            continue
        rng = random.Random(f"{SEED}:marks:{member.name}:{member.birth_date}")
        share = min(1.0, w.diligence[member_id] * rng.uniform(0.6, 1.15))
        if member == w.dangyuan:
            share = 0.6  # more than half done, the rest still to study (the progress page shows both)
        count = round(share * len(ordered))
        # mostly in the list's order, a few picked out of it
        chosen = ordered[: max(0, count - 2)] + rng.sample(ordered[max(0, count - 2) :], min(2, count))
        for item in chosen:
            day = w.start + dt.timedelta(days=rng.randint(0, days))
            studied_at = w.at(day, rng.randint(8, 21), rng.choice((0, 10, 20, 30, 40, 50)))
            rows.append((member_id, item.pk, min(studied_at, w.now)))
    return insert_rows(KnowledgeStudy, ("member", "item", "studied_at"), rows)
