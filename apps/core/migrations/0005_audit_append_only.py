"""The audit trail is append-only in the database too (PostgreSQL): a trigger refuses every UPDATE of an entry and
every DELETE, except the cleanup's (`apps.core.audit.purge_expired` sets `portal.audit_cleanup` for its own
statement) of entries older than 180 days, the legal minimum (网络安全法第二十一条; MIN_RETENTION_DAYS).

TRUNCATE is not guarded: Django's test runner empties tables with it, and only the database owner may run it.
On SQLite (the zero-setup demo) this migration does nothing.
"""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '审计日志不可修改。' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF coalesce(current_setting('portal.audit_cleanup', true), '') <> 'on' THEN
        RAISE EXCEPTION '审计日志不可删除（仅到期清理任务可删除）。' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.at >= now() - interval '180 days' THEN
        RAISE EXCEPTION '审计日志保存未满 180 天，不可删除。' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END;
$$;
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();
"""

REMOVE = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS core_auditentry_append_only();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_text_limits"),
    ]

    operations = [
        migrations.RunPython(_run(INSTALL), _run(REMOVE), elidable=False),
    ]
