"""`manage.py bench` (what `make bench` runs): measure the portal on the bench database and write BENCHMARKS.md.

1. The database (`DATABASE_URL`; `make bench` points it at BENCH_DATABASE_URL) is created when missing and
   migrated. It is seeded with the preset (`--preset`: `demo` is `seed_demo`, the others `seed_scale`) when it
   is empty or was seeded with another preset: the preset is remembered in the database's comment
   (`COMMENT ON DATABASE`, with `--years N` when the preset was loaded with fewer or more years of records
   than seed_scale's default); `--reseed` seeds it again whatever it holds. Then ANALYZE, so the planner knows
   the data as autovacuum would.
2. The measurements of `apps/demo/bench` (see its `__init__`), each the median of `--runs` runs beside its
   reference: engine and ranking, pages and API lists against gunicorn, the export and the roster import,
   EXPLAIN of the list pages.
3. The markdown, to `--output` (BENCHMARKS.md at the repository root by default).

`--only compute,http,files,explain` runs some of them (the report says which did not run).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import psycopg2
from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection
from django.utils import timezone

from apps.orgs.models import Unit

PARTS = ("compute", "http", "files", "explain")
MARKER = "organ_portal bench preset="


def _server_kwargs() -> dict:
    db = settings.DATABASES["default"]
    out = {"dbname": "postgres", "user": db.get("USER") or None, "host": db.get("HOST") or None}
    out |= {"port": db.get("PORT") or None, "password": db.get("PASSWORD") or None}
    return {k: v for k, v in out.items() if v is not None}


def ensure_database() -> bool:
    """Create the database when it does not exist; True when it was created."""
    try:
        connection.ensure_connection()
        return False
    except OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    name = settings.DATABASES["default"]["NAME"]
    server = psycopg2.connect(**_server_kwargs())
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()
    return True


def stored_preset() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        )
        comment = cursor.fetchone()[0] or ""
    return comment[len(MARKER) :] if comment.startswith(MARKER) else ""


def store_preset(preset: str) -> None:
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'COMMENT ON DATABASE "{name}" IS %s', [MARKER + preset])


class Command(BaseCommand):
    help = "性能基准：在基准数据库上测量合规引擎、排名测算、页面与接口、导出与导入，写出 BENCHMARKS.md。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--preset", default="city", help="数据规模：demo（seed_demo）或 seed_scale 的预设，默认 city。"
        )
        parser.add_argument("--runs", type=int, default=5, help="每个数字取几次运行的中位数，默认 5。")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "BENCHMARKS.md"))
        parser.add_argument("--only", default=",".join(PARTS), help=f"只运行其中几项：{','.join(PARTS)}。")
        parser.add_argument("--requests", type=int, default=5, help="页面测量中每轮每个客户端的请求数，默认 5。")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker 数，默认 3（与 docker 配置相同）。")
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help="生成数据时载入几年的记录（seed_scale --years，默认其默认值 3）；记入数据库注释。",
        )
        parser.add_argument(
            "--notes",
            default=None,
            help="附在报告末尾的手写分析，默认 apps/demo/bench/NOTES.md（省级用 NOTES-province.md）。",
        )
        parser.add_argument("--export-rows", type=int, default=100_000)
        parser.add_argument("--import-rows", type=int, default=10_000)
        parser.add_argument("--committee-user", default="gongwei")
        parser.add_argument("--unit-user", default="danwei")
        parser.add_argument("--password", default="Demo@2026")
        parser.add_argument(
            "--reseed", action="store_true", help="无论数据库中是什么数据，都重新生成（生成器更新后使用）。"
        )
        parser.add_argument("--no-seed", action="store_true", help="不检查、不生成数据（测试用）。")

    def handle(self, *args, **o):
        if connection.vendor != "postgresql":
            raise CommandError(
                "基准测试只在 PostgreSQL 上运行：请设置 DATABASE_URL（make bench 使用 BENCH_DATABASE_URL）。"
            )
        only = [p.strip() for p in o["only"].split(",") if p.strip()]
        unknown = sorted(set(only) - set(PARTS))
        if unknown:
            raise CommandError(f"未知的测量项：{'、'.join(unknown)}（可选：{'、'.join(PARTS)}）")
        if o["runs"] < 1:
            raise CommandError("--runs 至少为 1。")
        if not o["no_seed"]:
            self._prepare(o["preset"], reseed=o["reseed"], years=o["years"])
        if "explain" in only and not settings.DEBUG:
            # The pages are rendered in this process: their {% static %} reads the manifest (gunicorn's
            # server collects for itself, in http.Server).
            call_command("collectstatic", interactive=False, verbosity=0)
        results = self._measure(o, only)
        from apps.demo.bench import report

        notes = Path(o["notes"]) if o["notes"] else report.NOTES
        Path(o["output"]).write_text(report.render(results, notes=notes), encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"已写出 {o['output']}"))

    def _say(self, text: str) -> None:
        self.stdout.write(f"[{time.strftime('%H:%M:%S')}] {text}")

    def _prepare(self, preset: str, *, reseed: bool = False, years: int | None = None) -> None:
        if ensure_database():
            self._say(f"已创建数据库 {connection.settings_dict['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        current = stored_preset()
        wanted = preset if years is None or preset == "demo" else f"{preset} years={years}"
        if Unit.objects.exists() and current == wanted and not reseed:
            self._say(f"数据库已是预设 {wanted} 的数据，不再生成")
        else:
            self._say(f"生成预设 {wanted} 的数据（原有：{current or '无'}）……")
            if preset == "demo":
                call_command("seed_demo", "--reset", verbosity=0)
            elif "seed_scale" in get_commands():
                extra = ["--years", str(years)] if years is not None else []
                call_command("seed_scale", "--preset", preset, "--reset", *extra, stdout=self.stdout)
            else:
                raise CommandError(f"没有 seed_scale 命令，不能生成预设 {preset}；请用 PRESET=demo。")
            store_preset(wanted)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _measure(self, o: dict, only: list[str]):
        from apps.demo.bench import compute, explain, files, http, machine, report

        today = timezone.localdate()
        runs = o["runs"]
        results = report.Results(
            preset=stored_preset() or o["preset"],
            runs=runs,
            today=today,
            machine=machine.describe(),
            workers=o["workers"],
            per_client=o["requests"],
            skipped=[p for p in PARTS if p not in only],
        )
        committee, unit_user = o["committee_user"], o["unit_user"]
        if "compute" in only:
            year = compute.Period.containing(today, compute.Frequency.YEAR)
            month = compute.last_ended_month(today)
            self._say("合规引擎……")
            results.compute.append(compute.engine(year, today, runs))
            self._say("存储的评判结果……")
            results.compute.append(compute.stored(year, today, runs))
            for period in (year, month):
                self._say(f"排名测算 {period.label}……")
                results.compute.append(compute.ranking(period, today, runs))
        if "http" in only:
            self._say("页面与接口（gunicorn）……")
            with tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False) as log:
                pass
            with http.Server(machine.database_url(), workers=o["workers"], log=Path(log.name)) as server:
                results.latency = http.run_all(
                    server.base,
                    http.targets(committee, unit_user),
                    password=o["password"],
                    runs=runs,
                    per_client=o["requests"],
                    progress=self._say,
                )
        if "files" in only:
            self._say(f"导出 {o['export_rows']:,} 行……")
            results.export = files.export(user=committee, rows=o["export_rows"], runs=runs)
            results.export_versus = files.export_versus(results.export)
            self._say(f"名册导入 {o['import_rows']:,} 行……")
            results.roster = files.roster(username=committee, rows=o["import_rows"], runs=runs)
        if "explain" in only:
            self._say("EXPLAIN……")
            results.explains = explain.explain_all(committee, unit_user, year=today.year)
        return results
