"""Practice activities in the demo (演示数据·实践): 支部联基层, 调查研究, 岗位建功, 万名干部联万企 with its problems."""

from __future__ import annotations

import datetime as dt
import random

from ..models import EnterpriseProblem
from .draw import Drawing, Planned, Subject, weekday
from .texts import (
    ENTERPRISE,
    ENTERPRISE_PREFIXES,
    ENTERPRISE_TRADES,
    LINK_SITES,
    LINK_TOPICS,
    LINKS,
    MERIT,
    MERIT_TOPICS,
    PLACES,
    PROBLEM_WEIGHTS,
    PROBLEMS,
    RESEARCH,
    RESEARCH_TOPICS,
)


def practice(d: Drawing, s: Subject, rng, common) -> None:
    """支部联基层, 调查研究, 岗位建功 now and then; 万名干部联万企 visits with the problems raised."""
    links, research, merit, enterprise = (rng.random() < p for p in (0.5, 0.4, 0.2, 0.45))
    site = rng.choice(LINK_SITES)
    for quarter in d.quarters:
        day = weekday(quarter.start.replace(month=quarter.first_month + rng.randint(0, 2), day=rng.randint(3, 26)))
        if links and rng.random() < 0.6 and d.held(day, s.since, s.until):
            topic = rng.choice(LINK_TOPICS)
            present = s.on(day, s.members)
            team = rng.sample(present, min(len(present), rng.randint(4, 8)))
            d.record(
                rng,
                LINKS,
                **common(incomplete=False),
                held_at=d.at(day, 9, 30),
                topic=topic,
                host=s.secretary.name,
                place=site,
                attendees=team,
                absent_rate=0,
                minutes=f"{topic}。与{site}党组织共同研究共建事项，落实为民办实事项目。",
            )
    for count, code, topics in (
        (research and rng.randint(1, 3), RESEARCH, RESEARCH_TOPICS),
        (merit and rng.randint(1, 2), MERIT, MERIT_TOPICS),
    ):
        for _ in range(count or 0):
            day = weekday(d.start + dt.timedelta(days=rng.randrange(max((d.yesterday - d.start).days, 1))))
            topic = rng.choice(topics)
            present = s.on(day, s.members)
            team = rng.sample(present, min(len(present), rng.randint(2, 4)))
            if team and d.held(day, s.since, s.until):
                d.record(
                    rng,
                    code,
                    **common(incomplete=False),
                    held_at=d.at(day, 9),
                    topic=topic,
                    host=team[0].name,
                    place=rng.choice(LINK_SITES) if code == RESEARCH else rng.choice(PLACES),
                    attendees=team,
                    absent_rate=0,
                    minutes=f"{topic}。形成调研（实践）报告，提出改进措施。",
                )
    if not enterprise:
        return
    cadres = sorted(s.members, key=lambda m: (not m.is_leading_cadre, m.pk))[: rng.randint(1, 2)]
    for cadre in cadres:
        name = f"{rng.choice(ENTERPRISE_PREFIXES)}{rng.choice(ENTERPRISE_TRADES)}有限公司"
        day = d.start + dt.timedelta(days=rng.randint(5, 40))
        while day <= d.yesterday:
            visit = weekday(day)
            if d.held(visit, s.since, s.until) and s.on(visit, [cadre]):
                plan = d.record(
                    rng,
                    ENTERPRISE,
                    **common(incomplete=False),
                    held_at=d.at(visit, 10),
                    topic=f"走访{name}",
                    host=cadre.name,
                    place=name,
                    attendees=[cadre],
                    absent_rate=0,
                    enterprise_name=name,
                    cadre=cadre,
                    minutes=f"{cadre.name}走访{name}，了解企业生产经营情况，听取企业诉求。",
                )
                if plan:
                    draw_problems(d, plan, rng, visit)
            day += dt.timedelta(days=rng.randint(60, 110))


def draw_problems(d: Drawing, plan: Planned, rng: random.Random, visit: dt.date) -> None:
    categories = list(PROBLEM_WEIGHTS)
    for _ in range(rng.choices((0, 1, 2, 3), weights=(15, 45, 30, 10))[0]):
        category = rng.choices(categories, weights=list(PROBLEM_WEIGHTS.values()))[0]
        description, solution = rng.choice(PROBLEMS[category])
        days = rng.randint(5, 75)
        solved_on = visit + dt.timedelta(days=days)
        solved = rng.random() < 0.68 and solved_on <= d.yesterday
        plan.problems.append(
            EnterpriseProblem(
                category=category,
                description=description,
                solved=solved,
                solved_on=solved_on if solved else None,
                solution=solution if solved else "",
            )
        )
