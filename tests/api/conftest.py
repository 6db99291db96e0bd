"""Schemathesis against the portal's own WSGI app, in process, on the test database.

The schema is read the way a signed-in user reads it (`/api/schema/` is for signed-in users only), and every
generated request is sent through Django's WSGI handler with that user's session cookie and a CSRF pair, so the
fuzzer goes through the same middleware, authentication and permission checks as a browser or a script.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from apps.orgs.models import User


@dataclass
class Caller:
    """One signed-in user as the fuzzer sees them: the schema they read and the headers they send."""

    user: User
    schema: schemathesis.schemas.BaseSchema
    headers: dict[str, str]


def _keep_test_connection() -> None:
    """A real request closes "old" connections when it starts and ends; inside the test's transaction that would
    close the test's own connection. Django's test client unhooks the same signal for each of its requests (and
    hooks it back after), so this runs after every test-client request of the fixture."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, kept on the test transaction; the signals are restored after the test."""
    _keep_test_connection()
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def caller(wsgi_app):
    """`caller(user)` → a Caller: the schema as that user reads it, bound to the in-process app."""

    def _caller(user: User) -> Caller:
        client = Client()
        client.force_login(user)
        answer = client.get("/api/schema/?format=json")
        assert answer.status_code == 200, answer.status_code
        _keep_test_connection()
        schema = schemathesis.openapi.from_dict(answer.json())
        schema.app = wsgi_app
        csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret Django accepts in cookie and header
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers = {
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
            "X-CSRFToken": csrf,
        }
        return Caller(user=user, schema=schema, headers=headers)

    return _caller
