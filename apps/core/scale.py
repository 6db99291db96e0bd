"""The scale generator's shared pieces (`manage.py seed_scale`): presets, the context every app's step sees, COPY.

`apps.demo`'s `seed_scale` command knows no app: each app gives its demo step (`apps.core.demo.DemoStep`) a `scale=`
function, `scale(context) -> str` (a one-line Chinese summary), and the command runs them in the steps' dependency
order on an empty PostgreSQL database. A step streams its rows unit by unit (never the whole province in memory)
through `context.copier(Model, fields)`, which writes them with `COPY … FROM STDIN` in chunks, and commits after
each unit (`with context.batch(): …`), so the server's queue of deferred foreign-key checks stays bounded too. With
`check_keys=False` (seed_scale's default when the database role is a superuser) a batch runs with
`session_replication_role = replica`: PostgreSQL skips the foreign-key triggers, which halves the load time; the
generators keep every key by construction, and the tests load with the checks on. Rows carry explicit ids
(`copier.new_id()`); the command resets the sequences at the end. COPY sends no signals: no audit entry and no
history row is written for generated rows.

Shapes are drawn from `context.rng(...)` (a `random.Random` seeded by the run's seed and the names given, so each
unit, branch and app draws its own sequence) and `context.diligence(unit_id)`: one profile per unit that every app
reads, so a unit behind in party life is behind in study and supervision too.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, models, transaction


@dataclass(frozen=True)
class Preset:
    name: str
    units: int
    branches: int
    members: int
    label: str


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("tiny", 3, 12, 150, "测试规模（3 个单位）"),
        Preset("small", 30, 300, 6_000, "小规模（30 个单位）"),
        Preset("city", 300, 3_000, 60_000, "市级规模（300 个单位）"),
        Preset("province", 3_000, 30_000, 600_000, "省级规模（3,000 个单位）"),
    )
}


@dataclass
class ScaleContext:
    """What every app's scale step sees: the preset, the seed, the days loaded, and the writers."""

    preset: Preset
    seed: int
    today: dt.date
    now: dt.datetime
    years: int
    progress: Callable[[str], None] = print
    check_keys: bool = True  # False: foreign keys are not checked row by row (the generator keeps them)
    written: Counter = field(default_factory=Counter)  # table → rows written
    shared: dict = field(default_factory=dict)  # what a step leaves for the steps after it (ids, not rows)
    _copiers: list[Copier] = field(default_factory=list)

    @property
    def start(self) -> dt.date:
        """The first day loaded: 1 January, `years - 1` years before today's year (three years up to today)."""
        return dt.date(self.today.year - self.years + 1, 1, 1)

    def rng(self, *names) -> random.Random:
        """A generator of its own for one thing (a unit, a branch, an app's part of it), from the run's seed."""
        return random.Random(":".join(str(n) for n in (self.seed, *names)))

    def diligence(self, unit_id: int) -> float:
        """How well a unit keeps up (0–1), the same for every app: a fifth diligent, a fifth behind."""
        rng = self.rng("diligence", unit_id)
        roll = rng.random()
        if roll < 0.2:
            return rng.uniform(0.93, 1.0)
        if roll < 0.8:
            return rng.uniform(0.78, 0.93)
        return rng.uniform(0.45, 0.72)

    def copier(self, model: type[models.Model], fields: Sequence[str]) -> Copier:
        """A writer for one table. Make the copiers of a step parents first: they are flushed in that order."""
        copier = Copier(self, model, fields)
        self._copiers.append(copier)
        return copier

    @contextmanager
    def batch(self):
        """One transaction for one unit (or another bounded batch): every copier's rows are sent before it commits.

        A batch that fails rolls back alone; the batches before it stay (run the command again with --reset).
        """
        with transaction.atomic():
            with connection.cursor() as cursor:
                # The commit of a batch needs not wait for the disk: a crash loses the last batches, and the
                # load is run again with --reset anyway.
                cursor.execute("SET LOCAL synchronous_commit = off")
                if not self.check_keys:  # no foreign-key trigger per row (superuser only; see seed_scale)
                    cursor.execute("SET LOCAL session_replication_role = replica")
            yield
            for copier in self._copiers:
                copier.flush()


NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _cell(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, int | Decimal | dt.date):  # dt.datetime is a dt.date: ISO text with its offset
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    raise TypeError(f"seed_scale cannot write {type(value).__name__} values")


class Copier:
    """The rows of one table, sent with `COPY table (columns) FROM STDIN` every `chunk` rows and on commit.

    `fields` are model field names (foreign keys by their `_id` attname or their name). Every column the
    database requires (NOT NULL) must be among them: COPY fills no Django default (`auto_now`, `default=`).
    """

    chunk = 50_000

    def __init__(self, context: ScaleContext, model: type[models.Model], fields: Sequence[str]):
        self.context = context
        self.model = model
        opts = model._meta
        columns = []
        for name in fields:
            f = opts.get_field(name[:-3] if name.endswith("_id") and not _has_field(opts, name) else name)
            columns.append(f.column)
        required = {
            f.column
            for f in opts.concrete_fields
            if not f.null and not f.primary_key and getattr(f, "db_default", models.NOT_PROVIDED) is models.NOT_PROVIDED
        }
        missing = required - set(columns)
        if missing:
            raise ValueError(f"{opts.label}: seed_scale must write the columns {sorted(missing)}")
        self.table = opts.db_table
        qn = connection.ops.quote_name
        self.sql = f"COPY {qn(self.table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        self.width = len(columns)
        self.rows: list[str] = []
        self._next_id: int | None = None

    def new_id(self) -> int:
        """The next free id of the table (read once, then counted here)."""
        if self._next_id is None:
            self._next_id = (self.model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
        value = self._next_id
        self._next_id += 1
        return value

    def add(self, *values) -> None:
        self.rows.append("\t".join(map(_cell, values)))
        if len(self.rows) >= self.chunk:
            # The copiers made before this one first: their rows may be the ones these point at.
            for copier in self.context._copiers:
                copier.flush()
                if copier is self:
                    break

    def add_many(self, rows: Iterable[tuple]) -> None:
        for row in rows:
            self.add(*row)

    def flush(self) -> None:
        if not self.rows:
            return
        buffer = io.StringIO("\n".join(self.rows) + "\n")
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(self.sql, buffer)
        self.context.written[self.table] += len(self.rows)
        self.rows = []


def _has_field(opts, name: str) -> bool:
    try:
        opts.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist: `name` is an attname
        return False
    return True


def reset_sequences(model_list: Iterable[type[models.Model]]) -> None:
    """Set each table's id sequence past its largest id (rows went in with explicit ids)."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
