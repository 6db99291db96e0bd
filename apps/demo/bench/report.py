"""BENCHMARKS.md: the machine, the data, every figure beside its reference and target, the EXPLAINs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .compute import Versus
from .explain import PageQueries
from .files import ExportResult
from .http import REFERENCE, Latency
from .machine import Machine

RATIO_TARGET = 2.0
EXPORT_MB_TARGET = 150
NOTES = Path(__file__).with_name("NOTES.md")  # the analysis written by hand, appended to the report

SECTIONS = ("## 机器与数据", "## 目标一览", "## 引擎与排名", "## 页面与接口", "## 导出与导入", "## EXPLAIN")


@dataclass
class Results:
    preset: str
    runs: int
    today: dt.date
    machine: Machine
    compute: list[Versus] = field(default_factory=list)
    latency: list[Latency] = field(default_factory=list)
    export: list[ExportResult] = field(default_factory=list)
    export_versus: Versus | None = None
    roster: Versus | None = None
    explains: list[PageQueries] = field(default_factory=list)
    workers: int = 0
    per_client: int = 0
    skipped: list[str] = field(default_factory=list)


def _met(ok: bool, by: str = "") -> str:
    return "达标 met" if ok else f"未达标 missed{('（' + by + '）') if by else ''}"


def _over(value: float, target: float) -> str:
    return f"超出 {value / target:.1f}×" if target else ""


def _targets(r: Results) -> list[str]:
    lines = ["| 项目 | 实测 | 目标 | 结论 |", "|---|---|---|---|"]
    for v in r.compute:
        ok = v.ratio <= RATIO_TARGET
        lines.append(f"| {v.name} | {v.ratio:.1f}× SQL | ≤ {RATIO_TARGET:.0f}× | {_met(ok, _over(v.ratio, 2))} |")
    for lat in r.latency:
        if lat.clients == 8 and lat.target_ms:
            ok = lat.p95_ms < lat.target_ms and not lat.errors
            label = f"{lat.target.label}（{lat.target.kind}）p95 · 8 客户端"
            lines.append(
                f"| {label} | {lat.p95_ms:,.0f} ms | < {lat.target_ms} ms "
                f"| {_met(ok, _over(lat.p95_ms, lat.target_ms))} |"
            )
    if r.export:
        peak = max(e.peak_mb for e in r.export)
        ok = peak < EXPORT_MB_TARGET
        lines.append(f"| 导出 {r.export[0].rows:,} 行峰值内存 | {peak:.0f} MB | < {EXPORT_MB_TARGET} MB | {_met(ok)} |")
    return lines


def _machine(r: Results) -> list[str]:
    m = r.machine
    lines = [
        f"- CPU：{m.cpu}，{m.cores} 核；内存 {m.ram_gb} GB；Python {m.python}；{m.postgres}",
        f"- 数据：预设 `{r.preset}`；评价日 {r.today:%Y-%m-%d}；每个数字取 {r.runs} 次运行的中位数",
        "",
        "| 表 | 行数 |",
        "|---|---:|",
    ]
    lines += [f"| {label} | {count:,} |" for label, count in m.rows.items()]
    return lines


def _compute(r: Results) -> list[str]:
    lines = [
        "| 项目 | 用时 | 查询数 | 参照 SQL 用时 | 倍数 | 说明 |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for v in r.compute:
        lines.append(
            f"| {v.name} | {v.code.ms:,.0f} ms | {v.code.queries} | {v.reference.ms:,.0f} ms "
            f"| {v.ratio:.1f}× | {v.note} |"
        )
    lines += [
        "",
        "参照（`apps/demo/bench/compute.py`）：引擎的参照是一条 SQL，按 `apps.partylife.counting` 的口径"
        "（已提交且材料齐全；“同时计为”的类型还须具备该类型要求的材料）统计每个（支部或单位、规则、周期）的"
        "计入记录数与需补充记录数——每个判定所依据的数字。排名的参照是一条 SQL，在同一期间内对每个单位一次分组读取"
        "各指标读取的全部行：上述计数，以及已提交记录与材料、出勤、企业问题、自学学时、集中学习出勤与学时、应知应会"
        "标记、考试作答与通过、到期整改与按时整改、到期履责报告与按时报送、约谈、在效黄红牌。参照只读取和汇总，"
        "不做判定、不写快照，是数据库读取同样数据所需时间的下限。",
    ]
    return lines


def _latency(r: Results) -> list[str]:
    lines = [
        f"gunicorn（同步 worker × {r.workers}，DJANGO_DEBUG=false，WhiteNoise 提供静态文件），每个客户端是一个"
        f"通过登录表单（含 CSRF）登录的 `requests` 会话；每轮每个客户端连续请求 {r.per_client} 次，"
        "p50/p95 为每轮全部请求的分位数，再取各轮中位数。参照是同一服务的一个静态文件。",
        "",
        "| 页面 | 类型 | 客户端 | p50 | p95 | 目标 p95 | 请求数 | 错误 |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for lat in r.latency:
        target = f"< {lat.target_ms} ms" if lat.target_ms and lat.clients == 8 else ""
        if lat.target.kind == REFERENCE:
            target = "参照"
        errors = "、".join(lat.errors) or ""
        lines.append(
            f"| {lat.target.label} `{lat.target.path}` | {lat.target.kind} | {lat.clients} | {lat.p50_ms:,.0f} ms "
            f"| {lat.p95_ms:,.0f} ms | {target} | {lat.requests} | {errors} |"
        )
    return lines


def _files(r: Results) -> list[str]:
    lines = []
    if r.export:
        e = r.export_versus
        peak = max(x.peak_mb for x in r.export)
        lines += [
            "| 项目 | 行数 | 用时 | 峰值内存增量 | 进程峰值 | 文件 | 参照：COPY 到 CSV | 倍数 |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            f"| 活动记录导出（`activity_rows` → `excel.write_workbook`，子进程） | {r.export[0].rows:,} "
            f"| {e.code.ms / 1000:,.1f} s | {peak:.0f} MB | {max(x.process_mb for x in r.export):.0f} MB "
            f"| {r.export[0].file_mb:.1f} MB "
            f"| {e.reference.ms / 1000:,.1f} s（{r.export[0].copy_mb:.1f} MB） | {e.ratio:.1f}× |",
            "",
            "峰值内存增量：导出期间每 20 ms 读取的常驻内存（RSS）最大值减去 Django 就绪后的 RSS；"
            "进程峰值为子进程导出期间及 COPY 参照之后读取的 RSS 最大值（含 Django）。",
            "",
        ]
    if r.roster:
        v = r.roster
        lines += [
            "| 项目 | 用时 | 查询数 | 参照：bulk insert | 倍数 | 说明 |",
            "|---|---:|---:|---:|---:|---|",
            f"| {v.name}（`orgs.roster_import`） | {v.code.ms / 1000:,.1f} s | {v.code.queries} "
            f"| {v.reference.ms / 1000:,.1f} s | {v.ratio:.1f}× | {v.note} |",
        ]
    return lines


def _explains(r: Results) -> list[str]:
    lines = [
        "每个页面在进程内请求一次，记录它的全部查询，再逐条 EXPLAIN (ANALYZE, BUFFERS)；下表为合计与最慢的查询，"
        "计划见其后。`manage.py bench --only explain` 在任何数据库上重现。",
        "",
        "| 页面 | 查询数 | SELECT 合计 | 最慢一条 |",
        "|---|---:|---:|---:|",
    ]
    for pq in r.explains:
        slowest = f"{pq.slowest[0].ms:,.1f} ms" if pq.slowest else ""
        lines.append(f"| {pq.page.label} `{pq.page.path}` | {pq.queries} | {pq.total_ms:,.1f} ms | {slowest} |")
    for pq in r.explains:
        for plan in pq.slowest[:1]:
            lines += [
                "",
                f"<details><summary>{pq.page.label}：{plan.ms:,.1f} ms</summary>",
                "",
                "```sql",
                plan.sql[:3000],
                "```",
                "",
                "```",
                plan.plan,
                "```",
                "</details>",
            ]
    return lines


def render(r: Results, *, notes: Path = NOTES) -> str:
    lines = [
        "# BENCHMARKS",
        "",
        "由 `make bench` 生成（`manage.py bench`，代码在 `apps/demo/bench/`）。"
        "Generated by `make bench`; do not edit by hand — the analysis at the end comes from "
        f"`{_shown(notes)}`.",
        "",
    ]
    if r.skipped:
        lines += [f"本次未运行：{'、'.join(r.skipped)}", ""]
    body = {
        SECTIONS[0]: _machine(r),
        SECTIONS[1]: _targets(r),
        SECTIONS[2]: _compute(r),
        SECTIONS[3]: _latency(r),
        SECTIONS[4]: _files(r),
        SECTIONS[5]: _explains(r),
    }
    for title, content in body.items():
        lines += [title, "", *(content or ["（本次未运行）"]), ""]
    if notes.exists():
        lines += [notes.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(lines)


def _shown(path: Path) -> str:
    """`path` relative to the project when it is inside it."""
    try:
        return str(path.resolve().relative_to(NOTES.parents[3]))
    except ValueError:
        return str(path)
