"""`manage.py rebuild_verdicts [--year Y]`: recompute the stored verdicts (partylife.compliance.store) with the engine.

Without `--year`, every year from the platform's start to this one (rows of other years are dropped); run it
once after upgrading to the store, and after restoring a backup taken by an older version.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.partylife.compliance import store


class Command(BaseCommand):
    help = "重算组织生活评判结果存储（按单位分批，用评判引擎计算）；不指定 --year 时重算平台启用年度至今年的全部年度。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="只重算该年度（可重复指定）。")

    def handle(self, *args, year=None, **options):
        today = timezone.localdate()
        if year:
            bad = [y for y in year if not 2000 <= y <= today.year + 1]
            if bad:
                raise CommandError(f"年度超出范围：{'、'.join(map(str, bad))}（应在 2000 至 {today.year + 1} 之间）。")
        started = time.perf_counter()
        written = store.rebuild(years=year, today=today)
        elapsed = time.perf_counter() - started
        years = "、".join(map(str, sorted(set(year)))) if year else "全部年度"
        self.stdout.write(self.style.SUCCESS(f"评判结果已重算（{years}）：{written} 条，用时 {elapsed:.1f} 秒。"))
