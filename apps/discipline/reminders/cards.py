"""Discipline reminders · cards and cases: a card issued or lifted, a case published → the unit's secretaries, once.

The services send these right after their commit; the daily run (`send`) catches any missed one of the
last weeks. Dedupe keys (`discipline-card-issued:{id}`, `discipline-card-lifted:{id}`, `discipline-case:{id}`)
make each go out once per person, however often either runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse

from apps.core.notifications import Message, notify
from apps.orgs.models import Unit
from apps.orgs.recipients import unit_secretaries

from ..models import Card, Case

CATEGORY = "discipline"
#: How far back the daily run looks for an issue, a lift or a publication it may have missed.
CATCH_UP_DAYS = 30


def _card_messages(cards, *, event: str) -> list[Message]:
    cards = list(cards)
    secretaries = unit_secretaries({c.unit_id for c in cards})
    messages = []
    for card in cards:
        colour = card.get_colour_display()
        if event == "issued":
            title = f"本单位被{'亮' if card.colour == 'yellow' else '掏'}{colour}"
            body = (
                f"事由：{card.reason}。扣{card.deduction}分"
                + (f"，有效期内评定等次最高为“{card.tier_cap}”" if card.caps_tier and card.tier_cap else "")
                + "。请抓紧整改。"
            )
        else:
            title = f"本单位的{colour}已解除"
            body = f"{colour}（{card.issued_on:%Y-%m-%d}，{card.reason}）已于 {card.lifted_on:%Y-%m-%d} 解除。"
        url = reverse("discipline:card_detail", args=[card.pk])
        messages.extend(
            Message(
                user_id=user_id,
                title=title,
                body=body,
                url=url,
                category=CATEGORY,
                dedupe_key=f"discipline-card-{event}:{card.pk}",
            )
            for user_id in secretaries.get(card.unit_id, [])
        )
    return messages


def notify_issued(cards: Iterable) -> int:
    return len(notify(_card_messages(cards, event="issued")))


def notify_lifted(cards: Iterable) -> int:
    return len(notify(_card_messages([c for c in cards if c.lifted_on], event="lifted")))


def notify_cases(cases: Iterable) -> int:
    """A published case → the secretaries of the units it was sent to (none chosen: every active unit)."""
    cases = [c for c in cases if c.published_at]
    if not cases:
        return 0
    all_units = None
    targets: dict[int, list[int]] = {}
    for case in cases:
        chosen = [u.pk for u in case.units.all()]
        if not chosen:
            if all_units is None:
                all_units = list(Unit.objects.filter(active=True).values_list("pk", flat=True))
            chosen = all_units
        targets[case.pk] = chosen
    secretaries = unit_secretaries({u for ids in targets.values() for u in ids})
    messages = []
    for case in cases:
        users = sorted({user for unit_id in targets[case.pk] for user in secretaries.get(unit_id, [])})
        messages.extend(
            Message(
                user_id=user_id,
                title=f"典型案例：{case.title}",
                body="工委发布了一则典型案例，请组织学习并在平台确认已阅。",
                url=reverse("discipline:case_detail", args=[case.pk]),
                category=CATEGORY,
                dedupe_key=f"discipline-case:{case.pk}",
            )
            for user_id in users
        )
    return len(notify(messages))


def send(*, today: dt.date, now: dt.datetime) -> int:
    """Catch up: cards issued or lifted and cases published in the last CATCH_UP_DAYS days (each once)."""
    since = today - dt.timedelta(days=CATCH_UP_DAYS)
    recent = Card.objects.filter(Q(issued_on__gte=since) | Q(lifted_on__gte=since)).order_by("pk")
    sent = notify_issued(recent.filter(issued_on__gte=since, issued_on__lte=today))
    sent += notify_lifted(recent.filter(lifted_on__gte=since, lifted_on__lte=today))
    published_since = now - dt.timedelta(days=CATCH_UP_DAYS)
    cases = Case.objects.filter(published_at__gte=published_since, published_at__lte=now).prefetch_related("units")
    sent += notify_cases(cases)
    return sent
