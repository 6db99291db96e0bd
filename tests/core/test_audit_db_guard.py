"""The audit trail cannot be changed in the database either (issue 11.3): on PostgreSQL a trigger refuses a raw
UPDATE of an entry and a raw DELETE, except the cleanup's (its session flag) of entries past the legal minimum.

These run on PostgreSQL (CI: `.ci/run` sets DATABASE_URL to PostgreSQL); on SQLite, where the migration installs
nothing, one test says so and checks that CI is the PostgreSQL run that covers the rest.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.core import audit
from apps.core.audit.recorder import CLEANUP_FLAG
from apps.core.models import AuditEntry

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="the trigger exists on PostgreSQL only (CI runs there)")
pytestmark = pytest.mark.django_db


def _aged(days: int) -> AuditEntry:
    return AuditEntry.objects.create(
        at=timezone.now() - dt.timedelta(days=days), action=AuditEntry.UPDATE, object_type="x", object_type_label="x"
    )


def _raw(sql: str, params=()) -> None:
    """One statement in its own savepoint, so a refusal leaves the test's transaction usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _ids() -> list[int]:
    return sorted(AuditEntry.objects.values_list("pk", flat=True))


def test_the_guard_is_installed_where_ci_runs():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditentry'::regclass")
            assert [name for (name,) in cursor.fetchall()] == ["core_auditentry_append_only"]
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            assert cursor.fetchall() == []  # nothing on SQLite: the PostgreSQL run below covers the guard
            ci = (Path(settings.BASE_DIR) / ".ci" / "run").read_text()
            assert 'DATABASE_URL="postgres://' in ci


@postgresql_only
def test_a_raw_update_is_refused():
    entry = _aged(1)
    old = _aged(400)
    for target in (entry, old):
        with pytest.raises(DatabaseError, match="审计日志不可修改"):
            _raw("UPDATE core_auditentry SET note = %s WHERE id = %s", ["篡改", target.pk])
    with pytest.raises(DatabaseError, match="审计日志不可修改"):
        _raw("UPDATE core_auditentry SET at = at - interval '1000 days'")
    assert set(AuditEntry.objects.values_list("note", flat=True)) == {""}


@postgresql_only
def test_a_raw_delete_is_refused_even_of_old_entries_without_the_cleanups_flag():
    recent, old = _aged(1), _aged(400)
    for target in (recent, old):
        with pytest.raises(DatabaseError, match="审计日志不可删除"):
            _raw("DELETE FROM core_auditentry WHERE id = %s", [target.pk])
    assert {recent.pk, old.pk} <= set(_ids())


@postgresql_only
def test_with_the_flag_an_entry_younger_than_180_days_still_cannot_be_deleted():
    recent = _aged(179)
    with pytest.raises(DatabaseError, match="保存未满 180 天"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', true)", [CLEANUP_FLAG])
            cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [recent.pk])
    assert recent.pk in _ids()


@postgresql_only
def test_the_cleanup_still_deletes_old_entries_and_leaves_the_flag_off(settings):
    before = _ids()
    kept = [_aged(1).pk, _aged(179).pk, _aged(200).pk]
    _aged(366)
    _aged(1000)
    settings.PORTAL_AUDIT_RETENTION_DAYS = 365
    assert audit.purge_expired() == 2
    assert _ids() == sorted(before + kept)
    settings.PORTAL_AUDIT_RETENTION_DAYS = 180
    assert audit.purge_expired() == 1
    assert _ids() == sorted(before + kept[:2])
    # Later statements of the same transaction are guarded again.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [CLEANUP_FLAG])
        assert cursor.fetchone()[0] == "off"
    very_old = _aged(1000)
    with pytest.raises(DatabaseError, match="审计日志不可删除"):
        _raw("DELETE FROM core_auditentry WHERE id = %s", [very_old.pk])
