"""EXPLAIN (ANALYZE, BUFFERS) of what the busiest list pages ask the database.

Each named page is requested in-process (Django's test client, signed in as the page's user) while its
queries are captured; every SELECT it issued is then run again under EXPLAIN (ANALYZE, BUFFERS), and the
slowest ones are kept with their plans. This is how the indexes of BENCHMARKS.md were chosen, and how a reader
checks them on their own data (`manage.py bench --only explain`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from apps.orgs.models import User


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    user: str
    path: str


def pages(committee: str, unit_user: str) -> list[Page]:
    c, u = committee, unit_user
    return [
        Page("records", "活动记录列表（工委，第 1 页）", c, "/partylife/activities/"),
        Page(
            "records_filtered",
            "活动记录：按类型、状态、年度筛选",
            c,
            "/partylife/activities/?type=theme_party_day&status=complete&period={year}",
        ),
        Page("records_last_page", "活动记录：第 200 页", c, "/partylife/activities/?page=200"),
        Page("records_unit", "活动记录列表（单位）", u, "/partylife/activities/"),
        Page("members", "党员名册（工委）", c, "/orgs/members/"),
        Page("members_search", "党员名册：搜索“王”", c, "/orgs/members/?q=王"),
        Page("members_unit", "党员名册（单位）", u, "/orgs/members/"),
        Page("ledger", "学习台账（工委）", c, "/study/progress/table/"),
        Page("audit", "审计日志", c, "/audit/"),
        Page("api_records", "API 活动记录", c, "/api/partylife/activities/"),
        Page("api_self_study", "API 自学记录", c, "/api/study/self-study/"),
    ]


@dataclass
class Plan:
    sql: str
    ms: float
    plan: str


@dataclass
class PageQueries:
    page: Page
    status: int
    queries: int
    total_ms: float
    slowest: list[Plan]


_EXECUTION = re.compile(r"Execution Time: ([\d.]+) ms")


def explain_sql(sql: str) -> Plan:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        text = "\n".join(row[0] for row in cursor.fetchall())
    match = _EXECUTION.search(text)
    return Plan(sql=sql, ms=float(match.group(1)) if match else 0.0, plan=text)


def _explainable(sql: str) -> bool:
    head = sql.lstrip().upper()
    return head.startswith("SELECT") and "FOR UPDATE" not in head and "SAVEPOINT" not in head


def explain_page(page: Page, *, year: int, top: int = 2) -> PageQueries:
    client = Client()
    client.force_login(User.objects.get(username=page.user))
    path = page.path.format(year=year)
    with override_settings(ALLOWED_HOSTS=["*"], SECURE_SSL_REDIRECT=False), CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    plans = [explain_sql(q["sql"]) for q in ctx.captured_queries if _explainable(q["sql"])]
    plans.sort(key=lambda p: p.ms, reverse=True)
    return PageQueries(page, response.status_code, len(ctx.captured_queries), sum(p.ms for p in plans), plans[:top])


def explain_all(committee: str, unit_user: str, *, year: int, top: int = 2) -> list[PageQueries]:
    return [explain_page(page, year=year, top=top) for page in pages(committee, unit_user)]
