"""Work a write leaves for the end of its batch (写入批处理), inside the same transaction.

Some tables are kept from others: party life keeps its stored verdicts (`partylife.compliance.store`) current on
every write that changes a verdict. Its signal receivers `mark(key, items)` what a write touched; `settle()`
after each write then runs the registered flusher on what was marked, at once — unless a batch is open:

```python
with batching.batch():        # one transaction; the flushers run once, at its end, before it commits
    for row in rows:
        service_that_writes(row)
```

A service that does many writes (a record with its attendance and evidence, a transfer, a roster import, the
demo) opens a batch, so the kept table is recomputed once for everything it touched, still inside its
transaction. Batches nest: the outermost flushes. When the block raises, nothing is flushed (the transaction
rolls back). A write below the app that keeps the table (orgs, under party life) that skips the signals
(`bulk_create`, `queryset.update`) says what it changed with `changed(kind, **data)`; the keeping app listens
with `listen(kind, fn)`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.db import transaction

_state = threading.local()
_flushers: dict[str, Callable[[set], None]] = {}
_listeners: dict[str, list[Callable[..., None]]] = {}


def register(key: str, flush: Callable[[set], None]) -> None:
    """Register the flusher of `key`: `flush(items)` gets every item marked since the last flush."""
    _flushers[key] = flush


def listen(kind: str, fn: Callable[..., None]) -> None:
    """Call `fn(**data)` whenever a write reports `changed(kind, **data)`."""
    if fn not in _listeners.setdefault(kind, []):
        _listeners[kind].append(fn)


def changed(kind: str, **data) -> None:
    """A write that sent no signals (bulk) reports what it changed; then settles unless a batch is open."""
    for fn in _listeners.get(kind, ()):
        fn(**data)
    settle()


def _pending() -> dict[str, set]:
    if not hasattr(_state, "pending"):
        _state.pending = {}
        _state.depth = 0
    return _state.pending


def mark(key: str, items: Iterable) -> None:
    """Remember items for `key`'s flusher (run at the end of the open batch, or at the next `settle()`)."""
    if is_suspended():
        return
    _pending().setdefault(key, set()).update(items)


def in_batch() -> bool:
    _pending()
    return _state.depth > 0


def settle() -> None:
    """Flush what was marked now, unless a batch is open (it flushes at its end)."""
    if not in_batch():
        flush()


def flush() -> None:
    """Run every flusher on what was marked for it (each in a transaction)."""
    pending = _pending()
    while pending:
        key, items = pending.popitem()
        if items and key in _flushers:
            with transaction.atomic():
                _flushers[key](items)


def discard() -> None:
    _pending().clear()


@contextmanager
def batch():
    """One transaction whose marked work is flushed once, at the end, before it commits."""
    _pending()
    outermost = _state.depth == 0
    if outermost:
        discard()  # left over from a write that raised between its signals
    _state.depth += 1
    try:
        with transaction.atomic():
            yield
            if outermost:
                _state.depth -= 1
                try:
                    flush()
                finally:
                    _state.depth += 1
    except BaseException:
        if outermost:
            discard()
        raise
    finally:
        _state.depth -= 1


@contextmanager
def suspended():
    """Writes inside mark nothing (the caller rebuilds what it changed afterwards: the demo seed)."""
    _pending()
    saved = _state.__dict__.get("suspended", False)
    _state.suspended = True
    try:
        yield
    finally:
        _state.suspended = saved


def is_suspended() -> bool:
    return getattr(_state, "suspended", False)


def batched(fn: Callable) -> Callable:
    """A service decorator: `transaction.atomic` whose marked work is flushed once, at the end (`batch()`)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with batch():
            return fn(*args, **kwargs)

    return wrapper
