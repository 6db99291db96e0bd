"""The benchmark harness behind `make bench` (`manage.py bench`): measures the portal on a seeded database and
writes BENCHMARKS.md. Every figure is the median of several runs, each beside a reference measured in the same run.

- `compute`: the compliance engine for every branch and unit for a year, a ranking run for a year and a month;
  reference: one hand-written SQL statement over the same rows.
- `http`: p50/p95 of the main pages and API lists with 1 and 8 clients against gunicorn started here;
  reference: a static file through the same gunicorn.
- `files`: a 100,000-row records export (time, peak memory in a subprocess: `export_child`) and a 10,000-row
  roster import; references: COPY of the same rows to CSV, a bulk insert of the same rows.
- `explain`: EXPLAIN (ANALYZE, BUFFERS) of the queries of the list pages (how the indexes were chosen).
- `machine`: CPU, cores, RAM, PostgreSQL version, row counts of the main tables; `timing`: medians, percentiles.
- `report`: the markdown, with the hand-written analysis of `NOTES.md` at its end.

Nothing here is part of the product: `make test` only checks that the pieces run (tests/bench).
"""
