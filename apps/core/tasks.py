"""The one way a Celery task of the portal is declared: safe when a worker dies, a database blips or beat ticks twice.

`portal_task(...)` is `shared_task` with the portal's fault defaults:

* **acked late, rejected on worker loss**: the broker keeps the message until the task returns, and a worker
  killed mid-task hands it back (redelivered) instead of losing it. Every task must therefore be idempotent:
  running it twice gives the same rows (dedupe keys, snapshots replaced, a ranking run claimed once);
* **retried with exponential backoff and jitter** on transient faults only (database or broker connection
  lost, a timeout) — a bug is not retried, it fails once and is logged;
* **locked per key** (`lock=`): two copies of the same task for the same key never run at once; the second
  returns `SKIPPED` at once (the first does the same work). The lock is a Redis lock when the broker is Redis;
  otherwise it is held by the database: a PostgreSQL advisory lock, or on SQLite (the one-process demo) an
  exclusive lock on a file beside the database. The last two end with the process holding them, so a killed
  worker never leaves a stale lock; the Redis lock expires after `lock_ttl` seconds.

The ranking run keeps its own lock (one queued or running run per period, claimed once: `scoring.services.runs`);
its task takes the defaults without a second lock.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)

#: What a task returns when another copy holds its lock.
SKIPPED = "skipped"

#: Faults worth another try: the database or the broker went away for a moment, a network timeout.
TRANSIENT: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    BrokerError,
    ConnectionError,
    TimeoutError,
)
try:  # redis-py's errors do not derive from the built-in ConnectionError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    TRANSIENT += (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is a runtime dependency
    pass

DEFAULTS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": 5,  # 5 s, 10 s, 20 s … (doubling)
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}

LOCK_PREFIX = "organ-portal:task-lock:"


class LockUnavailable(Exception):
    """Another copy of the task holds the lock of this key."""


def lock_backend() -> str:
    """`redis` when the broker is Redis, else `postgresql` or `file` (SQLite) — the database holds the lock."""
    if str(settings.CELERY_BROKER_URL).startswith(("redis://", "rediss://")):
        return "redis"
    return "postgresql" if connection.vendor == "postgresql" else "file"


@contextmanager
def task_lock(key: str, *, ttl: int = 3600) -> Iterator[None]:
    """Hold the lock of `key` for the block, or raise `LockUnavailable` at once when another holder has it."""
    key = f"{connection.settings_dict['NAME']}:{key}"  # databases sharing a Redis (or a folder) never collide
    backend = lock_backend()
    if backend == "redis":
        with _redis_lock(key, ttl=ttl):
            yield
    elif backend == "postgresql":
        with _advisory_lock(key):
            yield
    else:
        with _file_lock(key):
            yield


@contextmanager
def _redis_lock(key: str, *, ttl: int) -> Iterator[None]:
    import redis

    client = redis.Redis.from_url(str(settings.CELERY_BROKER_URL))
    lock = client.lock(LOCK_PREFIX + key, timeout=ttl, blocking=False)
    if not lock.acquire(blocking=False):
        raise LockUnavailable(key)
    try:
        yield
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:  # expired meanwhile (the task outlived its ttl)
            log.warning("task lock %s expired before release", key)


def _lock_id(key: str) -> int:
    """A stable signed 64-bit number for the key (PostgreSQL advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256((LOCK_PREFIX + key).encode()).digest()[:8], "big", signed=True)


@contextmanager
def _advisory_lock(key: str) -> Iterator[None]:
    """A session-level advisory lock: released on exit, or by PostgreSQL when the worker's connection dies."""
    lock_id = _lock_id(key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
        if not cursor.fetchone()[0]:
            raise LockUnavailable(key)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])


def _lock_folder() -> Path:
    name = Path(str(connection.settings_dict["NAME"]))
    return (name.parent if name.is_absolute() else Path(settings.BASE_DIR)) / ".task-locks"


@contextmanager
def _file_lock(key: str) -> Iterator[None]:
    """An exclusive `flock` on a file beside the SQLite database: released on exit or when the process dies."""
    import fcntl

    folder = _lock_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LockUnavailable(key) from exc
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def portal_task(
    *, lock: Callable[..., str] | None = None, lock_ttl: int = 3600, **options
) -> Callable[[Callable], Callable]:
    """Declare a task with the fault defaults above; `lock(*args, **kwargs) -> key` serialises copies per key.

    ```python
    @portal_task(lock=lambda on=None: f"orgs.headcount:{on or 'today'}")
    def headcount_snapshot_task(on: str | None = None) -> int: ...
    ```
    """

    def decorator(fn: Callable) -> Callable:
        body = fn
        if lock is not None:

            @functools.wraps(fn)
            def body(*args, **kwargs):
                key = f"{fn.__module__}.{fn.__name__}:{lock(*args, **kwargs)}"
                try:
                    with task_lock(key, ttl=lock_ttl):
                        return fn(*args, **kwargs)
                except LockUnavailable:
                    log.info("task %s: another copy holds %s, skipped", fn.__name__, key)
                    return SKIPPED

        return shared_task(**{**DEFAULTS, **options})(body)

    return decorator
