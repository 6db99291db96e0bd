"""Load a city or a province (`manage.py seed_scale --preset small|city|province`): data to measure the portal at
scale.

PostgreSQL only. The command knows no app: it runs the `scale` function of every demo step registered in
`apps.core.demo` (`DemoStep(scale=…)`), in the steps' dependency order — the org tree and accounts
(`apps/orgs/demo/scale.py`), then party life, study and discipline (`apps/<app>/demo/scale.py`), then scoring. Each
streams its rows unit by unit with COPY (`apps.core.scale`), one transaction per unit; when the database role is a
superuser the foreign-key triggers are skipped during the load (`--check-keys` keeps them: slower). Then the id
sequences are set past the rows written, `after_scale_load()` rebuilds the stored verdicts (partylife's
`compliance.store`), and ANALYZE; the command prints the row count of every table it wrote.

It refuses a database that holds data already (units, say) unless `--reset`, which empties every table (`flush`) and
reloads each app's default data (rules, indicator systems) first. A run that fails half way leaves the units written
before the failure: run it again with `--reset`.

`--preset tiny` (3 units) is for the tests; `small` (30 units) for development; `city` (300 units, 3,000 branches,
60,000 members) and `province` (ten times the city) for the benchmarks. docs/SCALE.md lists what each preset writes
and how long it takes.
"""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from apps.core import audit, batching, default_data, demo
from apps.core.scale import PRESETS, ScaleContext
from apps.partylife.compliance import store

DEFAULT_SEED = 20261127


def after_scale_load(context: ScaleContext) -> str:
    """What must follow a bulk load of records that bypassed the services: the stored roll-ups the services keep
    current on each write, which COPY does not — party life's stored verdicts, rebuilt for every unit and year."""
    return f"评判结果 {store.rebuild(today=context.today):,} 条"


class Command(BaseCommand):
    help = "按预设规模生成测试数据（仅 PostgreSQL）：单位、支部、党员、账号及三年的组织生活、学习、纪律监督和评分数据。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--preset",
            required=True,
            choices=list(PRESETS),
            help="；".join(f"{p.name}：{p.label}，{p.branches} 个支部，{p.members} 名党员" for p in PRESETS.values()),
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子：相同种子生成相同数据。")
        parser.add_argument(
            "--years",
            type=int,
            default=3,
            choices=range(1, 11),
            metavar="{1-10}",
            help="生成几年的记录（含今年），默认 3。",
        )
        parser.add_argument("--reset", action="store_true", help="先清空数据库（flush）并重新载入默认数据，再生成。")
        parser.add_argument(
            "--check-keys",
            action="store_true",
            help="逐行检查外键（较慢）。默认在数据库账号为超级用户时跳过逐行检查（生成器保证外键正确）。",
        )

    def handle(self, *args, preset: str, seed: int, years: int, reset: bool, check_keys: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"seed_scale 只支持 PostgreSQL（当前数据库：{connection.vendor}）。请设置 "
                "DATABASE_URL=postgres://… 后再运行。 seed_scale runs on PostgreSQL only."
            )
        started = time.perf_counter()
        steps = [step for step in demo.steps() if step.scale]
        existing = "，".join(text for step in demo.steps() if step.present and (text := step.present()))
        if existing and not reset:
            raise CommandError(
                f"数据库中已有 {existing}，未生成数据。如需清空整个数据库后重新生成，请使用 --reset。"
                " The database is not empty: use --reset to flush it first."
            )
        if reset:
            self.stdout.write("清空数据库并重新载入默认数据……")
            if connection.in_atomic_block:  # called inside a transaction (a test): check the pending keys first,
                with connection.cursor() as cursor:  # TRUNCATE refuses tables with deferred checks queued
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            call_command("flush", interactive=False, verbosity=0)
            default_data.load_all()

        if not check_keys and not self._superuser():
            check_keys = True
            self.stdout.write("数据库账号不是超级用户：逐行检查外键（较慢）。")
        context = ScaleContext(
            preset=PRESETS[preset],
            seed=seed,
            today=timezone.localdate(),
            now=timezone.now(),
            years=years,
            progress=self.stdout.write,
            check_keys=check_keys,
        )
        self.stdout.write(
            f"生成{context.preset.label}数据：{context.start:%Y-%m-%d} 至 {context.today:%Y-%m-%d}，随机种子 {seed}。"
        )
        # Generated rows are nobody's writing: no audit entry, no history row (COPY sends no signal anyway).
        # No verdict is recomputed per written row either: the store is rebuilt once, after the load.
        with audit.suppressed(), override_settings(SIMPLE_HISTORY_ENABLED=False), batching.suspended():
            for step in steps:
                began = time.perf_counter()
                self.stdout.write(f"{step.label}……")
                summary = step.scale(context)
                self.stdout.write(f"  {summary}（{time.perf_counter() - began:.1f} 秒）")
        began = time.perf_counter()
        summary = after_scale_load(context)
        self.stdout.write(f"  {summary}（{time.perf_counter() - began:.1f} 秒）")
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"ANALYZE 完成（{time.perf_counter() - began:.1f} 秒）。")
        self._counts(context)
        self.stdout.write(self.style.SUCCESS(f"生成完毕，用时 {time.perf_counter() - started:.1f} 秒。"))

    @staticmethod
    def _superuser() -> bool:
        """Only a superuser may turn off the foreign-key triggers (session_replication_role)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        return bool(row and row[0])

    def _counts(self, context: ScaleContext) -> None:
        """The row count of every table the run wrote (counted in the database, not by the generator)."""
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            rows = []
            for table in sorted(context.written):
                cursor.execute(f"SELECT count(*) FROM {qn(table)}")
                rows.append((table, cursor.fetchone()[0]))
        width = max(len(t) for t, _ in rows)
        self.stdout.write("各表行数：")
        for table, n in rows:
            self.stdout.write(f"  {table.ljust(width)}  {n:>12,}")
        self.stdout.write(f"  {'合计'.ljust(width - 2)}  {sum(n for _, n in rows):>12,}")
