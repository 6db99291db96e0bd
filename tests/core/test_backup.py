"""`make backup` / `make restore` (scripts/backup.sh, scripts/restore.sh) round-trip the database and the evidence
files: on the test database itself — PostgreSQL (pg_dump / pg_restore) when DATABASE_URL is set, as in CI, the
SQLite file otherwise."""

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.orgs.models import Unit
from tests.celery_worker import database_url
from tests.orgs.factories import BranchFactory, UnitFactory

SCRIPTS = Path(settings.BASE_DIR) / "scripts"
SCAN = bytes(range(256)) * 64  # a binary evidence file


def run(script: str, tmp_path: Path, *, url: str | None = None, **env) -> subprocess.CompletedProcess:
    connection.close()  # the scripts replace the database under us: no open connection or transaction
    environment = {
        **os.environ,
        "DATABASE_URL": url or database_url(connection.settings_dict),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "PYTHON": sys.executable,
        **env,
    }
    return subprocess.run(
        ["bash", str(SCRIPTS / script)], env=environment, capture_output=True, text=True, timeout=300, check=False
    )


def snapshot() -> list[dict]:
    return list(Unit.objects.order_by("pk").values())


@pytest.fixture
def portal(tmp_path):
    """Rows in the database and an evidence file in MEDIA_ROOT."""
    units = [UnitFactory(), UnitFactory(name="市档案馆")]
    BranchFactory(unit=units[0])
    scan = tmp_path / "media" / "evidence" / "2026" / "扫描件.pdf"
    scan.parent.mkdir(parents=True)
    scan.write_bytes(SCAN)
    return scan


def backup(tmp_path) -> Path:
    done = run("backup.sh", tmp_path)
    assert done.returncode == 0, done.stderr
    archive = Path(done.stdout.strip().splitlines()[-1])
    assert archive.parent == tmp_path / "backups" and archive.name.startswith("organ_portal-")
    return archive


@pytest.mark.django_db(transaction=True)  # the scripts are other processes: they see committed rows only
def test_backup_wipe_restore_gives_the_same_rows_and_files(tmp_path, portal):
    before = snapshot()
    archive = backup(tmp_path)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    engine = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    database = "database.dump" if engine == "postgresql" else "database.sqlite3"
    assert names == {"manifest.json", database, "media.tar"}
    assert manifest["engine"] == engine and manifest["media_files"] == 1
    assert len(manifest["parts"]["database"]["sha256"]) == 64

    # Wiped: rows deleted, a row that came later, the evidence file gone.
    Unit.objects.filter(pk=before[1]["id"]).delete()  # the one without a branch
    UnitFactory(name="备份之后新建的单位")
    portal.unlink()

    done = run("restore.sh", tmp_path, FILE=str(archive), FORCE="1")
    assert done.returncode == 0, done.stderr
    assert "恢复完成" in done.stderr
    assert snapshot() == before
    assert not Unit.objects.filter(name="备份之后新建的单位").exists()
    assert portal.read_bytes() == SCAN


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_to_overwrite_existing_data_without_force(tmp_path, portal):
    archive = backup(tmp_path)
    UnitFactory(name="备份之后新建的单位")
    before = snapshot()
    portal.write_bytes(b"changed")

    done = run("restore.sh", tmp_path, FILE=str(archive))
    assert done.returncode != 0
    assert "FORCE=1" in done.stderr and "未做任何修改" in done.stderr
    assert snapshot() == before and portal.read_bytes() == b"changed"


@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_foreign_archive_is_refused_and_changes_nothing(tmp_path, portal):
    archive = backup(tmp_path)
    before = snapshot()
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(archive.read_bytes()[:200])
    for file, message in ((broken, "无法解开"), (tmp_path / "missing.tar.gz", "不存在"), ("", "请指定备份文件")):
        done = run("restore.sh", tmp_path, FILE=str(file), FORCE="1")
        assert done.returncode != 0 and message in done.stderr, (file, done.stderr)
    assert snapshot() == before and portal.read_bytes() == SCAN


@pytest.mark.django_db(transaction=True)
def test_restore_into_an_empty_place_needs_no_force(tmp_path, portal):
    before = snapshot()
    archive = backup(tmp_path)
    empty = tmp_path / "elsewhere"
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_restored"
        admin = database_url(connection.settings_dict)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        url = admin.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{empty / 'restored.sqlite3'}"
    try:
        done = run("restore.sh", tmp_path, url=url, FILE=str(archive), DJANGO_MEDIA_ROOT=str(empty / "media"))
        assert done.returncode == 0, done.stderr
        assert (empty / "media" / portal.relative_to(tmp_path / "media")).read_bytes() == SCAN
        restored = {**connection.settings_dict, "NAME": url.rsplit("/", 1)[1]}
        if connection.vendor != "postgresql":
            restored["NAME"] = str(empty / "restored.sqlite3")
        assert rows_in(restored) == [(row["id"], row["name"]) for row in before]
    finally:
        if connection.vendor == "postgresql":
            connection.close()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def rows_in(settings_dict) -> list[tuple]:
    """The units of another database, read through a connection of its own."""
    from django.db.backends.postgresql.base import DatabaseWrapper as Postgres
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite

    wrapper = (Postgres if connection.vendor == "postgresql" else SQLite)(settings_dict, alias="restored")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute(f"SELECT id, name FROM {Unit._meta.db_table} ORDER BY id")
            return [tuple(row) for row in cursor.fetchall()]
    finally:
        wrapper.close()
