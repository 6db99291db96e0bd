"""The machine and the data size a benchmark ran on."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field

from django.db import connection

#: The main tables, as (label, table) — their row counts say how big the data was.
MAIN_TABLES = (
    ("单位 units", "orgs_unit"),
    ("支部 branches", "orgs_branch"),
    ("党员 members", "orgs_member"),
    ("组织关系 memberships", "orgs_membership"),
    ("组织生活记录 records", "partylife_activity"),
    ("出勤 attendance", "partylife_attendance"),
    ("证明材料 evidence", "partylife_evidence"),
    ("集中学习 study sessions", "study_studysession"),
    ("学习出勤 session attendance", "study_sessionattendance"),
    ("自学 self-study", "study_selfstudy"),
    ("应知应会标记 knowledge marks", "study_knowledgestudy"),
    ("考试作答 exam attempts", "study_examattempt"),
    ("整改 rectifications", "discipline_rectification"),
    ("排名结果 ranking results", "scoring_unitresult"),
    ("审计日志 audit entries", "core_auditentry"),
)


@dataclass
class Machine:
    cpu: str
    cores: int
    ram_gb: float
    python: str
    postgres: str
    rows: dict[str, int] = field(default_factory=dict)


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return 0.0


def row_counts() -> dict[str, int]:
    """Exact row counts of the main tables (a table that does not exist is left out)."""
    out = {}
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for label, table in MAIN_TABLES:
            if table in existing:
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 — a name from the list above
                out[label] = cursor.fetchone()[0]
    return out


def describe() -> Machine:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return Machine(
        cpu=_cpu(),
        cores=os.cpu_count() or 1,
        ram_gb=round(_ram_gb(), 1),
        python=platform.python_version(),
        postgres=f"PostgreSQL {version}",
        rows=row_counts(),
    )


def database_url() -> str:
    """The URL of the database this process uses (the test database under pytest), for the processes it starts."""
    db = connection.settings_dict
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"
