"""A branch's year of party life in the demo (演示数据·支部): 三会一课, 主题党日, 党小组会, 组织生活会, 谈心谈话.

Each branch draws from its own `random.Random` seeded by its unit's and its own name, in a fixed
order, so its records depend on the org tree and today's date only.
"""

from __future__ import annotations

import datetime as dt
import random

from apps.core.periods import Period
from apps.orgs import demo_data as org_data
from apps.orgs.models import Member

from ..models import MissedReason, Strength
from .draw import Drawing, Profile, Subject, minutes_text, weekday
from .practice import practice
from .script import script_absences
from .texts import (
    ABSENCE_REASONS,
    APPRAISAL,
    COMMITTEE,
    COMMITTEE_Q4_TOPIC,
    COMMITTEE_TOPICS,
    FILMS,
    GENERAL,
    GENERAL_TOPICS,
    GROUP,
    GROUP_TOPICS,
    LECTURE,
    LECTURES,
    LESSONS,
    MISSED_REASONS,
    ORG_LIFE,
    PLACES,
    PRACTICES,
    RETIRED_ABSENCE_REASONS,
    RETIRED_PLACES,
    SEED,
    TALK,
    TALK_PLACES,
    TALK_TOPICS,
    THEME_BY_MONTH,
    THEME_DAY,
)

SKIP = {Profile.BEHIND: 0.22}


def draw_branch(d: Drawing, s: Subject, profile: str) -> None:
    """Draw one branch's records since last year's fourth quarter, as its profile (or the demo script) says."""
    rng = random.Random(f"{SEED}:{s.unit.name}:{s.branch.name}")
    b, founded, until = s.branch, s.since, s.until  # its first day of records, and the day it ended
    scripted = profile == Profile.SCRIPTED
    places = RETIRED_PLACES if s.retired else PLACES
    reasons = RETIRED_ABSENCE_REASONS if s.retired else ABSENCE_REASONS
    absent = 0.12 if s.retired else 0.05
    creator = d.users.get(org_data.BRANCH_USER) if scripted else None
    place = rng.choice(places)
    theme_day = rng.randint(10, 24)  # 每月相对固定1天
    skipped: list[tuple[str, Period]] = []
    # A patchy branch misses one past month of one monthly meeting.
    past = [
        m
        for m in d.months
        if m.end < d.today and m.start >= founded and (until is None or m.end < until) and m.year == d.today.year
    ]
    patchy_miss = (rng.choice((COMMITTEE, THEME_DAY)), rng.choice(past)) if past else None

    def common(**extra):
        return {"unit": s.unit, "branch": b, "profile": profile, "created_by": creator, **extra}

    def skip(code: str, window: Period, rate_key: str = "month") -> bool:
        if scripted:
            return False
        if profile == Profile.PATCHY:
            return (code, window) == patchy_miss
        return rng.random() < SKIP.get(profile, 0.0) * (0.7 if rate_key == "quarter" else 1.0)

    for month in d.months:
        current = month.start == d.today.replace(day=1)
        # 支部委员会会议
        day = weekday(month.start.replace(day=rng.randint(3, 12)))
        hour = rng.choice((9, 14, 16))
        held_committee = not (scripted and current) and not skip(COMMITTEE, month)
        if not held_committee and not (scripted and current):
            skipped.append((COMMITTEE, month))
        if held_committee and d.held(day, founded, until):
            topic = COMMITTEE_Q4_TOPIC if month.index in (11, 12) and rng.random() < 0.5 else None
            topic = topic or rng.choice(COMMITTEE_TOPICS)
            d.record(
                rng,
                COMMITTEE,
                **common(),
                held_at=d.at(day, hour, 30 if hour == 14 else 0),
                topic=topic,
                host=s.secretary.name,
                place=rng.choice(places),
                attendees=s.committee,
                absent_rate=absent / 2,
                reasons=reasons,
                minutes=minutes_text(s.secretary.name, topic, len(s.committee), "会议逐项研究了议题并形成一致意见。"),
            )
        # 主题党日: 一课、一片、一实践
        day = weekday(month.start.replace(day=min(theme_day + rng.randint(-2, 2), 28)))
        theme = THEME_BY_MONTH[month.index].format(party_age=month.year - 1921)
        incomplete = None
        if scripted:
            if month == d.script.missed:
                day = None
            elif current and d.script.incomplete_code == THEME_DAY:
                day, incomplete = d.script.incomplete_day, True
            else:
                incomplete = False
        elif skip(THEME_DAY, month):
            day = None
        if day is None:
            skipped.append((THEME_DAY, month))
        elif d.held(day, founded, until):
            lesson = rng.choice(LESSONS)
            d.record(
                rng,
                THEME_DAY,
                **common(incomplete=incomplete, draft=False if scripted else None),
                held_at=d.at(day, rng.choice((9, 14)), 30 if rng.random() < 0.5 else 0),
                topic=theme,
                host=s.secretary.name,
                place=place,
                attendees=s.members,
                absent_rate=absent,
                reasons=reasons,
                lesson_topic=lesson,
                film_title=rng.choice(FILMS),
                practice_summary=rng.choice(PRACTICES),
                minutes=minutes_text(
                    s.secretary.name, theme, len(s.members), f"集中学习{lesson}，观看影片，开展实践活动。"
                ),
            )
        # 党小组会, each group
        for group, group_members in s.groups:
            day = weekday(month.start.replace(day=rng.randint(5, 26)))
            if skip(GROUP, month):
                continue
            group_until = min(filter(None, (until, group.dissolved_on)), default=None)  # a group ends too
            if d.held(day, max(founded, group.founded_on), group_until):
                leader = next((m for m in group_members if m.is_branch_committee), group_members[0])
                topic = rng.choice(GROUP_TOPICS)
                plan = d.record(
                    rng,
                    GROUP,
                    **common(incomplete=False if scripted else None, draft=False if scripted else None),
                    held_at=d.at(day, rng.choice((12, 16)), 30),
                    topic=topic,
                    host=leader.name,
                    place=rng.choice(places),
                    attendees=group_members,
                    absent_rate=absent,
                    reasons=reasons,
                    minutes=minutes_text(leader.name, topic, len(group_members), ""),
                )
                if plan:
                    plan.activity.party_group = group
    if scripted and d.script.incomplete_code == COMMITTEE:
        topic = "根据工作需要研究预算编制有关事项"
        d.record(
            rng,
            COMMITTEE,
            **common(incomplete=True, draft=False),
            held_at=d.at(d.script.incomplete_day, 16),
            topic=topic,
            host=s.secretary.name,
            place=place,
            attendees=s.committee,
            absent_rate=0,
            minutes=minutes_text(s.secretary.name, topic, len(s.committee), ""),
        )

    for quarter in d.quarters:
        # 支部党员大会 and 党课, each once a quarter on a day of the quarter's choosing
        for code in (GENERAL, LECTURE):
            day = weekday(quarter.start.replace(month=quarter.first_month + rng.randint(0, 2), day=rng.randint(5, 25)))
            if skip(code, quarter, "quarter"):
                skipped.append((code, quarter))
                continue
            if not d.held(day, founded, until):
                continue
            if code == GENERAL:
                topic = rng.choice(GENERAL_TOPICS[quarter.index])
                host, body = s.secretary.name, "会议经过讨论，形成决议。"
            else:  # 书记讲党课, or the branch's leading cadre
                topic = rng.choice(LECTURES)
                leaders = [m for m in s.members if m.is_leading_cadre]
                host = (leaders[0] if leaders and rng.random() < 0.5 else s.secretary).name
                body = f"{host}同志讲授专题党课。"
            d.record(
                rng,
                code,
                **common(incomplete=False if scripted else None, draft=False if scripted else None),
                held_at=d.at(day, 14 if code == LECTURE else 15, 30 if code == LECTURE else 0),
                topic=topic,
                host=host,
                place=place,
                attendees=s.members,
                absent_rate=absent,
                reasons=reasons,
                minutes=minutes_text(host, topic, len(s.members), body),
            )
    org_life(d, s, rng, profile, common, place, reasons, absent)
    talks(d, s, rng, profile, common)
    if not s.retired:
        practice(d, s, rng, common)
    if profile == Profile.BEHIND:
        for code, window in skipped:  # 未开展原因: for some ended windows of soft (not hard) rules
            rule = d.rules.get(code)
            soft = rule is not None and rule.strength != Strength.HARD
            if soft and window.end < d.today and window.start >= founded and rng.random() < 0.4:
                d.reasons.append(
                    MissedReason(rule=rule, unit=s.unit, branch=b, window=window.key, reason=rng.choice(MISSED_REASONS))
                )
    if scripted:
        script_absences(d, s)


def org_life(d: Drawing, s: Subject, rng, profile, common, place, reasons, absent) -> None:
    """组织生活会 with 民主评议党员 (usually one meeting that also counts as both), last year and this."""
    for year in (d.today.year - 1, d.today.year):
        day = weekday(dt.date(year, 11, 15) + dt.timedelta(days=rng.randint(0, 44)))
        if year == d.today.year and profile == Profile.SCRIPTED:
            continue  # the demo branch still has this year's ahead of it (a reminder is due)
        if year < d.today.year and profile == Profile.BEHIND and rng.random() < 0.25:
            continue
        if not d.held(day, s.since, s.until):
            continue
        topic = f"{year}年度组织生活会"
        together = rng.random() < 0.85
        # The whole branch meets, its secretary presiding: the 组织生活会 and a separate 民主评议党员 alike.
        whole_branch = {
            **common(incomplete=False, draft=False),
            "host": s.secretary.name,
            "place": place,
            "attendees": s.members,
            "absent_rate": absent / 2,
            "reasons": reasons,
        }
        plan = d.record(
            rng,
            ORG_LIFE,
            **whole_branch,
            held_at=d.at(day, 9),
            topic=f"召开{year}年度组织生活会并开展民主评议党员" if together else topic,
            minutes=minutes_text(
                s.secretary.name, topic, len(s.members), "支部班子对照检查，党员逐一开展批评和自我批评。"
            ),
        )
        appraisal = d.types.get(APPRAISAL)
        if plan and appraisal and together:
            plan.also.append(appraisal)
        elif plan and appraisal:
            later = min(day + dt.timedelta(days=rng.randint(1, 6)), d.yesterday)
            d.record(
                rng,
                APPRAISAL,
                **whole_branch,
                held_at=d.at(later, 15),
                topic=f"{year}年度民主评议党员",
                minutes=minutes_text(
                    s.secretary.name, f"{year}年度民主评议党员", len(s.members), "党员互评，测评结果已公示。"
                ),
            )


# Of the pairs 第十九条 asks for in a year, the share a branch has talked by today.
TALK_COVERAGE = {Profile.MODEL: 1.0, Profile.PATCHY: 0.85, Profile.BEHIND: 0.5, Profile.SCRIPTED: 0.85}


def talk_pairs(s: Subject, people: list[Member], rng) -> list[tuple[Member, Member]]:
    """The year's talks of 第十九条 for these people: committee members with each other (in a chain),
    a committee member (mostly the secretary) with every member, and members with each other (pairs)."""
    committee = [m for m in people if m in s.committee]
    members = [m for m in people if m not in s.committee]
    pairs = list(zip(committee, committee[1:], strict=False))  # a chain reaches every committee member
    for member in members:
        if committee:
            talker = s.secretary if s.secretary in committee and rng.random() < 0.6 else rng.choice(committee)
            pairs.append((talker, member))
    shuffled = members[:]
    rng.shuffle(shuffled)
    for i in range(0, len(shuffled) - 1, 2):
        pairs.append((shuffled[i], shuffled[i + 1]))
    if len(shuffled) % 2 and len(shuffled) > 1:
        pairs.append((shuffled[-1], shuffled[0]))
    return pairs


def talks(d: Drawing, s: Subject, rng, profile, common) -> None:
    """谈心谈话: last year's fourth quarter a couple (that year is not judged); this year the pairs of
    第十九条 spread over the months, all of them in a model branch, fewer where a branch is behind."""
    if len(s.members) < 2:
        return
    last_year = (d.start, dt.date(d.start.year, 12, 31))
    this_year = (dt.date(d.today.year, 1, 1), d.yesterday)
    earlier = talk_pairs(s, s.on(min(d.start + dt.timedelta(days=30), d.yesterday), s.members), rng)
    planned = [(last_year, pair) for pair in earlier[: rng.randint(1, 2)]]
    # This year's people: those in the branch at mid-year (or now, early in the year).
    pairs = talk_pairs(s, s.on(min(dt.date(d.today.year, 7, 1), d.yesterday), s.members), rng)
    keep = round(len(pairs) * TALK_COVERAGE.get(profile, 1.0))
    if profile == Profile.BEHIND and rng.random() < 0.2:
        keep = 0  # a few branches behind have not started this year's talks at all
    planned += [(this_year, pair) for pair in pairs[:keep]]
    for (first, last), (talker, talkee) in planned:
        if last < first:
            continue
        for _ in range(8):  # a day on which both were in the branch
            day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
            if len(s.on(day, [talker, talkee])) == 2 and d.held(day, s.since, s.until):
                break
        else:
            continue
        topic = rng.choice(TALK_TOPICS)
        d.record(
            rng,
            TALK,
            **common(incomplete=False if profile == Profile.SCRIPTED else None),
            held_at=d.at(day, rng.choice((10, 15, 16)), 30),
            topic=topic,
            host=talker.name,
            place=rng.choice(TALK_PLACES),
            attendees=[talker, talkee],
            absent_rate=0,
            talker=talker,
            talkee=talkee,
            minutes=f"谈话人：{talker.name}；谈话对象：{talkee.name}。谈话要点：{topic}。双方坦诚交流，"
            "对方表示将进一步加强学习、做好本职工作。",
        )
