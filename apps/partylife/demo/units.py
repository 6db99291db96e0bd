"""A unit's own records in the demo (演示数据·单位): 中心组学习 and 第一议题, month by month."""

from __future__ import annotations

import random

from apps.core.periods import Period
from apps.orgs import demo_data as org_data
from apps.orgs.models import Unit, UnitCategory

from ..models import MissedReason, Strength
from .draw import Drawing, Profile, minutes_text, weekday
from .texts import (
    CENTER,
    CENTER_TOPICS,
    FIRST_TOPIC,
    FIRST_TOPIC_MATERIALS,
    SEED,
    SPEECH_SUMMARIES,
    UNIT_PLACES,
)


def draw_unit(d: Drawing, unit: Unit) -> None:
    """Draw one unit's 中心组学习 and 第一议题 (市发改委 misses a few; 市财政局 keeps them complete)."""
    members = d.unit_members.get(unit.pk)
    if not members:
        return
    rng = random.Random(f"{SEED}:unit:{unit.name}")
    since = d.unit_since[unit.pk]  # a unit that joined the platform later keeps records from then on
    spec = next((u for u in org_data.UNITS if u.name == unit.name), None)
    leaders = [m for m in members if m.is_leading_cadre]
    top = [m for m in leaders if spec and m.position in spec.head] or leaders[:5] or members[:5]
    head = next((m for m in top if spec and m.position == spec.head[0]), top[0])
    group = leaders or top  # 中心组: the leaders and the heads of sections
    reform = unit.name == org_data.DEMO_UNIT_2
    creator = {
        org_data.DEMO_UNIT: d.users.get(org_data.UNIT_USER),
        org_data.DEMO_UNIT_2: d.users.get(org_data.UNIT_USER_2),
    }.get(unit.name)
    meeting = "党委会议" if unit.category == UnitCategory.INSTITUTION else "党组会议"
    # 市发改委 lags; 市财政局 (the demo accounts' unit) keeps its unit-level records complete.
    profile = Profile.BEHIND if reform else Profile.SCRIPTED if unit.name == org_data.DEMO_UNIT else Profile.MODEL
    past = [m for m in d.months if m.end < d.today and m.start >= since and m.year == d.today.year]
    misses: set[tuple[str, Period]] = set()
    if reform and len(past) >= 3:
        picks = rng.sample(past, 3)
        misses |= {(CENTER, picks[0]), (CENTER, picks[1]), (FIRST_TOPIC, picks[2])}
    elif past and rng.random() < 0.1:
        misses.add((CENTER, rng.choice(past)))
    for month in d.months:
        # 中心组学习
        day = weekday(month.start.replace(day=rng.randint(14, 26)))
        topic = rng.choice(CENTER_TOPICS)
        if (CENTER, month) in misses:
            rule = d.rules.get(CENTER)
            if rule and rule.strength != Strength.HARD and rng.random() < 0.6:
                d.reasons.append(
                    MissedReason(
                        rule=rule,
                        unit=unit,
                        branch=None,
                        window=month.key,
                        reason="主要负责同志参加上级会议，本月集体学习调整至下月",
                    )
                )
        elif d.held(day, since):
            # 领学人 and 研讨发言 from their own draw, so the rest of the demo stays as it was
            talk = random.Random(f"{SEED}:speech:{unit.name}:{month.key}")
            speakers = talk.sample(group, min(len(group), 3))
            planned = d.record(
                rng,
                CENTER,
                unit=unit,
                branch=None,
                held_at=d.at(day, 9),
                topic=topic,
                host=head.name,
                place=rng.choice(UNIT_PLACES),
                attendees=group,
                absent_rate=0.06,
                profile=profile,
                created_by=creator,
                minutes=minutes_text(head.name, topic, len(group), "中心组成员围绕专题作研讨发言。"),
                lead_by=speakers[0],
            )
            if planned is not None:
                talkers = speakers[1:] or speakers
                summaries = talk.sample(SPEECH_SUMMARIES, len(talkers))
                pairs = zip(talkers, summaries, strict=True)
                planned.speeches = [(m.pk, text.format(topic=topic)) for m, text in pairs]
        # 第一议题: the leadership meeting of the month opens with it (twice in busy months)
        days = [rng.randint(3, 10)] + ([rng.randint(17, 26)] if rng.random() < 0.3 else [])
        if (FIRST_TOPIC, month) in misses:
            continue
        for day_of_month in days:
            day = weekday(month.start.replace(day=day_of_month))
            if not d.held(day, since):
                continue
            material = rng.choice(FIRST_TOPIC_MATERIALS)
            d.record(
                rng,
                FIRST_TOPIC,
                unit=unit,
                branch=None,
                held_at=d.at(day, 8, 30),
                topic="传达学习习近平总书记重要讲话和重要指示批示精神",
                host=head.name,
                place=UNIT_PLACES[0],
                attendees=top,
                absent_rate=0.05,
                profile=profile,
                created_by=creator,
                meeting_name=meeting,
                material=material,
                minutes=minutes_text(
                    head.name, f"第一议题：学习{material}", len(top), "结合本单位实际研究贯彻落实措施。"
                ),
            )


# --- writing -----------------------------------------------------------------------------------------------
