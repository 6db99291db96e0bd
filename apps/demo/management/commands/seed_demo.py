"""Load the demo city (演示数据): every app's registered demo step, in dependency order.

This command knows no app. Each app registers its step in `AppConfig.ready()`
(`apps.core.demo`): the org tree and the demo accounts (`apps.orgs.demo`), party life
(`apps.partylife.demo`), and whatever comes next. The steps run in one transaction,
each after the steps it builds on; `--reset` resets them in the reverse order first. The stored
verdicts are not kept row by row while the steps write (`batching.suspended()`): party life's step rebuilds its
store once, after writing its records.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from apps.core import audit, batching, demo
from apps.core.demo import DemoContext, DemoStep


def _labels(steps: list[DemoStep]) -> str:
    return "、".join(step.label for step in steps if step.label)


class Command(BaseCommand):
    requires_migrations_checks = True

    @property
    def help(self) -> str:
        labels = "；".join(step.label for step in demo.steps() if step.label)
        return f"导入演示数据：按依赖顺序运行各应用登记的演示步骤（{labels}）。"

    def add_arguments(self, parser):
        steps = demo.steps()
        org, rest = [s for s in steps if s.org_data], [s for s in steps if not s.org_data]
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--if-empty", action="store_true", help="已有演示数据时什么也不做（make run 每次都调用）。")
        group.add_argument(
            "--reset",
            action="store_true",
            help=f"先删除全部{_labels(list(reversed(steps)))}，再重新导入。",
        )
        parser.add_argument(
            "--org-only",
            action="store_true",
            help=f"只导入{_labels(org)}，不生成{_labels(rest)}（更快，供测试使用）。",
        )
        parser.add_argument(
            "--only",
            metavar="APP",
            choices=[s.app for s in steps],
            help="只导入该应用的演示数据及其依赖的步骤（如 --only partylife：组织架构与组织生活；供测试使用）。",
        )

    def handle(self, *args, if_empty: bool = False, reset: bool = False, org_only: bool = False, only=None, **options):
        started = time.perf_counter()
        steps = demo.steps()
        existing = "，".join(text for step in steps if step.present and (text := step.present()))
        if existing and if_empty:
            for step in steps:
                if step.ensure:
                    step.ensure()  # e.g. a demo photo deleted through the pages comes back
            self.stdout.write(f"演示数据已存在（{existing}），跳过导入。")
            return
        if existing and not reset:
            raise CommandError(
                f"数据库中已有 {existing}，未导入演示数据。"
                f"如需清空后重新导入，请使用 --reset（将删除全部{_labels(list(reversed(steps)))}）。"
            )
        context = DemoContext(today=timezone.localdate(), now=timezone.now(), org_only=org_only)
        wanted = demo.needed_for(only) if only else None
        summaries = []
        # Demo data is nobody's change: no audit entry per generated row (hundreds of thousands of them).
        with transaction.atomic(), audit.suppressed():
            with batching.suspended():  # no verdict recomputed per generated row: party life rebuilds its store
                if reset:
                    self._reset()
                for step in steps:
                    if org_only and not step.org_data:
                        summaries.append(f"未生成{step.label}（--org-only）")
                    elif wanted is not None and step.app not in wanted:
                        summaries.append(f"未生成{step.label}（--only {only}）")
                    else:
                        summaries.append(step.seed(context))

        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"演示数据已导入：{'；'.join(summaries)}；用时 {elapsed:.1f} 秒。"))
        for note in context.notes:
            self.stdout.write(note)

    def _reset(self) -> None:
        """Reset every step, the last built first (party life's records point at the org tree)."""
        with audit.suppressed():
            for step in reversed(demo.steps()):
                if step.reset:
                    step.reset()
