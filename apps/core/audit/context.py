"""Who is acting and from where, for the entries written during a request (or a job run for someone)."""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Actor:
    id: int | None = None
    label: str = ""
    address: str | None = None


_request: ContextVar = ContextVar("audit_request", default=None)
_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)
_paused: ContextVar[bool] = ContextVar("audit_paused", default=False)


def user_label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    name = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return f"{user.get_username()}（{name}）" if name else user.get_username()


def client_address(request) -> str | None:
    """The address the login audit uses (AXES_CLIENT_IP_CALLABLE, so a trusted proxy header counts the same)."""
    path = getattr(settings, "AXES_CLIENT_IP_CALLABLE", None)
    if path:
        try:
            return import_string(path)(request) or None
        except Exception:  # noqa: BLE001 - an address is never worth failing a write for
            pass
    return request.META.get("REMOTE_ADDR") or None


def current_actor() -> Actor:
    """The actor set by `acting_as`, else the request's signed-in user (read when the entry is written)."""
    actor = _actor.get()
    if actor is not None:
        return actor
    request = _request.get()
    if request is None:
        return Actor()
    user = getattr(request, "user", None)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return Actor(
        id=user.pk if authenticated else None,
        label=user_label(user) if authenticated else "",
        address=client_address(request),
    )


def paused() -> bool:
    return _paused.get()


@contextlib.contextmanager
def acting_as(user, *, address: str | None = None):
    """Entries written inside name `user` (a Celery job run on someone's behalf, a management command)."""
    token = _actor.set(Actor(id=getattr(user, "pk", None), label=user_label(user), address=address))
    try:
        yield
    finally:
        _actor.reset(token)


@contextlib.contextmanager
def suppressed():
    """No per-object entries inside (demo data: its seeding writes one summary entry instead)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


class AuditContextMiddleware:
    """Keeps the request at hand for the entries its writes leave (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
