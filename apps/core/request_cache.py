"""A per-request memo (请求内缓存): a read that several widgets of one page repeat runs once per request.

A page is built by selectors that do not know each other (the home page's party-life chips and its study
block both ask when each unit's judging starts; a unit overview judges its branches and the unit with the
same rules). A read marked `@request_cached` keeps its answer for the rest of the request:

    @request_cached
    def judged_from_units_key(unit_ids: frozenset[int]) -> dict[int, dt.date]: ...

- Only while `RequestCacheMiddleware` serves a **GET or HEAD** request: a POST (or a Celery task, a
  management command, a test calling the function directly) always reads the database, so nothing written
  in the same request can be answered from a stale copy.
- The key is the function and its arguments, which must be hashable (pass a `frozenset`, not a list);
  an unhashable call is simply not cached.
- The cached object is shared by every caller of the request: callers must not change it (the functions
  return tuples / copies where a caller might).
- The memo dies with the request; there is no invalidation to get wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("portal_request_memo", default=None)
SAFE_METHODS = frozenset({"GET", "HEAD"})


class RequestCacheMiddleware:
    """Opens the memo for a GET or HEAD request and drops it when the response is built."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)


def request_cached(fn: Callable[..., T]) -> Callable[..., T]:
    """Memoise `fn` by its arguments for the rest of the current GET request (a plain call otherwise)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        memo = _memo.get()
        if memo is None:
            return fn(*args, **kwargs)
        key = (fn, args, tuple(sorted(kwargs.items())))
        try:
            return memo[key]
        except KeyError:
            pass
        except TypeError:  # unhashable arguments: not cached
            return fn(*args, **kwargs)
        memo[key] = value = fn(*args, **kwargs)
        return value

    return wrapper


def active() -> bool:
    """Whether a request memo is open (the tests use it)."""
    return _memo.get() is not None
