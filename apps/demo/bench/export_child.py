"""One records export in a process of its own, for `files.export`: prints its figures as one JSON line.

python -m apps.demo.bench.export_child --user gongwei --rows 100000 --folder /tmp/x
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _rss_mb() -> float:
    """The resident set size now (Linux /proc), or the high-water mark where /proc is missing."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return _max_rss_mb()


class _Sampler(threading.Thread):
    """The largest resident set size seen while the export runs (every 20 ms)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = _rss_mb()
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.02):
            self.peak = max(self.peak, _rss_mb())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--folder", required=True)
    args = parser.parse_args()

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "organ_portal.settings")
    django.setup()
    from django.db import connection
    from django.http import QueryDict

    from apps.core import excel
    from apps.orgs.models import User
    from apps.partylife.views.records import activity_rows

    user = User.objects.get(username=args.user)
    export = activity_rows(user=user, params=QueryDict())
    export.queryset = export.queryset[: args.rows]
    rows = export.queryset.count()
    connection.ensure_connection()
    base = _rss_mb()
    sampler = _Sampler()
    sampler.start()

    path = os.path.join(args.folder, "export.xlsx")
    started = time.perf_counter()
    excel.write_workbook(path, sheets=export.sheets(export.rows()))
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    peak = max(sampler.peak, _rss_mb()) - base

    sql, params = export.queryset.query.get_compiler(connection=connection).as_sql()
    csv_path = os.path.join(args.folder, "export.csv")
    started = time.perf_counter()
    with connection.cursor() as cursor, open(csv_path, "wb") as out:
        raw = cursor.cursor  # psycopg2's own cursor: mogrify binds the parameters, copy_expert streams
        statement = raw.mogrify(sql, params).decode()
        raw.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER)", out)
    copy_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "peak_mb": round(peak, 1),
                # Sampled, not ru_maxrss: Linux keeps the parent's high-water mark across fork and exec, so
                # ru_maxrss here was the bench process's own peak (1.8 GB after the province's engine run).
                "process_mb": round(max(sampler.peak, _rss_mb()), 1),
                "file_mb": round(os.path.getsize(path) / 2**20, 3),
                "copy_seconds": copy_seconds,
                "copy_mb": round(os.path.getsize(csv_path) / 2**20, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
